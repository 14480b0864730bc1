//! `ConnectorError`: what went wrong talking to a tool, classified for the queue's retry policy.

use std::time::Duration;

/// Every connector failure, classified: the queue reads [`ConnectorError::is_retryable`] and
/// [`ConnectorError::retry_after`] and nothing else.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectorError {
    /// The tool said "too many requests"; try again after the delay it gave, if any.
    #[error("rate limited by the remote tool{}: {detail}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration>, detail: String },
    /// A network failure, a timeout or a 5xx: retry with backoff.
    #[error("transient failure: {detail}")]
    Transient { detail: String, retry_after: Option<Duration> },
    /// Credentials refused (401/403): retrying will not help until someone fixes the config.
    #[error("authentication refused: {0}")]
    Auth(String),
    /// The request or the record is wrong (4xx, malformed payload): permanent.
    #[error("invalid: {0}")]
    Invalid(String),
    /// A webhook whose signature, timestamp or source does not check out.
    #[error("signature rejected: {0}")]
    Signature(String),
    /// The connector cannot do this (no such stream, write not supported).
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl ConnectorError {
    /// An Invalid error for JSON that does not parse or does not fit, naming where:
    /// `"{what} at line L column C: {serde's message}"` (never the document itself).
    pub fn malformed_json(what: &str, e: &serde_json::Error) -> Self {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        ConnectorError::Invalid(format!("{what} at line {} column {}: {message}", e.line(), e.column()))
    }

    /// A transient error with no Retry-After.
    pub fn transient(detail: impl Into<String>) -> Self {
        ConnectorError::Transient { detail: detail.into(), retry_after: None }
    }

    /// Whether the queue should try the job again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ConnectorError::RateLimited { .. } | ConnectorError::Transient { .. })
    }

    /// The delay the remote tool asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ConnectorError::RateLimited { retry_after, .. } | ConnectorError::Transient { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// A short machine-readable name of the class, for logs, metrics and the admin API.
    pub fn class(&self) -> &'static str {
        match self {
            ConnectorError::RateLimited { .. } => "rate_limited",
            ConnectorError::Transient { .. } => "transient",
            ConnectorError::Auth(_) => "auth",
            ConnectorError::Invalid(_) => "invalid",
            ConnectorError::Signature(_) => "signature",
            ConnectorError::Unsupported(_) => "unsupported",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_names_the_place_once() {
        let e = serde_json::from_str::<serde_json::Value>(r#"{"type": "#).unwrap_err();
        let err = ConnectorError::malformed_json("malformed JSON", &e);
        assert_eq!(err, ConnectorError::Invalid("malformed JSON at line 1 column 9: EOF while parsing a value".into()));
        assert!(!err.is_retryable());
    }
}
