//! The retry schedule: a list of delays (the first is "immediately"), each jittered, a 429/503's
//! `Retry-After` honoured up to a bound, and how a response is judged (2xx ok, 410 gone for good).

use std::time::Duration;

use chrono::Utc;

/// When to try again after a failed attempt.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub schedule: Vec<Duration>,
    pub jitter: f64,
    pub retry_after_max: Duration,
}

impl RetryPolicy {
    /// The delay before attempt `attempts_done + 1`, or `None` when the schedule is exhausted.
    /// A `Retry-After` pushes the attempt later (never earlier), up to `retry_after_max`.
    pub fn next_delay(&self, attempts_done: i64, retry_after: Option<Duration>) -> Option<Duration> {
        let base = *self.schedule.get(usize::try_from(attempts_done).ok()?)?;
        let factor = 1.0 + self.jitter * (fastrand::f64() * 2.0 - 1.0);
        let jittered = base.mul_f64(factor.max(0.0));
        let floor = retry_after.map(|r| r.min(self.retry_after_max)).unwrap_or_default();
        Some(jittered.max(floor))
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (at.with_timezone(&Utc) - Utc::now()).num_seconds().max(0);
    Some(Duration::from_secs(secs as u64))
}

/// What an HTTP answer means for a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again per the schedule (with the response's `Retry-After` when it is a 429 or 503).
    Retry,
    /// 410 Gone: the receiver wants no more; the endpoint is disabled.
    Gone,
}

/// Judges a status code, per the spec: only 2xx is success; redirects are failures.
pub fn verdict(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        410 => Verdict::Gone,
        _ => Verdict::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: f64) -> RetryPolicy {
        RetryPolicy {
            schedule: [0, 5, 300, 1800].into_iter().map(Duration::from_secs).collect(),
            jitter,
            retry_after_max: Duration::from_secs(600),
        }
    }

    #[test]
    fn the_schedule_is_followed_with_bounded_jitter_then_exhausted() {
        let p = policy(0.2);
        for _ in 0..200 {
            let d = p.next_delay(2, None).unwrap();
            assert!(d >= Duration::from_secs(240) && d <= Duration::from_secs(360), "{d:?}");
        }
        assert_eq!(policy(0.0).next_delay(1, None), Some(Duration::from_secs(5)));
        assert_eq!(p.next_delay(4, None), None, "four attempts in the schedule, none after");
    }

    #[test]
    fn retry_after_delays_but_is_bounded() {
        let p = policy(0.0);
        assert_eq!(p.next_delay(1, Some(Duration::from_secs(120))), Some(Duration::from_secs(120)));
        assert_eq!(p.next_delay(1, Some(Duration::from_secs(99_999))), Some(Duration::from_secs(600)));
        assert_eq!(p.next_delay(2, Some(Duration::from_secs(1))), Some(Duration::from_secs(300)), "never earlier");
    }

    #[test]
    fn retry_after_forms_and_verdicts() {
        assert_eq!(parse_retry_after(" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(verdict(204), Verdict::Delivered);
        assert_eq!(verdict(302), Verdict::Retry);
        assert_eq!(verdict(410), Verdict::Gone);
        assert_eq!(verdict(503), Verdict::Retry);
    }
}
