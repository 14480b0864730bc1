//! Tests of mapping loading, validation and application.

use serde_json::json;

use super::*;

const MEMBERS: &str = r#"
entity = "person"
identity = ["external_link", "email"]
[fields.email]
from = "/email"
transform = "email"
required = true
[fields.given_name]
from = "/firstName"
transform = "trim"
authority = ["odoo"]
[fields.country]
from = "/address/country"
transform = "country"
default = "FR"
"#;

fn record(data: serde_json::Value) -> SourceRecord {
    SourceRecord { stream: "members".into(), external_id: "1".into(), updated_at: None, deleted: false, data }
}

#[test]
fn maps_fields_with_transforms_and_defaults() {
    let m = MappingSet::parse("webhook/members", "members.toml", MEMBERS).unwrap();
    assert_eq!(m.entity(), EntityKind::Person);
    assert_eq!(m.identity(), ["external_link", "email"]);
    assert_eq!(m.authority("given_name"), ["odoo"]);
    let out = m.apply(&record(json!({"email": " A@B.org", "firstName": " Léa ", "address": {}}))).unwrap();
    assert_eq!(out["email"], "a@b.org");
    assert_eq!(out["given_name"], "Léa");
    assert_eq!(out["country"], "FR", "default applied");
}

#[test]
fn missing_required_and_bad_values_name_field_and_pointer() {
    let m = MappingSet::parse("webhook/members", "members.toml", MEMBERS).unwrap();
    let err = m.apply(&record(json!({"firstName": "Léa"}))).unwrap_err();
    assert_eq!((err.field.as_str(), err.pointer.as_str()), ("email", "/email"));
    let err = m.apply(&record(json!({"email": "nope"}))).unwrap_err().to_string();
    assert!(err.contains("`email`") && err.contains("/email") && err.contains("not an email"), "{err}");
    let absent = m.apply(&record(json!({"email": "a@b.org", "firstName": null}))).unwrap();
    assert!(!absent.contains_key("given_name"), "null never erases: it is left out");
}

#[test]
fn bad_mappings_fail_with_file_key_and_reason() {
    let bad = r#"
entity = "spaceship"
identity = ["external_link", "phone"]
[fields.email]
from = "email"
transform = "emial"
colour = "blue"
"#;
    let err = MappingSet::parse("x/y", "y.toml", bad).unwrap_err().to_string();
    assert!(err.contains("y.toml") && err.contains("colour"), "unknown key: {err}");
    let bad = bad.replace("colour = \"blue\"\n", "");
    let errs = MappingSet::parse("x/y", "y.toml", &bad).unwrap_err().0;
    let keys: Vec<_> = errs.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["entity", "identity", "fields.email.from", "fields.email.transform"], "{errs:?}");
    assert!(errs[3].reason.contains("emial") && errs[3].reason.contains("email"));
}

#[test]
fn load_dir_reads_every_file_and_reports_every_error() {
    let dir = std::env::temp_dir().join(format!("hub_mappings_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("webhook")).unwrap();
    std::fs::write(dir.join("webhook/members.toml"), MEMBERS).unwrap();
    let set = MappingSet::load_dir(&dir).unwrap();
    assert_eq!(set.names(), ["webhook/members"]);
    std::fs::write(dir.join("webhook/broken.toml"), "entity = ").unwrap();
    std::fs::write(
        dir.join("webhook/other.toml"),
        "entity = \"person\"\n[fields.x]\nfrom = \"/x\"\ntransform = \"zap\"\n",
    )
    .unwrap();
    let errs = MappingSet::load_dir(&dir).unwrap_err().0;
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].file.ends_with("broken.toml"));
    assert!(errs[1].file.ends_with("other.toml") && errs[1].key == "fields.x.transform");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_repository_mappings_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
    MappingSet::load_dir(&dir).unwrap_or_else(|e| panic!("mappings/ must load:\n{e}"));
}

#[test]
fn a_lenient_field_drops_a_bad_value_instead_of_refusing_the_record() {
    let strict = "entity = \"person\"\n[fields.country]\nfrom = \"/country\"\ntransform = \"country\"\n";
    let lenient = format!("{strict}lenient = true\n");
    let record = SourceRecord {
        stream: "members".into(),
        external_id: "1".into(),
        updated_at: None,
        deleted: false,
        data: serde_json::json!({"country": "Atlantis"}),
    };
    let m = MappingSet::parse("t/strict", "t/strict.toml", strict).unwrap();
    assert!(m.apply(&record).unwrap_err().to_string().contains("country"));
    let m = MappingSet::parse("t/lenient", "t/lenient.toml", &lenient).unwrap();
    assert!(m.apply(&record).unwrap().is_empty(), "left out, the record goes through");
}
