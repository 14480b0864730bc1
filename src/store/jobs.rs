//! The job queue's table: enqueue (deduplicated by unique key), claim with a lease, finish, revive.
//!
//! Claiming is one statement that only touches the pending rows it takes, through a partial index
//! on `run_at_ms WHERE status = 'pending'`, so its cost does not grow with the history of finished
//! jobs (the cause of apalis-sqlite's cliff: its acknowledgement scans every job the worker ever
//! locked). On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so several processes never take
//! the same job; on SQLite the single writer serialises claims.

use serde_json::Value;
use sqlx::{FromRow, types::Json};
use uuid::Uuid;

use super::{Db, Store, StoreError, Tx, now_ms, on_durable_write, on_pool, on_tx, on_write};

/// A job to enqueue. The payload carries ids, never the data itself.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub run_at_ms: i64,
    pub max_attempts: u32,
    /// Enqueue once: a second job with the same key is silently dropped (schedule ticks, dedup).
    pub unique_key: Option<String>,
}

/// A job taken by a worker, with its lease.
#[derive(Debug, Clone, FromRow)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: Json<Value>,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// A job as the admin API shows it.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub payload: Json<Value>,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at_ms: i64,
    pub last_error: Option<String>,
    pub last_error_class: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

const INSERT_JOB: &str = "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, \
     run_at_ms, unique_key, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $7, $7) \
     ON CONFLICT (unique_key) DO NOTHING";

const CLAIM_SQLITE: &str = "UPDATE jobs SET status = 'running', locked_by = $1, locked_until_ms = $2, \
     attempts = attempts + 1, updated_at_ms = $3 WHERE id IN (SELECT id FROM jobs \
     WHERE status = 'pending' AND run_at_ms <= $3 ORDER BY run_at_ms LIMIT $4) \
     RETURNING id, kind, payload, attempts, max_attempts";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET status = 'running', locked_by = $1, locked_until_ms = $2, \
     attempts = attempts + 1, updated_at_ms = $3 WHERE id IN (SELECT id FROM jobs \
     WHERE status = 'pending' AND run_at_ms <= $3 ORDER BY run_at_ms LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, attempts, max_attempts";

const JOB_COLUMNS: &str = "id, kind, payload, status, attempts, max_attempts, run_at_ms, last_error, \
     last_error_class, created_at_ms, updated_at_ms, finished_at_ms";

impl Store {
    /// Enqueues a job; `false` when a job with the same unique key already exists.
    pub async fn enqueue(&self, job: &NewJob) -> Result<bool, StoreError> {
        let id = Uuid::now_v7();
        let now = now_ms();
        let done = on_pool!(self, p => sqlx::query(INSERT_JOB)
            .bind(id).bind(&job.kind).bind(Json(&job.payload)).bind(job.max_attempts as i64)
            .bind(job.run_at_ms).bind(&job.unique_key).bind(now)
            .execute(p).await?.rows_affected());
        Ok(done == 1)
    }

    /// Enqueues a job inside a transaction (with the write that caused it).
    pub async fn enqueue_in(tx: &mut Tx, job: &NewJob) -> Result<bool, StoreError> {
        let id = Uuid::now_v7();
        let now = now_ms();
        let done = on_tx!(tx, c => sqlx::query(INSERT_JOB)
            .bind(id).bind(&job.kind).bind(Json(&job.payload)).bind(job.max_attempts as i64)
            .bind(job.run_at_ms).bind(&job.unique_key).bind(now)
            .execute(c).await?.rows_affected());
        Ok(done == 1)
    }

    /// Takes up to `limit` due jobs for `worker`, leased for `lease_ms`.
    pub async fn claim_jobs(&self, worker: &str, limit: u32, lease_ms: i64) -> Result<Vec<ClaimedJob>, StoreError> {
        let now = now_ms();
        let rows = match &self.db {
            Db::Sqlite { write: p, .. } => {
                sqlx::query_as::<_, ClaimedJob>(CLAIM_SQLITE)
                    .bind(worker)
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(limit as i64)
                    .fetch_all(p)
                    .await?
            }
            Db::Postgres(p) => {
                sqlx::query_as::<_, ClaimedJob>(CLAIM_POSTGRES)
                    .bind(worker)
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(limit as i64)
                    .fetch_all(p)
                    .await?
            }
        };
        Ok(rows)
    }

    /// Marks a job done (only if this worker still holds it).
    pub async fn finish_job(&self, id: Uuid, worker: &str) -> Result<(), StoreError> {
        let now = now_ms();
        on_write!(self, p => sqlx::query(
            "UPDATE jobs SET status = 'done', locked_by = NULL, locked_until_ms = NULL, \
             updated_at_ms = $1, finished_at_ms = $1, last_error = NULL WHERE id = $2 AND locked_by = $3")
            .bind(now).bind(id).bind(worker).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Records a failure: back to pending at `retry_at_ms`, or dead (a dead letter) when `None`;
    /// a job that dies with `dead_event` set appends that `sync.failed` event in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn fail_job(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        class: &str,
        retry_at_ms: Option<i64>,
        dead_event: Option<&Value>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let (status, run_at, finished) = match retry_at_ms {
            Some(at) => ("pending", at, None),
            None => ("dead", now, Some(now)),
        };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE jobs SET status = $1, run_at_ms = $2, last_error = $3, last_error_class = $4, \
             locked_by = NULL, locked_until_ms = NULL, updated_at_ms = $5, finished_at_ms = $6 \
             WHERE id = $7 AND locked_by = $8")
            .bind(status).bind(run_at).bind(error).bind(class).bind(now).bind(finished)
            .bind(id).bind(worker).execute(c).await?.rows_affected());
        if n == 1
            && retry_at_ms.is_none()
            && let Some(data) = dead_event
        {
            Store::append_operator_event_in(&mut tx, "sync.failed", "sync", id, data).await?;
        }
        tx.commit().await
    }

    /// Puts claimed-but-unstarted jobs back (graceful shutdown), without counting an attempt.
    pub async fn release_job(&self, id: Uuid, worker: &str) -> Result<(), StoreError> {
        on_write!(self, p => sqlx::query(
            "UPDATE jobs SET status = 'pending', attempts = attempts - 1, locked_by = NULL, \
             locked_until_ms = NULL, updated_at_ms = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'")
            .bind(now_ms()).bind(id).bind(worker).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Returns jobs whose lease expired (their worker died) to the pending set.
    pub async fn reap_expired_leases(&self) -> Result<u64, StoreError> {
        let now = now_ms();
        let n = on_write!(self, p => sqlx::query(
            "UPDATE jobs SET status = 'pending', locked_by = NULL, locked_until_ms = NULL, \
             updated_at_ms = $1 WHERE status = 'running' AND locked_until_ms < $1")
            .bind(now).execute(p).await?.rows_affected());
        Ok(n)
    }

    /// Revives a dead job: pending now, attempts reset. `false` if it is not dead.
    pub async fn retry_dead_job(&self, id: Uuid) -> Result<bool, StoreError> {
        let now = now_ms();
        let n = on_durable_write!(self, p => sqlx::query(
            "UPDATE jobs SET status = 'pending', attempts = 0, run_at_ms = $1, updated_at_ms = $1, \
             finished_at_ms = NULL WHERE id = $2 AND status = 'dead'")
            .bind(now).bind(id).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Lists jobs, newest first, optionally of one status.
    pub async fn list_jobs(&self, status: Option<&str>, limit: i64) -> Result<Vec<JobRow>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) \
             ORDER BY updated_at_ms DESC, id DESC LIMIT $2"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql))
            .bind(status).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    pub async fn get_job(&self, id: Uuid) -> Result<Option<JobRow>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = on_pool!(self, p => sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        Ok(row)
    }

    /// Counts jobs by status (for `/metrics` and the admin API).
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM jobs GROUP BY status").fetch_all(p).await?);
        Ok(rows)
    }

    /// Jobs not yet finished (pending or running), counted through the partial indexes only.
    pub async fn active_job_count(&self) -> Result<i64, StoreError> {
        let n = on_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'pending') + (SELECT COUNT(*) FROM jobs WHERE status = 'running')")
            .fetch_one(p).await?);
        Ok(n)
    }

    /// Deletes finished jobs older than `before_ms` (retention); dead letters are kept.
    pub async fn purge_done_jobs(&self, before_ms: i64) -> Result<u64, StoreError> {
        let n = on_write!(self, p => sqlx::query(
            "DELETE FROM jobs WHERE status = 'done' AND updated_at_ms < $1")
            .bind(before_ms).execute(p).await?.rows_affected());
        Ok(n)
    }
}
