//! `config.example.toml` parses, says what the defaults are, and its commented connector block,
//! once uncommented, is a valid connector.

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
