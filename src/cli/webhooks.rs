//! `hub webhooks …`: list endpoints, show attempts, replay one message or everything since a time.
//! Works on the database directly, so it also works while the hub is stopped; a running hub
//! picks replayed deliveries up within its poll interval.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use uuid::Uuid;

use crate::{config::Config, store::Store, webhooks::replay};

#[derive(Debug, Subcommand)]
pub enum WebhooksAction {
    /// Endpoints, their filters and health (never their secrets)
    Endpoints,
    /// The attempt log, newest first
    Attempts {
        /// Only this endpoint
        #[arg(long)]
        endpoint: Option<Uuid>,
        /// Only this message (`msg_…`)
        #[arg(long)]
        message: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Send a message again (`hub webhooks replay msg_…`), or every message since a time
    /// (`hub webhooks replay --since 2026-11-24T08:00:00Z`)
    Replay {
        /// The message id (`webhook-id`)
        id: Option<String>,
        /// RFC 3339 instant or a date (YYYY-MM-DD, midnight UTC)
        #[arg(long, conflicts_with = "id")]
        since: Option<String>,
        /// Only to this endpoint
        #[arg(long)]
        endpoint: Option<Uuid>,
    },
}

fn parse_since(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| anyhow!("--since `{text}` is neither an RFC 3339 instant nor a YYYY-MM-DD date"))?;
    Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
}

pub async fn run(config: Config, action: WebhooksAction) -> Result<ExitCode> {
    let store = Store::connect(&config.database_url(), 2).await.context("cannot open the database")?;
    store.migrate().await?;
    match action {
        WebhooksAction::Endpoints => {
            for e in store.list_endpoints().await? {
                let view = crate::webhooks::endpoints::EndpointView::from(&e);
                println!("{}", serde_json::to_string(&view)?);
            }
        }
        WebhooksAction::Attempts { endpoint, message, limit } => {
            for a in store.list_attempts(endpoint, message.as_deref(), limit).await? {
                println!("{}", serde_json::to_string(&a)?);
            }
        }
        WebhooksAction::Replay { id, since, endpoint } => {
            let report = match (id, since) {
                (Some(id), None) => replay::replay_message(&store, &id, endpoint)
                    .await?
                    .ok_or_else(|| anyhow!("no message `{id}` (or no endpoint {endpoint:?})"))?,
                (None, Some(since)) => replay::replay_since(&store, parse_since(&since)?, endpoint)
                    .await?
                    .ok_or_else(|| anyhow!("no endpoint {endpoint:?}"))?,
                _ => return Err(anyhow!("give a message id or --since")),
            };
            println!("replay queued: {} message(s), {} delivery(ies)", report.messages, report.deliveries);
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
