//! The same no-op benchmark on apalis-sqlite 1.0, for comparison (`hub bench queue --apalis`):
//! it shows the throughput cliff that made us run apalis workers over our own table instead.
//! The cause (measured by docs/scripts/apalis_sqlite_ack_plan.py): its batched acknowledgement
//! is planned from the `lock_by` index, so each ack scans every job the worker ever locked.

use std::time::{Duration, Instant};

use anyhow::Result;
use apalis::prelude::{BackendExt, BoxDynError, TaskSink, WorkerBuilder, WorkerBuilderExt};
use apalis_sqlite::{Config, SqlitePool, SqliteStorage};

use crate::testing::FreshDatabase;

async fn noop(_n: u64) -> Result<(), BoxDynError> {
    Ok(())
}

/// Jobs per second to drain `n` bulk-pushed no-op jobs with one worker at `concurrency`.
pub async fn measure(n: usize, concurrency: usize) -> Result<f64> {
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
    let started = Instant::now();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stop_rx.await;
        Ok::<(), std::io::Error>(())
    }));
    loop {
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Jobs WHERE status = 'Done'").fetch_one(&pool).await?;
        if done as usize >= n {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(900),
            "apalis-sqlite: only {done} of {n} done after 15 min"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), running).await;
    pool.close().await;
    db.drop_database().await;
    Ok(rate)
}
