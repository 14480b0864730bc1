//! Target pushes: the canonical changes each connector target must receive, planned from the
//! outbox, claimed with a lease, and finished with the external link in one transaction.

use serde_json::Value;
use sqlx::FromRow;
use uuid::Uuid;

use super::{Store, StoreError, Tx, now_ms, on_durable_write, on_pool, on_tx};

/// One outbox change not yet planned.
#[derive(Debug, Clone, FromRow)]
pub struct UnplannedChange {
    pub seq: i64,
    pub entity_kind: String,
    pub entity_id: Uuid,
    pub source_instance: String,
}

/// A push claimed by one target loop.
#[derive(Debug, Clone, FromRow)]
pub struct ClaimedPush {
    pub id: i64,
    pub outbox_seq: i64,
    pub entity_kind: String,
    pub entity_id: Uuid,
    pub attempts: i64,
    /// Claims so far, this one included: 1 with no attempt means nothing was ever sent.
    pub claims: i64,
    pub created_at_ms: i64,
    /// The claim's token (see `finish_push`).
    #[sqlx(skip)]
    pub lease_until_ms: i64,
}

/// One push as the admin API shows it.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PushRow {
    pub id: i64,
    pub target: String,
    pub outbox_seq: i64,
    pub entity_kind: String,
    pub entity_id: Uuid,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
    pub external_id: Option<String>,
    pub done_at_ms: Option<i64>,
}

/// How a push ended (this attempt).
#[derive(Debug, Clone, PartialEq)]
pub enum PushEnd {
    /// Written: the link `(system, target, external_id)` now records `pushed_hash`.
    Done { system: String, external_id: String, pushed_hash: String },
    /// Nothing to send (unchanged since the last push, or not something this target writes).
    Skipped { reason: String },
    /// Try again at `at_ms`; counts an attempt.
    RetryAt { at_ms: i64, error: String },
    /// Waiting for another push (the person of a membership): not an attempt.
    Deferred { at_ms: i64, reason: String },
    /// Failed for good: `sync.failed` is emitted.
    Failed { error: String },
}

const CLAIM: &str = "UPDATE target_pushes SET lease_until_ms = $1, claims = claims + 1 WHERE id IN (\
     SELECT p.id FROM target_pushes p WHERE p.target = $2 AND p.status = 'pending' \
     AND p.next_attempt_at_ms <= $3 AND (p.lease_until_ms IS NULL OR p.lease_until_ms < $3) \
     AND p.outbox_seq = (SELECT MIN(q.outbox_seq) FROM target_pushes q WHERE q.target = p.target \
     AND q.entity_kind = p.entity_kind AND q.entity_id = p.entity_id AND q.status = 'pending') \
     ORDER BY p.next_attempt_at_ms, p.outbox_seq LIMIT $4{lock}) RETURNING id, outbox_seq, entity_kind, entity_id, attempts, claims, created_at_ms";

impl Store {
    /// Plans up to `limit` outbox changes: one pending push per target whose kinds include the
    /// change's entity, except the target the change came from (no echo). Returns how many
    /// changes were planned (0: nothing new).
    pub async fn plan_pushes_once(&self, targets: &[(String, Vec<String>)], limit: i64) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query("SELECT pg_advisory_xact_lock(7301002)").execute(&mut **t).await?;
        }
        let rows: Vec<UnplannedChange> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT seq, entity_kind, entity_id, source_instance FROM outbox WHERE pushes_planned = FALSE \
             ORDER BY seq LIMIT $1").bind(limit).fetch_all(c).await?);
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let now = now_ms();
        let pushes: Vec<(&str, &UnplannedChange)> = rows
            .iter()
            .flat_map(|r| {
                targets
                    .iter()
                    .filter(move |(name, kinds)| *name != r.source_instance && kinds.contains(&r.entity_kind))
                    .map(move |(name, _)| (name.as_str(), r))
            })
            .collect();
        for chunk in pushes.chunks(500) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO target_pushes (target, outbox_seq, entity_kind, entity_id, status, attempts, \
                     next_attempt_at_ms, created_at_ms) ");
                q.push_values(chunk, |mut row, (target, r)| {
                    row.push_bind(*target).push_bind(r.seq).push_bind(&r.entity_kind).push_bind(r.entity_id)
                        .push_bind("pending").push_bind(0i64).push_bind(now).push_bind(now);
                });
                q.push(" ON CONFLICT (target, outbox_seq) DO NOTHING");
                q.build().execute(c).await?.rows_affected()
            });
        }
        for chunk in rows.chunks(500) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new("UPDATE outbox SET pushes_planned = TRUE WHERE seq IN (");
                let mut sep = q.separated(", ");
                for r in chunk {
                    sep.push_bind(r.seq);
                }
                q.push(")");
                q.build().execute(c).await?.rows_affected()
            });
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Claims up to `limit` due pushes of `target`, each the oldest pending one of its entity,
    /// oldest first, for `lease_ms`.
    pub async fn claim_pushes(&self, target: &str, limit: i64, lease_ms: i64) -> Result<Vec<ClaimedPush>, StoreError> {
        let now = now_ms();
        let lease_until_ms = now + lease_ms;
        let mut rows: Vec<ClaimedPush> = match &self.db {
            super::Db::Sqlite { write, .. } => {
                let sql = CLAIM.replace("{lock}", "");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(lease_until_ms)
                    .bind(target)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(write)
                    .await?
            }
            super::Db::Postgres(p) => {
                let sql = CLAIM.replace("{lock}", " FOR UPDATE SKIP LOCKED");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(lease_until_ms)
                    .bind(target)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
        };
        for r in &mut rows {
            r.lease_until_ms = lease_until_ms;
        }
        rows.sort_by_key(|r| r.outbox_seq);
        Ok(rows)
    }

    /// When the oldest pending push of `target` for this entity, older than `before_seq`, is next
    /// due (`None`: nothing of that entity waits before it).
    pub async fn pending_push_before(
        &self,
        target: &str,
        kind: &str,
        entity_id: Uuid,
        before_seq: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT MIN(next_attempt_at_ms) FROM target_pushes WHERE target = $1 AND entity_kind = $2 \
             AND entity_id = $3 AND status = 'pending' AND outbox_seq < $4 HAVING COUNT(*) > 0")
            .bind(target).bind(kind).bind(entity_id).bind(before_seq).fetch_optional(p).await?);
        Ok(row.map(|(at,)| at))
    }

    /// Records how a claimed push ended, only while it still holds its claim; a success writes
    /// the external link in the same transaction, a give-up appends `sync.failed`.
    pub async fn finish_push(&self, target: &str, push: &ClaimedPush, end: &PushEnd) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        Store::finish_push_in(&mut tx, target, push, end).await?;
        tx.commit().await
    }

    /// [`Store::finish_push`] for a batch's pushes, in one transaction (one commit instead of one
    /// per push on SQLite's single writer).
    pub async fn finish_pushes(&self, target: &str, ends: &[(&ClaimedPush, &PushEnd)]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (push, end) in ends {
            Store::finish_push_in(&mut tx, target, push, end).await?;
        }
        tx.commit().await
    }

    async fn finish_push_in(tx: &mut Tx, target: &str, push: &ClaimedPush, end: &PushEnd) -> Result<(), StoreError> {
        let now = now_ms();
        let (status, attempts_inc, next, error, external_id): (&str, i64, i64, Option<&str>, Option<&str>) = match end {
            PushEnd::Done { external_id, .. } => ("done", 1, now, None, Some(external_id)),
            PushEnd::Skipped { reason } => ("skipped", 0, now, Some(reason), None),
            PushEnd::RetryAt { at_ms, error } => ("pending", 1, *at_ms, Some(error), None),
            PushEnd::Deferred { at_ms, reason } => ("pending", 0, *at_ms, Some(reason), None),
            PushEnd::Failed { error } => ("failed", 1, now, Some(error), None),
        };
        let done_at = matches!(status, "done" | "skipped" | "failed").then_some(now);
        let moved = on_tx!(tx, c => sqlx::query(
            "UPDATE target_pushes SET status = $1, attempts = attempts + $2, next_attempt_at_ms = $3, \
             last_error = $4, external_id = COALESCE($5, external_id), done_at_ms = $6, lease_until_ms = NULL \
             WHERE id = $7 AND lease_until_ms = $8")
            .bind(status).bind(attempts_inc).bind(next).bind(error).bind(external_id).bind(done_at)
            .bind(push.id).bind(push.lease_until_ms).execute(c).await?.rows_affected());
        if moved == 0 {
            // The lease ran out and another loop took the push over: its result counts.
            return Ok(());
        }
        match end {
            PushEnd::Done { system, external_id, pushed_hash } => {
                on_tx!(tx, c => sqlx::query(
                    "INSERT INTO external_links (id, system, instance, external_id, entity_kind, entity_id, \
                     last_pushed_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                     ON CONFLICT (system, instance, external_id) DO UPDATE SET last_pushed_hash = excluded.last_pushed_hash, \
                     entity_kind = excluded.entity_kind, entity_id = excluded.entity_id, updated_at = excluded.updated_at")
                    .bind(Uuid::now_v7()).bind(system).bind(target).bind(external_id).bind(&push.entity_kind)
                    .bind(push.entity_id).bind(pushed_hash).bind(chrono::Utc::now())
                    .execute(c).await?.rows_affected());
            }
            PushEnd::Failed { error } => {
                let data = serde_json::json!({
                    "target": target, "entity_kind": push.entity_kind, "entity_id": push.entity_id,
                    "outbox_seq": push.outbox_seq, "error": error,
                });
                Store::append_operator_event_in(tx, "sync.failed", "sync", Uuid::now_v7(), &data).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Pushes, newest first, filtered by target and status.
    pub async fn list_pushes(
        &self,
        target: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PushRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, PushRow>(
            "SELECT id, target, outbox_seq, entity_kind, entity_id, status, attempts, next_attempt_at_ms, last_error, \
             external_id, done_at_ms FROM target_pushes WHERE ($1 IS NULL OR target = $1) \
             AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3")
            .bind(target).bind(status).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    /// `(target, status, count)` of every push.
    pub async fn push_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT target, status, COUNT(*) FROM target_pushes GROUP BY target, status ORDER BY target, status")
            .fetch_all(p).await?);
        Ok(rows)
    }

    /// Sets failed pushes of `target` back to pending now (after the cause was fixed).
    pub async fn retry_failed_pushes(&self, target: &str) -> Result<u64, StoreError> {
        let n = on_durable_write!(self, p => sqlx::query(
            "UPDATE target_pushes SET status = 'pending', attempts = 0, next_attempt_at_ms = $1, done_at_ms = NULL \
             WHERE target = $2 AND status = 'failed'")
            .bind(now_ms()).bind(target).execute(p).await?.rows_affected());
        Ok(n)
    }

    /// The canonical entity's fields and content hash, and whether it is deleted.
    pub async fn entity_for_push(
        &self,
        kind: hub_connector_sdk::EntityKind,
        id: Uuid,
    ) -> Result<Option<(Value, String, bool)>, StoreError> {
        Ok(self.get_entity(kind, id).await?.map(|row| (row.fields.0, row.content_hash, row.deleted_at.is_some())))
    }

    /// The live person whose normalised e-mail is `email`.
    pub async fn person_by_email(&self, email: &str) -> Result<Option<(Uuid, Value)>, StoreError> {
        let row: Option<(Uuid, sqlx::types::Json<Value>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, fields FROM people WHERE email = $1 AND merged_into IS NULL AND deleted_at IS NULL LIMIT 1")
            .bind(email.trim().to_lowercase()).fetch_optional(p).await?);
        Ok(row.map(|(id, f)| (id, f.0)))
    }
}
