//! The retry policy: retryable errors back off exponentially with jitter and honour Retry-After;
//! permanent errors go straight to the dead letters; exhausted jobs are dead with their last error.

use std::time::Duration;

use hub_connector_sdk::ConnectorError;

use crate::store::StoreError;

/// Why a job failed, classified for the retry policy.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    pub class: String,
    pub message: String,
    pub retryable: bool,
    pub retry_after: Option<Duration>,
}

impl JobError {
    pub fn permanent(class: &str, message: impl Into<String>) -> Self {
        JobError { class: class.into(), message: message.into(), retryable: false, retry_after: None }
    }

    pub fn transient(class: &str, message: impl Into<String>) -> Self {
        JobError { class: class.into(), message: message.into(), retryable: true, retry_after: None }
    }
}

impl From<ConnectorError> for JobError {
    fn from(e: ConnectorError) -> Self {
        JobError {
            class: e.class().to_string(),
            retryable: e.is_retryable(),
            retry_after: e.retry_after(),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for JobError {
    /// A unique-constraint race is retried (the next attempt matches the winner's row); any other
    /// database failure is treated as transient too: the database may come back.
    fn from(e: StoreError) -> Self {
        let class = if e.is_conflict() { "conflict" } else { "database" };
        JobError::transient(class, e.to_string())
    }
}

/// Retry settings (from `[queue]`).
#[derive(Debug, Clone, Copy)]
pub struct RetrySettings {
    pub max_attempts: u32,
    pub base: Duration,
    pub max: Duration,
    pub retry_after_max: Duration,
}

/// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed:
/// `base · 2^(attempt-1)` capped at `max`, with "equal jitter" (between half and all of it);
/// a Retry-After from the remote tool wins, clamped to `retry_after_max`.
pub fn backoff_delay(settings: &RetrySettings, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(settings.retry_after_max);
    }
    let exp = attempt.saturating_sub(1).min(30);
    let raw = settings.base.saturating_mul(1u32 << exp.min(20)).min(settings.max);
    let half = raw / 2;
    half + raw.mul_f64(fastrand::f64() * 0.5)
}

/// What to do after a failure: `Some(delay)` to retry, `None` for the dead letters.
pub fn next_attempt(
    settings: &RetrySettings,
    attempts_made: u32,
    max_attempts: u32,
    err: &JobError,
) -> Option<Duration> {
    if !err.retryable || attempts_made >= max_attempts {
        return None;
    }
    Some(backoff_delay(settings, attempts_made, err.retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RetrySettings {
        RetrySettings {
            max_attempts: 5,
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
            retry_after_max: Duration::from_secs(300),
        }
    }

    #[test]
    fn backoff_grows_exponentially_within_jitter_bounds() {
        let s = settings();
        for attempt in 1..=8u32 {
            let full = Duration::from_secs(1u64 << (attempt - 1)).min(s.max);
            for _ in 0..50 {
                let d = backoff_delay(&s, attempt, None);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?} not in [{:?}, {full:?}]", full / 2);
            }
        }
    }

    #[test]
    fn retry_after_wins_and_is_clamped() {
        let s = settings();
        assert_eq!(backoff_delay(&s, 1, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(backoff_delay(&s, 1, Some(Duration::from_secs(9999))), Duration::from_secs(300));
    }

    #[test]
    fn permanent_errors_and_exhausted_jobs_are_dead() {
        let s = settings();
        let perm = JobError::from(ConnectorError::Invalid("bad".into()));
        assert_eq!(next_attempt(&s, 1, 5, &perm), None);
        let auth = JobError::from(ConnectorError::Auth("no".into()));
        assert_eq!(next_attempt(&s, 1, 5, &auth), None);
        let transient = JobError::from(ConnectorError::transient("timeout"));
        assert!(next_attempt(&s, 1, 5, &transient).is_some());
        assert_eq!(next_attempt(&s, 5, 5, &transient), None);
        let limited = JobError::from(ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
            detail: "slow down".into(),
        });
        assert_eq!(next_attempt(&s, 2, 5, &limited), Some(Duration::from_secs(3)));
    }
}
