//! `[targets]`: how canonical changes are pushed to the connector instances that write them
//! (`writes = [...]` on an Odoo, Dokos or Mattermost instance).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetsConfig {
    /// Push at all (planning and one loop per target run in every hub process when true).
    pub enabled: bool,
    /// Pushes in flight per target (different entities; one entity's changes go in order).
    pub concurrency: usize,
    /// Pushes claimed at once per target.
    pub batch_size: u32,
    pub poll_interval_ms: u64,
    /// How long a claimed push stays reserved (a crashed process's claims come back after it).
    pub lease_secs: u64,
    /// Delay before each new attempt after a retryable failure, in seconds; then `sync.failed`.
    pub retry_schedule_secs: Vec<u64>,
    /// Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter].
    pub jitter: f64,
    /// A tool's `Retry-After` is honoured up to this many seconds.
    pub retry_after_max_secs: u64,
}

impl Default for TargetsConfig {
    fn default() -> Self {
        TargetsConfig {
            enabled: true,
            concurrency: 4,
            batch_size: 32,
            poll_interval_ms: 200,
            lease_secs: 120,
            retry_schedule_secs: vec![1, 5, 30, 120, 600, 1800, 3600, 3600],
            jitter: 0.2,
            retry_after_max_secs: 3600,
        }
    }
}

impl TargetsConfig {
    /// Problems as (key, reason).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.concurrency == 0 {
            out.push(("targets.concurrency".into(), "must be at least 1".into()));
        }
        if self.batch_size == 0 {
            out.push(("targets.batch_size".into(), "must be at least 1".into()));
        }
        if self.poll_interval_ms < 10 {
            out.push(("targets.poll_interval_ms".into(), "must be at least 10".into()));
        }
        if self.lease_secs == 0 {
            out.push(("targets.lease_secs".into(), "must be at least 1".into()));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            out.push(("targets.jitter".into(), "must be between 0 and 1".into()));
        }
        out
    }
}
