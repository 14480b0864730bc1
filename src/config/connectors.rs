//! Connector instance tables: `[connectors.NAME]` with `kind = "..."` and that kind's keys.
//! Unknown keys are errors: each kind's struct denies unknown fields, and the common keys
//! (`enabled`, `schedules`) are spelled out in each (serde's `flatten` would lose that check).

use std::collections::BTreeMap;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The kinds this build knows, for error messages.
pub const KNOWN_KINDS: &[&str] = &["webhook", "helloasso"];

/// One connector instance, by kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectorConfig {
    /// Any tool that posts JSON signed with Standard Webhooks.
    Webhook(WebhookConnectorConfig),
    /// HelloAsso: memberships, donations and payments of one organization (read side).
    Helloasso(HelloAssoConnectorConfig),
}

/// `kind = "helloasso"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloAssoConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream (`members`, `memberships`, `payments`) → cron expression.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// The API origin; a sandbox's `base_url` in tests and demos.
    #[serde(default = "default_helloasso_url")]
    pub base_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The organization whose forms, orders and payments are read.
    pub organization_slug: String,
    /// Partner notification signature key: when set, `x-ha-signature` is required on notifications.
    #[serde(default)]
    pub signature_key: Option<SecretString>,
    /// Without a signature key, notifications are accepted only from these networks
    /// (default: HelloAsso's published addresses).
    #[serde(default)]
    pub allowed_sources: Option<Vec<ipnet::IpNet>>,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// stream → mapping name (default `helloasso/{stream}`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
}

fn default_helloasso_url() -> String {
    "https://api.helloasso.com".into()
}
fn default_page_size() -> u32 {
    100
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream → cron expression (6 fields, seconds first).
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// `whsec_` + base64: the signing secret shared with the sender.
    pub secret: SecretString,
    /// The previous secret, still accepted during a rotation.
    #[serde(default)]
    pub previous_secret: Option<SecretString>,
    #[serde(default = "default_stream")]
    pub stream: String,
    #[serde(default = "default_entity")]
    pub entity: String,
    /// Mapping name (e.g. `webhook/members`); default `webhook/{stream}`.
    #[serde(default)]
    pub mapping: Option<String>,
    #[serde(default = "default_id_pointer")]
    pub id_pointer: String,
    #[serde(default = "default_record_pointer")]
    pub record_pointer: String,
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
}

fn default_stream() -> String {
    "records".into()
}
fn default_entity() -> String {
    "person".into()
}
fn default_id_pointer() -> String {
    "/data/id".into()
}
fn default_record_pointer() -> String {
    "/data".into()
}
fn default_tolerance() -> u64 {
    300
}

const ENTITIES: &[&str] = &[
    "person",
    "organization",
    "membership",
    "payment",
    "booking",
    "resource",
    "asset",
    "event",
    "task",
    "registration",
];

/// `^[a-z][a-z0-9_]*$`
pub fn valid_instance_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_secret(key: &str, secret: &SecretString, out: &mut Vec<(String, String)>) {
    let s = secret.expose_secret();
    match s.strip_prefix("whsec_") {
        None => out.push((key.into(), "must start with `whsec_` (value not shown)".into())),
        Some(b64) if base64::engine::general_purpose::STANDARD.decode(b64).map(|k| k.is_empty()).unwrap_or(true) => {
            out.push((key.into(), "the part after `whsec_` must be non-empty base64 (value not shown)".into()))
        }
        Some(_) => {}
    }
}

fn check_cron(schedules: &BTreeMap<String, String>, out: &mut Vec<(String, String)>) {
    for (stream, expr) in schedules {
        let fields = expr.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            out.push((
                format!("schedules.{stream}"),
                format!("`{expr}` has {fields} fields; expected 6 (seconds first), e.g. \"0 */15 * * * *\""),
            ));
        } else if let Err(e) = expr.parse::<cron::Schedule>() {
            out.push((format!("schedules.{stream}"), format!("`{expr}` is not a cron expression: {e}")));
        }
    }
}

impl ConnectorConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorConfig::Webhook(_) => "webhook",
            ConnectorConfig::Helloasso(_) => "helloasso",
        }
    }

    pub fn enabled(&self) -> bool {
        match self {
            ConnectorConfig::Webhook(c) => c.enabled,
            ConnectorConfig::Helloasso(c) => c.enabled,
        }
    }

    pub fn schedules(&self) -> &BTreeMap<String, String> {
        match self {
            ConnectorConfig::Webhook(c) => &c.schedules,
            ConnectorConfig::Helloasso(c) => &c.schedules,
        }
    }

    /// Problems as (key inside the table, reason).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        check_cron(self.schedules(), &mut out);
        match self {
            ConnectorConfig::Webhook(c) => {
                check_secret("secret", &c.secret, &mut out);
                if let Some(prev) = &c.previous_secret {
                    check_secret("previous_secret", prev, &mut out);
                }
                if !ENTITIES.contains(&c.entity.as_str()) {
                    out.push((
                        "entity".into(),
                        format!("unknown entity `{}`; expected one of {}", c.entity, ENTITIES.join(", ")),
                    ));
                }
                for (key, ptr) in [("id_pointer", &c.id_pointer), ("record_pointer", &c.record_pointer)] {
                    if !(ptr.is_empty() || ptr.starts_with('/')) {
                        out.push((key.into(), format!("`{ptr}` is not a JSON pointer (it must start with `/`)")));
                    }
                }
            }
            ConnectorConfig::Helloasso(c) => {
                if !(c.base_url.starts_with("https://") || c.base_url.starts_with("http://")) {
                    out.push(("base_url".into(), format!("`{}` is not an http(s) URL", c.base_url)));
                }
                for (key, v) in [("client_id", &c.client_id), ("organization_slug", &c.organization_slug)] {
                    if v.trim().is_empty() {
                        out.push((key.into(), "must not be empty".into()));
                    }
                }
                if c.client_secret.expose_secret().trim().is_empty() {
                    out.push(("client_secret".into(), "must not be empty".into()));
                }
                if !(1..=100).contains(&c.page_size) {
                    out.push(("page_size".into(), "must be between 1 and 100".into()));
                }
                for stream in c.schedules.keys().chain(c.mappings.keys()) {
                    if !["members", "memberships", "payments"].contains(&stream.as_str()) {
                        out.push((
                            format!("schedules.{stream}"),
                            "unknown stream; HelloAsso streams are members, memberships, payments".into(),
                        ));
                    }
                }
            }
        }
        out
    }
}
