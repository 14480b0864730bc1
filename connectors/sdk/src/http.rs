//! `HttpClient`: the reqwest client connectors use — base URL, timeouts, no redirects, an optional
//! per-instance rate limit (governor), and responses classified into `ConnectorError` (429 and 503
//! with Retry-After, 5xx and network failures transient, 401/403 auth, other 4xx invalid).

use std::{error::Error as _, num::NonZeroU32, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::{Method, RequestBuilder, Response, StatusCode, header::HeaderValue};
use serde::de::DeserializeOwned;

use crate::ConnectorError;

/// The user agent every connector sends.
pub const USER_AGENT: &str = concat!("tiers-lieux-hub/", env!("CARGO_PKG_VERSION"));

/// The longest body excerpt an error carries, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// A per-instance request budget, enforced before each request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    PerSecond(NonZeroU32),
    PerMinute(NonZeroU32),
}

impl RateLimit {
    fn quota(self) -> Quota {
        match self {
            RateLimit::PerSecond(n) => Quota::per_second(n),
            RateLimit::PerMinute(n) => Quota::per_minute(n),
        }
    }
}

/// How a connector instance talks HTTP: base URL (configurable, so a sandbox can stand in for
/// the vendor), timeouts (connect 5 s, total 30 s by default) and an optional rate limit.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub base_url: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// At most this many requests per minute (None: unlimited). Kept for compatibility;
    /// [`HttpSettings::rate_limit`] wins when both are set.
    pub requests_per_minute: Option<u32>,
    /// The request budget (None: unlimited, unless `requests_per_minute` is set).
    pub rate_limit: Option<RateLimit>,
}

impl HttpSettings {
    pub fn new(base_url: impl Into<String>) -> Self {
        HttpSettings {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            requests_per_minute: None,
            rate_limit: None,
        }
    }

    /// Replaces both timeouts.
    pub fn with_timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = total;
        self
    }

    /// Sets the request budget.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    fn effective_rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit.or_else(|| self.requests_per_minute.and_then(NonZeroU32::new).map(RateLimit::PerMinute))
    }
}

/// A connector's HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    base: String,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").field("base", &self.base).finish()
    }
}

impl HttpClient {
    pub fn new(settings: &HttpSettings) -> Result<HttpClient, ConnectorError> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ConnectorError::Invalid(format!("cannot build the HTTP client: {}", describe(&e))))?;
        let limiter = settings.effective_rate_limit().map(|l| Arc::new(RateLimiter::direct(l.quota())));
        Ok(HttpClient { client, base: settings.base_url.trim_end_matches('/').to_string(), limiter })
    }

    /// A request to `path` relative to the base URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}/{}", self.base, path.trim_start_matches('/')))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The underlying reqwest client, for requests to another host (e.g. an OAuth token URL);
    /// send them through [`HttpClient::send`] so they are rate limited and classified too.
    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends after waiting for the rate limiter; any non-2xx answer becomes a classified error.
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, ConnectorError> {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let response = request.send().await.map_err(|e| send_error(&e))?;
        classify(response).await
    }

    /// Sends and parses a JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ConnectorError> {
        json(self.send(request).await?).await
    }
}

/// A request that could not complete: a bad request is Invalid, everything else Transient.
fn send_error(e: &reqwest::Error) -> ConnectorError {
    if e.is_builder() {
        return ConnectorError::Invalid(format!("cannot build the request: {}", describe(e)));
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    ConnectorError::transient(format!("request {what}: {}", describe(e)))
}

/// The error and its causes, with the URL reduced to its path: URLs may carry tokens in their
/// query (or credentials before the host), and neither may reach an error or a log line.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), url.path());
    }
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

/// Parses a Retry-After value: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &HeaderValue, now: DateTime<Utc>) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(text).ok()?.to_utc();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

async fn excerpt(response: Response) -> String {
    let text = response.text().await.unwrap_or_default();
    let text = text.trim();
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        cut.push('…');
    }
    cut
}

/// Turns a non-success response into its `ConnectorError`.
pub async fn classify(response: Response) -> Result<Response, ConnectorError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after =
        response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(v, Utc::now()));
    let detail = format!("HTTP {status}: {}", excerpt(response).await);
    Err(match status {
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited { retry_after, detail },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ConnectorError::Auth(detail),
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
            ConnectorError::Transient { detail, retry_after }
        }
        s if s.is_redirection() => ConnectorError::Invalid(format!("{detail} (redirects are not followed)")),
        _ => ConnectorError::Invalid(detail),
    })
}

/// Parses a JSON body; a body that does not parse is Invalid, naming where.
pub async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ConnectorError> {
    let bytes =
        response.bytes().await.map_err(|e| ConnectorError::transient(format!("reading the body: {}", describe(&e))))?;
    serde_json::from_slice(&bytes).map_err(|e| ConnectorError::malformed_json("unexpected JSON", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().to_utc();
        assert_eq!(parse_retry_after(&HeaderValue::from_static("7"), now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("Tue, 24 Nov 2026 10:01:30 GMT"), now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("Tue, 24 Nov 2026 09:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after(&HeaderValue::from_static("soon"), now), None);
    }
}
