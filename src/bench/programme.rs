//! `hub bench programme`: a programme sheet of N rows (the spreadsheet connector's synthetic
//! programme, a CSV file on disk) synced from scratch into a real hub and store, the time until
//! every event's tasks exist (through the `programme` target), then a re-sync with one row
//! changed — which must make exactly one event update — and a re-sync with nothing changed.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hub_connector_sdk::EntityKind;
use hub_connector_spreadsheet::bench::programme_csv;

use crate::{
    app::App,
    flows::sync::{SyncReport, sync_stream},
    programme::ProgrammeKinds,
    store::Store,
    testing::{FreshDatabase, write_files},
};

/// Figures of one run.
struct Figures {
    first: SyncReport,
    first_secs: f64,
    tasks: i64,
    tasks_secs: f64,
    resync: SyncReport,
    resync_secs: f64,
    event_changes: usize,
    unchanged_secs: f64,
}

async fn event_changes(store: &Store) -> Result<usize> {
    Ok(store.outbox_after(0, i64::MAX).await?.iter().filter(|o| o.entity_kind == "event").count())
}

async fn sync(app: &App) -> Result<(SyncReport, f64)> {
    let started = Instant::now();
    let report = sync_stream(&app.flows(), "planning", "events", false, usize::MAX, &mut |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("sync failed ({}): {}", e.class, e.message))?;
    Ok((report, started.elapsed().as_secs_f64()))
}

async fn measure(server: Option<&str>, rows: usize) -> Result<Figures> {
    let db = FreshDatabase::create(server).await.context("creating the bench database")?;
    let sheet = db.dir.join("programme.csv");
    std::fs::write(&sheet, programme_csv(rows, None))?;
    let extra =
        format!("[connectors.planning]\nkind = \"spreadsheet\"\nsource = \"{}\"\nschedules = {{}}\n", sheet.display());
    let mut config = super::bench_config(&db.url, &db.dir, &extra)?;
    write_files(&db.dir.join("mappings"), &crate::programme::shipped_mapping_files())?;
    config.targets.poll_interval_ms = 20;
    let kinds = ProgrammeKinds::load(&config.programme.kinds_path(&config.mappings.dir))?;
    let app = App::build(config).await?;
    let running = app.clone().spawn().await?;
    let started = Instant::now();
    let (first, first_secs) = sync(&app).await?;
    let text = String::from_utf8(programme_csv(rows, None))?;
    let expected: i64 = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(';').nth(4))
        .map(|kind| kinds.get(kind).map_or(0, |k| k.tasks.len() as i64))
        .sum();
    let deadline = Instant::now() + Duration::from_secs(900);
    let mut tasks = 0;
    while tasks < expected {
        if Instant::now() > deadline {
            bail!("only {tasks} of {expected} tasks after 15 minutes");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        tasks = app.store.count_entities(EntityKind::Task).await?;
    }
    let tasks_secs = started.elapsed().as_secs_f64();
    let before = event_changes(&app.store).await?;
    std::fs::write(&sheet, programme_csv(rows, Some(rows / 2)))?;
    let (resync, resync_secs) = sync(&app).await?;
    let event_changes = event_changes(&app.store).await? - before;
    let (_, unchanged_secs) = sync(&app).await?;
    running.stop().await?;
    db.drop_database().await;
    Ok(Figures { first, first_secs, tasks, tasks_secs, resync, resync_secs, event_changes, unchanged_secs })
}

pub async fn run(rows: usize, postgres: Option<&str>) -> Result<()> {
    println!(
        "| database | rows | sync from scratch | events and their tasks ready | re-sync, one row changed | event changes | re-sync, nothing changed |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut runs = vec![("SQLite", None)];
    if let Some(pg) = postgres {
        runs.push(("PostgreSQL", Some(pg)));
    }
    for (name, server) in runs {
        let f = measure(server, rows).await?;
        if f.first.created != rows || f.resync.updated != 1 || f.resync.created != 0 || f.event_changes != 1 {
            bail!(
                "{name}: expected {rows} creates then exactly one update, got {:?} then {:?} ({} event changes)",
                f.first,
                f.resync,
                f.event_changes
            );
        }
        println!(
            "| {name} | {rows} | {:.2} s ({} events) | {:.2} s ({} tasks) | {:.2} s ({} update) | {} | {:.2} s |",
            f.first_secs,
            f.first.created,
            f.tasks_secs,
            f.tasks,
            f.resync_secs,
            f.resync.updated,
            f.event_changes,
            f.unchanged_secs
        );
    }
    Ok(())
}
