//! The connector registry: every `[connectors.NAME]` table turned into a connector value by one
//! explicit `match` on its kind (no global registration magic), with the mapping of each stream
//! and the canonical entity kinds the instance receives (`writes`).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use hub_connector_calcom::{CalcomConnector, CalcomSettings};
use hub_connector_dokos::{DokosConnector, DokosSettings};
use hub_connector_google_calendar::{GoogleCalendarConnector, GoogleCalendarSettings};
use hub_connector_helloasso::{HelloAssoConnector, HelloAssoSettings};
use hub_connector_mattermost::{MattermostConnector, MattermostSettings, Route};
use hub_connector_odoo::{OdooConnector, OdooSettings};
use hub_connector_sdk::{Connector, EntityKind};
use hub_connector_snipeit::{SnipeItConnector, SnipeItSettings};
use hub_connector_spreadsheet::SpreadsheetConnector;
use hub_connector_webhook::{WebhookConnector, WebhookSettings};
use secrecy::ExposeSecret;

use crate::{
    config::{Config, ConnectorConfig, ResourceConfig, resources},
    mapping::MappingSet,
    programme::{ProgrammeKinds, ProgrammeTasks, wiring},
    store::Store,
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
    /// The canonical entity kinds this instance receives through `Connector::write` (empty for
    /// the read-only kinds).
    pub writes: Vec<EntityKind>,
    /// The concrete connector of a `spreadsheet` instance (its skipped rows: `last_problems`).
    pub spreadsheet: Option<Arc<SpreadsheetConnector>>,
    /// The concrete connector of a `google_calendar` instance (its refresh token is set once
    /// `hub auth google` ran).
    pub google: Option<Arc<GoogleCalendarConnector>>,
    /// The concrete connector of a `snipeit` instance (the equipment loop checks assets out).
    pub snipeit: Option<Arc<SnipeItConnector>>,
    /// The concrete connector of a `mattermost` instance (the equipment loop's notices).
    pub mattermost: Option<Arc<MattermostConnector>>,
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
    /// The programme's internal target, present when a spreadsheet instance is configured.
    programme: Option<Arc<ProgrammeTasks>>,
    /// `[resources.SLUG]`, for what targets add to bookings.
    resources: BTreeMap<String, ResourceConfig>,
}

impl Registry {
    /// Builds every instance of the config; all problems are reported at once.
    pub fn from_config(config: &Config) -> Result<Registry, Vec<RegistryError>> {
        let mut instances = BTreeMap::new();
        let mut errors = Vec::new();
        let kinds = wiring::load_kinds(config).map_err(|e| errors.push(e)).ok().flatten();
        for (name, table) in &config.connectors {
            match build(name, table, kinds.as_ref(), &config.resources) {
                Ok(inst) => {
                    instances.insert(name.clone(), inst);
                }
                Err(reason) => errors.push(RegistryError { instance: name.clone(), reason }),
            }
        }
        let programme = wiring::add_target(config, kinds, &mut instances).map_err(|e| errors.push(e)).ok().flatten();
        let resources = config.resources.clone();
        if errors.is_empty() { Ok(Registry { instances, programme, resources }) } else { Err(errors) }
    }

    /// The programme's target and service (when a spreadsheet instance is configured).
    pub fn programme(&self) -> Option<&Arc<ProgrammeTasks>> {
        self.programme.as_ref()
    }

    /// Gives the programme its store and mappings, once the store is open.
    pub fn bind_programme(&self, store: &Store, mappings: &MappingSet) {
        if let Some(programme) = &self.programme {
            wiring::bind(programme, store, mappings);
        }
    }

    /// The configured resources by slug.
    pub fn resources(&self) -> &BTreeMap<String, ResourceConfig> {
        &self.resources
    }

    pub fn get(&self, name: &str) -> Option<&Instance> {
        self.instances.get(name)
    }

    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// Every stream's mapping must exist and map to the stream's entity kind.
    pub fn check_mappings(&self, mappings: &MappingSet) -> Vec<RegistryError> {
        let mut errors = if self.programme.is_some() { wiring::check_mappings(mappings) } else { Vec::new() };
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
fn build(
    name: &str,
    table: &ConnectorConfig,
    kinds: Option<&ProgrammeKinds>,
    places: &BTreeMap<String, ResourceConfig>,
) -> Result<Instance, String> {
    let mut spreadsheet = None;
    let mut google = None;
    let mut snipeit = None;
    let mut mattermost = None;
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
        ConnectorConfig::Odoo(c) => {
            let settings = OdooSettings {
                instance: name.to_string(),
                base_url: c.base_url.trim().trim_end_matches('/').to_string(),
                database: c.database.trim().to_string(),
                login: c.login.trim().to_string(),
                api_key: c.api_key.expose_secret().trim().to_string(),
                protocol: c.protocol,
                membership_products: c.membership_products.clone(),
                donation_product: c.donation_product.clone(),
                page_size: c.page_size,
            };
            let connector = OdooConnector::new(settings).map_err(|e| e.to_string())?;
            (Arc::new(connector), c.mappings.clone())
        }
        ConnectorConfig::Dokos(c) => {
            let settings = DokosSettings {
                membership_plans: c.membership_plans.clone(),
                page_size: c.page_size,
                ..DokosSettings::new(
                    name,
                    c.base_url.trim().trim_end_matches('/'),
                    c.api_key.expose_secret().trim(),
                    c.api_secret.expose_secret(),
                )
            };
            let connector = DokosConnector::new(settings).map_err(|e| e.to_string())?;
            (Arc::new(connector), c.mappings.clone())
        }
        ConnectorConfig::Mattermost(c) => {
            let routes = c
                .routes_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let entity = EntityKind::parse(&r.entity)
                        .ok_or_else(|| format!("key `routes[{i}].entity`: unknown kind `{}`", r.entity))?;
                    let (channel, template, update_template) = (r.channel, r.template, r.update_template);
                    Ok(Route { entity, channel, template, update_template, only_when: r.only_when, news: r.news })
                })
                .collect::<Result<Vec<_>, String>>()?;
            let settings = MattermostSettings {
                routes,
                ..MattermostSettings::new(
                    name,
                    c.base_url.trim().trim_end_matches('/'),
                    c.token.expose_secret().trim(),
                    c.team.trim(),
                )
            };
            let connector = Arc::new(MattermostConnector::new(settings).map_err(|e| e.to_string())?);
            mattermost = Some(connector.clone());
            (connector, c.mappings.clone())
        }
        ConnectorConfig::Spreadsheet(c) => {
            let connector = wiring::spreadsheet(name, c, kinds)?;
            spreadsheet = Some(connector.clone());
            (connector, c.mappings.clone())
        }
        ConnectorConfig::Calcom(c) => {
            let settings = CalcomSettings {
                base_url: c.base_url.trim().trim_end_matches('/').to_string(),
                webhook_secret: c.webhook_secret.as_ref().map(|s| s.expose_secret().to_string()),
                page_size: c.page_size,
                resources: resources::event_type_index(places),
                ..CalcomSettings::new(name, c.api_key.expose_secret().trim())
            };
            let connector = CalcomConnector::new(settings).map_err(|e| e.to_string())?;
            (Arc::new(connector), c.mappings.clone())
        }
        ConnectorConfig::GoogleCalendar(c) => {
            let calendars =
                if c.calendars.is_empty() { resources::calendar_index(places) } else { c.calendars.clone() };
            let settings = GoogleCalendarSettings {
                base_url: c.base_url.trim().trim_end_matches('/').to_string(),
                auth_url: c.auth_url.trim().to_string(),
                token_url: c.token_url.trim().to_string(),
                calendars,
                time_zone: c.time_zone.clone(),
                channel_token: c.channel_token.as_ref().map(|t| t.expose_secret().to_string()),
                page_size: c.page_size,
                ..GoogleCalendarSettings::new(name, c.client_id.trim(), c.client_secret.expose_secret())
            };
            let connector = Arc::new(GoogleCalendarConnector::new(settings).map_err(|e| e.to_string())?);
            google = Some(connector.clone());
            (connector, c.mappings.clone())
        }
        ConnectorConfig::SnipeIt(c) => {
            let settings = SnipeItSettings {
                page_size: c.page_size,
                ..SnipeItSettings::new(name, c.base_url.trim(), c.token.expose_secret().trim())
            };
            let connector = Arc::new(SnipeItConnector::new(settings).map_err(|e| e.to_string())?);
            snipeit = Some(connector.clone());
            (connector, c.mappings.clone())
        }
    };
    let writes = table
        .writes()
        .iter()
        .map(|w| EntityKind::parse(w).ok_or_else(|| format!("key `writes`: unknown kind `{w}`")))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Instance {
        name: name.to_string(),
        kind: table.kind(),
        enabled: table.enabled(),
        connector,
        mappings,
        schedules: table.schedules().clone(),
        writes,
        spreadsheet,
        google,
        snipeit,
        mattermost,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use hub_connector_sdk::SourceRecord;
    use serde_json::{Value, json};

    use super::*;

    const VENDORS: &str = "[connectors.odoo_main]\nkind = \"odoo\"\nbase_url = \"https://tl.odoo.com/\"\n\
        database = \"tl\"\nlogin = \"hub@tl.org\"\napi_key = \"k\"\nmembership_products = { Individuelle = \"Adhésion\" }\n\
        [connectors.dokos_main]\nkind = \"dokos\"\nbase_url = \"https://tl.dokos.cloud\"\napi_key = \"k\"\n\
        api_secret = \"s\"\nwrites = [\"membership\"]\nmappings = { customers = \"dokos/customers\" }\n\
        [connectors.chat]\nkind = \"mattermost\"\nbase_url = \"https://chat.tl.org\"\ntoken = \"t\"\nteam = \"tl\"\n\
        [connectors.members_form]\nkind = \"webhook\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\
        [connectors.inventaire]\nkind = \"snipeit\"\nbase_url = \"https://inventaire.tl.org\"\ntoken = \"t\"\n";

    fn registry() -> Registry {
        let config = Config::from_toml_str(VENDORS).unwrap_or_else(|e| panic!("{e}"));
        Registry::from_config(&config)
            .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>()))
    }

    fn shipped_mappings() -> MappingSet {
        MappingSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_vendor_kind_is_built_with_its_streams_and_writes() {
        let registry = registry();
        let odoo = registry.get("odoo_main").unwrap();
        assert_eq!((odoo.kind, odoo.connector.kind(), odoo.enabled), ("odoo", "odoo", true));
        assert_eq!(odoo.writes, [EntityKind::Person, EntityKind::Membership]);
        let streams: Vec<String> = odoo.connector.streams().into_iter().map(|s| s.name).collect();
        assert_eq!(streams, ["partners", "memberships"]);
        assert_eq!(odoo.mapping_for("partners"), "odoo/partners");
        let dokos = registry.get("dokos_main").unwrap();
        assert_eq!((dokos.kind, dokos.connector.kind()), ("dokos", "dokos"));
        assert_eq!(dokos.writes, [EntityKind::Membership]);
        assert_eq!(dokos.mapping_for("customers"), "dokos/customers");
        assert_eq!(dokos.mapping_for("subscriptions"), "dokos/subscriptions");
        let chat = registry.get("chat").unwrap();
        assert_eq!((chat.kind, chat.connector.kind()), ("mattermost", "mattermost"));
        assert!(chat.connector.streams().is_empty());
        let routed: Vec<EntityKind> = hub_connector_mattermost::default_routes().iter().map(|r| r.entity).collect();
        assert_eq!(chat.writes, routed);
        assert!(registry.get("members_form").unwrap().writes.is_empty(), "webhook instances receive nothing");
        let inventaire = registry.get("inventaire").unwrap();
        assert_eq!((inventaire.kind, inventaire.connector.kind()), ("snipeit", "snipeit"));
        assert!(inventaire.snipeit.is_some() && inventaire.writes.is_empty());
        assert_eq!(inventaire.mapping_for("assets"), "snipeit/assets");
        assert!(chat.mattermost.is_some() && odoo.mattermost.is_none());
    }

    #[test]
    fn the_shipped_mappings_cover_every_vendor_stream() {
        let problems = registry().check_mappings(&shipped_mappings());
        assert!(problems.is_empty(), "{:?}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn a_setting_the_connector_refuses_is_reported_with_its_key() {
        let mut config = Config::from_toml_str(VENDORS).unwrap();
        if let Some(ConnectorConfig::Odoo(c)) = config.connectors.get_mut("odoo_main") {
            c.page_size = 0;
        }
        if let Some(ConnectorConfig::Mattermost(c)) = config.connectors.get_mut("chat") {
            c.writes = Some(vec!["spaceship".into()]);
        }
        let errors: Vec<String> = Registry::from_config(&config).err().unwrap().iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("connector `chat`") && errors[0].contains("key `writes`"), "{errors:?}");
        assert!(errors[1].starts_with("connector `odoo_main`") && errors[1].contains("page_size"), "{errors:?}");
    }

    fn map(set: &MappingSet, name: &str, data: Value) -> Value {
        let record =
            SourceRecord { stream: name.into(), external_id: "1".into(), updated_at: None, deleted: false, data };
        let fields = set.get(name).unwrap().apply(&record).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::to_value(fields).unwrap()
    }

    /// Records shaped as the connectors' docs describe them (Odoo's empty values are `false`).
    #[test]
    fn the_vendor_mappings_map_documented_records() {
        let set = shipped_mappings();
        let partner = json!({"id": 7, "name": "Camille Martin", "email": " Camille@Example.org", "phone": "06 12 34 56 78",
            "mobile": false, "street": false, "zip": false, "city": false, "country_id": [75, "France"], "lang": "fr_FR",
            "firstName": "Camille", "lastName": "Martin", "countryCode": "FR", "write_date": "2026-01-02 10:00:00"});
        assert_eq!(
            map(&set, "odoo/partners", partner),
            json!({"given_name": "Camille", "family_name": "Martin", "email": "camille@example.org",
                   "phone": "+33612345678", "country": "FR"})
        );
        let bare = json!({"id": 8, "name": "Sacha", "email": false, "phone": false, "firstName": "Sacha"});
        assert_eq!(map(&set, "odoo/partners", bare), json!({"given_name": "Sacha"}), "`false` is left out");
        let line = json!({"id": 3, "partner": [7, "Camille Martin"], "membership_id": [2, "Adhésion"], "date_from": "2026-01-01",
            "date_to": "2026-12-31", "date_cancel": false, "member_price": 25.0, "state": "paid", "partnerId": 7,
            "partnerEmail": "camille@example.org", "productName": "Adhésion", "amountCents": 2500});
        assert_eq!(
            map(&set, "odoo/memberships", line),
            json!({"plan": "Adhésion", "amount": 2500, "period_start": "2026-01-01", "period_end": "2026-12-31",
                   "person_email": "camille@example.org", "status": "active"})
        );
        let customer = json!({"name": "CUST-0001", "customer_name": "Camille Martin", "customer_type": "Individual",
            "email_id": "camille@example.org", "mobile_no": null, "language": "fr", "disabled": 0,
            "contact": null, "given_name": "Camille", "family_name": "Martin", "email": "camille@example.org",
            "phone": "+33 6 12 34 56 78"});
        assert_eq!(
            map(&set, "dokos/customers", customer),
            json!({"given_name": "Camille", "family_name": "Martin", "email": "camille@example.org",
                   "phone": "+33612345678", "locale": "fr"})
        );
        let subscription = json!({"name": "SUB-0001", "customer": "CUST-0001", "status": "Active", "start": "2026-01-01",
            "cancellation_date": null, "grand_total": 25.0, "currency": "EUR", "items": ["ADH"], "plan": "Individuelle",
            "person_email": "camille@example.org"});
        assert_eq!(
            map(&set, "dokos/subscriptions", subscription),
            json!({"plan": "Individuelle", "amount": 2500, "period_start": "2026-01-01",
                   "person_email": "camille@example.org", "status": "active"})
        );
    }
}
