//! Endpoint management shared by the admin API, the CLI and the configuration: validation,
//! creation with a secret shown once, rotation with an overlap, and config-declared endpoints.

use chrono::{DateTime, TimeZone, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use uuid::Uuid;

use super::{catalogue, guard::AddressPolicy, secret};
use crate::{
    config::WebhooksConfig,
    store::{EndpointRow, NewEndpoint, Store, StoreError},
};

/// Why an endpoint definition is refused (a 400 in the API).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidEndpoint {
    pub field: &'static str,
    pub reason: String,
}

/// An endpoint as the API shows it: everything but its secrets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    /// The configuration key, for endpoints declared in the configuration.
    pub name: Option<String>,
    pub url: String,
    pub description: String,
    /// Empty: every event.
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// `config` or `api`.
    pub origin: String,
    /// Failing with no success since then.
    pub failing_since: Option<DateTime<Utc>>,
    /// During a rotation: until when the previous secret still signs.
    pub previous_secret_signs_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn at(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

impl From<&EndpointRow> for EndpointView {
    fn from(r: &EndpointRow) -> Self {
        let now = crate::store::now_ms();
        EndpointView {
            id: r.id,
            name: r.name.clone(),
            url: r.url.clone(),
            description: r.description.clone(),
            event_types: r.event_types.0.clone(),
            enabled: r.enabled,
            disabled_reason: r.disabled_reason.clone(),
            origin: r.origin.clone(),
            failing_since: at(r.failing_since_ms),
            previous_secret_signs_until: at(r.previous_secret_until_ms.filter(|u| *u > now)),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Checks a URL (http or https, and an IP literal must be allowed) and event filters.
pub fn validate(policy: &AddressPolicy, url: &str, event_types: &[String]) -> Result<(), InvalidEndpoint> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| InvalidEndpoint { field: "url", reason: format!("not a URL: {e}") })?;
    policy.check_url(&parsed).map_err(|e| InvalidEndpoint { field: "url", reason: e.to_string() })?;
    catalogue::check_filters(event_types).map_err(|reason| InvalidEndpoint { field: "event_types", reason })
}

/// Creates an endpoint through the API; returns it and its secret (shown this once).
pub async fn create(
    store: &Store,
    policy: &AddressPolicy,
    url: &str,
    event_types: &[String],
    description: &str,
) -> Result<Result<(EndpointRow, String), InvalidEndpoint>, StoreError> {
    if let Err(e) = validate(policy, url, event_types) {
        return Ok(Err(e));
    }
    let secret = secret::generate();
    let ep = NewEndpoint { name: None, url, description, event_types, secret: &secret, enabled: true, origin: "api" };
    let id = store.insert_endpoint(&ep).await?;
    let row = store.get_endpoint(id).await?.ok_or_else(|| StoreError::Corrupt("endpoint vanished".into()))?;
    Ok(Ok((row, secret)))
}

/// A new secret for an endpoint; the old one signs beside it for `overlap_secs`. `None`: no such endpoint.
pub async fn rotate(store: &Store, id: Uuid, overlap_secs: u64) -> Result<Option<String>, StoreError> {
    let secret = secret::generate();
    let until = crate::store::now_ms() + (overlap_secs as i64) * 1000;
    Ok(store.rotate_endpoint_secret(id, &secret, until).await?.then_some(secret))
}

const DISABLED_IN_CONFIG: &str = "disabled in the configuration";
const REMOVED_FROM_CONFIG: &str = "removed from the configuration";

/// Brings endpoints declared in `[webhooks.endpoints]` into the store: created, updated (a changed
/// secret is a rotation), disabled when the configuration says so or no longer declares them.
pub async fn sync_config(store: &Store, config: &WebhooksConfig) -> Result<(), StoreError> {
    for (name, ep) in &config.endpoints {
        let secret = ep.secret.expose_secret();
        match store.get_endpoint_by_name(name).await? {
            None => {
                let new = NewEndpoint {
                    name: Some(name),
                    url: &ep.url,
                    description: &ep.description,
                    event_types: &ep.event_types,
                    secret,
                    enabled: ep.enabled,
                    origin: "config",
                };
                let id = store.insert_endpoint(&new).await?;
                if !ep.enabled {
                    store.set_endpoint_enabled(id, false, Some(DISABLED_IN_CONFIG)).await?;
                }
            }
            Some(row) => {
                store.sync_config_endpoint(row.id, &ep.url, &ep.description, &ep.event_types).await?;
                if row.secret != secret {
                    let until = crate::store::now_ms() + (config.rotation_overlap_secs as i64) * 1000;
                    store.rotate_endpoint_secret(row.id, secret, until).await?;
                }
                let reason = row.disabled_reason.as_deref();
                if !ep.enabled && row.enabled {
                    store.set_endpoint_enabled(row.id, false, Some(DISABLED_IN_CONFIG)).await?;
                } else if ep.enabled && !row.enabled && matches!(reason, Some(DISABLED_IN_CONFIG | REMOVED_FROM_CONFIG))
                {
                    store.set_endpoint_enabled(row.id, true, None).await?;
                }
            }
        }
    }
    for row in store.list_endpoints().await? {
        let declared = row.name.as_ref().is_some_and(|n| config.endpoints.contains_key(n));
        if row.origin == "config" && !declared && row.enabled {
            store.set_endpoint_enabled(row.id, false, Some(REMOVED_FROM_CONFIG)).await?;
        }
    }
    Ok(())
}
