//! Applies one source record to the canonical store: map, match identity, reconcile (pure), then
//! write entity, external link, audit trail and outbox entry in the caller's transaction.

use std::collections::BTreeMap;

use hub_connector_sdk::{EntityKind, SourceRecord};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    mapping::Mapping,
    queue::JobError,
    reconcile::{self, Decision, Existing, Incoming, LinkState, MappedFields, SourceRef},
    store::{AuditEntry, ChangeSource, EntityRow, Store, Tx},
    webhooks,
};

/// What applying a record did (for metrics and sync reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Created(Uuid),
    Updated(Uuid),
    Deleted(Uuid),
    Unchanged,
    Echo,
    Ignored,
}

impl Applied {
    pub fn label(&self) -> &'static str {
        match self {
            Applied::Created(_) => "created",
            Applied::Updated(_) => "updated",
            Applied::Deleted(_) => "deleted",
            Applied::Unchanged => "unchanged",
            Applied::Echo => "echo",
            Applied::Ignored => "ignored",
        }
    }
}

fn to_existing(row: EntityRow) -> Existing {
    let fields: MappedFields = match row.fields.0 {
        Value::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    let sources: BTreeMap<String, String> = match row.sources.0 {
        Value::Object(m) => m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect(),
        _ => BTreeMap::new(),
    };
    Existing { id: row.id, fields, sources }
}

fn to_json<V: serde::Serialize>(map: &BTreeMap<String, V>) -> Value {
    let mut out = Map::new();
    for (k, v) in map {
        out.insert(k.clone(), serde_json::to_value(v).unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// Finds the entity a record is about: its external link first, then each identity key in order.
/// The entity and whether it is soft-deleted (only a linked entity can be: identity lookups skip
/// deleted ones).
async fn find_existing(
    tx: &mut Tx,
    kind: EntityKind,
    link: Option<&LinkState>,
    identity: &[(String, String)],
) -> Result<Option<(Existing, bool)>, JobError> {
    if let Some(link) = link
        && let Some(row) = Store::get_entity_in(tx, kind, link.entity_id).await?
    {
        let deleted = row.deleted_at.is_some();
        return Ok(Some((to_existing(row), deleted)));
    }
    for (key, value) in identity {
        if let Some(row) = Store::find_entity_by_identity_in(tx, kind, key, value).await? {
            return Ok(Some((to_existing(row), false)));
        }
    }
    Ok(None)
}

/// Applies `record` from `system`/`instance` through `mapping`, reading and writing in `tx`
/// (one connection per job: a job never waits on the pool while holding a transaction).
pub async fn apply_record(
    tx: &mut Tx,
    system: &str,
    instance: &str,
    mapping: &Mapping,
    record: &SourceRecord,
) -> Result<Applied, JobError> {
    let kind = mapping.entity();
    if let Some(reason) = mapping.skips(record) {
        tracing::debug!(system, instance, record = %record.external_id, %reason, "record skipped");
        return Ok(Applied::Ignored);
    }
    let fields = mapping.apply(record).map_err(|e| {
        JobError::permanent("mapping", format!("record {} of stream {}: {e}", record.external_id, record.stream))
    })?;
    let hash = reconcile::content_hash(&fields);
    Store::lock_source_record_in(tx, system, instance, &record.external_id).await?;
    let link = Store::find_link_in(tx, system, instance, &record.external_id).await?.map(|l| LinkState {
        entity_id: l.entity_id,
        last_read_hash: l.last_read_hash,
        last_pushed_hash: l.last_pushed_hash,
    });
    let identity = reconcile::identity_values(mapping.identity(), &fields);
    let found = find_existing(tx, kind, link.as_ref(), &identity).await?;
    // A record deleted at its source and now back (a row put back in a sheet, an undo): the
    // entity lives again, and its return is news even if its fields did not change.
    let restored = match &found {
        Some((e, true)) if !record.deleted => {
            Store::restore_entity(tx, kind, e.id).await?;
            true
        }
        Some((e, true)) => {
            // Deleted here and still deleted there: nothing new to tell.
            let id = e.id;
            Store::upsert_link_read(
                tx,
                system,
                instance,
                &record.external_id,
                kind.as_str(),
                id,
                &hash,
                record.updated_at,
            )
            .await?;
            return Ok(Applied::Unchanged);
        }
        _ => false,
    };
    let existing = found.map(|(e, _)| e);
    let source =
        SourceRef { system: system.into(), instance: instance.into(), external_id: record.external_id.clone() };
    let incoming = Incoming { source: &source, entity: kind, fields: &fields, deleted: record.deleted };
    let authority = |field: &str| mapping.authority(field).to_vec();
    // A deletion matched by identity counts as linked when the mapping says so (a cancelled
    // booking of a reschedule chain the hub knew under an earlier uid).
    let identity_link = match (&link, &existing) {
        (None, Some(e)) if record.deleted && mapping.deletes_by_identity() => {
            Some(LinkState { entity_id: e.id, last_read_hash: None, last_pushed_hash: None })
        }
        _ => None,
    };
    let decision =
        reconcile::decide(&incoming, &hash, link.as_ref().or(identity_link.as_ref()), existing.as_ref(), &authority);
    let who = ChangeSource { system, instance };
    let kind_name = kind.as_str();
    let old_json = existing.as_ref().map(|e| to_json(&e.fields));
    let public =
        |op: &str, new: Option<&Value>| webhooks::catalogue::public_type(kind_name, op, old_json.as_ref(), new);
    let applied = match decision {
        Decision::Echo => return Ok(Applied::Echo),
        Decision::Ignore => return Ok(Applied::Ignored),
        Decision::Unchanged { entity_id } if restored => {
            let fields_json = old_json.clone().unwrap_or(Value::Null);
            Store::append_outbox(
                tx,
                &public("created", Some(&fields_json)),
                kind_name,
                entity_id,
                "created",
                &who,
                &fields_json,
            )
            .await?;
            Applied::Created(entity_id)
        }
        Decision::Unchanged { entity_id } => {
            Store::upsert_link_read(
                tx,
                system,
                instance,
                &record.external_id,
                kind_name,
                entity_id,
                &hash,
                record.updated_at,
            )
            .await?;
            return Ok(Applied::Unchanged);
        }
        Decision::Create { fields, sources } => {
            let id = Uuid::now_v7();
            let (fields_json, sources_json) = (to_json(&fields), to_json(&sources));
            Store::insert_entity(tx, kind, id, &fields_json, &sources_json, &reconcile::content_hash(&fields)).await?;
            let entries: Vec<_> =
                fields.iter().map(|(f, v)| AuditEntry { field: f, old: None, new: Some(v) }).collect();
            Store::append_audit(tx, kind_name, id, &entries, &who).await?;
            let event_type = public("created", Some(&fields_json));
            Store::append_outbox(tx, &event_type, kind_name, id, "created", &who, &fields_json).await?;
            Applied::Created(id)
        }
        Decision::Update { entity_id, fields, sources, changes } => {
            let (fields_json, sources_json) = (to_json(&fields), to_json(&sources));
            Store::update_entity(tx, kind, entity_id, &fields_json, &sources_json, &reconcile::content_hash(&fields))
                .await?;
            let entries: Vec<_> = changes
                .iter()
                .map(|c| AuditEntry { field: &c.field, old: c.old.as_ref(), new: c.new.as_ref() })
                .collect();
            Store::append_audit(tx, kind_name, entity_id, &entries, &who).await?;
            Store::append_outbox(
                tx,
                &public("updated", Some(&fields_json)),
                kind_name,
                entity_id,
                "updated",
                &who,
                &fields_json,
            )
            .await?;
            Applied::Updated(entity_id)
        }
        Decision::Delete { entity_id } => {
            Store::delete_entity(tx, kind, entity_id).await?;
            Store::append_outbox(tx, &public("deleted", None), kind_name, entity_id, "deleted", &who, &Value::Null)
                .await?;
            Applied::Deleted(entity_id)
        }
    };
    let entity_id = match applied {
        Applied::Created(id) | Applied::Updated(id) | Applied::Deleted(id) => id,
        _ => unreachable!("returned above"),
    };
    Store::upsert_link_read(tx, system, instance, &record.external_id, kind_name, entity_id, &hash, record.updated_at)
        .await?;
    Ok(applied)
}
