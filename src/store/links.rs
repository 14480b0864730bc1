//! External links: which record of which tool instance is which canonical entity, with the hashes
//! of what the hub last read from it and last pushed to it (echo suppression).

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::{Store, StoreError, Tx, on_pool, on_tx, on_write};

/// One external link.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct LinkRow {
    pub system: String,
    pub instance: String,
    pub external_id: String,
    pub entity_kind: String,
    pub entity_id: Uuid,
    pub last_read_hash: Option<String>,
    pub last_pushed_hash: Option<String>,
    pub remote_updated_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

const LINK_COLUMNS: &str = "system, instance, external_id, entity_kind, entity_id, last_read_hash, \
     last_pushed_hash, remote_updated_at, updated_at";

impl Store {
    /// Serialises, until the transaction ends, every job applying the same external record: two
    /// notifications about one order processed at once must not both create its entities.
    /// PostgreSQL takes a transaction-scoped advisory lock; SQLite's single writer already
    /// serialises write transactions.
    pub async fn lock_source_record_in(
        tx: &mut Tx,
        system: &str,
        instance: &str,
        external_id: &str,
    ) -> Result<(), StoreError> {
        if let Tx::Postgres(t) = tx {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(format!("{system}\u{1f}{instance}\u{1f}{external_id}"))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// The link of one external record (inside the job's transaction).
    pub async fn find_link_in(
        tx: &mut Tx,
        system: &str,
        instance: &str,
        external_id: &str,
    ) -> Result<Option<LinkRow>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM external_links WHERE system = $1 AND instance = $2 AND external_id = $3"
        );
        let row = on_tx!(tx, c => sqlx::query_as::<_, LinkRow>(sqlx::AssertSqlSafe(sql))
            .bind(system).bind(instance).bind(external_id).fetch_optional(c).await?);
        Ok(row)
    }

    /// The link of one external record.
    pub async fn find_link(
        &self,
        system: &str,
        instance: &str,
        external_id: &str,
    ) -> Result<Option<LinkRow>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM external_links WHERE system = $1 AND instance = $2 AND external_id = $3"
        );
        let row = on_pool!(self, p => sqlx::query_as::<_, LinkRow>(sqlx::AssertSqlSafe(sql))
            .bind(system).bind(instance).bind(external_id).fetch_optional(p).await?);
        Ok(row)
    }

    pub async fn links_of(&self, kind: &str, entity_id: Uuid) -> Result<Vec<LinkRow>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM external_links WHERE entity_kind = $1 AND entity_id = $2 ORDER BY system, instance"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, LinkRow>(sqlx::AssertSqlSafe(sql))
            .bind(kind).bind(entity_id).fetch_all(p).await?);
        Ok(rows)
    }

    /// Creates or refreshes the link after a read (stores the read hash).
    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_link_read(
        tx: &mut Tx,
        system: &str,
        instance: &str,
        external_id: &str,
        kind: &str,
        entity_id: Uuid,
        read_hash: &str,
        remote_updated_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO external_links (id, system, instance, external_id, entity_kind, entity_id, \
             last_read_hash, remote_updated_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (system, instance, external_id) DO UPDATE SET last_read_hash = excluded.last_read_hash, \
             remote_updated_at = excluded.remote_updated_at, updated_at = excluded.updated_at")
            .bind(Uuid::now_v7()).bind(system).bind(instance).bind(external_id).bind(kind)
            .bind(entity_id).bind(read_hash).bind(remote_updated_at).bind(now)
            .execute(c).await?.rows_affected());
        Ok(())
    }

    /// Records what the hub pushed to a tool (so the echo is recognised when it comes back).
    pub async fn record_push(
        &self,
        system: &str,
        instance: &str,
        external_id: &str,
        kind: &str,
        entity_id: Uuid,
        pushed_hash: &str,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        on_write!(self, p => sqlx::query(
            "INSERT INTO external_links (id, system, instance, external_id, entity_kind, entity_id, \
             last_pushed_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (system, instance, external_id) DO UPDATE SET last_pushed_hash = excluded.last_pushed_hash, \
             updated_at = excluded.updated_at")
            .bind(Uuid::now_v7()).bind(system).bind(instance).bind(external_id).bind(kind)
            .bind(entity_id).bind(pushed_hash).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }
}
