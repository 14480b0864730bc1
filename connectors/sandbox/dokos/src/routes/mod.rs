//! HTTP routes: the vendor's `/api/resource/...` and `/api/method/...` (also under `/api/v1/`),
//! and the sandbox's `/_sandbox/...` inspection and trigger routes.

pub mod method;
pub mod resource;
pub mod sandbox;

use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::{errors::FrappeError, store::Doc};

/// A request body as `frappe.form_dict` sees it: a JSON object, or form fields (where `data` /
/// `doc` hold JSON). Empty body → empty map.
pub fn body_map(headers: &HeaderMap, body: &[u8]) -> Result<Doc, FrappeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Doc::new());
    }
    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|e| json_error(&e.to_string()))?;
        return Ok(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(FrappeError::validation("ValidationError", format!("Expected a JSON object, got {other}"))),
        Err(e) => Err(json_error(&e.to_string())),
    }
}

/// `json.loads` failing on the body (a Python ValueError: HTTP 500).
fn json_error(detail: &str) -> FrappeError {
    FrappeError {
        status: 500,
        exc_type: "JSONDecodeError",
        exception: Some(detail.to_string()),
        message: None,
        module: "json.decoder",
    }
}

/// The document values of a create/update body: the object itself, or its `data` field (JSON).
pub fn doc_values(mut map: Doc) -> Result<Doc, FrappeError> {
    if let Some(Value::String(raw)) = map.get("data") {
        return match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(inner)) => Ok(inner),
            _ => Err(json_error(&format!("invalid data: {raw}"))),
        };
    }
    map.remove("doctype");
    Ok(map)
}

/// Password fields are never shown (Frappe prints asterisks).
pub fn present(mut doc: Doc) -> Value {
    if let Some(Value::String(secret)) = doc.get("webhook_secret")
        && !secret.is_empty()
    {
        let masked = "*".repeat(secret.chars().count());
        doc.insert("webhook_secret".into(), json!(masked));
    }
    Value::Object(doc)
}
