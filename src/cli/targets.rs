//! `hub targets …`: what each connector target was sent (pushes by status), the failed ones with
//! their error, and retrying them once the cause is fixed. Works on the database directly.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::{config::Config, store::Store};

#[derive(Debug, Subcommand)]
pub enum TargetsAction {
    /// Pushes per target and status
    Status,
    /// The pushes of one target, newest first
    Pushes {
        name: String,
        /// pending, done, skipped or failed
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Set the failed pushes of one target back to pending
    Retry { name: String },
}

pub async fn run(config: Config, action: TargetsAction) -> Result<ExitCode> {
    let store = Store::connect(&config.database_url(), config.database.max_connections).await?;
    store.migrate().await?;
    match action {
        TargetsAction::Status => {
            let counts = store.push_counts().await?;
            if counts.is_empty() {
                println!("no pushes yet (a connector receives changes when its table has `writes = [...]`)");
            }
            for (target, status, n) in counts {
                println!("{target:<24} {status:<8} {n}");
            }
        }
        TargetsAction::Pushes { name, status, limit } => {
            for p in store.list_pushes(Some(&name), status.as_deref(), limit.clamp(1, 1000)).await? {
                println!(
                    "{:>8}  {:<8} {:<12} {}  attempts={} external_id={} {}",
                    p.id,
                    p.status,
                    p.entity_kind,
                    p.entity_id,
                    p.attempts,
                    p.external_id.as_deref().unwrap_or("-"),
                    p.last_error.as_deref().unwrap_or("")
                );
            }
        }
        TargetsAction::Retry { name } => {
            let n = store.retry_failed_pushes(&name).await?;
            println!("{n} failed push(es) of {name} set back to pending");
        }
    }
    Ok(ExitCode::SUCCESS)
}
