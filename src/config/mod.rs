//! The hub's configuration: typed sections with defaults, so an empty file is a working setup
//! (127.0.0.1:8080, SQLite under ./data/). Loading and error reporting live in `load.rs`,
//! connector instance tables in `connectors.rs`. Secrets are `SecretString`: Debug prints
//! `[REDACTED]`, and no error message ever contains one.

mod booking_connectors;
mod connector_checks;
mod connectors;
mod equipment;
mod load;
mod programme;
pub mod resources;
mod spreadsheet;
mod targets;
mod webhooks;

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use booking_connectors::{CalcomConnectorConfig, GoogleCalendarConnectorConfig, SnipeItConnectorConfig};
pub use connectors::{ConnectorConfig, KNOWN_KINDS, WebhookConnectorConfig};
pub use equipment::{EquipmentConfig, MAX_LEAD_SECS};
pub use load::{ConfigError, Problem, load, load_with_env};
pub use programme::{KINDS_FILE, ProgrammeConfig};
pub use resources::ResourceConfig;
pub use spreadsheet::{HeadersConfig, SpreadsheetConnectorConfig};
pub use targets::TargetsConfig;
pub use webhooks::{EndpointConfig, WebhooksConfig};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded SQLite database and other local state live.
    pub data_dir: PathBuf,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub admin: AdminConfig,
    pub queue: QueueConfig,
    pub log: LogConfig,
    pub mappings: MappingsConfig,
    /// Outbound webhooks: delivery settings and endpoints.
    pub webhooks: WebhooksConfig,
    /// Pushing canonical changes to the connector instances that write them.
    pub targets: TargetsConfig,
    /// The monthly programme: event kinds, printable programme, newsletter, registrations.
    pub programme: ProgrammeConfig,
    /// Equipment loans: the assets of booked resources checked out to the bookers.
    pub equipment: EquipmentConfig,
    /// Connector instances by name: `[connectors.NAME] kind = "..."`.
    pub connectors: BTreeMap<String, ConnectorConfig>,
    /// The place's bookable resources by slug: `[resources.SLUG]`.
    pub resources: BTreeMap<String, ResourceConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            http: HttpConfig::default(),
            database: DatabaseConfig::default(),
            admin: AdminConfig::default(),
            queue: QueueConfig::default(),
            log: LogConfig::default(),
            mappings: MappingsConfig::default(),
            webhooks: WebhooksConfig::default(),
            targets: TargetsConfig::default(),
            programme: ProgrammeConfig::default(),
            equipment: EquipmentConfig::default(),
            connectors: BTreeMap::new(),
            resources: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub bind: SocketAddr,
    /// Largest accepted webhook body, in bytes (413 above).
    pub body_limit_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 1024 * 1024,
            trusted_proxies: vec![],
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; unset: `sqlite://{data_dir}/hub.db`. May hold a password.
    pub url: Option<SecretString>,
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: None, max_connections: 10 }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Bearer token of the admin API; unset: the admin API refuses every request.
    pub token: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    pub concurrency: usize,
    pub poll_interval_ms: u64,
    pub batch_size: u32,
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_secs: u64,
    pub retry_after_max_secs: u64,
    pub lease_secs: u64,
    pub shutdown_timeout_secs: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            concurrency: 16,
            poll_interval_ms: 200,
            batch_size: 32,
            max_attempts: 8,
            backoff_base_ms: 1000,
            backoff_max_secs: 3600,
            retry_after_max_secs: 3600,
            lease_secs: 300,
            shutdown_timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter: `info`, `hub=debug,info`, … (`HUB_LOG` overrides it).
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".into(), format: LogFormat::Text }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MappingsConfig {
    pub dir: PathBuf,
}

impl Default for MappingsConfig {
    fn default() -> Self {
        MappingsConfig { dir: PathBuf::from("./mappings") }
    }
}

impl Config {
    /// The database URL in use (a secret: never log it).
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.expose_secret().to_string(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("hub.db").display()),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// Parses a TOML text on top of the defaults (no file, no environment).
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        load::from_figment(
            {
                use figment::providers::Format;
                figment::Figment::new().merge(figment::providers::Toml::string(text))
            },
            &[],
        )
    }

    /// Every semantic problem, with the key it concerns.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |key: &str, why: String| out.push((key.to_string(), why));
        if let Some(url) = &self.database.url {
            let url = url.expose_secret();
            if !["sqlite:", "postgres:", "postgresql:"].iter().any(|p| url.starts_with(p)) {
                bad("database.url", "must start with sqlite:, postgres: or postgresql:".into());
            }
        }
        if self.database.max_connections == 0 {
            bad("database.max_connections", "must be at least 1".into());
        }
        if let Some(token) = &self.admin.token
            && token.expose_secret().len() < 16
        {
            bad("admin.token", "must be at least 16 characters".into());
        }
        if self.http.body_limit_bytes == 0 {
            bad("http.body_limit_bytes", "must be at least 1".into());
        }
        if self.queue.concurrency == 0 {
            bad("queue.concurrency", "must be at least 1".into());
        }
        if self.queue.max_attempts == 0 {
            bad("queue.max_attempts", "must be at least 1".into());
        }
        if self.queue.poll_interval_ms < 10 {
            bad("queue.poll_interval_ms", "must be at least 10".into());
        }
        if self.queue.batch_size == 0 {
            bad("queue.batch_size", "must be at least 1".into());
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            bad("log.level", format!("`{}` is not a valid log filter", self.log.level));
        }
        for (key, why) in self.targets.validate() {
            bad(&key, why);
        }
        for (key, why) in self.programme.validate() {
            bad(&format!("programme.{key}"), why);
        }
        for (key, why) in self.equipment.validate() {
            bad(&key, why);
        }
        for (key, why) in self.webhooks.validate() {
            bad(&format!("webhooks.{key}"), why);
        }
        for (key, why) in resources::validate(&self.resources) {
            bad(&key, why);
        }
        for (name, table) in &self.connectors {
            if !connectors::valid_instance_name(name) {
                bad(
                    &format!("connectors.{name}"),
                    "instance names are lower-case letters, digits and `_`, starting with a letter".into(),
                );
            }
            for (key, why) in table.validate() {
                bad(&format!("connectors.{name}.{key}"), why);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
