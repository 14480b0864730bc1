//! Outbound webhook messages (one per outbox change, body fixed once so every retry signs the same
//! bytes), deliveries (one per endpoint and message: the dispatch queue) and the attempt log.
//!
//! Order: a delivery is claimable only when it is the earliest pending one (by outbox seq) of its
//! endpoint and entity, so an update never overtakes its create. That test is a correlated
//! `MIN` subquery rather than `NOT EXISTS`: PostgreSQL, with the stale statistics of a table that
//! just grew, planned the anti-join as a scan of every pending row of the endpoint per candidate
//! (27 ms per claim at 25,000 pending); the scalar subquery always probes the index (0.5 ms). Changes to one
//! entity get outbox seqs in commit order (each holds the entity's row), and fan-out runs one
//! batch at a time (an advisory lock on PostgreSQL, the single writer on SQLite), so that order holds
//! across processes. Claims lease rows like the job queue; PostgreSQL claims `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::{Db, OutboxRow, Store, StoreError, Tx, now_ms, on_pool, on_tx, on_write};

/// A message to insert.
pub struct NewMessage {
    pub outbox_seq: i64,
    pub id: String,
    pub event_type: String,
    pub entity_key: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A stored message (API view: the body as JSON).
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct MessageRow {
    pub outbox_seq: i64,
    pub id: String,
    pub event_type: String,
    pub entity_key: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A delivery a dispatcher took, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub message_seq: i64,
    /// Attempts before this one.
    pub attempts: i64,
    pub message_id: String,
    pub body: String,
    /// The lease this claim set: the claim's token. An outcome is recorded only while the delivery
    /// still holds it (a replay clears it, so an answer to the attempt before the replay cannot
    /// mark the replayed delivery done).
    pub lease_until_ms: i64,
}

/// One delivery's state (API view).
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: Uuid,
    pub message_seq: i64,
    pub entity_key: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at_ms: Option<i64>,
}

/// One logged attempt.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub endpoint_id: Uuid,
    pub message_id: String,
    pub attempt: i64,
    pub attempted_at: DateTime<Utc>,
    pub ok: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// An attempt to log.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub delivery_id: i64,
    pub endpoint_id: Uuid,
    pub message_id: String,
    pub attempt: i64,
    pub attempted_at: DateTime<Utc>,
    pub ok: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    /// The claim's lease (`ClaimedDelivery::lease_until_ms`); not stored with the attempt.
    pub lease_until_ms: i64,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    RetryAt(i64),
    /// The retry schedule is exhausted (or the endpoint refuses for good).
    GaveUp,
}

const CLAIM_SQLITE: &str = "UPDATE webhook_deliveries SET lease_until_ms = $1 WHERE id IN (\
     SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = $2 AND d.status = 'pending' \
     AND d.next_attempt_at_ms <= $3 AND (d.lease_until_ms IS NULL OR d.lease_until_ms < $3) \
     AND d.message_seq = (SELECT MIN(e.message_seq) FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
     AND e.entity_key = d.entity_key AND e.status = 'pending') \
     ORDER BY d.message_seq LIMIT $4) RETURNING id, message_seq, attempts";

const CLAIM_POSTGRES: &str = "UPDATE webhook_deliveries SET lease_until_ms = $1 WHERE id IN (\
     SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = $2 AND d.status = 'pending' \
     AND d.next_attempt_at_ms <= $3 AND (d.lease_until_ms IS NULL OR d.lease_until_ms < $3) \
     AND d.message_seq = (SELECT MIN(e.message_seq) FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
     AND e.entity_key = d.entity_key AND e.status = 'pending') \
     ORDER BY d.message_seq LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id, message_seq, attempts";

const OUTBOX_COLUMNS: &str =
    "seq, id, event_type, entity_kind, entity_id, op, source_system, source_instance, payload, created_at";

impl Store {
    /// Serialises fan-out across processes (PostgreSQL advisory lock, released at commit).
    pub async fn lock_fanout_in(tx: &mut Tx) -> Result<(), StoreError> {
        if let Tx::Postgres(t) = tx {
            sqlx::query("SELECT pg_advisory_xact_lock(7301001)").execute(&mut **t).await?;
        }
        Ok(())
    }

    /// Outbox rows not yet turned into messages, oldest first.
    pub async fn unfanned_outbox_in(tx: &mut Tx, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE fanned_out = FALSE ORDER BY seq LIMIT $1");
        let rows =
            on_tx!(tx, c => sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(c).await?);
        Ok(rows)
    }

    /// `(entity_id, system, instance, external_id)` of every link of these `(kind, id)` entities
    /// (one query per kind, through the `(entity_kind, entity_id)` index).
    pub async fn links_of_entities_in(
        tx: &mut Tx,
        entities: &[(String, Uuid)],
    ) -> Result<Vec<(Uuid, String, String, String)>, StoreError> {
        let mut by_kind: std::collections::BTreeMap<&str, Vec<Uuid>> = std::collections::BTreeMap::new();
        for (kind, id) in entities {
            by_kind.entry(kind.as_str()).or_default().push(*id);
        }
        let mut out = Vec::new();
        for (kind, ids) in by_kind {
            let rows = on_tx!(tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT entity_id, system, instance, external_id FROM external_links WHERE entity_kind = ");
                q.push_bind(kind).push(" AND entity_id IN (");
                let mut sep = q.separated(", ");
                for id in &ids {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY system, instance, external_id");
                q.build_query_as::<(Uuid, String, String, String)>().fetch_all(c).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Inserts messages, their deliveries (`(message outbox_seq, endpoint)`) and marks the outbox rows done.
    pub async fn insert_fanout_in(
        tx: &mut Tx,
        messages: &[NewMessage],
        deliveries: &[(i64, String, Uuid)],
    ) -> Result<(), StoreError> {
        let now = now_ms();
        for chunk in messages.chunks(500) {
            on_tx!(tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO webhook_messages (outbox_seq, id, event_type, entity_key, body, created_at, created_at_ms) ");
                q.push_values(chunk, |mut row, m| {
                    row.push_bind(m.outbox_seq).push_bind(&m.id).push_bind(&m.event_type).push_bind(&m.entity_key)
                        .push_bind(&m.body).push_bind(m.created_at).push_bind(m.created_at.timestamp_millis());
                });
                q.push(" ON CONFLICT (outbox_seq) DO NOTHING");
                q.build().execute(c).await?.rows_affected()
            });
            on_tx!(tx, c => {
                let mut q = sqlx::QueryBuilder::new("UPDATE outbox SET fanned_out = TRUE WHERE seq IN (");
                let mut sep = q.separated(", ");
                for m in chunk {
                    sep.push_bind(m.outbox_seq);
                }
                q.push(")");
                q.build().execute(c).await?.rows_affected()
            });
        }
        for chunk in deliveries.chunks(500) {
            on_tx!(tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO webhook_deliveries (endpoint_id, message_seq, entity_key, status, attempts, \
                     next_attempt_at_ms, created_at_ms) ");
                q.push_values(chunk, |mut row, (seq, key, endpoint)| {
                    row.push_bind(*endpoint).push_bind(*seq).push_bind(key).push_bind("pending").push_bind(0i64)
                        .push_bind(now).push_bind(now);
                });
                q.push(" ON CONFLICT (endpoint_id, message_seq) DO NOTHING");
                q.build().execute(c).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// Takes up to `limit` due deliveries of one endpoint, each the oldest pending one of its entity.
    pub async fn claim_deliveries(
        &self,
        endpoint_id: Uuid,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let now = now_ms();
        let lease_until_ms = now + lease_ms;
        let claimed: Vec<(i64, i64, i64)> = match &self.db {
            Db::Sqlite { write: p, .. } => {
                sqlx::query_as(CLAIM_SQLITE)
                    .bind(lease_until_ms)
                    .bind(endpoint_id)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
            Db::Postgres(p) => {
                // A claim need not be durable: lost in a crash, its lease never existed and the
                // delivery is still pending. Not waiting for the WAL flush is what PostgreSQL claims
                // spent much of their time on (see docs/BENCHMARKS.md).
                let mut tx = p.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit TO OFF").execute(&mut *tx).await?;
                let rows = sqlx::query_as(CLAIM_POSTGRES)
                    .bind(lease_until_ms)
                    .bind(endpoint_id)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                rows
            }
        };
        if claimed.is_empty() {
            return Ok(vec![]);
        }
        let bodies: Vec<(i64, String, String)> = on_pool!(self, p => {
            let mut q = sqlx::QueryBuilder::new("SELECT outbox_seq, id, body FROM webhook_messages WHERE outbox_seq IN (");
            let mut sep = q.separated(", ");
            for (_, seq, _) in &claimed {
                sep.push_bind(*seq);
            }
            q.push(")");
            q.build_query_as().fetch_all(p).await?
        });
        let by_seq: std::collections::HashMap<i64, (String, String)> =
            bodies.into_iter().map(|(seq, id, body)| (seq, (id, body))).collect();
        let mut out: Vec<ClaimedDelivery> = claimed
            .into_iter()
            .filter_map(|(id, seq, attempts)| {
                let (message_id, body) = by_seq.get(&seq)?.clone();
                Some(ClaimedDelivery { id, message_seq: seq, attempts, message_id, body, lease_until_ms })
            })
            .collect();
        out.sort_by_key(|d| d.message_seq);
        Ok(out)
    }

    /// Logs attempts and moves their deliveries on, in the caller's transaction. Attempts of
    /// deliveries deleted meanwhile (their endpoint was deleted) are dropped, not an error. A
    /// delivery that gives up takes the later pending changes of the same entity to that endpoint
    /// with it (`failed`, "an earlier change could not be delivered"), so an update never arrives
    /// without its create; a replay sends them again, in order.
    pub async fn record_attempts_in(tx: &mut Tx, results: &[(NewAttempt, DeliveryOutcome)]) -> Result<(), StoreError> {
        for chunk in results.chunks(400) {
            let existing: std::collections::HashSet<i64> = on_tx!(tx, c => {
                let mut q = sqlx::QueryBuilder::new("SELECT id FROM webhook_deliveries WHERE id IN (");
                let mut sep = q.separated(", ");
                for (a, _) in chunk {
                    sep.push_bind(a.delivery_id);
                }
                q.push(")");
                q.build_query_scalar::<i64>().fetch_all(c).await?
            })
            .into_iter()
            .collect();
            let chunk: Vec<&(NewAttempt, DeliveryOutcome)> =
                chunk.iter().filter(|(a, _)| existing.contains(&a.delivery_id)).collect();
            if chunk.is_empty() {
                continue;
            }
            on_tx!(tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO webhook_attempts (delivery_id, endpoint_id, message_id, attempt, attempted_at, ok, \
                     status_code, latency_ms, response_excerpt, error) ");
                q.push_values(chunk.iter(), |mut row, (a, _)| {
                    row.push_bind(a.delivery_id).push_bind(a.endpoint_id).push_bind(&a.message_id).push_bind(a.attempt)
                        .push_bind(a.attempted_at).push_bind(a.ok).push_bind(a.status_code).push_bind(a.latency_ms)
                        .push_bind(&a.response_excerpt).push_bind(&a.error);
                });
                q.build().execute(c).await?.rows_affected()
            });
            // Delivered, grouped by the status each answered (200, 202, 204…); only while the
            // delivery still holds this attempt's claim (a replay meanwhile wins).
            let mut delivered: std::collections::BTreeMap<i64, Vec<(i64, i64)>> = std::collections::BTreeMap::new();
            for (a, o) in &chunk {
                if *o == DeliveryOutcome::Delivered {
                    delivered.entry(a.status_code.unwrap_or(200)).or_default().push((a.delivery_id, a.lease_until_ms));
                }
            }
            let now = now_ms();
            for (status, ids) in &delivered {
                on_tx!(tx, c => {
                    let mut q = sqlx::QueryBuilder::new("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, lease_until_ms = NULL, last_error = NULL, last_status = ");
                    q.push_bind(*status).push(", delivered_at_ms = ").push_bind(now).push(" WHERE status = 'pending' AND (");
                    let mut sep = q.separated(" OR ");
                    for (id, lease) in ids {
                        sep.push("(id = ").push_bind_unseparated(*id).push_unseparated(" AND lease_until_ms = ").push_bind_unseparated(*lease).push_unseparated(")");
                    }
                    q.push(")");
                    q.build().execute(c).await?.rows_affected()
                });
            }
            for (a, outcome) in &chunk {
                let (status, next) = match outcome {
                    DeliveryOutcome::Delivered => continue,
                    DeliveryOutcome::RetryAt(at) => ("pending", *at),
                    DeliveryOutcome::GaveUp => ("failed", now_ms()),
                };
                let error = a.error.clone().or_else(|| a.status_code.map(|s| format!("HTTP {s}")));
                let moved = on_tx!(tx, c => sqlx::query(
                    "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at_ms = $2, \
                     lease_until_ms = NULL, last_status = $3, last_error = $4 WHERE id = $5 AND status = 'pending' \
                     AND lease_until_ms = $6")
                    .bind(status).bind(next).bind(a.status_code).bind(error).bind(a.delivery_id).bind(a.lease_until_ms)
                    .execute(c).await?.rows_affected());
                if *outcome == DeliveryOutcome::GaveUp && moved > 0 {
                    on_tx!(tx, c => sqlx::query(
                        "UPDATE webhook_deliveries SET status = 'failed', lease_until_ms = NULL, \
                         last_error = 'an earlier change of this entity could not be delivered' \
                         WHERE endpoint_id = $1 AND status = 'pending' \
                         AND entity_key = (SELECT entity_key FROM webhook_deliveries WHERE id = $2) \
                         AND message_seq > (SELECT message_seq FROM webhook_deliveries WHERE id = $2)")
                        .bind(a.endpoint_id).bind(a.delivery_id).execute(c).await?.rows_affected());
                }
            }
        }
        Ok(())
    }

    /// Gives claimed deliveries back (their endpoint was disabled between the claim and the send).
    pub async fn release_deliveries(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        on_write!(self, p => {
            let mut q = sqlx::QueryBuilder::new("UPDATE webhook_deliveries SET lease_until_ms = NULL WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            q.push(")");
            q.build().execute(p).await?.rows_affected()
        });
        Ok(())
    }

    /// Sets deliveries back to pending now (replay), creating them for endpoints that had none.
    /// The lease is cleared: an attempt in flight may answer after the replay, and its outcome
    /// (recorded only under its own claim) must not mark the replayed delivery done; the replay
    /// may therefore be sent while that attempt is still in flight (same `webhook-id`).
    pub async fn replay_deliveries(&self, pairs: &[(i64, String, Uuid)]) -> Result<u64, StoreError> {
        let now = now_ms();
        let mut n = 0;
        let mut tx = self.begin_durable().await?;
        for chunk in pairs.chunks(500) {
            n += on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO webhook_deliveries (endpoint_id, message_seq, entity_key, status, attempts, \
                     next_attempt_at_ms, created_at_ms) ");
                q.push_values(chunk, |mut row, (seq, key, endpoint)| {
                    row.push_bind(*endpoint).push_bind(*seq).push_bind(key).push_bind("pending").push_bind(0i64)
                        .push_bind(now).push_bind(now);
                });
                q.push(" ON CONFLICT (endpoint_id, message_seq) DO UPDATE SET status = 'pending', attempts = 0, \
                         next_attempt_at_ms = excluded.next_attempt_at_ms, delivered_at_ms = NULL, lease_until_ms = NULL");
                q.build().execute(c).await?.rows_affected()
            });
        }
        tx.commit().await?;
        Ok(n)
    }
}
