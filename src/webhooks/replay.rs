//! Replay: sends a message again (or every message since a time) to its subscribed endpoints,
//! or to one endpoint; a delivered delivery goes back to pending with a fresh retry schedule.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::catalogue;
use crate::store::{EndpointRow, MessageRow, Store, StoreError};

/// What a replay queued.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReplayReport {
    pub messages: u64,
    pub deliveries: u64,
}

async fn targets(store: &Store, endpoint: Option<Uuid>) -> Result<Option<Vec<EndpointRow>>, StoreError> {
    Ok(match endpoint {
        Some(id) => store.get_endpoint(id).await?.map(|e| vec![e]),
        None => Some(store.list_endpoints().await?.into_iter().filter(|e| e.enabled).collect()),
    })
}

async fn queue(store: &Store, messages: &[MessageRow], endpoints: &[EndpointRow]) -> Result<ReplayReport, StoreError> {
    let mut pairs = Vec::new();
    for m in messages {
        for ep in endpoints.iter().filter(|e| catalogue::matches(&e.event_types.0, &m.event_type)) {
            pairs.push((m.outbox_seq, m.entity_key.clone(), ep.id));
        }
    }
    store.replay_deliveries(&pairs).await?;
    Ok(ReplayReport { messages: messages.len() as u64, deliveries: pairs.len() as u64 })
}

/// Replays one message (`msg_…`). `None` when the message or the endpoint does not exist.
pub async fn replay_message(
    store: &Store,
    message_id: &str,
    endpoint: Option<Uuid>,
) -> Result<Option<ReplayReport>, StoreError> {
    let Some(message) = store.get_message(message_id).await? else {
        return Ok(None);
    };
    let Some(endpoints) = targets(store, endpoint).await? else {
        return Ok(None);
    };
    Ok(Some(queue(store, &[message], &endpoints).await?))
}

/// Replays every message created at or after `since`. `None` when the endpoint does not exist.
pub async fn replay_since(
    store: &Store,
    since: DateTime<Utc>,
    endpoint: Option<Uuid>,
) -> Result<Option<ReplayReport>, StoreError> {
    let Some(endpoints) = targets(store, endpoint).await? else {
        return Ok(None);
    };
    let mut report = ReplayReport::default();
    let from = since.timestamp_millis();
    let mut last_seq = i64::MIN;
    loop {
        let page: Vec<MessageRow> = store.messages_since(from, last_seq, 1000).await?;
        if page.is_empty() {
            break;
        }
        let r = queue(store, &page, &endpoints).await?;
        report.messages += r.messages;
        report.deliveries += r.deliveries;
        last_seq = page.last().expect("non-empty").outbox_seq;
    }
    Ok(Some(report))
}
