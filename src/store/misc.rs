//! Sync cursors per instance and stream, the outbox (change log) and the audit trail.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{FromRow, types::Json};
use uuid::Uuid;

use super::{Store, StoreError, Tx, on_pool, on_tx};

/// One change-log entry, written in the same transaction as the entity change.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct OutboxRow {
    pub seq: i64,
    pub id: Uuid,
    pub event_type: String,
    pub entity_kind: String,
    pub entity_id: Uuid,
    pub op: String,
    pub source_system: String,
    pub source_instance: String,
    pub payload: Json<Value>,
    pub created_at: DateTime<Utc>,
}

/// One audited field change: which source changed which field, when.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct AuditRow {
    pub field: String,
    pub old_value: Option<Json<Value>>,
    pub new_value: Option<Json<Value>>,
    pub source_system: String,
    pub source_instance: String,
    pub changed_at: DateTime<Utc>,
}

/// One field's change, for [`Store::append_audit`].
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub field: &'a str,
    pub old: Option<&'a Value>,
    pub new: Option<&'a Value>,
}

/// Who made a change.
#[derive(Debug, Clone)]
pub struct ChangeSource<'a> {
    pub system: &'a str,
    pub instance: &'a str,
}

impl Store {
    pub async fn get_cursor(&self, instance: &str, stream: &str) -> Result<Option<Value>, StoreError> {
        let row = on_pool!(self, p => sqlx::query_scalar::<_, Json<Value>>(
            "SELECT cursor FROM sync_cursors WHERE instance = $1 AND stream = $2")
            .bind(instance).bind(stream).fetch_optional(p).await?);
        Ok(row.map(|j| j.0))
    }

    pub async fn set_cursor(tx: &mut Tx, instance: &str, stream: &str, cursor: &Value) -> Result<(), StoreError> {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO sync_cursors (instance, stream, cursor, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (instance, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at")
            .bind(instance).bind(stream).bind(Json(cursor)).bind(Utc::now()).execute(c).await?.rows_affected());
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn append_outbox(
        tx: &mut Tx,
        event_type: &str,
        kind: &str,
        entity_id: Uuid,
        op: &str,
        source: &ChangeSource<'_>,
        payload: &Value,
    ) -> Result<(), StoreError> {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO outbox (id, event_type, entity_kind, entity_id, op, source_system, source_instance, payload, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(Uuid::now_v7()).bind(event_type).bind(kind).bind(entity_id).bind(op)
            .bind(source.system).bind(source.instance).bind(Json(payload)).bind(Utc::now())
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// Appends the audit rows of one change in a single statement.
    pub async fn append_audit(
        tx: &mut Tx,
        kind: &str,
        entity_id: Uuid,
        entries: &[AuditEntry<'_>],
        source: &ChangeSource<'_>,
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        on_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO audit (entity_kind, entity_id, field, old_value, new_value, source_system, source_instance, changed_at) ",
            );
            q.push_values(entries, |mut row, e| {
                row.push_bind(kind).push_bind(entity_id).push_bind(e.field).push_bind(e.old.map(Json))
                    .push_bind(e.new.map(Json)).push_bind(source.system).push_bind(source.instance).push_bind(now);
            });
            q.build().execute(c).await?.rows_affected()
        });
        Ok(())
    }

    /// The change log after `after_seq`, oldest first.
    pub async fn outbox_after(&self, after_seq: i64, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, OutboxRow>(
            "SELECT seq, id, event_type, entity_kind, entity_id, op, source_system, source_instance, payload, created_at \
             FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2").bind(after_seq).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    /// The audit trail of one entity, oldest first.
    pub async fn audit_of(&self, kind: &str, entity_id: Uuid) -> Result<Vec<AuditRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, AuditRow>(
            "SELECT field, old_value, new_value, source_system, source_instance, changed_at FROM audit \
             WHERE entity_kind = $1 AND entity_id = $2 ORDER BY seq").bind(kind).bind(entity_id).fetch_all(p).await?);
        Ok(rows)
    }
}
