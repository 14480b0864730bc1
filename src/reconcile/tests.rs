//! Tests of reconciliation: unit cases and properties (idempotence, order independence,
//! authority respected, no empty updates).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

fn src(system: &str) -> SourceRef {
    SourceRef { system: system.into(), instance: format!("{system}_main"), external_id: "x1".into() }
}

fn fields(pairs: &[(&str, Value)]) -> MappedFields {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn no_authority(_: &str) -> Vec<String> {
    vec![]
}

fn apply(
    existing: Option<Existing>,
    source: &SourceRef,
    incoming: &MappedFields,
    auth: &dyn Fn(&str) -> Vec<String>,
) -> Option<Existing> {
    let inc = Incoming { source, entity: EntityKind::Person, fields: incoming, deleted: false };
    match decide(&inc, &content_hash(incoming), None, existing.as_ref(), auth) {
        Decision::Create { fields, sources } => Some(Existing { id: Uuid::nil(), fields, sources }),
        Decision::Update { entity_id, fields, sources, .. } => Some(Existing { id: entity_id, fields, sources }),
        Decision::Unchanged { .. } => existing,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn echo_of_the_hubs_own_write_is_dropped() {
    let f = fields(&[("email", json!("a@b.org"))]);
    let h = content_hash(&f);
    let link = LinkState { entity_id: Uuid::nil(), last_read_hash: None, last_pushed_hash: Some(h.clone()) };
    let s = src("odoo");
    let inc = Incoming { source: &s, entity: EntityKind::Person, fields: &f, deleted: false };
    assert_eq!(decide(&inc, &h, Some(&link), None, &no_authority), Decision::Echo);
}

#[test]
fn unchanged_by_read_hash_and_delete_or_ignore() {
    let f = fields(&[("email", json!("a@b.org"))]);
    let h = content_hash(&f);
    let s = src("webhook");
    let existing = Existing { id: Uuid::now_v7(), fields: f.clone(), sources: BTreeMap::new() };
    let link = LinkState { entity_id: existing.id, last_read_hash: Some(h.clone()), last_pushed_hash: None };
    let inc = Incoming { source: &s, entity: EntityKind::Person, fields: &f, deleted: false };
    assert_eq!(
        decide(&inc, &h, Some(&link), Some(&existing), &no_authority),
        Decision::Unchanged { entity_id: existing.id }
    );
    let del = Incoming { deleted: true, ..inc.clone() };
    assert_eq!(
        decide(&del, &h, Some(&link), Some(&existing), &no_authority),
        Decision::Delete { entity_id: existing.id }
    );
    assert_eq!(decide(&del, &h, None, None, &no_authority), Decision::Ignore);
}

#[test]
fn identity_values_normalise_emails_and_skip_empty() {
    let f = fields(&[("email", json!("  Camille.Martin@Example.ORG ")), ("phone", json!(""))]);
    let keys = vec!["external_link".to_string(), "email".into(), "phone".into()];
    assert_eq!(identity_values(&keys, &f), vec![("email".to_string(), "camille.martin@example.org".to_string())]);
}

#[test]
fn staff_edits_in_the_authoritative_system_are_kept() {
    let auth = |f: &str| {
        if f == "phone" { vec!["odoo".to_string()] } else { vec![] }
    };
    let first =
        apply(None, &src("helloasso"), &fields(&[("phone", json!("+33611111111")), ("city", json!("Lyon"))]), &auth)
            .unwrap();
    let edited = apply(Some(first), &src("odoo"), &fields(&[("phone", json!("+33622222222"))]), &auth).unwrap();
    assert_eq!(edited.fields["phone"], "+33622222222");
    let after = apply(
        Some(edited),
        &src("helloasso"),
        &fields(&[("phone", json!("+33611111111")), ("city", json!("Lille"))]),
        &auth,
    )
    .unwrap();
    assert_eq!(after.fields["phone"], "+33622222222", "odoo outranks helloasso for phone");
    assert_eq!(after.fields["city"], "Lille", "no authority: the latest write wins");
    assert_eq!(after.sources["phone"], "odoo");
}

fn arb_fields() -> impl Strategy<Value = MappedFields> {
    prop::collection::btree_map(
        prop::sample::select(vec!["email", "given_name", "family_name", "phone", "city"]).prop_map(str::to_string),
        prop_oneof![Just(Value::Null), "[a-z]{1,6}".prop_map(Value::from), (0i64..100).prop_map(Value::from)],
        0..5,
    )
}

proptest! {
    #[test]
    fn applying_the_same_record_twice_changes_nothing(start in prop::option::of(arb_fields()), incoming in arb_fields(), owner in prop::sample::select(vec!["odoo", "helloasso"])) {
        let auth = |_: &str| vec!["odoo".to_string()];
        let existing = start.map(|f| Existing { id: Uuid::nil(), sources: f.keys().map(|k| (k.clone(), owner.to_string())).collect(), fields: f });
        let once = apply(existing, &src("helloasso"), &incoming, &auth);
        let inc = Incoming { source: &src("helloasso"), entity: EntityKind::Person, fields: &incoming, deleted: false };
        match decide(&inc, &content_hash(&incoming), None, once.as_ref(), &auth) {
            Decision::Unchanged { .. } => {}
            Decision::Create { .. } => prop_assert!(once.is_none()),
            other => prop_assert!(false, "second application changed something: {other:?}"),
        }
    }

    #[test]
    fn content_hash_ignores_insertion_order(f in arb_fields()) {
        let mut reversed = MappedFields::new();
        for (k, v) in f.iter().rev() {
            reversed.insert(k.clone(), v.clone());
        }
        prop_assert_eq!(content_hash(&f), content_hash(&reversed));
    }

    #[test]
    fn a_higher_authority_value_is_never_overwritten(start in arb_fields(), incoming in arb_fields()) {
        let auth = |_: &str| vec!["odoo".to_string(), "helloasso".to_string()];
        let existing = Existing { id: Uuid::nil(), sources: start.keys().map(|k| (k.clone(), "odoo".to_string())).collect(), fields: start.clone() };
        let (merged, _, _) = merge(&existing, &incoming, "helloasso", &auth);
        for (k, v) in &start {
            if !v.is_null() {
                prop_assert_eq!(merged.get(k), Some(v));
            }
        }
    }

    #[test]
    fn updates_always_carry_changes(start in arb_fields(), incoming in arb_fields()) {
        let existing = Existing { id: Uuid::nil(), sources: BTreeMap::new(), fields: start };
        let s = src("webhook");
        let inc = Incoming { source: &s, entity: EntityKind::Person, fields: &incoming, deleted: false };
        if let Decision::Update { changes, .. } = decide(&inc, &content_hash(&incoming), None, Some(&existing), &no_authority) {
            prop_assert!(!changes.is_empty());
        }
    }
}
