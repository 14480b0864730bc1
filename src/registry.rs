//! The connector registry: every `[connectors.NAME]` table turned into a connector value by one
//! explicit `match` on its kind (no global registration magic), with the mapping of each stream.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use hub_connector_helloasso::{HelloAssoConnector, HelloAssoSettings};
use hub_connector_sdk::{Connector, EntityKind};
use hub_connector_webhook::{WebhookConnector, WebhookSettings};
use secrecy::ExposeSecret;

use crate::{
    config::{Config, ConnectorConfig},
    mapping::MappingSet,
};

/// One configured connector instance.
pub struct Instance {
    pub name: String,
    pub kind: &'static str,
    pub enabled: bool,
    pub connector: Arc<dyn Connector>,
    /// stream → mapping name (e.g. "webhook/members").
    pub mappings: BTreeMap<String, String>,
    /// stream → cron expression.
    pub schedules: BTreeMap<String, String>,
}

impl Instance {
    /// The mapping name for a stream: the configured one, else `<kind>/<stream>`.
    pub fn mapping_for(&self, stream: &str) -> String {
        self.mappings.get(stream).cloned().unwrap_or_else(|| format!("{}/{stream}", self.kind))
    }
}

/// A connector table that cannot become a connector.
#[derive(Debug, thiserror::Error)]
#[error("connector `{instance}`: {reason}")]
pub struct RegistryError {
    pub instance: String,
    pub reason: String,
}

/// All configured instances, by name.
#[derive(Default)]
pub struct Registry {
    instances: BTreeMap<String, Instance>,
}

impl Registry {
    /// Builds every instance of the config; all problems are reported at once.
    pub fn from_config(config: &Config) -> Result<Registry, Vec<RegistryError>> {
        let mut instances = BTreeMap::new();
        let mut errors = Vec::new();
        for (name, table) in &config.connectors {
            match build(name, table) {
                Ok(inst) => {
                    instances.insert(name.clone(), inst);
                }
                Err(reason) => errors.push(RegistryError { instance: name.clone(), reason }),
            }
        }
        if errors.is_empty() { Ok(Registry { instances }) } else { Err(errors) }
    }

    pub fn get(&self, name: &str) -> Option<&Instance> {
        self.instances.get(name)
    }

    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// Every stream's mapping must exist and map to the stream's entity kind.
    pub fn check_mappings(&self, mappings: &MappingSet) -> Vec<RegistryError> {
        let mut errors = Vec::new();
        for inst in self.instances.values() {
            for stream in inst.connector.streams() {
                let name = inst.mapping_for(&stream.name);
                match mappings.get(&name) {
                    None => errors.push(RegistryError {
                        instance: inst.name.clone(),
                        reason: format!(
                            "stream `{}` needs mapping `{name}` (mappings/{name}.toml), which does not exist",
                            stream.name
                        ),
                    }),
                    Some(m) if m.entity() != stream.entity => errors.push(RegistryError {
                        instance: inst.name.clone(),
                        reason: format!(
                            "mapping `{name}` maps to `{}` but stream `{}` carries `{}`",
                            m.entity(),
                            stream.name,
                            stream.entity
                        ),
                    }),
                    Some(_) => {}
                }
            }
        }
        errors
    }
}

/// The explicit factory: one arm per kind.
fn build(name: &str, table: &ConnectorConfig) -> Result<Instance, String> {
    let (connector, mappings): (Arc<dyn Connector>, BTreeMap<String, String>) = match table {
        ConnectorConfig::Webhook(c) => {
            let secret = hub_connector_sdk::standard_webhooks::WebhookSecret::parse(c.secret.expose_secret())
                .map_err(|e| format!("key `secret`: {e}"))?;
            let entity =
                EntityKind::parse(&c.entity).ok_or_else(|| format!("key `entity`: unknown kind `{}`", c.entity))?;
            // The previous secret keeps being accepted during a rotation.
            let mut secrets = vec![secret];
            if let Some(previous) = &c.previous_secret {
                secrets.push(
                    hub_connector_sdk::standard_webhooks::WebhookSecret::parse(previous.expose_secret())
                        .map_err(|e| format!("key `previous_secret`: {e}"))?,
                );
            }
            let settings = WebhookSettings {
                instance: name.to_string(),
                secrets,
                stream: c.stream.clone(),
                entity,
                id_pointer: c.id_pointer.clone(),
                record_pointer: c.record_pointer.clone(),
                tolerance: Duration::from_secs(c.tolerance_secs),
            };
            let mapping = c.mapping.clone().unwrap_or_else(|| format!("webhook/{}", c.stream));
            (Arc::new(WebhookConnector::new(settings)), BTreeMap::from([(c.stream.clone(), mapping)]))
        }
        ConnectorConfig::Helloasso(c) => {
            let settings = HelloAssoSettings {
                instance: name.to_string(),
                base_url: c.base_url.trim_end_matches('/').to_string(),
                client_id: c.client_id.clone(),
                client_secret: c.client_secret.expose_secret().to_string(),
                organization_slug: c.organization_slug.clone(),
                signature_key: c.signature_key.as_ref().map(|k| k.expose_secret().to_string()),
                allowed_sources: c
                    .allowed_sources
                    .clone()
                    .unwrap_or_else(hub_connector_helloasso::default_allowed_sources),
                page_size: c.page_size,
            };
            let connector = HelloAssoConnector::new(settings).map_err(|e| e.to_string())?;
            (Arc::new(connector), c.mappings.clone())
        }
    };
    Ok(Instance {
        name: name.to_string(),
        kind: table.kind(),
        enabled: table.enabled(),
        connector,
        mappings,
        schedules: table.schedules().clone(),
    })
}
