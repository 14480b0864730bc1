//! Fan-out: turns outbox changes into messages (the `{type, timestamp, data}` body, fixed once)
//! and one delivery per subscribed, enabled endpoint — in one transaction with marking the
//! outbox rows done, so a crash repeats a batch at worst, and unique keys make the repeat a no-op.

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::store::{NewMessage, OutboxRow, Store, StoreError};

use super::catalogue;

/// The `webhook-id` of an outbox change: stable across retries and replays.
pub fn message_id(outbox_id: Uuid) -> String {
    format!("msg_{}", outbox_id.simple())
}

/// The ordering key: changes to one entity reach an endpoint in order.
pub fn entity_key(row: &OutboxRow) -> String {
    format!("{}:{}", row.entity_kind, row.entity_id)
}

/// The body of a change: the canonical entity and its external links, or an operator event's data.
pub fn body(row: &OutboxRow, links: &[Value]) -> String {
    let data = match row.entity_kind.as_str() {
        "sync" | "webhook_endpoint" => row.payload.0.clone(),
        _ => json!({
            "id": row.entity_id,
            "kind": row.entity_kind,
            "change": row.op,
            "fields": row.payload.0,
            "external_links": links,
            "source": {"system": row.source_system, "instance": row.source_instance},
        }),
    };
    let timestamp = row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    serde_json::to_string(&json!({"type": row.event_type, "timestamp": timestamp, "data": data}))
        .expect("JSON values serialise")
}

/// Fans out up to `limit` outbox rows; returns how many were processed.
pub async fn fan_out_once(store: &Store, limit: i64) -> Result<usize, StoreError> {
    let mut tx = store.begin().await?;
    Store::lock_fanout_in(&mut tx).await?;
    let rows = Store::unfanned_outbox_in(&mut tx, limit).await?;
    if rows.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let endpoints = Store::enabled_endpoints_in(&mut tx).await?;
    let entities: Vec<(String, Uuid)> = rows.iter().map(|r| (r.entity_kind.clone(), r.entity_id)).collect();
    let mut links: HashMap<Uuid, Vec<Value>> = HashMap::new();
    for (entity, system, instance, external_id) in Store::links_of_entities_in(&mut tx, &entities).await? {
        links
            .entry(entity)
            .or_default()
            .push(json!({"system": system, "instance": instance, "external_id": external_id}));
    }
    let mut messages = Vec::with_capacity(rows.len());
    let mut deliveries = Vec::new();
    for row in &rows {
        let key = entity_key(row);
        for ep in endpoints.iter().filter(|e| catalogue::matches(&e.event_types.0, &row.event_type)) {
            // An endpoint never hears about its own disabling (it is disabled anyway).
            if row.entity_kind == "webhook_endpoint" && row.entity_id == ep.id {
                continue;
            }
            deliveries.push((row.seq, key.clone(), ep.id));
        }
        let body = body(row, links.get(&row.entity_id).map_or(&[][..], |v| v.as_slice()));
        messages.push(NewMessage {
            outbox_seq: row.seq,
            id: message_id(row.id),
            event_type: row.event_type.clone(),
            entity_key: key,
            body,
            created_at: row.created_at,
        });
    }
    Store::insert_fanout_in(&mut tx, &messages, &deliveries).await?;
    tx.commit().await?;
    Ok(rows.len())
}
