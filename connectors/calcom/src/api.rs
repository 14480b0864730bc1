//! Calls to Cal.com API v2: `Authorization: Bearer <api key>`, the pinned `cal-api-version`, and
//! answers classified into `ConnectorError` (the SDK's classes, plus two Cal.com specifics: a 429
//! without Retry-After waits for `X-RateLimit-Reset-Default`, and a booking the API reports as not
//! found is `None`, not an error).

use std::time::Duration;

use chrono::Utc;
use hub_connector_sdk::{
    ConnectorError,
    http::{HttpClient, classify},
};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::Value;

/// Cal.com's throttler header giving the seconds until the window resets (NOTES §9).
const RESET_HEADER: &str = "x-ratelimit-reset-default";

/// The HTTP side of the connector.
pub(crate) struct Api {
    pub http: HttpClient,
    /// Never logged, never in Debug.
    api_key: String,
    bookings_version: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("http", &self.http)
            .field("api_key", &"[redacted]")
            .field("bookings_version", &self.bookings_version)
            .finish()
    }
}

/// A reqwest error and its causes, without the URL (it may carry query parameters).
fn describe(e: reqwest::Error) -> String {
    use std::error::Error as _;
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
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

/// The same error, its detail prefixed with what was being done.
fn context(what: &str, e: ConnectorError) -> ConnectorError {
    match e {
        ConnectorError::RateLimited { retry_after, detail } => {
            ConnectorError::RateLimited { retry_after, detail: format!("{what}: {detail}") }
        }
        ConnectorError::Transient { detail, retry_after } => {
            ConnectorError::Transient { detail: format!("{what}: {detail}"), retry_after }
        }
        ConnectorError::Auth(d) => ConnectorError::Auth(format!("{what}: {d}")),
        ConnectorError::Invalid(d) => ConnectorError::Invalid(format!("{what}: {d}")),
        other => other,
    }
}

/// The delay in `X-RateLimit-Reset-Default`: seconds from now, or (values too large for a window)
/// a Unix time in seconds or milliseconds.
fn reset_delay(response: &Response) -> Option<Duration> {
    let value: u64 = response.headers().get(RESET_HEADER)?.to_str().ok()?.trim().parse().ok()?;
    if value <= 86_400 {
        return Some(Duration::from_secs(value));
    }
    let now = Utc::now().timestamp().max(0) as u64;
    let at = if value > 100_000_000_000 { value / 1000 } else { value };
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Whether a 404 body is Cal.com's own error (`{status: "error", error: {code: "NotFoundException"…}}`),
/// as opposed to a proxy's or another server's page.
fn is_calcom_not_found(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| {
        v.get("status").and_then(Value::as_str) == Some("error")
            && v.pointer("/error/code").and_then(Value::as_str).is_none_or(|c| c == "NotFoundException")
    })
}

impl Api {
    pub fn new(http: HttpClient, api_key: String, bookings_version: String) -> Api {
        Api { http, api_key, bookings_version }
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(path).bearer_auth(&self.api_key).header("cal-api-version", &self.bookings_version)
    }

    /// Sends; `Ok(None)` only for a Cal.com 404 when `not_found_is_none`.
    async fn call(
        &self,
        request: RequestBuilder,
        what: &str,
        not_found_is_none: bool,
    ) -> Result<Option<Value>, ConnectorError> {
        let response =
            request.send().await.map_err(|e| ConnectorError::transient(format!("{what} failed: {}", describe(e))))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND && not_found_is_none {
            let body = response.bytes().await.unwrap_or_default();
            if is_calcom_not_found(&body) {
                return Ok(None);
            }
            let excerpt: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            return Err(ConnectorError::Invalid(format!(
                "{what}: HTTP 404 that is not Cal.com's (is base_url right?): {excerpt}"
            )));
        }
        let reset = (status == StatusCode::TOO_MANY_REQUESTS).then(|| reset_delay(&response)).flatten();
        let response = match classify(response).await {
            Ok(response) => response,
            Err(ConnectorError::RateLimited { retry_after: None, detail }) => {
                return Err(context(what, ConnectorError::RateLimited { retry_after: reset, detail }));
            }
            Err(e) => return Err(context(what, e)),
        };
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ConnectorError::transient(format!("{what}: reading the body: {}", describe(e))))?;
        let body: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ConnectorError::malformed_json(&format!("{what}: malformed JSON"), &e))?;
        if body.get("status").and_then(Value::as_str) == Some("error") {
            let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("(no message)");
            return Err(ConnectorError::Invalid(format!("{what}: Cal.com answered an error: {message}")));
        }
        Ok(Some(body))
    }

    /// `GET /v2/bookings` with `query`: the whole answer (`{status, data, pagination}`).
    pub async fn list_bookings(&self, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        let what = "GET /v2/bookings";
        let answer = self.call(self.get("/v2/bookings").query(query), what, false).await?;
        answer.ok_or_else(|| ConnectorError::Invalid(format!("{what}: no answer")))
    }

    /// `GET /v2/bookings/{uid}`: its `data` (one booking, or the recurrences of a recurring
    /// booking), `None` when Cal.com says there is no such booking. `uid` must be valid.
    pub async fn booking(&self, uid: &str) -> Result<Option<Value>, ConnectorError> {
        debug_assert!(crate::records::valid_uid(uid));
        let what = format!("GET /v2/bookings/{uid}");
        match self.call(self.get(&format!("/v2/bookings/{uid}")), &what, true).await? {
            None => Ok(None),
            Some(answer) => answer
                .get("data")
                .filter(|d| !d.is_null())
                .cloned()
                .map(Some)
                .ok_or_else(|| ConnectorError::Invalid(format!("{what}: the answer has no `data`"))),
        }
    }
}
