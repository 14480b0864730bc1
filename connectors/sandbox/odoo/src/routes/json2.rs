//! The JSON-2 API (Odoo 19): `POST /json/2/<model>/<method>` with `Authorization: bearer <API key>`,
//! a JSON object of named arguments plus `ids` and `context`; the result as the body, or a 4xx/5xx
//! with `{name, message, arguments, context, debug}`. Also `GET /web/version`.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State as AxState},
    http::{HeaderMap, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::Db;
use crate::error::OdooError;
use crate::orm;
use crate::store::{API_KEY, CallLog, DATABASE, SERVER_SERIE, now_str};

fn error(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(body)).into_response()
}

fn unauthorized() -> Response {
    error(
        401,
        json!({"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey", "arguments": ["Invalid apikey", 401],
            "context": {}, "debug": "Traceback (most recent call last):\n  File \"/opt/odoo/odoo/addons/base/models/ir_http.py\", line 240, in _auth_method_bearer\n    raise werkzeug.exceptions.Unauthorized(\nwerkzeug.exceptions.Unauthorized: 401 Unauthorized: Invalid apikey\n"}),
    )
}

fn http_error(status: u16, name: &str, message: &str) -> Response {
    error(status, json!({"name": name, "message": message, "arguments": [message, status], "context": {}, "debug": ""}))
}

/// Any method on `/json/2/<model>/<method>` (only POST is allowed).
pub async fn call(
    AxState(db): AxState<Db>,
    method: Method,
    Path((model, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return http_error(
            405,
            "werkzeug.exceptions.MethodNotAllowed",
            "405 Method Not Allowed: The method is not allowed for the requested URL.",
        );
    }
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let key = auth.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, k)| k.trim());
    if key != Some(API_KEY) {
        return unauthorized();
    }
    if let Some(dbname) = headers.get("x-odoo-database").and_then(|v| v.to_str().ok())
        && dbname != DATABASE
    {
        return http_error(
            404,
            "werkzeug.exceptions.NotFound",
            "404 Not Found: The requested URL was not found on the server.",
        );
    }
    let mime = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if mime.split(';').next().map(str::trim) != Some("application/json") {
        return http_error(
            415,
            "werkzeug.exceptions.UnsupportedMediaType",
            "415 Unsupported Media Type: expected application/json",
        );
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => Value::Object(m),
        Ok(_) | Err(_) => {
            return http_error(
                400,
                "werkzeug.exceptions.BadRequest",
                "400 Bad Request: the body must be a JSON object",
            );
        }
    };
    let mut state = db.lock();
    let outcome = orm::bind_json2(&model, &name, body.as_object().expect("checked above"))
        .and_then(|c| orm::execute(&mut state, &c));
    state.calls.push(CallLog {
        transport: "json2",
        service: "object".into(),
        model: Some(model.clone()),
        method: name.clone(),
        ok: outcome.is_ok(),
        at: now_str(),
    });
    match outcome {
        Ok(v) => Json(v).into_response(),
        Err(e) => error_response(&e),
    }
}

fn error_response(e: &OdooError) -> Response {
    error(e.json2_status(), e.serialized())
}

/// `GET /web/version`.
pub async fn web_version() -> Response {
    let major: i64 = SERVER_SERIE.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(17);
    Json(json!({"version_info": [major, 0, 0, "final", 0, ""], "version": SERVER_SERIE})).into_response()
}
