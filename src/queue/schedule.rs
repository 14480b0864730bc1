//! Cron schedules: each tick of a connector stream's schedule enqueues one `SyncStream` job whose
//! unique key is the tick (instance, stream, instant), so N hub processes enqueue it once.

use std::{str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use cron::Schedule;

use super::{JobSpec, QueueHandle};

/// One stream's schedule.
#[derive(Debug, Clone)]
pub struct ScheduleEntry {
    pub instance: String,
    pub stream: String,
    pub schedule: Schedule,
}

impl ScheduleEntry {
    /// Parses a 6-field cron expression (seconds first); the error says why.
    pub fn parse(instance: &str, stream: &str, cron: &str) -> Result<ScheduleEntry, String> {
        let schedule = Schedule::from_str(cron).map_err(|e| format!("invalid cron expression `{cron}`: {e}"))?;
        Ok(ScheduleEntry { instance: instance.into(), stream: stream.into(), schedule })
    }
}

/// The dedup key of one tick.
pub fn tick_unique_key(instance: &str, stream: &str, at: DateTime<Utc>) -> String {
    format!("tick:{instance}:{stream}:{}", at.timestamp())
}

/// Enqueues every due tick until the process stops. Ticks missed while no hub ran are not replayed
/// (the next tick's incremental sync reads from the cursor anyway).
pub async fn run_scheduler(entries: Vec<ScheduleEntry>, queue: QueueHandle) {
    if entries.is_empty() {
        return;
    }
    let mut next: Vec<Option<DateTime<Utc>>> = entries.iter().map(|e| e.schedule.upcoming(Utc).next()).collect();
    loop {
        let Some(soonest) = next.iter().flatten().min().copied() else {
            return;
        };
        let wait = (soonest - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        for (entry, slot) in entries.iter().zip(next.iter_mut()) {
            let Some(at) = *slot else { continue };
            if at > Utc::now() {
                continue;
            }
            let spec =
                JobSpec::SyncStream { instance: entry.instance.clone(), stream: entry.stream.clone(), full: false };
            match queue.enqueue(&spec, Some(tick_unique_key(&entry.instance, &entry.stream, at))).await {
                Ok(true) => {
                    tracing::info!(instance = %entry.instance, stream = %entry.stream, "scheduled sync enqueued")
                }
                Ok(false) => {
                    tracing::debug!(instance = %entry.instance, stream = %entry.stream, "tick already enqueued by another process")
                }
                Err(e) => {
                    tracing::warn!(instance = %entry.instance, error = %e, "could not enqueue scheduled sync")
                }
            }
            *slot = entry.schedule.after(&at).next();
        }
    }
}
