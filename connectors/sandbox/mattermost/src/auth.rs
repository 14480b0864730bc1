//! Mattermost's error body (`{"id","message","request_id","status_code","is_oauth"}`)
//! and the bearer-token check: `Authorization: Bearer <token>` (or `Token <token>`, the legacy
//! form) or the `MMAUTHTOKEN` cookie; anything else is `401 api.context.session_expired.app_error`.

use axum::{
    Json,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::state::{AppState, User};

/// An error as Mattermost's API returns it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub id: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, id: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, id, message: message.into() }
    }
    pub fn bad_request(id: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, id, message)
    }
    pub fn not_found(id: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, id, message)
    }
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        )
    }
    pub fn invalid_param(name: &str) -> ApiError {
        ApiError::bad_request("api.context.invalid_param.app_error", format!("Invalid {name} parameter."))
    }
    pub fn invalid_body(name: &str) -> ApiError {
        ApiError::bad_request(
            "api.context.invalid_body_param.app_error",
            format!("Invalid or missing {name} in request body."),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "id": self.id,
            "message": self.message,
            "request_id": request_id(),
            "status_code": self.status.as_u16(),
            "is_oauth": false,
        });
        (self.status, Json(body)).into_response()
    }
}

fn request_id() -> String {
    const ALPHABET: &[u8] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
    (0..26).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

pub type ApiResult<T = Response> = Result<T, ApiError>;

/// The token a request carries, if any.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        for scheme in ["Bearer ", "bearer ", "Token ", "token "] {
            if let Some(t) = v.strip_prefix(scheme) {
                return Some(t.trim().to_string());
            }
        }
        return None;
    }
    let cookies = headers.get("cookie").and_then(|v| v.to_str().ok())?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix("MMAUTHTOKEN=").map(str::to_string))
}

/// The active user behind the request's token.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<User> {
    let expired = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )
    };
    let token = token_of(headers).ok_or_else(expired)?;
    let store = state.lock();
    let user_id = store.tokens.get(&token).ok_or_else(expired)?;
    store.users.get(user_id).filter(|u| u.delete_at == 0).cloned().ok_or_else(expired)
}

/// Pagination as Mattermost reads it: `page` from 0, `per_page` default 60, capped at 200.
pub fn page_bounds(page: Option<usize>, per_page: Option<usize>) -> (usize, usize) {
    let per_page = per_page.unwrap_or(60).clamp(1, 200);
    (page.unwrap_or(0) * per_page, per_page)
}
