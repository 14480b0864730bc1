//! Tests of the vendor connector tables (`odoo`, `dokos`, `mattermost`): defaults, unknown keys,
//! `writes`, per-key validation, secrets kept out of Debug output and errors.

use secrecy::ExposeSecret;

use super::*;
use crate::config::{Config, load_with_env};

const ODOO: &str = "[connectors.odoo_main]\nkind = \"odoo\"\nbase_url = \"https://tl.odoo.com\"\n\
                    database = \"tl\"\nlogin = \"hub@tl.org\"\napi_key = \"odoo-key-0123456789\"\n";
const DOKOS: &str = "[connectors.dokos_main]\nkind = \"dokos\"\nbase_url = \"https://tl.dokos.cloud\"\n\
                     api_key = \"dokos-key\"\napi_secret = \"dokos-secret-0123456789\"\n";
const MATTERMOST: &str = "[connectors.chat]\nkind = \"mattermost\"\nbase_url = \"https://chat.tl.org\"\n\
                          token = \"mm-token-0123456789\"\nteam = \"tiers-lieu\"\n";

fn table(text: &str, name: &str) -> ConnectorConfig {
    let config = Config::from_toml_str(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    config.connectors[name].clone()
}

/// The problems of a configuration, as `key: reason` lines.
fn problems(text: &str) -> String {
    Config::from_toml_str(text).map(|_| panic!("expected problems in\n{text}")).unwrap_err().to_string()
}

#[test]
fn odoo_defaults() {
    let ConnectorConfig::Odoo(c) = table(ODOO, "odoo_main") else { panic!("an odoo table") };
    assert!(c.enabled);
    assert_eq!(c.protocol, OdooProtocol::XmlRpc);
    assert_eq!(c.page_size, 100);
    assert_eq!(c.writes, ["person", "membership"]);
    assert!(c.membership_products.is_empty() && c.schedules.is_empty() && c.mappings.is_empty());
    assert_eq!(c.api_key.expose_secret(), "odoo-key-0123456789");
}

#[test]
fn odoo_takes_every_key() {
    let text = format!(
        "{ODOO}protocol = \"json2\"\npage_size = 500\nenabled = false\nwrites = [\"person\"]\n\
         membership_products = {{ Individuelle = \"Adhésion individuelle\" }}\n\
         schedules = {{ partners = \"0 */15 * * * *\" }}\nmappings = {{ memberships = \"odoo/lignes\" }}\n"
    );
    let table = table(&text, "odoo_main");
    assert_eq!((table.kind(), table.enabled(), table.writes()), ("odoo", false, vec!["person".to_string()]));
    let ConnectorConfig::Odoo(c) = table else { panic!("an odoo table") };
    assert_eq!((c.protocol, c.page_size), (OdooProtocol::Json2, 500));
    assert_eq!(c.membership_products["Individuelle"], "Adhésion individuelle");
    assert_eq!(c.mappings["memberships"], "odoo/lignes");
}

#[test]
fn dokos_defaults() {
    let table = table(DOKOS, "dokos_main");
    assert_eq!((table.kind(), table.enabled()), ("dokos", true));
    assert_eq!(table.writes(), ["person", "membership"]);
    let ConnectorConfig::Dokos(c) = table else { panic!("a dokos table") };
    assert_eq!(c.page_size, 100);
    assert_eq!(c.api_secret.expose_secret(), "dokos-secret-0123456789");
    assert!(c.membership_plans.is_empty());
}

#[test]
fn mattermost_defaults_to_the_connector_routes_and_writes_their_entities() {
    let table = table(MATTERMOST, "chat");
    assert_eq!(table.writes(), ["membership", "payment", "booking", "event"]);
    let ConnectorConfig::Mattermost(c) = table else { panic!("a mattermost table") };
    assert!(c.routes.is_none());
    let defaults = hub_connector_mattermost::default_routes();
    let routes = c.routes_or_default();
    assert_eq!(routes.len(), defaults.len());
    assert_eq!((routes[2].entity.as_str(), routes[2].channel.as_str()), ("booking", "{resource_channel}"));
}

#[test]
fn mattermost_routes_replace_the_defaults() {
    let text = format!(
        "{MATTERMOST}[[connectors.chat.routes]]\nentity = \"registration\"\nchannel = \"inscriptions\"\n\
         template = \"Inscription de {{given_name}}\"\n"
    );
    let table = table(&text, "chat");
    assert_eq!(table.writes(), ["registration"], "writes follow the routes");
    let ConnectorConfig::Mattermost(c) = table else { panic!("a mattermost table") };
    let routes = c.routes_or_default();
    assert_eq!(routes.len(), 1);
    assert_eq!(
        (routes[0].template.as_str(), routes[0].update_template.as_deref()),
        ("Inscription de {given_name}", None)
    );
}

#[test]
fn unknown_keys_are_named() {
    for (text, key) in [
        (format!("{ODOO}api_keyy = \"x\"\n"), "api_keyy"),
        (format!("{DOKOS}secret = \"x\"\n"), "secret"),
        (format!("{MATTERMOST}channel = \"x\"\n"), "channel"),
        (
            format!("{MATTERMOST}[[connectors.chat.routes]]\nentity = \"event\"\nchanel = \"x\"\ntemplate = \"t\"\n"),
            "chanel",
        ),
    ] {
        let err = Config::from_toml_str(&text).unwrap_err().to_string();
        assert!(err.contains(key) && err.contains("unknown field"), "{key}: {err}");
    }
}

#[test]
fn missing_required_keys_are_named() {
    let err = Config::from_toml_str("[connectors.o]\nkind = \"odoo\"\nbase_url = \"https://o.org\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("database") || err.contains("login") || err.contains("api_key"), "{err}");
    // Inside a `kind`-tagged table a wrong type names the table, and the reason names the values.
    let err = problems(&format!("{ODOO}protocol = \"soap\"\n"));
    assert!(err.contains("connectors.odoo_main") && err.contains("`soap`") && err.contains("xml_rpc"), "{err}");
}

#[test]
fn writes_entries_are_checked_against_the_entities() {
    let err = problems(&format!("{ODOO}writes = [\"person\", \"spaceship\"]\n"));
    assert!(err.contains("connectors.odoo_main.writes") && err.contains("unknown entity `spaceship`"), "{err}");
    assert!(err.contains("membership, payment"), "the known entities are listed: {err}");
    let err = problems(&format!("{DOKOS}writes = [\"booking\", \"person\", \"person\"]\n"));
    assert!(err.contains("`booking` cannot be written here: dokos writes only person, membership"), "{err}");
    assert!(err.contains("`person` is listed twice"), "{err}");
    let err = problems(&format!("{MATTERMOST}writes = [\"task\"]\n"));
    assert!(err.contains("connectors.chat.writes") && err.contains("there is a route only for membership"), "{err}");
    assert!(Config::from_toml_str(&format!("{ODOO}writes = []\n")).is_ok(), "an empty list: read only");
}

#[test]
fn every_bad_value_is_reported_with_its_key() {
    let text = "[connectors.o]\nkind = \"odoo\"\nbase_url = \"ftp://o\"\ndatabase = \" \"\nlogin = \"l\"\n\
                api_key = \"\"\npage_size = 0\nmembership_products = { Individuelle = \"\" }\n\
                schedules = { invoices = \"0 * * * * *\" }\nmappings = { partner = \"odoo/x\" }\n\
                [connectors.d]\nkind = \"dokos\"\nbase_url = \"https://d.org\"\napi_key = \"a:b\"\napi_secret = \"\"\n\
                page_size = 501\nmembership_plans = { \"\" = \"ITEM\" }\n\
                [connectors.m]\nkind = \"mattermost\"\nbase_url = \"https://m.org\"\ntoken = \"t\"\nteam = \"a/b\"\n\
                schedules = { posts = \"0 * * * * *\" }\n";
    let err = problems(text);
    for key in [
        "connectors.o.base_url",
        "connectors.o.database",
        "connectors.o.api_key",
        "connectors.o.page_size",
        "connectors.o.membership_products.Individuelle",
        "connectors.o.schedules.invoices",
        "connectors.o.mappings.partner",
        "connectors.d.api_key",
        "connectors.d.api_secret",
        "connectors.d.page_size",
        "connectors.d.membership_plans.",
        "connectors.m.team",
        "connectors.m.schedules.posts",
    ] {
        assert!(err.contains(&format!("key `{key}")), "missing {key} in\n{err}");
    }
    assert!(err.contains("odoo streams are partners, memberships"), "{err}");
    assert!(err.contains("mattermost has no stream to read"), "{err}");
    assert!(err.contains("between 1 and 1000") && err.contains("between 1 and 500"), "{err}");
    assert!(!err.contains("a:b"), "the Dokos key is not echoed: {err}");
}

#[test]
fn mattermost_routes_are_validated() {
    let route = |entity: &str, channel: &str, template: &str| {
        format!(
            "[[connectors.chat.routes]]\nentity = \"{entity}\"\nchannel = \"{channel}\"\ntemplate = \"{template}\"\n"
        )
    };
    let text = format!(
        "{MATTERMOST}{}{}{}update_template = \"Modifié : {{title\"\n{}",
        route("event", "programme", "Événement {title}"),
        route("event", "autre", "x"),
        route("spaceship", "", "{broken"),
        route("booking", "{resource}", "ok"),
    );
    let err = problems(&text);
    for key in [
        "routes[1].entity`: a second route for `event`",
        "routes[2].entity`: unknown entity `spaceship`",
        "routes[2].channel`: must not be empty",
        "routes[2].template`",
        "routes[2].update_template`",
    ] {
        assert!(err.contains(key), "missing {key} in\n{err}");
    }
    assert!(!err.contains("routes[0]") && !err.contains("routes[3]"), "{err}");
}

#[test]
fn vendor_secrets_stay_out_of_debug_output_and_errors() {
    let text = format!("{ODOO}{DOKOS}{MATTERMOST}");
    let debug = format!("{:?}", Config::from_toml_str(&text).unwrap());
    for secret in ["odoo-key-0123456789", "dokos-secret-0123456789", "mm-token-0123456789"] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
    let err = Config::from_toml_str(&format!("{MATTERMOST}[connectors.d]\nkind = \"dokos\"\nbase_url = \"https://d.org\"\napi_key = \"k\"\napi_secret = 123456789123\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("connectors.d") && err.contains("secret") && !err.contains("123456789123"), "{err}");
    for key in ["api_key", "token", "signature_key"] {
        let text = format!(
            "{ODOO}{MATTERMOST}[connectors.h]\nkind = \"helloasso\"\nclient_id = \"i\"\n\
                            client_secret = \"s\"\norganization_slug = \"o\"\n"
        );
        let text = text.replacen(&format!("{key} = \""), &format!("{key} = 987654321987 #\""), 1);
        let text = if key == "signature_key" { format!("{text}signature_key = 987654321987\n") } else { text };
        let err = Config::from_toml_str(&text).unwrap_err().to_string();
        assert!(err.contains("value not shown") && !err.contains("987654321987"), "{key}: {err}");
    }
}

#[test]
fn the_environment_sets_vendor_keys() {
    let dir = std::env::temp_dir().join(format!("hub_config_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hub.toml");
    std::fs::write(&file, ODOO.replace("api_key = \"odoo-key-0123456789\"\n", "")).unwrap();
    let env = [
        ("HUB_CONNECTORS__ODOO_MAIN__API_KEY".to_string(), "from-the-environment".to_string()),
        ("HUB_CONNECTORS__ODOO_MAIN__PROTOCOL".to_string(), "json2".to_string()),
    ];
    let config = load_with_env(Some(&file), &env).unwrap_or_else(|e| panic!("{e}"));
    let ConnectorConfig::Odoo(c) = &config.connectors["odoo_main"] else { panic!("an odoo table") };
    assert_eq!((c.api_key.expose_secret(), c.protocol), ("from-the-environment", OdooProtocol::Json2));
}
