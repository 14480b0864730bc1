//! The recorder of deliveries: one task writing attempts, outcomes and endpoint health in batched
//! transactions, disabling endpoints that answer 410 or keep failing (with `endpoint.disabled`).

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::Utc;
use serde_json::json;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::dispatch::{Outcome, Shared};
use crate::store::{DeliveryOutcome, NewAttempt, Store, StoreError, now_ms};

/// Writes results in batches: attempts, delivery outcomes, endpoint health; disables endpoints
/// that answered 410 or failed with no success for `disable_after`, emitting `endpoint.disabled`.
pub(super) async fn record(shared: Arc<Shared>, mut rx: mpsc::Receiver<Outcome>) {
    let mut batch = Vec::with_capacity(512);
    while rx.recv_many(&mut batch, 512).await > 0 {
        let mut tries = 0;
        loop {
            match write_batch(&shared, &batch).await {
                Ok(()) => break,
                Err(e) => {
                    tries += 1;
                    tracing::error!(error = %e, tries, "cannot record webhook attempts; retrying");
                    if tries >= 10 {
                        tracing::error!(
                            "webhook attempts dropped unrecorded: their leases will expire and they will be sent again"
                        );
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200 * tries)).await;
                }
            }
        }
        let endpoints: std::collections::HashSet<Uuid> = batch.iter().map(|o| o.attempt.endpoint_id).collect();
        for id in endpoints {
            shared.waker(id).notify_one();
        }
        batch.clear();
    }
}

async fn write_batch(shared: &Shared, batch: &[Outcome]) -> Result<(), StoreError> {
    let mut tx = shared.store.begin().await?;
    let rows: Vec<(NewAttempt, DeliveryOutcome)> = batch.iter().map(|o| (o.attempt.clone(), o.outcome)).collect();
    Store::record_attempts_in(&mut tx, &rows).await?;
    // Per endpoint: the last result of the batch says whether it is healthy.
    let mut last: HashMap<Uuid, &Outcome> = HashMap::new();
    for o in batch {
        last.insert(o.attempt.endpoint_id, o);
    }
    let disable_after_ms = shared.settings.disable_after.as_millis() as i64;
    for (id, o) in last {
        let reason = if batch.iter().any(|b| b.gone && b.attempt.endpoint_id == id) {
            Some("the endpoint answered 410 Gone".to_string())
        } else {
            match Store::note_endpoint_health_in(&mut tx, id, o.attempt.ok).await? {
                Some(since) if now_ms() - since >= disable_after_ms => {
                    Some(format!("every delivery failed for {} hours", (now_ms() - since) / 3_600_000))
                }
                _ => None,
            }
        };
        if let Some(reason) = reason
            && Store::disable_endpoint_in(&mut tx, id, &reason).await?
        {
            tracing::warn!(endpoint = %id, reason, "webhook endpoint disabled");
            let data = json!({"endpoint_id": id, "reason": reason, "disabled_at": Utc::now()});
            Store::append_operator_event_in(&mut tx, "endpoint.disabled", "webhook_endpoint", id, &data).await?;
        }
    }
    tx.commit().await
}
