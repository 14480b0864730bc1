//! Canonical entities: one table per kind, all of the same shape (fields as JSON, per-field sources,
//! content hash, normalised email as identity key, soft deletion).

use chrono::{DateTime, Utc};
use hub_connector_sdk::EntityKind;
use serde_json::Value;
use sqlx::{FromRow, types::Json};
use uuid::Uuid;

use super::{Store, StoreError, Tx, on_pool, on_tx};

/// The table that holds a kind.
pub fn entity_table(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "people",
        EntityKind::Organization => "organizations",
        EntityKind::Membership => "memberships",
        EntityKind::Payment => "payments",
        EntityKind::Booking => "bookings",
        EntityKind::Resource => "resources",
        EntityKind::Asset => "assets",
        EntityKind::Event => "events",
        EntityKind::Task => "tasks",
        EntityKind::Registration => "registrations",
    }
}

/// One canonical entity.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct EntityRow {
    pub id: Uuid,
    pub fields: Json<Value>,
    pub sources: Json<Value>,
    pub content_hash: String,
    pub email: Option<String>,
    pub merged_into: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, fields, sources, content_hash, email, merged_into, deleted_at, created_at, updated_at";

/// An identity key that can be written into SQL as it is (`origin_uid`, `tag`): ASCII letters,
/// digits and underscores only.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The normalised email of a field set, if it has one (the identity key of people and organizations).
fn email_of(fields: &Value) -> Option<String> {
    fields.get("email").and_then(Value::as_str).map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty())
}

impl Store {
    pub async fn get_entity(&self, kind: EntityKind, id: Uuid) -> Result<Option<EntityRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {} WHERE id = $1", entity_table(kind));
        let row = on_pool!(self, p => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        Ok(row)
    }

    /// [`Store::get_entity`] inside a transaction (one connection per job, consistent reads).
    pub async fn get_entity_in(tx: &mut Tx, kind: EntityKind, id: Uuid) -> Result<Option<EntityRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {} WHERE id = $1", entity_table(kind));
        let row =
            on_tx!(tx, c => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?);
        Ok(row)
    }

    /// A live entity whose identity key `key` equals `value` (`email` uses its indexed column).
    pub async fn find_entity_by_identity_in(
        tx: &mut Tx,
        kind: EntityKind,
        key: &str,
        value: &str,
    ) -> Result<Option<EntityRow>, StoreError> {
        let table = entity_table(kind);
        let row = if key == "email" {
            let sql = format!(
                "SELECT {COLUMNS} FROM {table} WHERE email = $1 AND merged_into IS NULL AND deleted_at IS NULL LIMIT 1"
            );
            on_tx!(tx, c => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(c).await?)
        } else if is_plain_key(key) {
            // The key written into the SQL, as the expression indexes write it (`bookings`'
            // `origin_uid`, `assets`' `tag`, migration 0009): a bound key would scan the table,
            // parsing every row's JSON, for each record read.
            let sql = format!(
                "SELECT {COLUMNS} FROM {table} WHERE fields ->> '{key}' = $1 AND merged_into IS NULL AND deleted_at IS NULL LIMIT 1"
            );
            on_tx!(tx, c => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(c).await?)
        } else {
            let sql = format!(
                "SELECT {COLUMNS} FROM {table} WHERE fields ->> $1 = $2 AND merged_into IS NULL AND deleted_at IS NULL LIMIT 1"
            );
            on_tx!(tx, c => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql)).bind(key).bind(value).fetch_optional(c).await?)
        };
        Ok(row)
    }

    /// Lists live entities of a kind, newest first.
    pub async fn list_entities(&self, kind: EntityKind, limit: i64) -> Result<Vec<EntityRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT $1",
            entity_table(kind)
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    pub async fn count_entities(&self, kind: EntityKind) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE deleted_at IS NULL", entity_table(kind));
        let n = on_pool!(self, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(p).await?);
        Ok(n)
    }

    pub async fn insert_entity(
        tx: &mut Tx,
        kind: EntityKind,
        id: Uuid,
        fields: &Value,
        sources: &Value,
        hash: &str,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO {} (id, fields, sources, content_hash, email, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
            entity_table(kind)
        );
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(Json(fields)).bind(Json(sources))
            .bind(hash).bind(email_of(fields)).bind(now).execute(c).await?.rows_affected());
        Ok(())
    }

    pub async fn update_entity(
        tx: &mut Tx,
        kind: EntityKind,
        id: Uuid,
        fields: &Value,
        sources: &Value,
        hash: &str,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET fields = $1, sources = $2, content_hash = $3, email = $4, updated_at = $5 WHERE id = $6",
            entity_table(kind)
        );
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(Json(fields)).bind(Json(sources)).bind(hash)
            .bind(email_of(fields)).bind(Utc::now()).bind(id).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Undoes a soft delete (the record came back at its source: a row put back in a sheet).
    pub async fn restore_entity(tx: &mut Tx, kind: EntityKind, id: Uuid) -> Result<(), StoreError> {
        let sql = format!("UPDATE {} SET deleted_at = NULL, updated_at = $1 WHERE id = $2", entity_table(kind));
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(Utc::now()).bind(id).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Soft-deletes (the row and its history stay; lists and identity matching skip it).
    pub async fn delete_entity(tx: &mut Tx, kind: EntityKind, id: Uuid) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            entity_table(kind)
        );
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(Utc::now()).bind(id).execute(c).await?.rows_affected());
        Ok(())
    }
}
