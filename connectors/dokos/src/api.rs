//! Frappe REST v1 calls: `token key:secret` auth, the `{"data": ...}` envelope, list queries with
//! JSON `fields` / `filters` / `or_filters`, and Frappe's error bodies (`exc_type`,
//! `_server_messages`) turned into classified [`ConnectorError`]s with a readable message.

use std::time::Duration;

use chrono::Utc;
use hub_connector_sdk::{
    ConnectorError,
    http::{HttpClient, parse_retry_after},
};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Map, Value};

/// A Frappe site reached through the REST API.
#[derive(Clone)]
pub(crate) struct Api {
    http: HttpClient,
    authorization: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("http", &self.http).field("authorization", &"[redacted]").finish()
    }
}

/// A document as Frappe returns it.
pub(crate) type Doc = Map<String, Value>;

/// One list query: `GET /api/resource/{doctype}` with its parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    pub fields: Vec<&'static str>,
    pub filters: Vec<Value>,
    pub or_filters: Vec<Value>,
    pub order_by: Option<&'static str>,
    pub limit_start: u64,
    pub limit_page_length: u64,
}

impl Api {
    pub(crate) fn new(http: HttpClient, api_key: &str, api_secret: &str) -> Api {
        Api { http, authorization: format!("token {api_key}:{api_secret}") }
    }

    fn path(doctype: &str, name: Option<&str>) -> String {
        let mut path = format!("api/resource/{}", encode(doctype));
        if let Some(name) = name {
            path.push('/');
            path.push_str(&encode(name));
        }
        path
    }

    async fn send(&self, request: RequestBuilder) -> Result<Value, ConnectorError> {
        let request = request.header(reqwest::header::AUTHORIZATION, &self.authorization);
        let response = request.send().await.map_err(|e| network_error(&e))?;
        let status = response.status();
        let retry_after =
            response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(v, Utc::now()));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ConnectorError::transient(format!("reading the Dokos answer: {}", without_url(&e))))?;
        if !status.is_success() {
            return Err(frappe_error(status, retry_after, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| ConnectorError::malformed_json("unexpected JSON from Dokos", &e))
    }

    /// `GET /api/method/frappe.auth.get_logged_user` → the API user's name.
    pub(crate) async fn logged_user(&self) -> Result<String, ConnectorError> {
        let body = self.send(self.http.get("api/method/frappe.auth.get_logged_user")).await?;
        Ok(body.get("message").and_then(Value::as_str).unwrap_or_default().to_string())
    }

    /// One page of a list.
    pub(crate) async fn list(&self, doctype: &str, q: &ListQuery) -> Result<Vec<Doc>, ConnectorError> {
        let mut params: Vec<(&str, String)> = vec![
            ("fields", Value::from(q.fields.clone()).to_string()),
            ("limit_start", q.limit_start.to_string()),
            ("limit_page_length", q.limit_page_length.to_string()),
        ];
        if !q.filters.is_empty() {
            params.push(("filters", Value::Array(q.filters.clone()).to_string()));
        }
        if !q.or_filters.is_empty() {
            params.push(("or_filters", Value::Array(q.or_filters.clone()).to_string()));
        }
        if let Some(order) = q.order_by {
            params.push(("order_by", order.to_string()));
        }
        let body = self.send(self.http.get(&Self::path(doctype, None)).query(&params)).await?;
        let rows = body
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| ConnectorError::Invalid(format!("the {doctype} list from Dokos has no `data` array")))?;
        Ok(rows.iter().filter_map(|r| r.as_object().cloned()).collect())
    }

    /// One document; `None` when Dokos answers 404.
    pub(crate) async fn get(&self, doctype: &str, name: &str) -> Result<Option<Doc>, ConnectorError> {
        match self.send(self.http.get(&Self::path(doctype, Some(name)))).await {
            Ok(body) => data_doc(doctype, body).map(Some),
            Err(ConnectorError::Invalid(m)) if m.starts_with(NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn insert(&self, doctype: &str, values: &Value) -> Result<Doc, ConnectorError> {
        data_doc(doctype, self.send(self.http.post(&Self::path(doctype, None)).json(values)).await?)
    }

    pub(crate) async fn update(&self, doctype: &str, name: &str, values: &Value) -> Result<Doc, ConnectorError> {
        data_doc(doctype, self.send(self.http.put(&Self::path(doctype, Some(name))).json(values)).await?)
    }
}

fn data_doc(doctype: &str, body: Value) -> Result<Doc, ConnectorError> {
    match body {
        Value::Object(mut map) => match map.remove("data") {
            Some(Value::Object(doc)) => Ok(doc),
            _ => Err(ConnectorError::Invalid(format!("the {doctype} answer from Dokos has no `data` document"))),
        },
        _ => Err(ConnectorError::Invalid(format!("the {doctype} answer from Dokos is not a JSON object"))),
    }
}

/// Percent-encodes a path segment (DocType names have spaces, document names may have anything).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn network_error(e: &reqwest::Error) -> ConnectorError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_builder() {
        return ConnectorError::Invalid(format!("cannot build the request to Dokos: {}", without_url(e)));
    } else {
        "failed"
    };
    ConnectorError::transient(format!("request to Dokos {what}: {}", without_url(e)))
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), url.path());
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// The prefix of the Invalid message of a 404 (`get` turns it into `None`).
const NOT_FOUND: &str = "Dokos DoesNotExistError";

/// The user-facing messages of a Frappe error body: `_server_messages` is a JSON string holding a
/// list of JSON strings, each an object with a `message` (may hold HTML line breaks).
pub(crate) fn server_messages(body: &Value) -> Vec<String> {
    let Some(raw) = body.get("_server_messages").and_then(Value::as_str) else {
        return Vec::new();
    };
    let Ok(items) = serde_json::from_str::<Vec<Value>>(raw) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => m.get("message").and_then(Value::as_str).map(str::to_string),
                _ => Some(s.clone()),
            },
            Value::Object(m) => m.get("message").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .map(|m| m.replace("<br>", "; ").replace("<br/>", "; "))
        .collect()
}

/// A non-2xx answer: the class from the status (as the SDK's `classify`), the message from
/// Frappe's `exc_type` and `_server_messages` (or `exception`, or a short excerpt).
pub(crate) fn frappe_error(status: StatusCode, retry_after: Option<Duration>, bytes: &[u8]) -> ConnectorError {
    let body: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let exc_type = body.get("exc_type").and_then(Value::as_str).unwrap_or_default();
    let messages = server_messages(&body);
    let text = if !messages.is_empty() {
        messages.join("; ")
    } else if let Some(exception) = body.get("exception").and_then(Value::as_str) {
        exception.to_string()
    } else {
        let raw = String::from_utf8_lossy(bytes);
        let raw = raw.trim();
        let mut cut: String = raw.chars().take(200).collect();
        if raw.chars().count() > 200 {
            cut.push('…');
        }
        cut
    };
    let detail = if exc_type.is_empty() {
        format!("Dokos answered HTTP {}: {text}", status.as_u16())
    } else {
        format!("Dokos {exc_type} (HTTP {}): {text}", status.as_u16())
    };
    match status {
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited { retry_after, detail },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ConnectorError::Auth(detail),
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
            ConnectorError::Transient { detail, retry_after }
        }
        // Someone saved the document between our read and our write: reading again fixes it.
        _ if exc_type == "TimestampMismatchError" => ConnectorError::Transient { detail, retry_after },
        _ => ConnectorError::Invalid(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frappe_bodies_become_readable_errors() {
        let body = br#"{"exc_type": "MandatoryError", "exception": "frappe.exceptions.MandatoryError: [Customer, new-customer-1]: customer_name", "_server_messages": "[\"{\\\"message\\\": \\\"Error: Value missing for Customer: Customer Name\\\", \\\"title\\\": \\\"Missing Fields\\\", \\\"indicator\\\": \\\"red\\\", \\\"raise_exception\\\": 1}\"]"}"#;
        let e = frappe_error(StatusCode::EXPECTATION_FAILED, None, body);
        assert_eq!(
            e,
            ConnectorError::Invalid(
                "Dokos MandatoryError (HTTP 417): Error: Value missing for Customer: Customer Name".into()
            )
        );
        let e = frappe_error(StatusCode::UNAUTHORIZED, None, br#"{"exc_type": "AuthenticationError"}"#);
        assert_eq!(e.class(), "auth");
        let e = frappe_error(StatusCode::EXPECTATION_FAILED, None, br#"{"exc_type": "TimestampMismatchError"}"#);
        assert!(e.is_retryable());
        let e = frappe_error(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(7)), b"slow down");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = frappe_error(StatusCode::NOT_FOUND, None, br#"{"exc_type": "DoesNotExistError"}"#);
        assert!(e.to_string().contains(NOT_FOUND), "{e}");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("Sales Invoice"), "Sales%20Invoice");
        assert_eq!(encode("Camille Martin/1"), "Camille%20Martin%2F1");
    }
}
