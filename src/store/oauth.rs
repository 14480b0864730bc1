//! OAuth consents: the encrypted refresh token of each instance and the consents under way
//! (see migration 0005). The store never sees a token in clear: callers encrypt first.

use super::{Store, StoreError, now_ms, on_durable_write, on_pool};

/// A consent under way, as the redirect finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingConsent {
    pub instance: String,
    /// Encrypted PKCE verifier.
    pub verifier: String,
    pub redirect_url: String,
    pub created_at_ms: i64,
}

impl Store {
    /// Records a consent under way (its `state` is random and single-use).
    pub async fn insert_pending_consent(
        &self,
        state: &str,
        instance: &str,
        verifier_encrypted: &str,
        redirect_url: &str,
    ) -> Result<(), StoreError> {
        on_durable_write!(self, p => sqlx::query(
            "INSERT INTO oauth_pending (state, instance, verifier, redirect_url, created_at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(state).bind(instance).bind(verifier_encrypted).bind(redirect_url).bind(now_ms())
            .execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Takes (reads and deletes) the consent of `state`: a redirect replayed finds nothing.
    pub async fn take_pending_consent(&self, state: &str) -> Result<Option<PendingConsent>, StoreError> {
        let row = on_durable_write!(self, p => sqlx::query_as::<_, PendingConsent>(
            "DELETE FROM oauth_pending WHERE state = $1 RETURNING instance, verifier, redirect_url, created_at_ms")
            .bind(state).fetch_optional(p).await?);
        Ok(row)
    }

    /// Stores (replaces) the encrypted refresh token of `instance`.
    pub async fn save_refresh_token(&self, instance: &str, encrypted: &str) -> Result<(), StoreError> {
        on_durable_write!(self, p => sqlx::query(
            "INSERT INTO oauth_tokens (instance, refresh_token, updated_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (instance) DO UPDATE SET refresh_token = excluded.refresh_token, updated_at_ms = excluded.updated_at_ms")
            .bind(instance).bind(encrypted).bind(now_ms()).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// The encrypted refresh token of `instance` and when it was stored.
    pub async fn refresh_token(&self, instance: &str) -> Result<Option<(String, i64)>, StoreError> {
        let row = on_pool!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT refresh_token, updated_at_ms FROM oauth_tokens WHERE instance = $1")
            .bind(instance).fetch_optional(p).await?);
        Ok(row)
    }
}
