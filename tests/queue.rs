//! The job queue end to end: several hub processes on one database run each job once, schedule
//! ticks enqueue once, a killed hub loses nothing, retries back off, shutdown lets jobs finish.

mod common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use common::*;
use hub::{
    queue::{JobError, JobHandler, JobSpec, QueueHandle, QueueSettings, RetrySettings, run_workers, tick_unique_key},
    store::Store,
    testing::FreshDatabase,
};

#[tokio::test]
async fn two_hubs_on_one_database_run_each_job_once() {
    let hub = spawn_hub().await;
    let sibling = hub.spawn_sibling().await;
    let mut posted = 0;
    for n in 0..120 {
        let (status, _, _) = hub.post_member(n).await;
        assert_eq!(status, 202);
        posted += 1;
        // Half of the events go through the sibling's intake.
        assert_eq!(post_member_to(&hub.client, &sibling.url(""), 1000 + n).await, 202);
        posted += 1;
    }
    eventually("every event processed", || async {
        hub.store().inbox_counts().await.unwrap().iter().any(|(s, n)| s == "processed" && *n == posted)
    })
    .await;
    // A job is recorded done just after the transaction that processed its event: wait for that.
    eventually("every job recorded done", || async {
        hub.store().list_jobs(Some("done"), 1000).await.unwrap().len() as i64 >= posted
    })
    .await;
    let jobs = hub.store().list_jobs(Some("done"), 1000).await.unwrap();
    assert_eq!(jobs.len() as i64, posted);
    assert!(jobs.iter().all(|j| j.attempts == 1), "a job claimed twice would show 2 attempts");
    assert_eq!(hub.store().count_entities(hub_connector_sdk::EntityKind::Person).await.unwrap(), posted);
    sibling.stop().await.unwrap();
    hub.shutdown().await;
}

#[tokio::test]
async fn scheduled_syncs_tick_once_per_instant_across_two_processes() {
    let hub = spawn_hub_with(|c| {
        let hub::config::ConnectorConfig::Webhook(w) = c.connectors.get_mut("members_form").unwrap() else {
            panic!("a webhook connector")
        };
        w.schedules.insert("members".into(), "* * * * * *".into());
    })
    .await;
    let sibling = hub.spawn_sibling().await;
    let started = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let elapsed = started.elapsed().as_secs() + 1;
    let syncs =
        hub.store().list_jobs(None, 100).await.unwrap().into_iter().filter(|j| j.kind == "sync_stream").count() as u64;
    assert!(syncs >= 2, "the every-second schedule ticked: {syncs}");
    assert!(syncs <= elapsed + 1, "{syncs} sync jobs in {elapsed} s from two processes: ticks were enqueued twice");
    sibling.stop().await.unwrap();
    hub.shutdown().await;
}

#[tokio::test]
async fn a_schedule_tick_is_enqueued_once_across_processes() {
    let hub = spawn_hub().await;
    let sibling = hub.spawn_sibling().await;
    let at = chrono::Utc::now();
    let key = tick_unique_key("members_form", "members", at);
    let spec = JobSpec::Noop { n: 1 };
    let a = QueueHandle::new(hub.store().clone(), 3);
    let b = QueueHandle::new(sibling.store.clone(), 3);
    let (first, second) = tokio::join!(a.enqueue(&spec, Some(key.clone())), b.enqueue(&spec, Some(key)));
    assert_eq!([first.unwrap(), second.unwrap()].iter().filter(|x| **x).count(), 1);
    sibling.stop().await.unwrap();
    hub.shutdown().await;
}

#[tokio::test]
async fn a_killed_hub_process_loses_no_event_and_duplicates_no_effect() {
    let db = FreshDatabase::from_env().await.unwrap();
    let toml = hub::bench::bench_config_toml(&db.url, &db.dir, "").unwrap();
    let config_path = db.dir.join("hub.toml");
    std::fs::write(&config_path, &toml).unwrap();
    // The real binary, killed with SIGKILL while it works: nothing finishes, leases stay behind.
    let (mut child, base) =
        spawn_hub_process(&config_path, &[("HUB_QUEUE__LEASE_SECS", "2"), ("HUB_QUEUE__CONCURRENCY", "1")]).await;
    let client = reqwest::Client::new();
    for n in 0..60 {
        assert_eq!(post_member_to(&client, &base, n).await, 202);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut config = hub::config::Config::from_toml_str(&toml).unwrap();
    config.queue.lease_secs = 2;
    config.queue.poll_interval_ms = 20;
    let restarted = hub::app::App::build(config).await.unwrap().spawn().await.unwrap();
    eventually("every event processed after the restart", || async {
        restarted.store.inbox_counts().await.unwrap().iter().any(|(s, n)| s == "processed" && *n == 60)
    })
    .await;
    assert_eq!(restarted.store.count_entities(hub_connector_sdk::EntityKind::Person).await.unwrap(), 60);
    let outbox = restarted.store.outbox_after(0, 1000).await.unwrap();
    assert_eq!(outbox.len(), 60, "no effect duplicated");
    restarted.stop().await.unwrap();
    db.drop_database().await;
}

/// Fails transiently `fail_times` times, then succeeds; records each attempt.
struct Flaky {
    fail_times: usize,
    calls: AtomicUsize,
    attempts: Mutex<Vec<(u32, std::time::Instant)>>,
    permanent: bool,
}

#[async_trait]
impl JobHandler for Flaky {
    async fn handle(&self, _: JobSpec, attempt: u32) -> Result<(), JobError> {
        self.attempts.lock().unwrap().push((attempt, std::time::Instant::now()));
        if self.permanent {
            return Err(JobError::permanent("invalid", "this record can never be applied"));
        }
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.fail_times {
            return Err(JobError::transient("transient", "remote timed out"));
        }
        Ok(())
    }
}

fn settings() -> QueueSettings {
    QueueSettings {
        concurrency: 4,
        batch: 8,
        poll: Duration::from_millis(10),
        lease: Duration::from_secs(30),
        shutdown_timeout: Duration::from_secs(5),
        retry: RetrySettings {
            max_attempts: 4,
            base: Duration::from_millis(40),
            max: Duration::from_secs(2),
            retry_after_max: Duration::from_secs(2),
        },
    }
}

async fn run_one(handler: Arc<Flaky>, max_attempts: u32) -> (Store, FreshDatabase, uuid::Uuid) {
    let db = FreshDatabase::from_env().await.unwrap();
    let store = Store::connect(&db.url, 4).await.unwrap();
    store.migrate().await.unwrap();
    let queue = QueueHandle::new(store.clone(), max_attempts);
    queue.enqueue(&JobSpec::Noop { n: 1 }, None).await.unwrap();
    let id = store.list_jobs(None, 1).await.unwrap()[0].id;
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(run_workers(store.clone(), queue, handler, settings(), async move {
        let _ = rx.wait_for(|s| *s).await;
    }));
    eventually("the job finished", || async {
        let job = store.get_job(id).await.unwrap().unwrap();
        job.status == "done" || job.status == "dead"
    })
    .await;
    let _ = tx.send(true);
    workers.await.unwrap().unwrap();
    (store, db, id)
}

#[tokio::test]
async fn transient_failures_back_off_then_succeed() {
    let flaky =
        Arc::new(Flaky { fail_times: 2, calls: AtomicUsize::new(0), attempts: Mutex::new(vec![]), permanent: false });
    let (store, db, id) = run_one(flaky.clone(), 5).await;
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.status, "done");
    assert_eq!(job.attempts, 3);
    let attempts = flaky.attempts.lock().unwrap().clone();
    assert_eq!(attempts.iter().map(|a| a.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    // Backoff with jitter: at least half of base·2^(n-1) between attempts.
    assert!(attempts[1].1 - attempts[0].1 >= Duration::from_millis(20));
    assert!(attempts[2].1 - attempts[1].1 >= Duration::from_millis(40));
    store.close().await;
    db.drop_database().await;
}

#[tokio::test]
async fn permanent_and_exhausted_failures_are_dead_letters() {
    let permanent =
        Arc::new(Flaky { fail_times: 0, calls: AtomicUsize::new(0), attempts: Mutex::new(vec![]), permanent: true });
    let (store, db, id) = run_one(permanent.clone(), 5).await;
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("dead", 1));
    assert_eq!(job.last_error_class.as_deref(), Some("invalid"));
    store.close().await;
    db.drop_database().await;

    let always = Arc::new(Flaky {
        fail_times: usize::MAX,
        calls: AtomicUsize::new(0),
        attempts: Mutex::new(vec![]),
        permanent: false,
    });
    let (store, db, id) = run_one(always, 3).await;
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("dead", 3));
    assert_eq!(job.last_error.as_deref(), Some("remote timed out"));
    store.close().await;
    db.drop_database().await;
}

/// Takes 300 ms per job; counts the jobs finished (`.0`) and started (`.1`).
struct Slow(AtomicUsize, AtomicUsize);

#[async_trait]
impl JobHandler for Slow {
    async fn handle(&self, _: JobSpec, _: u32) -> Result<(), JobError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish() {
    let db = FreshDatabase::from_env().await.unwrap();
    let store = Store::connect(&db.url, 4).await.unwrap();
    store.migrate().await.unwrap();
    let queue = QueueHandle::new(store.clone(), 3);
    for n in 0..2 {
        queue.enqueue(&JobSpec::Noop { n }, None).await.unwrap();
    }
    let slow = Arc::new(Slow(AtomicUsize::new(0), AtomicUsize::new(0)));
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(run_workers(store.clone(), queue, slow.clone(), settings(), async move {
        let _ = rx.wait_for(|s| *s).await;
    }));
    // Started means in the handler: a job claimed (`running`) but not yet handed to a worker when
    // shutdown comes is left to its lease and runs again later, it is not "in flight".
    eventually("both jobs started", || async {
        slow.1.load(Ordering::SeqCst) == 2
            && store.job_counts().await.unwrap().iter().any(|(s, n)| s == "running" && *n == 2)
    })
    .await;
    let _ = tx.send(true);
    workers.await.unwrap().unwrap();
    assert_eq!(slow.0.load(Ordering::SeqCst), 2, "in-flight jobs finished");
    let done = store.list_jobs(Some("done"), 10).await.unwrap();
    assert_eq!(done.len(), 2, "and were recorded as done");
    store.close().await;
    db.drop_database().await;
}
