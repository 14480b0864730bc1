//! Tests of configuration layering, defaults and error reporting.

use std::path::PathBuf;

use secrecy::ExposeSecret;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hub_config_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn empty_config_is_the_defaults() {
    let c = Config::from_toml_str("").unwrap();
    assert_eq!(c.http.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(c.database_url(), "sqlite://./data/hub.db?mode=rwc");
    assert!(c.is_sqlite());
    assert_eq!(c.queue.concurrency, 16);
    assert!(c.admin.token.is_none());
    assert!(c.connectors.is_empty());
}

#[test]
fn environment_overrides_the_file_with_double_underscore_nesting() {
    let file = temp_file(
        "hub.toml",
        &format!(
            "[http]\nbind = \"127.0.0.1:9000\"\n[connectors.members_form]\nkind = \"webhook\"\nsecret = \"{SECRET}\"\n"
        ),
    );
    let c = load_with_env(
        Some(&file),
        &env(&[
            ("HUB_HTTP__BIND", "0.0.0.0:9999"),
            ("HUB_ADMIN__TOKEN", "a-long-enough-admin-token"),
            ("HUB_QUEUE__CONCURRENCY", "3"),
            ("HUB_CONNECTORS__MEMBERS_FORM__STREAM", "members"),
            ("PATH", "/usr/bin"),
            ("HUB_LOG", "debug"),
            ("HUB_TEST_DATABASE_URL", "postgres://elsewhere"),
        ]),
    )
    .unwrap();
    assert_eq!(c.http.bind.to_string(), "0.0.0.0:9999");
    assert_eq!(c.admin.token.as_ref().unwrap().expose_secret(), "a-long-enough-admin-token");
    assert_eq!(c.queue.concurrency, 3);
    let ConnectorConfig::Webhook(w) = &c.connectors["members_form"] else { panic!("a webhook connector") };
    assert_eq!(w.stream, "members");
    assert_eq!(w.secret.expose_secret(), SECRET, "the file's value is kept where env says nothing");
}

#[test]
fn unknown_keys_name_the_file_and_the_key() {
    let file = temp_file("hub.toml", "[http]\nbindd = \"127.0.0.1:1\"\n");
    let err = load_with_env(Some(&file), &[]).unwrap_err().to_string();
    assert!(err.contains("hub.toml"), "{err}");
    assert!(err.contains("http.bindd") || err.contains("bindd"), "{err}");
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn unknown_key_inside_a_connector_table_is_an_error() {
    let err =
        Config::from_toml_str(&format!("[connectors.x]\nkind = \"webhook\"\nsecret = \"{SECRET}\"\nsecrett = 1\n"))
            .unwrap_err()
            .to_string();
    assert!(err.contains("secrett"), "{err}");
}

#[test]
fn bad_values_name_their_source_and_key() {
    let err = load_with_env(None, &env(&[("HUB_QUEUE__CONCURRENCY", "many")])).unwrap_err().to_string();
    assert!(err.contains("environment variable HUB_QUEUE__CONCURRENCY"), "{err}");
    assert!(err.contains("queue.concurrency"), "{err}");
    let err = Config::from_toml_str("[http]\nbind = \"nowhere\"\n").unwrap_err().to_string();
    assert!(err.contains("http.bind"), "{err}");
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let err = Config::from_toml_str(
        "[queue]\nconcurrency = 0\nmax_attempts = 0\n[admin]\ntoken = \"short\"\n[database]\nurl = \"mysql://x\"\n\
         [connectors.Bad-Name]\nkind = \"webhook\"\nsecret = \"nope\"\nentity = \"spaceship\"\nschedules = { members = \"* * *\" }\n",
    )
    .unwrap_err();
    let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "queue.concurrency",
        "queue.max_attempts",
        "admin.token",
        "database.url",
        "connectors.Bad-Name",
        "connectors.Bad-Name.secret",
        "connectors.Bad-Name.entity",
        "connectors.Bad-Name.schedules.members",
    ] {
        assert!(keys.contains(&key), "missing {key} in {keys:?}");
    }
    let text = err.to_string();
    assert!(!text.contains("nope") && !text.contains("short\""), "secrets never echoed: {text}");
}

#[test]
fn unknown_kind_lists_the_known_ones() {
    let err = Config::from_toml_str("[connectors.x]\nkind = \"fax\"\n").unwrap_err().to_string();
    assert!(err.contains("connectors.x"), "{err}");
    assert!(err.contains("webhook"), "{err}");
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let c = Config::from_toml_str(&format!(
        "[admin]\ntoken = \"super-secret-admin-token\"\n[database]\nurl = \"postgres://u:hunter2@h/db\"\n\
         [connectors.x]\nkind = \"webhook\"\nsecret = \"{SECRET}\"\n"
    ))
    .unwrap();
    let debug = format!("{c:?}");
    for secret in ["super-secret-admin-token", "hunter2", SECRET] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
}

#[test]
fn missing_explicit_file_is_an_error() {
    let err = load_with_env(Some(std::path::Path::new("/nonexistent/hub.toml")), &[]).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/hub.toml") && err.contains("no such file"), "{err}");
}

#[test]
fn a_malformed_secret_is_never_quoted_in_errors() {
    let err = Config::from_toml_str("[admin]\ntoken = 987654321987654321\n").unwrap_err().to_string();
    assert!(err.contains("admin.token") && !err.contains("987654321987654321"), "{err}");
}

#[test]
fn webhook_endpoints_are_validated_with_their_keys_and_secrets_stay_unquoted() {
    let short = "whsec_c2hvcnQ="; // 5 bytes
    let text = format!(
        "[webhooks]\nallow_networks = [\"127.0.0.0/8\"]\n[webhooks.endpoints.site]\nurl = \"ftp://x.org/\"\nevent_types = [\"member.exploded\"]\nsecret = \"{short}\"\n"
    );
    let problems = Config::from_toml_str(&text).unwrap_err().to_string();
    for key in ["webhooks.endpoints.site.url", "webhooks.endpoints.site.event_types", "webhooks.endpoints.site.secret"]
    {
        assert!(problems.contains(key), "{key} missing in {problems}");
    }
    assert!(problems.contains("24 to 64 bytes") && !problems.contains("c2hvcnQ"), "{problems}");
    let err = Config::from_toml_str("[webhooks]\nallow_networks = [\"not a network\"]\n").unwrap_err().to_string();
    assert!(err.contains("webhooks.allow_networks"), "{err}");
    let err = Config::from_toml_str("[webhooks.endpoints.x]\nurl = \"https://a.org\"\nsecret = 12345678901234567\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("webhooks.endpoints.x.secret") && !err.contains("12345678901234567"), "{err}");
}
