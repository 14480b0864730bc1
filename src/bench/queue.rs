//! `hub bench queue`: no-op jobs through our queue at 1,000 / 10,000 / 100,000 queued, to show the
//! claim and finish costs do not grow with the queue (apalis-sqlite 1.0 fell from 1,357 to
//! 183 jobs/s between 1,000 and 10,000 queued).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use async_trait::async_trait;

use crate::{
    queue::{JobError, JobHandler, JobSpec, QueueHandle, QueueSettings, RetrySettings, run_workers},
    store::Store,
    testing::FreshDatabase,
};

struct Noop;

#[async_trait]
impl JobHandler for Noop {
    async fn handle(&self, _: JobSpec, _: u32) -> Result<(), JobError> {
        Ok(())
    }
}

async fn fill(store: &Store, n: usize) -> Result<()> {
    let mut done = 0;
    while done < n {
        let mut tx = store.begin().await?;
        for i in done..(done + 5_000).min(n) {
            Store::enqueue_in(&mut tx, &JobSpec::Noop { n: i as u64 }.to_new_job(3, None)).await?;
        }
        tx.commit().await?;
        done = (done + 5_000).min(n);
    }
    Ok(())
}

async fn measure(server: Option<&str>, n: usize, concurrency: usize) -> Result<f64> {
    let db = FreshDatabase::create(server).await.context("creating the bench database")?;
    let store = Store::connect(&db.url, 16).await?;
    store.migrate().await?;
    fill(&store, n).await?;
    let settings = QueueSettings {
        concurrency,
        batch: 64,
        poll: Duration::from_millis(20),
        lease: Duration::from_secs(300),
        shutdown_timeout: Duration::from_secs(10),
        retry: RetrySettings {
            max_attempts: 3,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            retry_after_max: Duration::from_secs(1),
        },
    };
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let workers = tokio::spawn(run_workers(
        store.clone(),
        QueueHandle::new(store.clone(), 3),
        Arc::new(Noop),
        settings,
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        },
    ));
    loop {
        if store.active_job_count().await? == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = tx.send(true);
    let _ = workers.await;
    store.close().await;
    db.drop_database().await;
    Ok(rate)
}

pub async fn run(sizes: &[usize], concurrency: usize, postgres: Option<&str>) -> Result<()> {
    let mut servers: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(pg) = postgres {
        servers.push(("PostgreSQL", Some(pg)));
    }
    println!("| backend | jobs queued | jobs/s (concurrency {concurrency}) |");
    println!("|---|---|---|");
    for (name, server) in servers {
        for &n in sizes {
            let rate = measure(server, n, concurrency).await?;
            println!("| {name} | {n} | {rate:.0} |");
        }
    }
    Ok(())
}
