//! Google's JSON error body: `{"error": {"errors": [{"domain", "reason", "message", "locationType"?,
//! "location"?}], "code", "message", "status"?}}` (the examples' shape, plus the `google.rpc` status
//! name the API adds nowadays when one maps to the HTTP code).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// One error, built then turned into a response.
pub struct GoogleError {
    pub code: u16,
    pub domain: &'static str,
    pub reason: &'static str,
    pub message: String,
    pub location: Option<(&'static str, String)>,
}

pub type ApiResult<T = Response> = Result<T, GoogleError>;

impl GoogleError {
    pub fn new(code: u16, domain: &'static str, reason: &'static str, message: impl Into<String>) -> GoogleError {
        GoogleError { code, domain, reason, message: message.into(), location: None }
    }
    pub fn at(mut self, location_type: &'static str, location: impl Into<String>) -> GoogleError {
        self.location = Some((location_type, location.into()));
        self
    }
    pub fn bad_request(reason: &'static str, message: impl Into<String>) -> GoogleError {
        GoogleError::new(400, "global", reason, message)
    }
    pub fn not_found() -> GoogleError {
        GoogleError::new(404, "global", "notFound", "Not Found")
    }
    pub fn parse_error() -> GoogleError {
        GoogleError::new(400, "global", "parseError", "Parse Error")
    }
}

fn status_name(code: u16) -> Option<&'static str> {
    Some(match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        _ => return None,
    })
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        let mut item = json!({"domain": self.domain, "reason": self.reason, "message": self.message});
        if let Some((kind, location)) = &self.location {
            item["locationType"] = json!(kind);
            item["location"] = json!(location);
        }
        let mut body = json!({"error": {"errors": [item], "code": self.code, "message": self.message}});
        if let Some(status) = status_name(self.code) {
            body["error"]["status"] = json!(status);
        }
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, Json(body)).into_response();
        if self.code == 401 {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
            );
        }
        resp
    }
}
