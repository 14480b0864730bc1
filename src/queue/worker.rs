//! The worker pool: apalis workers fed by `JobSource`, each job run through a `JobHandler`, its
//! outcome written back (done, retry later, or dead letter), and the lease reaper.

use std::{future::Future, sync::Arc, time::Duration};

use apalis::prelude::{BoxDynError, Data, Monitor, WorkerBuilder, WorkerBuilderExt};
use async_trait::async_trait;
use tokio::sync::Notify;
use uuid::Uuid;

use super::{
    JobError, JobSource, JobSpec,
    retry::{RetrySettings, next_attempt},
};
use crate::store::{ClaimedJob, Store, StoreError, now_ms};

/// Runs one job. Implementations must be idempotent: a job may run again after a crash.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn handle(&self, spec: JobSpec, attempt: u32) -> Result<(), JobError>;
}

/// Queue settings, from `[queue]`.
#[derive(Debug, Clone, Copy)]
pub struct QueueSettings {
    pub concurrency: usize,
    pub batch: u32,
    pub poll: Duration,
    pub lease: Duration,
    pub shutdown_timeout: Duration,
    pub retry: RetrySettings,
}

/// Enqueues jobs and wakes this process's workers.
#[derive(Clone, Debug)]
pub struct QueueHandle {
    store: Store,
    wake: Arc<Notify>,
    max_attempts: u32,
}

impl QueueHandle {
    pub fn new(store: Store, max_attempts: u32) -> Self {
        QueueHandle { store, wake: Arc::new(Notify::new()), max_attempts }
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Wakes one idle worker of this process (after a job was written in a transaction).
    pub fn notify(&self) {
        self.wake.notify_waiters();
        self.wake.notify_one();
    }

    /// Enqueues `spec` now; with a unique key, at most once. Returns whether it was inserted.
    pub async fn enqueue(&self, spec: &JobSpec, unique_key: Option<String>) -> Result<bool, StoreError> {
        let inserted = self.store.enqueue(&spec.to_new_job(self.max_attempts, unique_key)).await?;
        if inserted {
            self.notify();
        }
        Ok(inserted)
    }

    pub(crate) fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

struct WorkerCtx {
    store: Store,
    handler: Arc<dyn JobHandler>,
    retry: RetrySettings,
    worker_id: String,
}

impl WorkerCtx {
    async fn execute(&self, job: ClaimedJob) {
        let attempt = job.attempts.max(1) as u32;
        let started = std::time::Instant::now();
        let outcome = match serde_json::from_value::<JobSpec>(job.payload.0.clone()) {
            Ok(spec) => self.handler.handle(spec, attempt).await,
            Err(e) => Err(JobError::permanent("invalid_payload", format!("job payload does not parse: {e}"))),
        };
        let elapsed = started.elapsed().as_secs_f64();
        let recorded = match &outcome {
            Ok(()) => {
                metrics::counter!("hub_jobs_total", "kind" => job.kind.clone(), "outcome" => "done").increment(1);
                self.store.finish_job(job.id, &self.worker_id).await
            }
            Err(err) => {
                let next = next_attempt(&self.retry, attempt, job.max_attempts as u32, err);
                let outcome = if next.is_some() { "retry" } else { "dead" };
                metrics::counter!("hub_jobs_total", "kind" => job.kind.clone(), "outcome" => outcome).increment(1);
                tracing::warn!(job = %job.id, kind = %job.kind, attempt, class = %err.class, retry_in_ms = next.map(|d| d.as_millis() as u64), error = %err, "job failed");
                let retry_at = next.map(|d| now_ms() + d.as_millis() as i64);
                // Operators hear about work that failed for good (`sync.failed`), benchmarks' no-ops aside.
                let event = (job.kind != "noop").then(|| {
                    serde_json::json!({"job_id": job.id, "kind": job.kind, "job": job.payload.0, "attempts": attempt,
                        "error": err.message, "class": err.class})
                });
                self.store.fail_job(job.id, &self.worker_id, &err.message, &err.class, retry_at, event.as_ref()).await
            }
        };
        metrics::histogram!("hub_job_duration_seconds", "kind" => job.kind.clone()).record(elapsed);
        if let Err(e) = recorded {
            tracing::error!(job = %job.id, error = %e, "could not record the job's outcome; its lease will expire and it will run again");
        }
    }
}

async fn handle_job(job: ClaimedJob, ctx: Data<Arc<WorkerCtx>>) -> Result<(), BoxDynError> {
    ctx.execute(job).await;
    Ok(())
}

/// Runs the workers until `shutdown` resolves, then stops taking jobs and lets the running ones
/// finish within the shutdown timeout. Also reaps expired leases (jobs of crashed processes).
pub async fn run_workers<S>(
    store: Store,
    queue: QueueHandle,
    handler: Arc<dyn JobHandler>,
    settings: QueueSettings,
    shutdown: S,
) -> Result<(), BoxDynError>
where
    S: Future<Output = ()> + Send + 'static,
{
    let worker_id = format!("hub-{}-{}", std::process::id(), &Uuid::new_v4().simple().to_string()[..8]);
    let ctx =
        Arc::new(WorkerCtx { store: store.clone(), handler, retry: settings.retry, worker_id: worker_id.clone() });
    let reaper = tokio::spawn(reap_leases(store.clone(), settings.lease));
    let wake = queue.wake();
    let monitor = Monitor::new()
        .register(move |_| {
            let source = JobSource::new(
                store.clone(),
                worker_id.clone(),
                settings.batch,
                settings.lease,
                settings.poll,
                wake.clone(),
            );
            WorkerBuilder::new(worker_id.clone())
                .backend(source)
                .data(ctx.clone())
                .concurrency(settings.concurrency)
                .build(handle_job)
        })
        .shutdown_timeout(settings.shutdown_timeout);
    let result = monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await;
    reaper.abort();
    result.map_err(|e| Box::new(e) as BoxDynError)
}

/// Finished jobs are kept this long for the admin API, then purged (dead letters are kept).
const DONE_RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;

async fn reap_leases(store: Store, lease: Duration) {
    let every = (lease / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
    let mut last_purge = 0i64;
    loop {
        tokio::time::sleep(every).await;
        if now_ms() - last_purge > 3_600_000 {
            last_purge = now_ms();
            if let Err(e) = store.purge_done_jobs(last_purge - DONE_RETENTION_MS).await {
                tracing::warn!(error = %e, "purging finished jobs failed");
            }
        }
        match store.reap_expired_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "re-queued jobs whose worker stopped holding them"),
            Err(e) => tracing::warn!(error = %e, "lease reaper failed"),
        }
    }
}
