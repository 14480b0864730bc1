//! `JobSource`: an apalis `Backend` that claims jobs from our `jobs` table in small leased batches.
//!
//! It wakes on a local notification (a job enqueued by this process) or after the poll interval
//! (jobs enqueued by another process), so an idle hub picks up work within milliseconds locally
//! and within `queue.poll_interval_ms` across processes — not at apalis's 30 s heartbeat.

use std::{
    collections::VecDeque,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use apalis::prelude::{Backend, Task};
use apalis_core::backend::{BackendConfig, finalize::Ephemeral};
use apalis_core::task::task_id::RandomId;
use apalis_core::worker::context::WorkerContext;
use tokio::sync::Notify;
use tower_layer::Identity;

use crate::store::{ClaimedJob, Store, StoreError};

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Claims jobs for one worker.
pub struct JobSource {
    store: Store,
    worker_id: String,
    batch: u32,
    lease_ms: i64,
    poll: Duration,
    wake: Arc<Notify>,
    buffer: VecDeque<ClaimedJob>,
    /// A claim runs in its own task: a claim future left unpolled (the worker busy, or stopping)
    /// must not keep a database connection checked out — with SQLite's single writer that would
    /// block every running job.
    claiming: Option<tokio::task::JoinHandle<Result<Vec<ClaimedJob>, StoreError>>>,
    waiting: Option<BoxFut<()>>,
    closing: Option<BoxFut<()>>,
}

impl std::fmt::Debug for JobSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobSource").field("worker_id", &self.worker_id).finish()
    }
}

impl JobSource {
    pub fn new(
        store: Store,
        worker_id: String,
        batch: u32,
        lease: Duration,
        poll: Duration,
        wake: Arc<Notify>,
    ) -> Self {
        JobSource {
            store,
            worker_id,
            batch: batch.max(1),
            lease_ms: lease.as_millis() as i64,
            poll,
            wake,
            buffer: VecDeque::new(),
            claiming: None,
            waiting: None,
            closing: None,
        }
    }

    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    fn start_wait(&mut self) {
        let wake = self.wake.clone();
        let poll = self.poll;
        self.waiting = Some(Box::pin(async move {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }));
    }
}

fn flatten_join(
    joined: Result<Result<Vec<ClaimedJob>, StoreError>, tokio::task::JoinError>,
) -> Result<Vec<ClaimedJob>, StoreError> {
    joined.unwrap_or_else(|e| Err(StoreError::Task(format!("claim: {e}"))))
}

impl Backend for JobSource {
    type Task = Task<ClaimedJob>;
    type Error = StoreError;

    fn poll_ready(&mut self, _: &mut Context<'_>, _: &WorkerContext) -> Poll<Result<(), StoreError>> {
        Poll::Ready(Ok(()))
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Option<Result<Task<ClaimedJob>, StoreError>>> {
        loop {
            if let Some(job) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(Task::new(job))));
            }
            if let Some(fut) = self.claiming.as_mut() {
                match Pin::new(fut).poll(cx).map(flatten_join) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(jobs)) => {
                        self.claiming = None;
                        if jobs.is_empty() {
                            self.start_wait();
                        } else {
                            self.buffer.extend(jobs);
                        }
                        continue;
                    }
                    Poll::Ready(Err(e)) => {
                        self.claiming = None;
                        tracing::warn!(worker = %self.worker_id, error = %e, "claiming jobs failed; will retry");
                        self.start_wait();
                        continue;
                    }
                }
            }
            if let Some(wait) = self.waiting.as_mut() {
                match wait.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) => self.waiting = None,
                }
            }
            let store = self.store.clone();
            let worker = self.worker_id.clone();
            let (batch, lease) = (self.batch, self.lease_ms);
            self.claiming = Some(tokio::spawn(async move { store.claim_jobs(&worker, batch, lease).await }));
        }
    }

    /// Gives back the jobs claimed but not started, so a stopping hub leaves nothing leased.
    fn poll_close(&mut self, cx: &mut Context<'_>, _: &WorkerContext) -> Poll<Result<(), StoreError>> {
        // A claim in flight has already marked its jobs running: finish it so they are released too.
        if let Some(fut) = self.claiming.as_mut() {
            match Pin::new(fut).poll(cx).map(flatten_join) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(jobs)) => self.buffer.extend(jobs),
                Poll::Ready(Err(e)) => {
                    tracing::warn!(worker = %self.worker_id, error = %e, "claim failed while closing")
                }
            }
            self.claiming = None;
        }
        if self.closing.is_none() {
            let jobs: Vec<_> = self.buffer.drain(..).collect();
            let store = self.store.clone();
            let worker = self.worker_id.clone();
            self.closing = Some(Box::pin(async move {
                for job in jobs {
                    if let Err(e) = store.release_job(job.id, &worker).await {
                        tracing::warn!(job = %job.id, error = %e, "could not release job; its lease will expire");
                    }
                }
            }));
        }
        let fut = self.closing.as_mut().expect("set above");
        fut.as_mut().poll(cx).map(Ok)
    }
}

impl BackendConfig for JobSource {
    type Args = ClaimedJob;
    type Id = RandomId;
    type Kind = Ephemeral;
    type Config = ();
    type Layer = Identity;

    fn config(&self) -> &() {
        &()
    }

    fn middleware(&mut self, _: &mut WorkerContext) -> Identity {
        Identity::new()
    }
}
