//! The inbox of received webhook events: unique per instance and vendor event id, written with its job.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::{NewJob, Store, StoreError, Tx, on_pool, on_tx, on_write};

/// What an intake did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxInsert {
    /// A new event, stored with its job.
    New(Uuid),
    /// The vendor sent this event id before: nothing stored, nothing enqueued.
    Duplicate,
}

/// A stored webhook event.
#[derive(Debug, Clone, FromRow)]
pub struct InboxRow {
    pub id: Uuid,
    pub instance: String,
    pub event_id: String,
    pub event_type: String,
    pub body: Vec<u8>,
    /// The decoded event (what the connector's decoder made of the verified body).
    pub event: sqlx::types::Json<serde_json::Value>,
    pub status: String,
    pub error: Option<String>,
    pub received_at: DateTime<Utc>,
    pub received_at_ms: i64,
}

impl Store {
    /// Stores a verified event and enqueues its processing job in one transaction.
    /// `make_job` receives the new inbox id.
    pub async fn intake(
        &self,
        instance: &str,
        event_id: &str,
        event_type: &str,
        body: &[u8],
        event: &serde_json::Value,
        make_job: impl FnOnce(Uuid) -> NewJob,
    ) -> Result<InboxInsert, StoreError> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        // Durable: the vendor is told "received" once this commits and will not send it again.
        let mut tx = self.begin_durable().await?;
        let inserted = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO inbox (id, instance, event_id, event_type, body, event, status, received_at, received_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $8, 'pending', $6, $7) ON CONFLICT (instance, event_id) DO NOTHING")
            .bind(id).bind(instance).bind(event_id).bind(event_type).bind(body)
            .bind(now).bind(now.timestamp_millis()).bind(sqlx::types::Json(event))
            .execute(c).await?.rows_affected());
        if inserted == 0 {
            return Ok(InboxInsert::Duplicate);
        }
        Store::enqueue_in(&mut tx, &make_job(id)).await?;
        tx.commit().await?;
        Ok(InboxInsert::New(id))
    }

    pub async fn get_inbox(&self, id: Uuid) -> Result<Option<InboxRow>, StoreError> {
        let row = on_pool!(self, p => sqlx::query_as::<_, InboxRow>(
            "SELECT id, instance, event_id, event_type, body, event, status, error, received_at, received_at_ms \
             FROM inbox WHERE id = $1").bind(id).fetch_optional(p).await?);
        Ok(row)
    }

    /// Marks an inbox event processed (inside the transaction that stored its effects).
    pub async fn mark_inbox_processed(tx: &mut Tx, id: Uuid) -> Result<(), StoreError> {
        let now = Utc::now();
        on_tx!(tx, c => sqlx::query(
            "UPDATE inbox SET status = 'processed', error = NULL, processed_at = $1, processed_at_ms = $2 WHERE id = $3")
            .bind(now).bind(now.timestamp_millis()).bind(id).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Marks an inbox event failed with the reason (it stays for replay).
    pub async fn mark_inbox_failed(&self, id: Uuid, error: &str) -> Result<(), StoreError> {
        on_write!(self, p => sqlx::query("UPDATE inbox SET status = 'failed', error = $1 WHERE id = $2")
            .bind(error).bind(id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Counts inbox events by status.
    pub async fn inbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM inbox GROUP BY status").fetch_all(p).await?);
        Ok(rows)
    }

    /// Intake-to-stored latencies (ms) of processed events received since `since_ms` (benchmarks).
    pub async fn inbox_latencies_ms(&self, since_ms: i64) -> Result<Vec<i64>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT processed_at_ms - received_at_ms FROM inbox WHERE status = 'processed' AND received_at_ms >= $1")
            .bind(since_ms).fetch_all(p).await?);
        Ok(rows)
    }
}
