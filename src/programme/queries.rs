//! The programme's reads of the canonical store: the events of a date range, the tasks and the
//! registrations of events (by the `event` field they carry, indexed by migration 0004), and the
//! per-event lock that makes capacity checks safe (PostgreSQL: a transaction-scoped advisory
//! lock; SQLite: the single writer's `BEGIN IMMEDIATE` already serialises writers).

use chrono::NaiveDate;
use hub_connector_sdk::EntityKind;
use uuid::Uuid;

use crate::store::{EntityRow, Store, StoreError, Tx, entity_table, on_pool, on_tx};

const COLUMNS: &str = "id, fields, sources, content_hash, email, merged_into, deleted_at, created_at, updated_at";

/// Live events whose `date` is in `[from, to)`, in start order.
pub async fn events_between(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<EntityRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE fields ->> 'date' >= $1 AND fields ->> 'date' < $2 \
         AND deleted_at IS NULL AND merged_into IS NULL ORDER BY fields ->> 'starts_at', id"
    );
    let (from, to) = (from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string());
    let rows = on_pool!(store, p => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql))
        .bind(from).bind(to).fetch_all(p).await?);
    Ok(rows)
}

/// Live entities of `kind` whose `event` field is one of `events`.
pub async fn of_events(store: &Store, kind: EntityKind, events: &[Uuid]) -> Result<Vec<EntityRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in events.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE deleted_at IS NULL AND fields ->> 'event' IN ({}) ORDER BY created_at, id",
            entity_table(kind),
            placeholders.join(", ")
        );
        let rows: Vec<EntityRow> = on_pool!(store, p => {
            let mut q = sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(id.to_string());
            }
            q.fetch_all(p).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// [`of_events`] for one event, inside a transaction (consistent with the writes that follow).
pub async fn of_event_in(tx: &mut Tx, kind: EntityKind, event: Uuid) -> Result<Vec<EntityRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {} WHERE deleted_at IS NULL AND fields ->> 'event' = $1 ORDER BY created_at, id",
        entity_table(kind)
    );
    let rows = on_tx!(tx, c => sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql))
        .bind(event.to_string()).fetch_all(c).await?);
    Ok(rows)
}

/// Holds the event's registration lock until the transaction ends (PostgreSQL; on SQLite the
/// transaction already holds the only write lock).
pub async fn lock_event_in(tx: &mut Tx, event: Uuid) -> Result<(), StoreError> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("programme\u{1f}registrations\u{1f}{event}"))
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// The external id under which `(system, instance)` knows an entity.
pub async fn external_id_of(
    store: &Store,
    kind: EntityKind,
    id: Uuid,
    system: &str,
    instance: &str,
) -> Result<Option<String>, StoreError> {
    Ok(store
        .links_of(kind.as_str(), id)
        .await?
        .into_iter()
        .find(|l| l.system == system && l.instance == instance)
        .map(|l| l.external_id))
}
