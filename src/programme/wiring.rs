//! How the programme plugs into the registry: the kinds file is loaded when a spreadsheet
//! instance exists (its kinds become the sheet's `known_kinds`), each spreadsheet instance keeps
//! its concrete connector beside the trait object (for `last_problems`), and the internal
//! `programme` target instance is added. The store and the mappings are bound later, once open
//! (`Registry::bind_programme`, called by `App::build`).

use std::{collections::BTreeMap, sync::Arc};

use hub_connector_sdk::{Connector, EntityKind};
use hub_connector_spreadsheet::SpreadsheetConnector;

use super::{
    INSTANCE, ProgrammeKinds, ProgrammeSettings, ProgrammeTasks, status::GOOGLE_CALENDAR_NOT_CONFIGURED, tasks,
};
use crate::{
    config::{Config, ConnectorConfig, SpreadsheetConnectorConfig},
    mapping::MappingSet,
    registry::{Instance, RegistryError},
    store::Store,
};

fn has_spreadsheet(config: &Config) -> bool {
    config.connectors.values().any(|c| matches!(c, ConnectorConfig::Spreadsheet(_)))
}

/// The event kinds, when a spreadsheet instance needs them.
pub fn load_kinds(config: &Config) -> Result<Option<ProgrammeKinds>, RegistryError> {
    if !has_spreadsheet(config) {
        return Ok(None);
    }
    let path = config.programme.kinds_path(&config.mappings.dir);
    ProgrammeKinds::load(&path)
        .map(Some)
        .map_err(|e| RegistryError { instance: INSTANCE.into(), reason: format!("event kinds: {e}") })
}

/// A spreadsheet connector whose known kinds are the programme's.
pub fn spreadsheet(
    name: &str,
    c: &SpreadsheetConnectorConfig,
    kinds: Option<&ProgrammeKinds>,
) -> Result<Arc<SpreadsheetConnector>, String> {
    let settings = c.settings(name, kinds.map(ProgrammeKinds::names));
    SpreadsheetConnector::new(settings).map(Arc::new).map_err(|e| e.to_string())
}

/// Adds the `programme` target when kinds were loaded; its name must be free.
pub fn add_target(
    config: &Config,
    kinds: Option<ProgrammeKinds>,
    instances: &mut BTreeMap<String, Instance>,
) -> Result<Option<Arc<ProgrammeTasks>>, RegistryError> {
    let Some(kinds) = kinds else { return Ok(None) };
    if instances.contains_key(INSTANCE) {
        return Err(RegistryError {
            instance: INSTANCE.into(),
            reason: "this name is the programme's own target when a spreadsheet is configured: rename the instance"
                .into(),
        });
    }
    let settings = ProgrammeSettings {
        title: config.programme.title.clone(),
        venue: config.programme.venue.clone(),
        public_origin: config.programme.public_origin(),
        spreadsheets: instances.values().filter(|i| i.spreadsheet.is_some()).map(|i| i.name.clone()).collect(),
    };
    let target = Arc::new(ProgrammeTasks::new(kinds, settings));
    let connector: Arc<dyn Connector> = target.clone();
    instances.insert(
        INSTANCE.into(),
        Instance {
            name: INSTANCE.into(),
            kind: INSTANCE,
            enabled: true,
            connector,
            mappings: BTreeMap::new(),
            schedules: BTreeMap::new(),
            writes: vec![EntityKind::Event],
            spreadsheet: None,
            google: None,
            snipeit: None,
            mattermost: None,
        },
    );
    Ok(Some(target))
}

/// The programme's own mappings exist and map to tasks and registrations.
pub fn check_mappings(mappings: &MappingSet) -> Vec<RegistryError> {
    let mut errors = Vec::new();
    for (name, entity) in
        [(tasks::TASKS_MAPPING, EntityKind::Task), (tasks::REGISTRATIONS_MAPPING, EntityKind::Registration)]
    {
        let reason = match mappings.get(name) {
            None => format!("needs mapping `{name}` (mappings/{name}.toml), which does not exist"),
            Some(m) if m.entity() != entity => format!("mapping `{name}` maps to `{}`, not `{entity}`", m.entity()),
            Some(_) => continue,
        };
        errors.push(RegistryError { instance: INSTANCE.into(), reason });
    }
    errors
}

/// Binds the store and mappings, and says at start-up where events go.
pub fn bind(target: &ProgrammeTasks, store: &Store, mappings: &MappingSet) {
    if let Err(e) = target.bind(store, mappings) {
        tracing::error!(error = %e, "programme: cannot bind its mappings");
        return;
    }
    tracing::info!(
        spreadsheets = ?target.settings.spreadsheets, kinds = target.kinds.kinds.len(),
        "programme: spreadsheet rows become events, their tasks come from the `programme` target"
    );
    tracing::warn!("programme: {GOOGLE_CALENDAR_NOT_CONFIGURED}");
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::{config::Config, mapping::MappingSet, registry::Registry};

    fn config(extra: &str) -> Config {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        Config::from_toml_str(&format!(
            "[mappings]\ndir = \"{}\"\n[connectors.planning]\nkind = \"spreadsheet\"\nsource = \"/srv/programme.csv\"\n{extra}",
            dir.display()
        ))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_spreadsheet_brings_the_programme_target_and_its_kinds() {
        let registry = Registry::from_config(&config("")).unwrap_or_else(|e| panic!("{}", e[0]));
        let target = registry.get("programme").expect("the internal target");
        assert_eq!((target.kind, target.writes.as_slice()), ("programme", &[hub_connector_sdk::EntityKind::Event][..]));
        let sheet = registry.get("planning").unwrap().spreadsheet.as_ref().expect("the concrete connector");
        let known = sheet.settings().known_kinds.clone().unwrap_or_default();
        assert!(known.iter().any(|k| k == "Réunion") && known.iter().any(|k| k == "Chantier participatif"));
        let shipped = MappingSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap();
        let problems: Vec<String> = registry.check_mappings(&shipped).iter().map(|e| e.to_string()).collect();
        assert!(problems.is_empty(), "{problems:?}");
        let missing: Vec<String> =
            registry.check_mappings(&MappingSet::default()).iter().map(|e| e.to_string()).collect();
        assert!(missing.iter().any(|m| m.contains("programme/registrations")), "{missing:?}");
        assert!(Registry::from_config(&Config::default()).unwrap().programme().is_none(), "no sheet, no target");
    }

    #[test]
    fn a_bad_kinds_file_or_a_taken_name_stops_the_start() {
        let errors =
            Registry::from_config(&config("[programme]\nkinds_file = \"/nonexistent/kinds.toml\"\n")).err().unwrap();
        assert!(errors.iter().any(|e| e.to_string().contains("/nonexistent/kinds.toml")), "{}", errors[0]);
        let taken = config("[connectors.programme]\nkind = \"spreadsheet\"\nsource = \"/srv/autre.csv\"\n");
        let errors = Registry::from_config(&taken).err().unwrap();
        assert!(errors.iter().any(|e| e.to_string().contains("connector `programme`: this name")), "{}", errors[0]);
    }
}
