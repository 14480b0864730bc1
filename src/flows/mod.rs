//! The business flows the queue runs: inbound webhook events and stream syncs, both ending in
//! `apply::apply_record`. Every flow is idempotent: a record applied twice changes nothing.

pub mod apply;
pub mod sync;

use std::sync::Arc;

use async_trait::async_trait;
use hub_connector_sdk::InboundEvent;
use uuid::Uuid;

use crate::{
    mapping::MappingSet,
    queue::{JobError, JobHandler, JobSpec, QueueHandle},
    registry::Registry,
    store::Store,
};

pub use apply::Applied;

/// Everything a job needs.
#[derive(Clone)]
pub struct Flows {
    pub store: Store,
    pub registry: Arc<Registry>,
    pub mappings: Arc<MappingSet>,
    pub queue: QueueHandle,
}

#[async_trait]
impl JobHandler for Flows {
    async fn handle(&self, spec: JobSpec, attempt: u32) -> Result<(), JobError> {
        match spec {
            JobSpec::ProcessInbound { inbox_id } => self.process_inbound(inbox_id, attempt).await,
            JobSpec::SyncStream { instance, stream, full } => {
                let report =
                    sync::sync_stream(self, &instance, &stream, full, sync::PAGES_PER_JOB, &mut |_| {}).await?;
                if report.more {
                    self.queue.enqueue(&sync::continuation(&instance, &stream), None).await?;
                }
                Ok(())
            }
            JobSpec::Noop { .. } => Ok(()),
        }
    }
}

impl Flows {
    /// Processes one inbox event: the connector gives the authoritative records (reading them back
    /// from its API when its webhooks are only hints), each is applied, and the event is marked
    /// processed in the same transaction. A processed event is skipped. An event whose job fails
    /// for good (a permanent error, or the last attempt) is marked failed with the reason.
    pub async fn process_inbound(&self, inbox_id: Uuid, attempt: u32) -> Result<(), JobError> {
        let row = self
            .store
            .get_inbox(inbox_id)
            .await?
            .ok_or_else(|| JobError::permanent("missing", format!("inbox event {inbox_id} does not exist")))?;
        if row.status == "processed" {
            return Ok(());
        }
        let result = self.apply_inbound(&row).await;
        if let Err(e) = &result
            && (!e.retryable || attempt >= self.queue.max_attempts())
        {
            self.store.mark_inbox_failed(inbox_id, &e.message).await?;
        }
        result
    }

    async fn apply_inbound(&self, row: &crate::store::InboxRow) -> Result<(), JobError> {
        let inst = self.registry.get(&row.instance).ok_or_else(|| {
            JobError::permanent(
                "unknown_instance",
                format!("connector instance `{}` is no longer configured", row.instance),
            )
        })?;
        let event: InboundEvent = serde_json::from_value(row.event.0.clone())
            .map_err(|e| JobError::permanent("invalid_event", format!("stored event does not parse: {e}")))?;
        let records = inst.connector.records_for_event(&event).await?;
        let mut tx = self.store.begin().await?;
        for record in &records {
            let name = inst.mapping_for(&record.stream);
            let mapping = self.mappings.get(&name).ok_or_else(|| {
                JobError::permanent("mapping", format!("no mapping `{name}` for stream `{}`", record.stream))
            })?;
            let applied = apply::apply_record(&mut tx, inst.kind, &inst.name, mapping, record).await?;
            metrics::counter!("hub_records_synced_total", "instance" => inst.name.clone(), "outcome" => applied.label()).increment(1);
        }
        Store::mark_inbox_processed(&mut tx, row.id).await?;
        tx.commit().await?;
        Ok(())
    }
}
