//! The Snipe-IT REST API v1 calls the connector makes: `Authorization: Bearer <token>`,
//! `Accept: application/json` (without it Laravel answers a 302 to the login page), and answers
//! classified into `ConnectorError`: the SDK's HTTP classes (401/403 Auth, 429 RateLimited with
//! Retry-After, 408/5xx and network failures Transient, other 4xx Invalid), plus Snipe-IT's
//! HTTP 200 `{"status":"error","messages":…}` envelope, which is a refusal and never a success.

use hub_connector_sdk::{
    ConnectorError,
    http::{HttpClient, json},
};
use reqwest::{Method, RequestBuilder, header::ACCEPT};
use serde_json::Value;

/// What Snipe-IT answered to a call that reached it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// A list, a record or a `"status":"success"` envelope.
    Done(Value),
    /// HTTP 200 with `"status":"error"`: the messages flattened to one line, and the body.
    Refused { messages: String, body: Value },
}

/// The HTTP side of the connector.
pub(crate) struct Api {
    pub http: HttpClient,
    /// Never logged, never in Debug.
    token: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("http", &self.http).field("token", &"[redacted]").finish()
    }
}

/// `messages` as one line: a string as is, a validation bag `{field: [msg, …]}` as
/// `field: msg msg; field2: msg`, a list joined, anything else as JSON.
pub fn flatten_messages(messages: &Value) -> String {
    match messages {
        Value::Null => "(no message)".into(),
        Value::String(s) => s.trim().to_string(),
        Value::Array(items) => items.iter().map(flatten_messages).collect::<Vec<_>>().join(" "),
        Value::Object(fields) => fields
            .iter()
            .map(|(field, msgs)| format!("{field}: {}", flatten_messages(msgs)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The same error, its detail prefixed with the call that failed (a 404 also names `base_url`:
/// Snipe-IT answers 404 only for routes it does not have).
fn context(what: &str, e: ConnectorError) -> ConnectorError {
    match e {
        ConnectorError::RateLimited { retry_after, detail } => {
            ConnectorError::RateLimited { retry_after, detail: format!("{what}: {detail}") }
        }
        ConnectorError::Transient { detail, retry_after } => {
            ConnectorError::Transient { detail: format!("{what}: {detail}"), retry_after }
        }
        ConnectorError::Auth(d) => ConnectorError::Auth(format!("{what}: {d}")),
        ConnectorError::Invalid(d) if d.starts_with("HTTP 404") => ConnectorError::Invalid(format!(
            "{what}: not found ({d}); is base_url the Snipe-IT origin (without /api/v1)?"
        )),
        ConnectorError::Invalid(d) => ConnectorError::Invalid(format!("{what}: {d}")),
        other => other,
    }
}

/// The error of a refusal.
pub(crate) fn refused(what: &str, messages: &str) -> ConnectorError {
    ConnectorError::Invalid(format!("{what}: Snipe-IT refused (HTTP 200, status \"error\"): {messages}"))
}

/// A path segment, percent-encoded (asset tags may hold `/`, `#`, spaces…).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Api {
    pub fn new(http: HttpClient, token: String) -> Api {
        Api { http, token }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, &format!("/api/v1/{}", path.trim_start_matches('/')))
            .bearer_auth(&self.token)
            .header(ACCEPT, "application/json")
    }

    /// Sends; a refusal is an [`Answer::Refused`], every other failure an error naming `what`.
    pub async fn send(&self, request: RequestBuilder, what: &str) -> Result<Answer, ConnectorError> {
        let response = self.http.send(request).await.map_err(|e| context(what, e))?;
        let body: Value = json(response).await.map_err(|e| context(what, e))?;
        if body.get("status").and_then(Value::as_str) == Some("error") {
            let messages = flatten_messages(body.get("messages").unwrap_or(&Value::Null));
            return Ok(Answer::Refused { messages, body });
        }
        Ok(Answer::Done(body))
    }

    /// Sends; a refusal is `Invalid` with its messages.
    pub async fn call(&self, request: RequestBuilder, what: &str) -> Result<Value, ConnectorError> {
        match self.send(request, what).await? {
            Answer::Done(body) => Ok(body),
            Answer::Refused { messages, .. } => Err(refused(what, &messages)),
        }
    }

    /// `GET /users/me`: the token's owner.
    pub async fn me(&self) -> Result<Value, ConnectorError> {
        self.call(self.request(Method::GET, "users/me"), "GET /api/v1/users/me").await
    }

    /// `GET /hardware` with `query`: `{"total", "rows"}`.
    pub async fn hardware(&self, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        self.call(self.request(Method::GET, "hardware").query(query), "GET /api/v1/hardware").await
    }

    /// `GET /hardware/bytag/{tag}`: the asset, `None` when Snipe-IT answers its "does not exist"
    /// refusal (HTTP 200, translated text: any refusal of this read means no such asset).
    pub async fn asset_by_tag(&self, tag: &str) -> Result<Option<Value>, ConnectorError> {
        let what = format!("GET /api/v1/hardware/bytag/{tag}");
        let path = format!("hardware/bytag/{}", segment(tag));
        match self.send(self.request(Method::GET, &path), &what).await? {
            Answer::Done(asset) if asset.is_object() => Ok(Some(asset)),
            Answer::Done(other) => {
                Err(ConnectorError::Invalid(format!("{what}: the answer is not an asset: {}", excerpt(&other))))
            }
            Answer::Refused { .. } => Ok(None),
        }
    }

    /// `GET /users?search=…` with `offset`/`limit`: `{"total", "rows"}`.
    pub async fn search_users(&self, search: &str, offset: u64, limit: u64) -> Result<Value, ConnectorError> {
        let query = [
            ("search", search.to_string()),
            ("offset", offset.to_string()),
            ("limit", limit.to_string()),
            ("sort", "id".to_string()),
            ("order", "asc".to_string()),
        ];
        self.call(self.request(Method::GET, "users").query(&query), "GET /api/v1/users").await
    }

    /// `POST /users` with `body`.
    pub async fn create_user(&self, body: &Value) -> Result<Answer, ConnectorError> {
        self.send(self.request(Method::POST, "users").json(body), "POST /api/v1/users").await
    }

    /// `POST /hardware/{id}/checkout` with `body`.
    pub async fn checkout(&self, asset_id: u64, body: &Value) -> Result<Answer, ConnectorError> {
        let what = format!("POST /api/v1/hardware/{asset_id}/checkout");
        self.send(self.request(Method::POST, &format!("hardware/{asset_id}/checkout")).json(body), &what).await
    }

    /// `POST /hardware/{id}/checkin` with `body`.
    pub async fn checkin(&self, asset_id: u64, body: &Value) -> Result<Answer, ConnectorError> {
        let what = format!("POST /api/v1/hardware/{asset_id}/checkin");
        self.send(self.request(Method::POST, &format!("hardware/{asset_id}/checkin")).json(body), &what).await
    }
}

/// The start of a JSON value, for error messages.
pub(crate) fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    let mut cut: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        cut.push('…');
    }
    cut
}
