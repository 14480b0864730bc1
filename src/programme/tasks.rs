//! `ProgrammeTasks`: the internal `programme` target. The registry adds it (kind and name
//! `programme`, `writes = ["event"]`) when a spreadsheet instance is configured, so every event
//! change reaches it through the targets' machinery (in order per event, retried, idempotent).
//! `write` upserts the event's tasks — those its kind brings (mappings/programme-kinds.toml) — as
//! canonical `task` entities through `flows::apply::apply_record` (system and instance
//! `programme`, external id `{event id}:{slug}`), and deletes the tasks of a cancelled or deleted
//! event and those its kind no longer brings, all in one transaction. Applying the same event
//! twice changes nothing. It also holds what the programme's HTTP pages and registrations need:
//! the store and the mappings, bound once the store is open (`bind`).

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, ChangeOp, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, SourceRecord,
    StreamInfo, WriteOutcome,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    INSTANCE, ProgrammeSettings, REGISTRATIONS, SYSTEM,
    kinds::{ProgrammeKinds, TaskTemplate},
    queries,
};
use crate::{
    flows::apply::apply_record,
    mapping::{Mapping, MappingSet},
    queue::JobError,
    store::{EntityRow, Store, StoreError},
};

/// The mapping of the tasks and of the registrations.
pub const TASKS_MAPPING: &str = "programme/tasks";
pub const REGISTRATIONS_MAPPING: &str = "programme/registrations";

/// What is bound once the store is open.
pub struct Bound {
    pub store: Store,
    pub tasks: Mapping,
    pub registrations: Mapping,
}

/// The programme target and service.
pub struct ProgrammeTasks {
    pub kinds: Arc<ProgrammeKinds>,
    pub settings: ProgrammeSettings,
    bound: OnceLock<Bound>,
}

fn store_error(e: StoreError) -> ConnectorError {
    ConnectorError::Transient { detail: e.to_string(), retry_after: None }
}

fn job_error(e: JobError) -> ConnectorError {
    if e.retryable {
        ConnectorError::Transient { detail: e.message, retry_after: e.retry_after }
    } else {
        ConnectorError::Invalid(e.message)
    }
}

/// Whether an event's fields say it is cancelled.
pub fn is_cancelled(fields: &Value) -> bool {
    fields.get("status").and_then(Value::as_str).is_some_and(|s| matches!(s, "cancelled" | "canceled"))
}

/// The source record of one task of an event.
fn task_record(event: Uuid, fields: &Value, task: &TaskTemplate) -> SourceRecord {
    let field = |k: &str| fields.get(k).cloned().unwrap_or(Value::Null);
    SourceRecord {
        stream: "tasks".into(),
        external_id: format!("{event}:{}", task.slug),
        updated_at: None,
        deleted: false,
        data: json!({
            "event": event.to_string(),
            "slug": task.slug,
            "title": task.title,
            "places": task.places,
            "doc_url": task.doc_url,
            "description": task.description,
            "event_title": field("title"),
            "event_kind": field("kind"),
            "date": field("date"),
            "starts_at": field("starts_at"),
        }),
    }
}

/// The `deleted` record of a task that exists.
fn gone(event: Uuid, row: &EntityRow) -> Option<SourceRecord> {
    let slug = row.fields.0.get("slug").and_then(Value::as_str)?;
    Some(SourceRecord {
        stream: "tasks".into(),
        external_id: format!("{event}:{slug}"),
        updated_at: None,
        deleted: true,
        data: row.fields.0.clone(),
    })
}

impl ProgrammeTasks {
    pub fn new(kinds: ProgrammeKinds, settings: ProgrammeSettings) -> ProgrammeTasks {
        ProgrammeTasks { kinds: Arc::new(kinds), settings, bound: OnceLock::new() }
    }

    /// Binds the store and the mappings (once; later calls are ignored). The mappings were
    /// checked by `Registry::check_mappings`.
    pub fn bind(&self, store: &Store, mappings: &MappingSet) -> Result<(), String> {
        let get = |name: &str| mappings.get(name).cloned().ok_or_else(|| format!("mapping `{name}` is missing"));
        let bound =
            Bound { store: store.clone(), tasks: get(TASKS_MAPPING)?, registrations: get(REGISTRATIONS_MAPPING)? };
        let _ = self.bound.set(bound);
        Ok(())
    }

    /// The store and mappings, once bound.
    pub fn bound(&self) -> Option<&Bound> {
        self.bound.get()
    }

    /// Brings the tasks of event `event` (with `fields`, or deleted) in line with its kind.
    pub async fn sync_tasks(&self, event: Uuid, fields: &Value, deleted: bool) -> Result<usize, ConnectorError> {
        let bound = self.bound().ok_or_else(|| ConnectorError::Transient {
            detail: "the programme is not bound to the store yet".into(),
            retry_after: None,
        })?;
        let templates: &[TaskTemplate] = match fields.get("kind").and_then(Value::as_str) {
            _ if deleted || is_cancelled(fields) => &[],
            Some(kind) => self.kinds.get(kind).map(|k| k.tasks.as_slice()).unwrap_or(&[]),
            None => &[],
        };
        let mut tx = bound.store.begin().await.map_err(store_error)?;
        let existing = queries::of_event_in(&mut tx, EntityKind::Task, event).await.map_err(store_error)?;
        let mut records: Vec<SourceRecord> = templates.iter().map(|t| task_record(event, fields, t)).collect();
        for row in &existing {
            let slug = row.fields.0.get("slug").and_then(Value::as_str).unwrap_or_default();
            if !templates.iter().any(|t| t.slug == slug) {
                records.extend(gone(event, row));
            }
        }
        let mut changed = 0;
        for record in &records {
            let applied = apply_record(&mut tx, SYSTEM, INSTANCE, &bound.tasks, record).await.map_err(job_error)?;
            if !matches!(applied, crate::flows::Applied::Unchanged | crate::flows::Applied::Ignored) {
                changed += 1;
            }
        }
        tx.commit().await.map_err(store_error)?;
        Ok(changed)
    }
}

#[async_trait]
impl Connector for ProgrammeTasks {
    fn kind(&self) -> &'static str {
        INSTANCE
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let tasks: usize = self.kinds.kinds.iter().map(|k| k.tasks.len()).sum();
        Ok(CheckReport {
            ok: true,
            detail: format!(
                "{} types d'événements, {tasks} tâches ({}) ; inscriptions : instance `{REGISTRATIONS}`",
                self.kinds.kinds.len(),
                self.kinds.file
            ),
        })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        Vec::new()
    }

    async fn read(&self, stream: &str, _cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        Err(ConnectorError::Unsupported(format!("the programme target has no stream `{stream}`")))
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        if change.entity_kind != EntityKind::Event {
            return Err(ConnectorError::Unsupported(format!(
                "the programme makes tasks of events only ({} {} skipped)",
                change.entity_kind, change.entity_id
            )));
        }
        self.sync_tasks(change.entity_id, &change.fields, change.op == ChangeOp::Deleted).await?;
        Ok(WriteOutcome { external_id: change.entity_id.to_string(), remote_updated_at: None })
    }
}
