//! The job queue: job types (ids, never payloads), an apalis `Backend` over our own `jobs` table,
//! the retry policy that reads `ConnectorError`, cron schedules and the worker pool.
//!
//! Why our own backend instead of apalis-sqlite / apalis-postgres: apalis-sqlite's batched
//! acknowledgement (`UPDATE Jobs … FROM json_each(…) WHERE Jobs.id = j.task_id AND Jobs.lock_by = ?`)
//! lets SQLite drive the join from the `lock_by` index, i.e. from every job the worker ever
//! locked, so throughput falls with history (1,357 → 183 jobs/s from 1,000 to 10,000 queued);
//! its storage-level retries have no backoff; dead jobs cannot be revived; and its migrations clash
//! with ours in one SQLite file. Our table is claimed through a partial index on pending jobs and
//! finished by primary key, so a claim costs the same at 100 or 100,000 jobs (see
//! `hub bench queue` and docs/BENCHMARKS.md); inbox rows and their jobs share one transaction;
//! PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so several processes never run one job at once.
//! apalis still runs the workers: concurrency, panics caught, graceful shutdown via its Monitor.

mod backend;
mod retry;
mod schedule;
mod worker;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use backend::JobSource;
pub use retry::RetrySettings;
pub use retry::{JobError, backoff_delay};
pub use schedule::{ScheduleEntry, run_scheduler, tick_unique_key};
pub use worker::{JobHandler, QueueHandle, QueueSettings, run_workers};

/// What a job does. The payload names rows in the store; the data stays there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobSpec {
    /// Process one received webhook event from the inbox.
    ProcessInbound { inbox_id: Uuid },
    /// Read one stream of a connector instance from its cursor (or from scratch when `full`).
    SyncStream { instance: String, stream: String, full: bool },
    /// Does nothing (queue benchmarks and tests).
    Noop { n: u64 },
}

impl JobSpec {
    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpec::ProcessInbound { .. } => "process_inbound",
            JobSpec::SyncStream { .. } => "sync_stream",
            JobSpec::Noop { .. } => "noop",
        }
    }

    /// The job row to insert, due now.
    pub fn to_new_job(&self, max_attempts: u32, unique_key: Option<String>) -> crate::store::NewJob {
        crate::store::NewJob {
            kind: self.kind().to_string(),
            payload: serde_json::to_value(self).expect("job specs always serialise"),
            run_at_ms: crate::store::now_ms(),
            max_attempts,
            unique_key,
        }
    }
}
