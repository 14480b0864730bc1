//! Outbound webhook endpoints: where changes are delivered, their filters, their signing secrets
//! (current, and the previous one during a rotation's overlap) and their health.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, types::Json};
use uuid::Uuid;

use super::{Store, StoreError, Tx, now_ms, on_durable_write, on_pool, on_tx};

/// One endpoint, secrets included: never serialised, and Debug hides the secrets.
#[derive(Clone, FromRow)]
pub struct EndpointRow {
    pub id: Uuid,
    /// The config key for endpoints declared in the configuration.
    pub name: Option<String>,
    pub url: String,
    pub description: String,
    pub event_types: Json<Vec<String>>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until_ms: Option<i64>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// `config` or `api`.
    pub origin: String,
    pub failing_since_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A new endpoint.
pub struct NewEndpoint<'a> {
    pub name: Option<&'a str>,
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a [String],
    pub secret: &'a str,
    pub enabled: bool,
    pub origin: &'a str,
}

/// Changes to an endpoint (`None`: unchanged).
#[derive(Default)]
pub struct EndpointPatch<'a> {
    pub url: Option<&'a str>,
    pub description: Option<&'a str>,
    pub event_types: Option<&'a [String]>,
}

const COLUMNS: &str = "id, name, url, description, event_types, secret, previous_secret, previous_secret_until_ms, \
     enabled, disabled_reason, origin, failing_since_ms, created_at, updated_at";

impl Store {
    pub async fn insert_endpoint(&self, ep: &NewEndpoint<'_>) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        on_durable_write!(self, p => sqlx::query(
            "INSERT INTO webhook_endpoints (id, name, url, description, event_types, secret, enabled, origin, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)")
            .bind(id).bind(ep.name).bind(ep.url).bind(ep.description).bind(Json(ep.event_types)).bind(ep.secret)
            .bind(ep.enabled).bind(ep.origin).bind(now).execute(p).await?.rows_affected());
        Ok(id)
    }

    pub async fn list_endpoints(&self) -> Result<Vec<EndpointRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints ORDER BY created_at, id");
        let rows = on_pool!(self, p => sqlx::query_as::<_, EndpointRow>(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
        Ok(rows)
    }

    /// Enabled endpoints, read in a transaction (fan-out).
    pub async fn enabled_endpoints_in(tx: &mut Tx) -> Result<Vec<EndpointRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE enabled ORDER BY id");
        let rows = on_tx!(tx, c => sqlx::query_as::<_, EndpointRow>(sqlx::AssertSqlSafe(sql)).fetch_all(c).await?);
        Ok(rows)
    }

    pub async fn get_endpoint(&self, id: Uuid) -> Result<Option<EndpointRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
        let row = on_pool!(self, p => sqlx::query_as::<_, EndpointRow>(sqlx::AssertSqlSafe(sql))
            .bind(id).fetch_optional(p).await?);
        Ok(row)
    }

    pub async fn get_endpoint_by_name(&self, name: &str) -> Result<Option<EndpointRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE name = $1");
        let row = on_pool!(self, p => sqlx::query_as::<_, EndpointRow>(sqlx::AssertSqlSafe(sql))
            .bind(name).fetch_optional(p).await?);
        Ok(row)
    }

    /// Applies a patch; `false` when there is no such endpoint.
    pub async fn update_endpoint(&self, id: Uuid, patch: &EndpointPatch<'_>) -> Result<bool, StoreError> {
        let n = on_durable_write!(self, p => sqlx::query(
            "UPDATE webhook_endpoints SET url = COALESCE($1, url), description = COALESCE($2, description), \
             event_types = COALESCE($3, event_types), updated_at = $4 WHERE id = $5")
            .bind(patch.url).bind(patch.description).bind(patch.event_types.map(Json)).bind(Utc::now()).bind(id)
            .execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Enables (clearing the failure streak) or disables with a reason; `false` when no such endpoint.
    pub async fn set_endpoint_enabled(
        &self,
        id: Uuid,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = on_durable_write!(self, p => sqlx::query(
            "UPDATE webhook_endpoints SET enabled = $1, disabled_reason = $2, failing_since_ms = NULL, updated_at = $3 \
             WHERE id = $4")
            .bind(enabled).bind(if enabled { None } else { reason }).bind(Utc::now()).bind(id)
            .execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Disables an endpoint inside a transaction, if it is enabled; `true` when this call disabled it.
    pub async fn disable_endpoint_in(tx: &mut Tx, id: Uuid, reason: &str) -> Result<bool, StoreError> {
        let n = on_tx!(tx, c => sqlx::query(
            "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3 AND enabled")
            .bind(reason).bind(Utc::now()).bind(id).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Records the health of an endpoint after a batch of attempts: a success ends any failure
    /// streak; a failure starts one if none is running. Returns when the streak started (if any).
    pub async fn note_endpoint_health_in(tx: &mut Tx, id: Uuid, succeeded: bool) -> Result<Option<i64>, StoreError> {
        let since = if succeeded {
            on_tx!(tx, c => sqlx::query("UPDATE webhook_endpoints SET failing_since_ms = NULL WHERE id = $1 AND failing_since_ms IS NOT NULL")
                .bind(id).execute(c).await?.rows_affected());
            None
        } else {
            on_tx!(tx, c => sqlx::query_scalar::<_, Option<i64>>(
                "UPDATE webhook_endpoints SET failing_since_ms = COALESCE(failing_since_ms, $1) WHERE id = $2 \
                 RETURNING failing_since_ms")
                .bind(now_ms()).bind(id).fetch_optional(c).await?)
            .flatten()
        };
        Ok(since)
    }

    /// Replaces the secret; the old one keeps signing until `previous_until_ms`.
    pub async fn rotate_endpoint_secret(
        &self,
        id: Uuid,
        new_secret: &str,
        previous_until_ms: i64,
    ) -> Result<bool, StoreError> {
        let n = on_durable_write!(self, p => sqlx::query(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until_ms = $1, secret = $2, \
             updated_at = $3 WHERE id = $4 AND secret <> $2")
            .bind(previous_until_ms).bind(new_secret).bind(Utc::now()).bind(id).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Writes a configuration-declared endpoint's url, filters and description as configured.
    pub async fn sync_config_endpoint(
        &self,
        id: Uuid,
        url: &str,
        description: &str,
        event_types: &[String],
    ) -> Result<(), StoreError> {
        self.update_endpoint(
            id,
            &EndpointPatch { url: Some(url), description: Some(description), event_types: Some(event_types) },
        )
        .await?;
        Ok(())
    }

    /// Deletes an endpoint with its deliveries and attempt log; `false` when no such endpoint.
    pub async fn delete_endpoint(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.begin_durable().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM webhook_attempts WHERE endpoint_id = $1").bind(id).execute(c).await?.rows_affected());
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1").bind(id).execute(c).await?.rows_affected());
        let n = on_tx!(&mut tx, c => sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(c).await?.rows_affected());
        tx.commit().await?;
        Ok(n == 1)
    }
}
