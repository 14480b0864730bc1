//! What outbound webhooks leave behind: messages, deliveries and attempts as the admin API and
//! the CLI show them, retention, and the operator events (`sync.failed`, `endpoint.disabled`).

use serde_json::Value;
use uuid::Uuid;

use super::{AttemptRow, DeliveryRow, MessageRow, Store, StoreError, Tx, on_pool, on_tx};

impl Store {
    pub async fn get_message(&self, id: &str) -> Result<Option<MessageRow>, StoreError> {
        let row = on_pool!(self, p => sqlx::query_as::<_, MessageRow>(
            "SELECT outbox_seq, id, event_type, entity_key, body, created_at FROM webhook_messages WHERE id = $1")
            .bind(id).fetch_optional(p).await?);
        Ok(row)
    }

    /// Messages created at or after `since_ms` with an outbox seq above `after_seq`, in seq order.
    pub async fn messages_since(
        &self,
        since_ms: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<MessageRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, MessageRow>(
            "SELECT outbox_seq, id, event_type, entity_key, body, created_at FROM webhook_messages \
             WHERE created_at_ms >= $1 AND outbox_seq > $2 ORDER BY outbox_seq LIMIT $3")
            .bind(since_ms).bind(after_seq).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    /// Deliveries of one message or of one endpoint (newest first), optionally of one status.
    pub async fn list_deliveries(
        &self,
        message_seq: Option<i64>,
        endpoint_id: Option<Uuid>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, DeliveryRow>(
            "SELECT id, endpoint_id, message_seq, entity_key, status, attempts, next_attempt_at_ms, last_status, \
             last_error, delivered_at_ms FROM webhook_deliveries WHERE ($1 IS NULL OR message_seq = $1) \
             AND ($2 IS NULL OR endpoint_id = $2) AND ($3 IS NULL OR status = $3) ORDER BY id DESC LIMIT $4")
            .bind(message_seq).bind(endpoint_id).bind(status).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    /// Counts deliveries by status.
    pub async fn delivery_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status").fetch_all(p).await?);
        Ok(rows)
    }

    /// The attempt log, newest first, filtered by endpoint and/or message.
    pub async fn list_attempts(
        &self,
        endpoint_id: Option<Uuid>,
        message_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AttemptRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, AttemptRow>(
            "SELECT id, delivery_id, endpoint_id, message_id, attempt, attempted_at, ok, status_code, latency_ms, \
             response_excerpt, error FROM webhook_attempts WHERE ($1 IS NULL OR endpoint_id = $1) \
             AND ($2 IS NULL OR message_id = $2) ORDER BY id DESC LIMIT $3")
            .bind(endpoint_id).bind(message_id).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }

    /// Forgets delivered and failed deliveries created before `before_ms`, their attempts, and the
    /// messages no delivery refers to any more (retention). Pending deliveries are always kept.
    pub async fn purge_webhook_history(&self, before_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
             WHERE status IN ('delivered', 'failed') AND created_at_ms < $1)")
            .bind(before_ms).execute(c).await?.rows_affected());
        let n = on_tx!(&mut tx, c => sqlx::query(
            "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND created_at_ms < $1")
            .bind(before_ms).execute(c).await?.rows_affected());
        on_tx!(&mut tx, c => sqlx::query(
            "DELETE FROM webhook_messages WHERE created_at_ms < $1 AND NOT EXISTS \
             (SELECT 1 FROM webhook_deliveries d WHERE d.message_seq = webhook_messages.outbox_seq)")
            .bind(before_ms).execute(c).await?.rows_affected());
        tx.commit().await?;
        Ok(n)
    }

    /// Appends an operator event (`sync.failed`, `endpoint.disabled`) to the outbox in `tx`.
    pub async fn append_operator_event_in(
        tx: &mut Tx,
        event_type: &str,
        kind: &str,
        entity_id: Uuid,
        data: &Value,
    ) -> Result<(), StoreError> {
        let who = super::ChangeSource { system: "hub", instance: "hub" };
        Store::append_outbox(tx, event_type, kind, entity_id, "created", &who, data).await
    }

    /// Appends an operator event in its own transaction.
    pub async fn append_operator_event(
        &self,
        event_type: &str,
        kind: &str,
        entity_id: Uuid,
        data: &Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        Store::append_operator_event_in(&mut tx, event_type, kind, entity_id, data).await?;
        tx.commit().await
    }
}
