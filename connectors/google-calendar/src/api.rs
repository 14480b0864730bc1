//! Calls to the Calendar v3 API: bearer token (refreshed once on a 401), JSON in and out, and
//! Google's answers classified. 404, 409, 410 and 412 come back as an [`Answer`] for the caller
//! to handle (an event gone, an id taken, a sync token expired, an etag stale); everything else
//! that is not 2xx becomes a `ConnectorError`: 401 (after the one refresh) Auth; 403
//! `rateLimitExceeded`/`userRateLimitExceeded` and 429 RateLimited (with Retry-After when given);
//! other 403 Auth; 408 and 5xx Transient; other 4xx Invalid with Google's reason and message.

use std::error::Error as _;

use chrono::Utc;
use hub_connector_sdk::{
    ConnectorError,
    http::{HttpClient, parse_retry_after},
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use crate::oauth::TokenSource;

/// Everything but RFC 3986's unreserved characters is encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A path segment (a calendar id holds `@`, sometimes `#`).
pub fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// `calendars/{id}/events`.
pub fn events_path(calendar_id: &str) -> String {
    format!("calendars/{}/events", segment(calendar_id))
}

/// `calendars/{id}/events/{eventId}`.
pub fn event_path(calendar_id: &str, event_id: &str) -> String {
    format!("{}/{}", events_path(calendar_id), segment(event_id))
}

/// A reqwest error and its causes, without the URL (its query may carry tokens).
pub fn describe(e: reqwest::Error) -> String {
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

/// A 2xx answer, or one of the statuses callers handle themselves (404, 409, 410, 412).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    /// The JSON body (`Null` when empty).
    pub body: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Google's error reason (`fullSyncRequired`, `deleted`, `conditionNotMet`, `duplicate`...).
    pub fn reason(&self) -> &str {
        reason(&self.body)
    }

    /// The body of a 2xx, or Invalid naming `what` and the status.
    pub fn into_ok(self, what: &str) -> Result<Value, ConnectorError> {
        if self.ok() {
            Ok(self.body)
        } else {
            Err(ConnectorError::Invalid(format!(
                "{what}: HTTP {} `{}`: {}",
                self.status,
                self.reason(),
                message(&self.body)
            )))
        }
    }
}

fn reason(body: &Value) -> &str {
    body.pointer("/error/errors/0/reason").and_then(Value::as_str).unwrap_or("")
}

fn message(body: &Value) -> String {
    let text = match body.get("error") {
        Some(Value::String(s)) => s.as_str(),
        Some(e) => e.get("message").and_then(Value::as_str).unwrap_or(""),
        None => "",
    };
    text.chars().take(hub_connector_sdk::http::EXCERPT_CHARS).collect()
}

/// One request to send.
pub struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<&'a Value>,
    pub if_match: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: String) -> Call<'a> {
        Call { method, path, query: Vec::new(), body: None, if_match: None }
    }
}

/// The API client of one instance.
#[derive(Debug)]
pub struct Api {
    http: HttpClient,
    tokens: TokenSource,
}

impl Api {
    /// `http` has the API root (`{base_url}/calendar/v3`) as its base URL.
    pub fn new(http: HttpClient, tokens: TokenSource) -> Api {
        Api { http, tokens }
    }

    /// The access-token source (the hub sets the refresh token once consent is given).
    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// Sends `call`; on a 401 the access token is dropped and the call made once more.
    pub async fn send(&self, call: &Call<'_>) -> Result<Answer, ConnectorError> {
        let mut refreshed = false;
        loop {
            let token = self.tokens.token().await?;
            let mut request = self.http.request(call.method.clone(), &call.path).query(&call.query).bearer_auth(&token);
            if let Some(body) = call.body {
                request = request.json(body);
            }
            if let Some(etag) = call.if_match {
                request = request.header(header::IF_MATCH, etag);
            }
            let what = format!("{} {}", call.method, call.path);
            let response = request
                .send()
                .await
                .map_err(|e| ConnectorError::transient(format!("{what} failed: {}", describe(e))))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                tracing::debug!(path = %call.path, "Google refused the access token; refreshing it once");
                self.tokens.invalidate(&token).await;
                refreshed = true;
                continue;
            }
            let retry_after =
                response.headers().get(header::RETRY_AFTER).and_then(|v| parse_retry_after(v, Utc::now()));
            let bytes = response
                .bytes()
                .await
                .map_err(|e| ConnectorError::transient(format!("{what}: reading the answer: {}", describe(e))))?;
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                Value::Null
            } else if status.is_success() {
                serde_json::from_slice(&bytes).map_err(|e| ConnectorError::malformed_json(&what, &e))?
            } else {
                serde_json::from_slice(&bytes).unwrap_or(Value::Null)
            };
            let answer = Answer { status: status.as_u16(), body };
            return match status.as_u16() {
                200..=299 | 404 | 409 | 410 | 412 => Ok(answer),
                _ => Err(classify(&what, &answer, retry_after)),
            };
        }
    }

    /// A GET whose answer must be 2xx.
    pub async fn get(&self, path: String, query: Vec<(&str, String)>) -> Result<Value, ConnectorError> {
        let what = format!("GET {path}");
        let call = Call { query, ..Call::new(Method::GET, path) };
        self.send(&call).await?.into_ok(&what)
    }
}

/// A non-2xx answer as a `ConnectorError` (see the module doc).
pub fn classify(what: &str, answer: &Answer, retry_after: Option<std::time::Duration>) -> ConnectorError {
    let reason = reason(&answer.body);
    let detail = format!("{what}: HTTP {} `{reason}`: {}", answer.status, message(&answer.body));
    match answer.status {
        429 => ConnectorError::RateLimited { retry_after, detail },
        403 if matches!(reason, "rateLimitExceeded" | "userRateLimitExceeded" | "quotaExceeded") => {
            ConnectorError::RateLimited { retry_after, detail }
        }
        401 | 403 => ConnectorError::Auth(detail),
        408 | 500..=599 => ConnectorError::Transient { detail, retry_after },
        _ => ConnectorError::Invalid(detail),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    fn google(code: u16, reason: &str) -> Answer {
        Answer {
            status: code,
            body: json!({"error": {"errors": [{"domain": "usageLimits", "reason": reason, "message": "m"}], "code": code, "message": "Message"}}),
        }
    }

    #[test]
    fn answers_are_classified() {
        let rl = classify("GET x", &google(403, "userRateLimitExceeded"), None);
        assert!(matches!(rl, ConnectorError::RateLimited { .. }), "{rl}");
        assert!(matches!(classify("x", &google(403, "rateLimitExceeded"), None), ConnectorError::RateLimited { .. }));
        let seven = Some(Duration::from_secs(7));
        assert_eq!(classify("x", &google(429, "rateLimitExceeded"), seven).retry_after(), seven);
        assert!(matches!(classify("x", &google(403, "insufficientPermissions"), None), ConnectorError::Auth(_)));
        assert!(matches!(classify("x", &google(401, "authError"), None), ConnectorError::Auth(_)));
        assert!(classify("x", &google(503, "backendError"), None).is_retryable());
        let bad = classify("GET x", &google(400, "timeRangeEmpty"), None);
        assert!(matches!(&bad, ConnectorError::Invalid(m) if m.contains("timeRangeEmpty") && m.contains("Message")));
        let sandbox = Answer { status: 500, body: json!({"error": "sandbox: injected server error"}) };
        assert!(classify("x", &sandbox, None).to_string().contains("injected"));
    }

    #[test]
    fn calendar_ids_are_encoded_in_paths() {
        assert_eq!(
            event_path("c_room@group.calendar.google.com", "abc123"),
            "calendars/c_room%40group.calendar.google.com/events/abc123"
        );
        assert_eq!(
            segment("fr.french#holiday@group.v.calendar.google.com"),
            "fr.french%23holiday%40group.v.calendar.google.com"
        );
    }
}
