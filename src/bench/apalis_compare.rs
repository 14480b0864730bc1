//! The same no-op benchmark on apalis 1.0's own storages, for comparison
//! (`hub bench queue --apalis 1000,10000`): it shows apalis-sqlite's throughput cliff, which made
//! us run apalis workers over our own table instead. The cause (reproduced by
//! docs/scripts/apalis_sqlite_ack_plan.py): its batched acknowledgement is planned from the
//! `lock_by` index, so each ack scans every job the worker ever locked.

use std::time::{Duration, Instant};

use anyhow::Result;
use apalis::prelude::{BackendExt, BoxDynError, TaskSink, WorkerBuilder, WorkerBuilderExt};

use crate::testing::FreshDatabase;

async fn noop(_n: u64) -> Result<(), BoxDynError> {
    Ok(())
}

/// Polls `done()` until it reaches `n`; returns jobs per second since `started`.
async fn wait_done<F, Fut>(n: usize, started: Instant, mut done: F) -> Result<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<i64, sqlx::Error>>,
{
    loop {
        let count = done().await?;
        if count as usize >= n {
            return Ok(n as f64 / started.elapsed().as_secs_f64());
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(900), "apalis: only {count} of {n} done after 15 min");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// apalis-sqlite 1.0: jobs per second draining `n` bulk-pushed no-op jobs, one worker.
pub async fn measure_sqlite(n: usize, concurrency: usize) -> Result<f64> {
    use apalis_sqlite::{Config, SqlitePool, SqliteStorage};
    let db = FreshDatabase::create(None).await?;
    let pool = SqlitePool::connect(&db.url).await?;
    SqliteStorage::setup(&pool).await?;
    let config = Config::default().queue("bench").heartbeat_interval(Duration::from_secs(2)).batch_size(100);
    let mut storage = SqliteStorage::<u64>::new(&pool).with_config(config);
    storage.push_bulk((0..n as u64).collect()).await.map_err(|e| anyhow::anyhow!("push_bulk: {e}"))?;
    let worker = WorkerBuilder::new("apalis-bench")
        .backend(storage.poll_with_interval(Duration::from_millis(20)))
        .concurrency(concurrency)
        .build(noop);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
        Ok::<(), std::io::Error>(())
    }));
    let rate = wait_done(n, started, || {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM Jobs WHERE status = 'Done'").fetch_one(&pool)
    })
    .await?;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), running).await;
    pool.close().await;
    db.drop_database().await;
    Ok(rate)
}

/// apalis-postgres 1.0 (with its LISTEN/NOTIFY pubsub): the same measure on a fresh database.
pub async fn measure_postgres(server: &str, n: usize, concurrency: usize) -> Result<f64> {
    use apalis_postgres::{Config, PgPool, PostgresStorage};
    let db = FreshDatabase::create(Some(server)).await?;
    let pool = PgPool::connect(&db.url).await?;
    PostgresStorage::setup(&pool).await?;
    let config = Config::default().queue("bench").heartbeat_interval(Duration::from_secs(2)).batch_size(100);
    let mut storage = PostgresStorage::<u64>::new(&pool).with_config(config);
    storage.push_bulk((0..n as u64).collect()).await.map_err(|e| anyhow::anyhow!("push_bulk: {e}"))?;
    let worker = WorkerBuilder::new("apalis-bench").backend(storage.with_pubsub()).concurrency(concurrency).build(noop);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
        Ok::<(), std::io::Error>(())
    }));
    let rate = wait_done(n, started, || {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM apalis.jobs WHERE status = 'Done'").fetch_one(&pool)
    })
    .await?;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), running).await;
    pool.close().await;
    db.drop_database().await;
    Ok(rate)
}
