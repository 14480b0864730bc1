//! Connector instance tables: `[connectors.NAME]` with `kind = "..."` and that kind's keys.
//! Unknown keys are errors: each kind's struct denies unknown fields, and the common keys
//! (`enabled`, `schedules`, and `mappings`/`writes` where the kind has them) are spelled out in
//! each (serde's `flatten` would lose that check). `writes` lists the canonical entity kinds an
//! instance receives from the hub through `Connector::write`.

use std::collections::BTreeMap;

use hub_connector_odoo::OdooProtocol;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::connector_checks::*;

/// The kinds this build knows, for error messages.
pub const KNOWN_KINDS: &[&str] =
    &["webhook", "helloasso", "odoo", "dokos", "mattermost", "spreadsheet", "calcom", "google_calendar", "snipeit"];

/// One connector instance, by kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectorConfig {
    /// Any tool that posts JSON signed with Standard Webhooks.
    Webhook(WebhookConnectorConfig),
    /// HelloAsso: memberships, donations and payments of one organization (read side).
    Helloasso(HelloAssoConnectorConfig),
    /// Odoo: contacts and memberships of one database, read and written.
    Odoo(OdooConnectorConfig),
    /// Dokos: customers and subscriptions of one site, read and written.
    Dokos(DokosConnectorConfig),
    /// Mattermost: canonical changes announced in a team's channels (write only).
    Mattermost(MattermostConnectorConfig),
    /// A programme spreadsheet (CSV, XLSX, ODS): one event per row (read only).
    Spreadsheet(super::spreadsheet::SpreadsheetConnectorConfig),
    /// Cal.com: the bookings of one account (read only).
    Calcom(super::booking_connectors::CalcomConnectorConfig),
    /// Google Calendar: bookings mirrored in the resources' calendars, staff events read back.
    GoogleCalendar(super::booking_connectors::GoogleCalendarConnectorConfig),
    /// Snipe-IT: the equipment lent with bookings (assets read; checkouts by the equipment loop).
    #[serde(rename = "snipeit")]
    SnipeIt(super::booking_connectors::SnipeItConnectorConfig),
}

/// `kind = "odoo"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OdooConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream (`partners`, `memberships`) → cron expression.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// stream → mapping name (default `odoo/{stream}`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    /// Canonical entity kinds the hub writes to this Odoo (`person`, `membership`, and `payment`
    /// for donations, with `donation_product`).
    #[serde(default = "person_and_membership")]
    pub writes: Vec<String>,
    /// The server, e.g. `https://mon-tiers-lieu.odoo.com`; a sandbox's `base_url` in demos.
    pub base_url: String,
    pub database: String,
    /// The login of the user who owns the API key.
    pub login: String,
    #[serde(deserialize_with = "secret")]
    pub api_key: SecretString,
    /// `xml_rpc` or `json_rpc` (Odoo 17 to 19), `json2` (Odoo 19 and later).
    #[serde(default = "default_odoo_protocol")]
    pub protocol: OdooProtocol,
    /// Canonical plan → name of the Odoo membership product.
    #[serde(default)]
    pub membership_products: BTreeMap<String, String>,
    /// Name of the Odoo product donations are invoiced with (with `"payment"` in `writes`).
    #[serde(default)]
    pub donation_product: Option<String>,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

/// `kind = "dokos"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DokosConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream (`customers`, `subscriptions`) → cron expression.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// stream → mapping name (default `dokos/{stream}`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    /// Canonical entity kinds the hub writes to this Dokos (`person`, `membership`).
    #[serde(default = "person_and_membership")]
    pub writes: Vec<String>,
    /// The site, e.g. `https://mon-tiers-lieu.dokos.cloud`.
    pub base_url: String,
    /// The API user's key and secret (Dokos: user settings → API access).
    #[serde(deserialize_with = "secret")]
    pub api_key: SecretString,
    #[serde(deserialize_with = "secret")]
    pub api_secret: SecretString,
    /// Canonical plan → the Dokos Item of the subscription's plan row.
    #[serde(default)]
    pub membership_plans: BTreeMap<String, String>,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

/// `kind = "mattermost"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Mattermost has no stream to read: must stay empty (accepted like on every kind).
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// Must stay empty too.
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    /// Canonical entity kinds announced; default: the entity of every route.
    #[serde(default)]
    pub writes: Option<Vec<String>>,
    /// The server's origin, e.g. `https://chat.mon-tiers-lieu.org`.
    pub base_url: String,
    /// A bot (or personal access) token.
    #[serde(deserialize_with = "secret")]
    pub token: SecretString,
    /// The team's URL name.
    pub team: String,
    /// Where and how each entity kind is announced; default: the connector's French routes.
    #[serde(default)]
    pub routes: Option<Vec<RouteConfig>>,
}

/// One `[[connectors.NAME.routes]]` table of a Mattermost instance.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    pub entity: String,
    /// The channel's name in the team (a template: `{resource}`).
    pub channel: String,
    pub template: String,
    #[serde(default)]
    pub update_template: Option<String>,
    /// Announce only entities whose fields have these values (e.g. `{ kind = "donation" }`).
    #[serde(default)]
    pub only_when: BTreeMap<String, String>,
    /// Announce news only: `{ field = "period_start", days = 31 }` (see the Mattermost connector).
    #[serde(default)]
    pub news: Option<hub_connector_mattermost::News>,
}

impl MattermostConnectorConfig {
    /// The configured routes, else the connector's defaults.
    pub fn routes_or_default(&self) -> Vec<RouteConfig> {
        self.routes.clone().unwrap_or_else(|| {
            hub_connector_mattermost::default_routes()
                .into_iter()
                .map(|r| RouteConfig {
                    entity: r.entity.as_str().into(),
                    channel: r.channel,
                    template: r.template,
                    update_template: r.update_template,
                    only_when: r.only_when,
                    news: r.news,
                })
                .collect()
        })
    }
}

fn person_and_membership() -> Vec<String> {
    vec!["person".into(), "membership".into()]
}
fn default_odoo_protocol() -> OdooProtocol {
    OdooProtocol::XmlRpc
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
    #[serde(deserialize_with = "secret")]
    pub client_secret: SecretString,
    /// The organization whose forms, orders and payments are read.
    pub organization_slug: String,
    /// Partner notification signature key: when set, `x-ha-signature` is required on notifications.
    #[serde(default, deserialize_with = "optional_secret")]
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

pub(super) fn yes() -> bool {
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
    #[serde(deserialize_with = "secret")]
    pub secret: SecretString,
    /// The previous secret, still accepted during a rotation.
    #[serde(default, deserialize_with = "optional_secret")]
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

pub(super) const ENTITIES: &[&str] = &[
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

/// A secret that is not text (a number, a table) is refused without quoting it: serde's own
/// message would, and inside a `kind`-tagged table the loader no longer sees which key it was.
pub(crate) fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(SecretString::from(s)),
        _ => Err(serde::de::Error::custom("a secret (key, token, password) must be text in quotes; value not shown")),
    }
}

pub(crate) fn optional_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    secret(d).map(Some)
}

impl ConnectorConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorConfig::Webhook(_) => "webhook",
            ConnectorConfig::Helloasso(_) => "helloasso",
            ConnectorConfig::Odoo(_) => "odoo",
            ConnectorConfig::Dokos(_) => "dokos",
            ConnectorConfig::Mattermost(_) => "mattermost",
            ConnectorConfig::Spreadsheet(_) => "spreadsheet",
            ConnectorConfig::Calcom(_) => "calcom",
            ConnectorConfig::GoogleCalendar(_) => "google_calendar",
            ConnectorConfig::SnipeIt(_) => "snipeit",
        }
    }

    pub fn enabled(&self) -> bool {
        match self {
            ConnectorConfig::Webhook(c) => c.enabled,
            ConnectorConfig::Helloasso(c) => c.enabled,
            ConnectorConfig::Odoo(c) => c.enabled,
            ConnectorConfig::Dokos(c) => c.enabled,
            ConnectorConfig::Mattermost(c) => c.enabled,
            ConnectorConfig::Spreadsheet(c) => c.enabled,
            ConnectorConfig::Calcom(c) => c.enabled,
            ConnectorConfig::GoogleCalendar(c) => c.enabled,
            ConnectorConfig::SnipeIt(c) => c.enabled,
        }
    }

    pub fn schedules(&self) -> &BTreeMap<String, String> {
        match self {
            ConnectorConfig::Webhook(c) => &c.schedules,
            ConnectorConfig::Helloasso(c) => &c.schedules,
            ConnectorConfig::Odoo(c) => &c.schedules,
            ConnectorConfig::Dokos(c) => &c.schedules,
            ConnectorConfig::Mattermost(c) => &c.schedules,
            ConnectorConfig::Spreadsheet(c) => &c.schedules,
            ConnectorConfig::Calcom(c) => &c.schedules,
            ConnectorConfig::GoogleCalendar(c) => &c.schedules,
            ConnectorConfig::SnipeIt(c) => &c.schedules,
        }
    }

    /// The canonical entity kinds this instance receives from the hub, as configured (names are
    /// checked by [`ConnectorConfig::validate`]); none for the read-only kinds.
    pub fn writes(&self) -> Vec<String> {
        match self {
            ConnectorConfig::Webhook(_)
            | ConnectorConfig::Helloasso(_)
            | ConnectorConfig::Calcom(_)
            | ConnectorConfig::SnipeIt(_) => Vec::new(),
            ConnectorConfig::GoogleCalendar(c) => c.writes.clone(),
            ConnectorConfig::Spreadsheet(c) => c.writes.clone(),
            ConnectorConfig::Odoo(c) => c.writes.clone(),
            ConnectorConfig::Dokos(c) => c.writes.clone(),
            ConnectorConfig::Mattermost(c) => {
                c.writes.clone().unwrap_or_else(|| c.routes_or_default().into_iter().map(|r| r.entity).collect())
            }
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
                check_url(&c.base_url, &mut out);
                check_filled(&[("client_id", &c.client_id), ("organization_slug", &c.organization_slug)], &mut out);
                check_filled(&[("client_secret", c.client_secret.expose_secret())], &mut out);
                check_page_size(c.page_size, 100, &mut out);
                let streams = ["members", "memberships", "payments"];
                check_streams("helloasso", &streams, &c.schedules, &c.mappings, &mut out);
            }
            ConnectorConfig::Odoo(c) => {
                check_url(&c.base_url, &mut out);
                check_filled(&[("database", &c.database), ("login", &c.login)], &mut out);
                check_filled(&[("api_key", c.api_key.expose_secret())], &mut out);
                check_page_size(c.page_size, 1000, &mut out);
                check_plans("membership_products", &c.membership_products, &mut out);
                check_streams("odoo", &["partners", "memberships"], &c.schedules, &c.mappings, &mut out);
                check_writes(&c.writes, &["person", "membership", "payment"], "odoo writes only", &mut out);
                if c.writes.iter().any(|w| w == "payment")
                    && c.donation_product.as_deref().is_none_or(|p| p.trim().is_empty())
                {
                    out.push((
                        "donation_product".into(),
                        "required when writes has \"payment\" (the Odoo product donations are invoiced with)".into(),
                    ));
                }
            }
            ConnectorConfig::Dokos(c) => {
                check_url(&c.base_url, &mut out);
                let key = c.api_key.expose_secret();
                if key.trim().is_empty() || key.contains([':', ' ']) {
                    out.push(("api_key".into(), "must be non-empty, without `:` or spaces (value not shown)".into()));
                }
                check_filled(&[("api_secret", c.api_secret.expose_secret())], &mut out);
                check_page_size(c.page_size, 500, &mut out);
                check_plans("membership_plans", &c.membership_plans, &mut out);
                let streams = [hub_connector_dokos::CUSTOMERS, hub_connector_dokos::SUBSCRIPTIONS];
                check_streams("dokos", &streams, &c.schedules, &c.mappings, &mut out);
                check_writes(&c.writes, &["person", "membership"], "dokos writes only", &mut out);
            }
            ConnectorConfig::Mattermost(c) => {
                check_url(&c.base_url, &mut out);
                check_filled(&[("token", c.token.expose_secret())], &mut out);
                if c.team.trim().is_empty() || c.team.contains(['/', '?', '#']) {
                    out.push(("team".into(), format!("`{}` is not a team name (its URL name)", c.team)));
                }
                check_streams("mattermost", &[], &c.schedules, &c.mappings, &mut out);
                let routes = c.routes_or_default();
                check_routes(&routes, &mut out);
                let routed: Vec<&str> = routes.iter().map(|r| r.entity.as_str()).collect();
                check_writes(&self.writes(), &routed, "there is a route only for", &mut out);
            }
            ConnectorConfig::Spreadsheet(c) => {
                let streams = [hub_connector_spreadsheet::EVENTS];
                check_streams("spreadsheet", &streams, &c.schedules, &c.mappings, &mut out);
                c.validate(&mut out);
            }
            ConnectorConfig::Calcom(c) => c.validate(&mut out),
            ConnectorConfig::GoogleCalendar(c) => c.validate(&mut out),
            ConnectorConfig::SnipeIt(c) => c.validate(&mut out),
        }
        out
    }
}

#[cfg(test)]
#[path = "connector_tests.rs"]
mod tests;
