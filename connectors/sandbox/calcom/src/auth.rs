//! Cal.com's error body (`{status:"error", timestamp, path, error:{code, message, details}}`, the
//! NestJS exception shape of examples/api.error-response.CONSTRUCTED.json) and the API-key check
//! (`Authorization: Bearer cal_…`). Handlers return [`ApiError`]; the [`error_bodies`] middleware
//! fills in the request path, which only it knows.

use axum::{
    Json,
    extract::Request,
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::state::Ctx;

/// A NestJS HTTP exception.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, message: message.into() }
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::UNAUTHORIZED, message: message.into() }
    }

    fn code_and_reason(&self) -> (&'static str, &'static str) {
        match self.status {
            StatusCode::BAD_REQUEST => ("BadRequestException", "Bad Request"),
            StatusCode::UNAUTHORIZED => ("UnauthorizedException", "Unauthorized"),
            StatusCode::FORBIDDEN => ("ForbiddenException", "Forbidden"),
            StatusCode::NOT_FOUND => ("NotFoundException", "Not Found"),
            StatusCode::CONFLICT => ("ConflictException", "Conflict"),
            _ => ("InternalServerErrorException", "Internal Server Error"),
        }
    }

    /// The vendor's body for this error at `path`.
    pub fn body(&self, path: &str) -> serde_json::Value {
        let (code, reason) = self.code_and_reason();
        json!({
            "status": "error",
            "timestamp": crate::output::iso_ms(chrono::Utc::now()),
            "path": path,
            "error": {
                "code": code,
                "message": self.message,
                "details": {"message": self.message, "error": reason, "statusCode": self.status.as_u16()}
            }
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body(""))).into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// Rewrites [`ApiError`] responses with the request's path.
pub async fn error_bodies(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    match resp.extensions().get::<ApiError>().cloned() {
        Some(err) => (err.status, Json(err.body(&path))).into_response(),
        None => resp,
    }
}

/// Cal.com's API-key limit per 60 s window (advertised in headers, not enforced: use the faults).
pub const RATE_LIMIT: u64 = 120;

/// Adds `X-RateLimit-{Limit,Remaining,Reset}-Default` as Cal.com's throttler does.
pub async fn rate_limit_headers(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    req: Request,
    next: Next,
) -> Response {
    let (remaining, reset) = {
        let mut t = ctx.throttle.lock().unwrap_or_else(|e| e.into_inner());
        if t.0.elapsed().as_secs() >= 60 {
            *t = (std::time::Instant::now(), 0);
        }
        t.1 += 1;
        (RATE_LIMIT.saturating_sub(t.1), 60u64.saturating_sub(t.0.elapsed().as_secs()))
    };
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit-default", RATE_LIMIT),
        ("x-ratelimit-remaining-default", remaining),
        ("x-ratelimit-reset-default", reset),
    ] {
        headers.insert(name, axum::http::HeaderValue::from(value));
    }
    resp
}

/// Checks `Authorization: Bearer <api key>`.
pub fn check(ctx: &Ctx, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::unauthorized(
            "No authentication method provided. Either pass an API key as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers",
        ));
    };
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or("").trim();
    if token == ctx.api_key {
        return Ok(());
    }
    if token.starts_with("cal_") {
        Err(ApiError::unauthorized("ApiKeyStrategy - Invalid API Key"))
    } else {
        Err(ApiError::unauthorized("ApiAuthStrategy - Invalid access token"))
    }
}

/// Parses a JSON body, answering 400 the vendor's way when it is not JSON.
pub fn json_body(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
}
