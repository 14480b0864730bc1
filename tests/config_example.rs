//! `config.example.toml` parses, says what the defaults are, and each commented connector block,
//! once uncommented, is a valid connector whose commented values are the defaults.

use std::path::Path;

use hub::config::{Config, ConnectorConfig, load_with_env};

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml")).unwrap()
}

#[test]
fn the_example_parses_and_states_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let example = load_with_env(Some(&path), &[]).unwrap_or_else(|e| panic!("config.example.toml:\n{e}"));
    let defaults = Config::default();
    assert_eq!(format!("{example:?}"), format!("{defaults:?}"), "the example must document the defaults exactly");
}

#[test]
fn every_section_and_key_is_documented() {
    let text = example();
    for key in [
        "data_dir",
        "[http]",
        "bind",
        "body_limit_bytes",
        "trusted_proxies",
        "[database]",
        "url",
        "max_connections",
        "[admin]",
        "token",
        "[queue]",
        "concurrency",
        "poll_interval_ms",
        "batch_size",
        "max_attempts",
        "backoff_base_ms",
        "backoff_max_secs",
        "retry_after_max_secs",
        "lease_secs",
        "shutdown_timeout_secs",
        "[log]",
        "level",
        "format",
        "[mappings]",
        "dir",
        "enabled",
        "schedules",
        "secret",
        "previous_secret",
        "stream",
        "entity",
        "mapping",
        "id_pointer",
        "record_pointer",
        "tolerance_secs",
        "[webhooks]",
        "retry_schedule_secs",
        "jitter",
        "disable_after_secs",
        "connect_timeout_secs",
        "request_timeout_secs",
        "response_excerpt_bytes",
        "concurrency_per_endpoint",
        "rotation_overlap_secs",
        "allow_networks",
        "retention_days",
        "[webhooks.endpoints.site_web]",
        "event_types",
        "[targets]",
        "batch_size",
        "kind = \"odoo\"",
        "database",
        "login",
        "api_key",
        "protocol",
        "membership_products",
        "page_size",
        "writes",
        "mappings",
        "kind = \"dokos\"",
        "api_secret",
        "membership_plans",
        "kind = \"mattermost\"",
        "team",
        "routes",
        "channel",
        "template",
        "update_template",
        "only_when",
        "[programme]",
        "kinds_file",
        "venue",
        "public_url",
        "out_dir",
        "kind = \"spreadsheet\"",
        "source",
        "sheet",
        "time_zone",
        "headers",
        "organiser",
        "capacity",
        "[equipment]",
        "checkout_lead_secs",
        "kind = \"snipeit\"",
        "asset_tags",
    ] {
        assert!(text.contains(key), "config.example.toml does not mention `{key}`");
    }
}

#[test]
fn the_commented_connector_block_is_valid_once_uncommented() {
    let text = example();
    let start = text.find("# [connectors.members_form]").unwrap();
    let block: String = text[start..]
        .lines()
        .take_while(|l| l.starts_with('#') && l.trim() != "#")
        .map(|l| l.trim_start_matches("# "))
        .map(|l| l.split("  #").next().unwrap().trim_end().replace("whsec_…", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        .collect::<Vec<_>>()
        .join("\n");
    let config = Config::from_toml_str(&block).unwrap_or_else(|e| panic!("{block}\n{e}"));
    let ConnectorConfig::Webhook(w) = &config.connectors["members_form"] else { panic!("a webhook connector") };
    assert_eq!((w.stream.as_str(), w.id_pointer.as_str(), w.tolerance_secs), ("records", "/data/id", 300));
}

#[test]
fn the_commented_webhook_endpoint_is_valid_once_uncommented() {
    let text = example();
    let start = text.find("# [webhooks.endpoints.site_web]").unwrap();
    let block: String = text[start..]
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches("# "))
        .map(|l| l.split("  #").next().unwrap().trim_end().replace("whsec_…", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        .collect::<Vec<_>>()
        .join("\n");
    let config = Config::from_toml_str(&block).unwrap_or_else(|e| panic!("{block}\n{e}"));
    let ep = &config.webhooks.endpoints["site_web"];
    assert_eq!(ep.event_types, ["member.*", "event.*"]);
    assert!(config.validate().is_empty(), "{:?}", config.validate());
}

#[test]
fn the_commented_helloasso_block_is_valid_once_uncommented() {
    let text = example();
    let start = text.find("# [connectors.helloasso_main]").unwrap();
    let block: String = text[start..]
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches("# "))
        .map(|l| l.split("  #").next().unwrap().trim_end().replace('…', "x"))
        .collect::<Vec<_>>()
        .join("\n");
    let config = Config::from_toml_str(&block).unwrap_or_else(|e| panic!("{block}\n{e}"));
    let ConnectorConfig::Helloasso(h) = &config.connectors["helloasso_main"] else { panic!("a helloasso connector") };
    assert_eq!((h.organization_slug.as_str(), h.page_size), ("mon-tiers-lieu", 100));
    assert_eq!(h.allowed_sources.as_ref().map(|a| a.len()), Some(1));
}

/// The commented block starting at `header`, uncommented: one `# ` taken off each line (so `# #`
/// stays a comment), trailing `  # …` notes cut, `…` placeholders filled; it ends at the first
/// line that is not a comment.
fn uncommented(text: &str, header: &str) -> String {
    let start = text.find(header).unwrap_or_else(|| panic!("config.example.toml has no `{header}`"));
    text[start..]
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.strip_prefix("# ").unwrap_or(""))
        .map(|l| l.split("  #").next().unwrap().trim_end().replace('…', "x"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The block parses and validates, and gives the same instance as its required keys alone: every
/// optional key it shows is at its default.
fn block_and_defaults(header: &str, name: &str, required: &[&str]) -> (ConnectorConfig, ConnectorConfig) {
    let block = uncommented(&example(), header);
    let full = Config::from_toml_str(&block).unwrap_or_else(|e| panic!("{block}\n{e}"));
    let minimal: String = block
        .lines()
        .take_while(|l| !l.starts_with("[["))
        .filter(|l| l.starts_with('[') || required.iter().any(|k| l.starts_with(&format!("{k} = "))))
        .collect::<Vec<_>>()
        .join("\n");
    let minimal = Config::from_toml_str(&minimal).unwrap_or_else(|e| panic!("{minimal}\n{e}"));
    (full.connectors[name].clone(), minimal.connectors[name].clone())
}

#[test]
fn the_commented_odoo_block_is_valid_and_states_the_defaults() {
    let required = ["kind", "base_url", "database", "login", "api_key"];
    let (full, minimal) = block_and_defaults("# [connectors.odoo_main]", "odoo_main", &required);
    let (ConnectorConfig::Odoo(f), ConnectorConfig::Odoo(m)) = (&full, &minimal) else { panic!("odoo connectors") };
    assert_eq!((f.protocol, f.page_size, &f.writes, f.enabled), (m.protocol, m.page_size, &m.writes, m.enabled));
    assert_eq!(f.mappings["partners"], "odoo/partners", "the default mapping name");
    assert_eq!(f.membership_products["Individuelle"], "Adhésion individuelle");
    assert_eq!(f.donation_product.as_deref(), Some("Don"));
    assert_eq!(f.schedules.len(), 2);
}

#[test]
fn the_commented_dokos_block_is_valid_and_states_the_defaults() {
    let required = ["kind", "base_url", "api_key", "api_secret"];
    let (full, minimal) = block_and_defaults("# [connectors.dokos_main]", "dokos_main", &required);
    let (ConnectorConfig::Dokos(f), ConnectorConfig::Dokos(m)) = (&full, &minimal) else { panic!("dokos connectors") };
    assert_eq!((f.page_size, &f.writes, f.enabled), (m.page_size, &m.writes, m.enabled));
    assert_eq!(f.mappings["customers"], "dokos/customers", "the default mapping name");
    assert_eq!(f.schedules.len(), 2);
}

#[test]
fn the_commented_mattermost_block_is_valid_and_shows_the_default_routes() {
    let required = ["kind", "base_url", "token", "team"];
    let (full, minimal) = block_and_defaults("# [connectors.mattermost_main]", "mattermost_main", &required);
    assert_eq!((full.writes(), full.enabled()), (minimal.writes(), minimal.enabled()));
    let (ConnectorConfig::Mattermost(f), ConnectorConfig::Mattermost(m)) = (&full, &minimal) else {
        panic!("mattermost connectors")
    };
    assert!(f.routes.is_some() && m.routes.is_none());
    assert_eq!(f.routes_or_default(), m.routes_or_default(), "the routes shown are the connector's defaults");
}

#[test]
fn the_commented_spreadsheet_block_is_valid_and_states_the_defaults() {
    let required = ["kind", "source"];
    let (full, minimal) = block_and_defaults("# [connectors.planning]", "planning", &required);
    let (ConnectorConfig::Spreadsheet(f), ConnectorConfig::Spreadsheet(m)) = (&full, &minimal) else {
        panic!("spreadsheet connectors")
    };
    assert_eq!(
        (&f.schedules, &f.headers, &f.time_zone, f.enabled),
        (&m.schedules, &m.headers, &m.time_zone, m.enabled)
    );
    assert_eq!(f.mappings["events"], "spreadsheet/events", "the default mapping name");
    assert_eq!((f.sheet.as_deref(), f.format.as_deref()), (Some("Décembre"), Some("xlsx")));
    assert!(full.writes().is_empty(), "read only");
}

#[test]
fn the_commented_snipeit_block_is_valid_and_states_the_defaults() {
    let required = ["kind", "base_url", "token"];
    let (full, minimal) = block_and_defaults("# [connectors.inventaire]", "inventaire", &required);
    let (ConnectorConfig::SnipeIt(f), ConnectorConfig::SnipeIt(m)) = (&full, &minimal) else {
        panic!("snipeit connectors")
    };
    assert_eq!((f.page_size, f.enabled), (m.page_size, m.enabled));
    assert_eq!(f.mappings["assets"], "snipeit/assets", "the default mapping name");
    assert_eq!(f.schedules.len(), 1);
    assert!(full.writes().is_empty() && full.validate().is_empty(), "{:?}", full.validate());
}
