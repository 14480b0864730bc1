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
fn an_odoo_read_cannot_set_a_helloasso_membership_back_to_pending() {
    use crate::reconcile::{Existing, merge};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
    let set = MappingSet::load_dir(&dir).unwrap();
    let odoo = set.get("odoo/memberships").unwrap();
    let paid: MappedFields = [("status".to_string(), json!("active"))].into_iter().collect();
    let sources = [("status".to_string(), "helloasso".to_string())].into_iter().collect();
    let existing = Existing { id: uuid::Uuid::nil(), fields: paid, sources };
    let stale: MappedFields = [("status".to_string(), json!("pending"))].into_iter().collect();
    let (fields, _, changes) = merge(&existing, &stale, "odoo", &|f| odoo.authority(f).to_vec());
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(fields["status"], json!("active"));
    // A membership Odoo itself made follows its line.
    let odoo_made = Existing {
        id: uuid::Uuid::nil(),
        fields: existing.fields.clone(),
        sources: [("status".to_string(), "odoo".to_string())].into_iter().collect(),
    };
    let (fields, _, _) = merge(&odoo_made, &stale, "odoo", &|f| odoo.authority(f).to_vec());
    assert_eq!(fields["status"], json!("pending"));
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

const STATUS: &str = r#"
entity = "membership"
[fields.status]
from = "/state"
transform = "map"
values = { paid = "active", waiting = "pending", "Cancelled and billable" = "cancelled" }
"#;

#[test]
fn a_value_map_turns_source_values_into_canonical_ones() {
    let m = MappingSet::parse("odoo/memberships", "odoo/memberships.toml", STATUS).unwrap();
    assert_eq!(m.apply(&record(json!({"state": "paid"}))).unwrap()["status"], "active");
    assert_eq!(m.apply(&record(json!({"state": " waiting "}))).unwrap()["status"], "pending", "trimmed");
    assert_eq!(m.apply(&record(json!({"state": "Cancelled and billable"}))).unwrap()["status"], "cancelled");
    assert!(m.apply(&record(json!({"state": null}))).unwrap().is_empty(), "absent stays absent");
    assert!(m.apply(&record(json!({"state": ""}))).unwrap().is_empty(), "empty and not listed: absent");
}

#[test]
fn an_unknown_value_names_field_pointer_value_and_the_known_ones() {
    let m = MappingSet::parse("odoo/memberships", "odoo/memberships.toml", STATUS).unwrap();
    let err = m.apply(&record(json!({"state": "Paid"}))).unwrap_err();
    assert_eq!((err.field.as_str(), err.pointer.as_str()), ("status", "/state"));
    assert_eq!(
        err.to_string(),
        "field `status` (from `/state`): `Paid` is not a value this mapping knows \
         (expected one of `Cancelled and billable`, `paid`, `waiting`)"
    );
    // lenient: left out, the record goes through.
    let lenient = MappingSet::parse("t/l", "t/l.toml", &format!("{STATUS}lenient = true\n")).unwrap();
    assert!(lenient.apply(&record(json!({"state": "old"}))).unwrap().is_empty());
    // default (a source value, like every default): what a missing or unknown value becomes.
    let with_default = MappingSet::parse("t/d", "t/d.toml", &format!("{STATUS}default = \"waiting\"\n")).unwrap();
    assert_eq!(with_default.apply(&record(json!({"state": "old"}))).unwrap()["status"], "pending");
    assert_eq!(with_default.apply(&record(json!({}))).unwrap()["status"], "pending");
    assert_eq!(with_default.apply(&record(json!({"state": "paid"}))).unwrap()["status"], "active");
    // required: an unknown value still refuses the record with its reason.
    let required = MappingSet::parse("t/r", "t/r.toml", &format!("{STATUS}required = true\n")).unwrap();
    assert!(required.apply(&record(json!({"state": "old"}))).unwrap_err().reason.contains("`old`"));
}

#[test]
fn bad_value_maps_fail_at_load_with_file_and_field() {
    let keys = |text: &str| -> Vec<(String, String, String)> {
        MappingSet::parse("odoo/memberships", "odoo/memberships.toml", text)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.file, e.key, e.reason))
            .collect()
    };
    let no_values = "entity = \"membership\"\n[fields.status]\nfrom = \"/state\"\ntransform = \"map\"\n";
    let errs = keys(no_values);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0.as_str(), errs[0].1.as_str()), ("odoo/memberships.toml", "fields.status.values"));
    assert!(errs[0].2.contains("needs `values`"), "{errs:?}");
    let message = MappingSet::parse("x", "odoo/memberships.toml", no_values).unwrap_err().to_string();
    assert!(message.starts_with("odoo/memberships.toml: key `fields.status.values`: "), "{message}");

    let errs = keys(&format!("{no_values}values = {{ paid = 1, \"Draft invoices\" = true, waiting = \"pending\" }}\n"));
    let got: Vec<_> = errs.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(got, ["fields.status.values.\"Draft invoices\"", "fields.status.values.paid"], "{errs:?}");
    assert!(errs[1].2.contains("`paid` maps to 1") && errs[1].2.contains("text"), "{errs:?}");

    let errs = keys(&format!("{no_values}values = {{}}\n"));
    assert!(errs.len() == 1 && errs[0].1 == "fields.status.values" && errs[0].2.contains("empty"), "{errs:?}");

    let errs = keys(&format!("{no_values}values = {{ paid = \"active\" }}\ndefault = \"active\"\n"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, "fields.status.default", "the default is a source value: {errs:?}");
    assert!(errs[0].2.contains("`active` is not a value"), "{errs:?}");

    let errs = keys(
        "entity = \"membership\"\n[fields.status]\nfrom = \"/state\"\ntransform = \"trim\"\nvalues = { paid = \"active\" }\n",
    );
    assert!(errs.len() == 1 && errs[0].1 == "fields.status.values" && errs[0].2.contains("`trim`"), "{errs:?}");
}

const ODOO_LIKE: &str = r#"
entity = "person"
false_is_null = true
[fields.street]
from = "/street"
transform = "trim"
[fields.postal_code]
from = "/zip"
transform = "postal_code"
[fields.email]
from = "/email"
transform = "email"
[fields.birth_date]
from = "/birthdate"
transform = "date"
[fields.partner_id]
from = "/parent_id"
transform = "integer"
[fields.country]
from = "/country"
transform = "country"
default = "FR"
[fields.kind]
from = "/state"
transform = "map"
values = { a = "b" }
[fields.newsletter]
from = "/newsletter"
transform = "boolean"
[fields.raw]
from = "/raw"
transform = "copy"
"#;

#[test]
fn false_is_null_reads_odoo_false_as_absent_except_for_booleans_and_copies() {
    let m = MappingSet::parse("odoo/partners", "odoo/partners.toml", ODOO_LIKE).unwrap();
    let empty = json!({"street": false, "zip": false, "email": false, "birthdate": false, "parent_id": false,
        "country": false, "state": false, "newsletter": false, "raw": false});
    assert_eq!(
        serde_json::to_value(m.apply(&record(empty)).unwrap()).unwrap(),
        json!({"country": "FR", "newsletter": false, "raw": false}),
        "false is absent (so the default applies), but a boolean's or a copy's false is a value"
    );
    let full = json!({"street": " 3 rue des Lilas ", "zip": "93100", "email": "A@B.org", "birthdate": "1990-05-17",
        "parent_id": 4, "country": "BE", "state": "a", "newsletter": true, "raw": "x"});
    assert_eq!(
        serde_json::to_value(m.apply(&record(full)).unwrap()).unwrap(),
        json!({"street": "3 rue des Lilas", "postal_code": "93100", "email": "a@b.org", "birth_date": "1990-05-17",
               "partner_id": 4, "country": "BE", "kind": "b", "newsletter": true, "raw": "x"})
    );
    // Without the option, `false` is a value: the text transforms would keep it as "false".
    let plain = MappingSet::parse("t/p", "t/p.toml", &ODOO_LIKE.replace("false_is_null = true\n", "")).unwrap();
    let out = plain.apply(&record(json!({"street": false}))).unwrap();
    assert_eq!(out["street"], "false");
}

/// The shipped Odoo and Dokos mappings on records shaped as the connectors document them (Odoo's
/// empty values are `false`).
#[test]
fn the_shipped_vendor_mappings_map_statuses_and_addresses() {
    let set = MappingSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")).unwrap();
    let map = |name: &str, data: serde_json::Value| {
        let r = SourceRecord { stream: name.into(), external_id: "1".into(), updated_at: None, deleted: false, data };
        set.get(name).unwrap().apply(&r).map(|f| serde_json::to_value(f).unwrap())
    };
    let partner = json!({"id": 7, "name": "Camille Martin", "email": " Camille@Example.org", "phone": "06 12 34 56 78",
        "mobile": false, "street": " 3 rue des Lilas", "street2": false, "zip": "93100", "city": "Montreuil",
        "country_id": [75, "France"], "lang": "fr_FR", "firstName": "Camille", "lastName": "Martin", "countryCode": "FR",
        "write_date": "2026-01-02 10:00:00"});
    assert_eq!(
        map("odoo/partners", partner).unwrap(),
        json!({"given_name": "Camille", "family_name": "Martin", "email": "camille@example.org",
               "phone": "+33612345678", "street": "3 rue des Lilas", "postal_code": "93100", "city": "Montreuil",
               "country": "FR"})
    );
    let bare = json!({"id": 8, "name": "Sacha", "email": false, "phone": false, "street": false, "zip": false,
        "city": false, "country_id": false, "firstName": "Sacha"});
    assert_eq!(map("odoo/partners", bare).unwrap(), json!({"given_name": "Sacha"}), "`false` is left out");

    let line = |state: &str| {
        json!({"id": 3, "partner": [7, "Camille Martin"], "membership_id": [2, "Adhésion"], "date_from": "2026-01-01",
            "date_to": false, "date_cancel": false, "member_price": 25.0, "state": state, "partnerId": 7,
            "partnerEmail": false, "productName": "Adhésion", "amountCents": 2500, "account_invoice_line": false})
    };
    assert_eq!(
        map("odoo/memberships", line("paid")).unwrap(),
        json!({"plan": "Adhésion", "amount": 2500, "period_start": "2026-01-01", "status": "active"})
    );
    for (state, status) in [
        ("free", "active"),
        ("waiting", "pending"),
        ("invoiced", "pending"),
        ("none", "pending"),
        ("canceled", "cancelled"),
        ("old", "expired"),
    ] {
        assert_eq!(map("odoo/memberships", line(state)).unwrap()["status"], status, "{state}");
    }
    let err = map("odoo/memberships", line("draft")).unwrap_err().to_string();
    assert!(err.contains("`status`") && err.contains("/state") && err.contains("`draft`") && err.contains("`paid`"));

    let subscription = |status: serde_json::Value| {
        json!({"name": "SUB-0001", "customer": "CUST-0001", "status": status, "start": "2026-01-01",
            "cancellation_date": null, "grand_total": 25.0, "currency": "EUR", "items": ["ADH"], "plan": "Individuelle",
            "person_email": "camille@example.org"})
    };
    assert_eq!(
        map("dokos/subscriptions", subscription(json!("Active"))).unwrap(),
        json!({"plan": "Individuelle", "amount": 2500, "period_start": "2026-01-01",
               "person_email": "camille@example.org", "status": "active"})
    );
    for (status, canonical) in [
        (json!("Trial"), "active"),
        (json!("Paid"), "active"),
        (json!("Billable"), "active"),
        (json!("Payable"), "pending"),
        (json!("Draft invoices"), "pending"),
        (json!("Unpaid"), "pending"),
        (json!("Billing failed"), "pending"),
        (json!("Cancelled"), "cancelled"),
        (json!("Cancelled and billable"), "cancelled"),
        (json!(""), "pending"),
        (json!(null), "pending"),
        (json!("Paused"), "pending"),
    ] {
        assert_eq!(map("dokos/subscriptions", subscription(status.clone())).unwrap()["status"], canonical, "{status}");
    }
}
