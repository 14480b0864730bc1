//! Stripe's error body `{"error": {type, code, message, param, doc_url}}` and the statuses that go
//! with it: 400 invalid_request_error, 401 (API key), 402 card_error, 404 resource_missing,
//! 400/409 idempotency_error.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

/// An API error, rendered the way Stripe renders it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
}

pub type ApiResult = Result<Json<Value>, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, message: String, param: Option<&str>, code: Option<&str>) -> ApiError {
        let mut e = Map::new();
        e.insert("type".into(), json!(kind));
        e.insert("message".into(), json!(message));
        if let Some(code) = code {
            e.insert("code".into(), json!(code));
            e.insert(
                "doc_url".into(),
                json!(format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-"))),
            );
        }
        if let Some(param) = param {
            e.insert("param".into(), json!(param));
        }
        ApiError { status, body: json!({ "error": Value::Object(e) }) }
    }

    pub fn invalid_request(message: String, param: Option<&str>, code: Option<&str>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request_error", message, param, code)
    }

    pub fn missing(param: &str) -> ApiError {
        ApiError::invalid_request(format!("Missing required param: {param}."), Some(param), Some("parameter_missing"))
    }

    pub fn invalid_integer(param: &str) -> ApiError {
        ApiError::invalid_request(
            format!("Invalid integer: {param} must be an integer"),
            Some(param),
            Some("parameter_invalid_integer"),
        )
    }

    /// `No such customer: 'cus_…'`: 404 for the object of the URL (`param` "id"), 400 for an
    /// id given in a parameter.
    pub fn no_such(label: &str, id: &str, param: &str) -> ApiError {
        ApiError::new(
            if param == "id" { StatusCode::NOT_FOUND } else { StatusCode::BAD_REQUEST },
            "invalid_request_error",
            format!("No such {label}: '{id}'"),
            Some(param),
            Some("resource_missing"),
        )
    }

    /// An action the object's state does not allow (400, e.g. `payment_intent_unexpected_state`).
    pub fn state(code: &str, message: String) -> ApiError {
        ApiError::invalid_request(message, None, Some(code))
    }

    /// The route exists nowhere in the API (404 like Stripe's "Unrecognized request URL").
    pub fn unrecognized(method: &str, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
            None,
            None,
        )
    }

    /// A declined card (402), pointing at the failed charge and payment intent.
    pub fn card_declined(charge: &str, payment_intent: Option<Value>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "card_error",
            "Your card was declined.".into(),
            None,
            Some("card_declined"),
        );
        e.body["error"]["decline_code"] = json!("generic_decline");
        e.body["error"]["charge"] = json!(charge);
        if let Some(pi) = payment_intent {
            e.body["error"]["payment_intent"] = pi;
        }
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
