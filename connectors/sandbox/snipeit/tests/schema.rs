//! Every kind of answer validated against the vendor's readme.io OpenAPI document, with the
//! schema pointers named. The spec's `oneOf`s (success | error) have no `required` keys, so any
//! object matches both branches: each branch is checked on its own (`…/oneOf/0`, `…/oneOf/1`).
//! The spec's users/locations schemas are empty (`{}`), so those answers are checked against the
//! transformer field lists of NOTES.md instead.

mod common;

use hub_sandbox_core::schema::load_spec;
use reqwest::Method;
use serde_json::{Value, json};

/// `schema::assert_valid` at `pointer`. The core builds a `$ref` URI from the pointer, which
/// cannot hold the `{id}` of the spec's path keys, so the schema found at `pointer` is validated
/// from a one-schema document (the spec has no `$ref`s to resolve).
fn assert_valid(spec: &Value, pointer: &str, value: &Value) {
    let schema = spec.pointer(pointer).unwrap_or_else(|| panic!("no schema at {pointer}")).clone();
    let doc = json!({"components": {"schemas": {"target": schema}}});
    if let Err(errors) = hub_sandbox_core::schema::check(&doc, "/components/schemas/target", value) {
        panic!("does not match {pointer}:\n  {}\nvalue: {value:#}", errors.join("\n  "));
    }
}

fn resp(path: &str, method: &str, code: &str) -> String {
    let p = path.replace('~', "~0").replace('/', "~1");
    format!("/paths/{p}/{method}/responses/{code}/content/application~1json/schema")
}

#[tokio::test]
async fn hardware_answers_match_the_spec() {
    let spec = load_spec(common::SPEC);
    let sb = common::start().await;

    // The check is live: a wrongly typed list is refused.
    let list_schema = spec.pointer(&resp("/hardware", "get", "200")).unwrap().clone();
    let doc = json!({"components": {"schemas": {"target": list_schema}}});
    let wrong = json!({"total": "1", "rows": [{"id": "1", "status_label": {"id": 1, "name": 3}}]});
    let errors = hub_sandbox_core::schema::check(&doc, "/components/schemas/target", &wrong).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    let list = sb.get("/hardware?limit=50").await;
    assert!(list["rows"].as_array().unwrap().len() > 10);
    assert_valid(&spec, &resp("/hardware", "get", "200"), &list);

    // GET /hardware/{id} of an asset checked out to a location (the example's shape).
    let asset = sb.rtd_asset(0).await;
    let id = asset["id"].as_u64().unwrap();
    let tag = asset["asset_tag"].as_str().unwrap().to_string();
    let out = sb
        .post(&format!("/hardware/{id}/checkout"), json!({"checkout_to_type": "location", "assigned_location": 1}))
        .await;
    assert_valid(&spec, &resp("/hardware/{id}/checkout", "post", "200"), &out);
    let one = sb.get(&format!("/hardware/{id}")).await;
    assert_valid(&spec, &format!("{}/oneOf/0", resp("/hardware/{id}", "get", "200")), &one);
    let by_tag = sb.get(&format!("/hardware/bytag/{tag}")).await;
    assert_eq!(by_tag, one);
    assert_valid(&spec, &format!("{}/oneOf/0", resp("/hardware/{id}", "get", "200")), &by_tag);
    let not_found = sb.get("/hardware/999999").await;
    assert_valid(&spec, &format!("{}/oneOf/1", resp("/hardware/{id}", "get", "200")), &not_found);
    let tag_not_found = sb.get("/hardware/bytag/NOPE-1").await;
    assert_valid(&spec, &format!("{}/oneOf/1", resp("/hardware/bytag/{asset_tag}", "get", "200")), &tag_not_found);
    let serial_not_found = sb.get("/hardware/byserial/NOPE").await;
    assert_valid(&spec, &format!("{}/oneOf/1", resp("/hardware/byserial/{serial}", "get", "200")), &serial_not_found);

    let checkin = sb.post(&format!("/hardware/{id}/checkin"), json!({})).await;
    assert_valid(&spec, &resp("/hardware/{id}/checkin", "post", "200"), &checkin);
    let refused = sb.post(&format!("/hardware/{id}/checkin"), json!({})).await;
    assert_eq!(refused["status"], "error");
    assert_valid(&spec, &resp("/hardware/{id}/checkin", "post", "200"), &refused);

    let created = sb
        .post(
            "/hardware",
            json!({"asset_tag": "FAB-7777", "model_id": 2, "status_id": 1, "serial": "SN-1", "notes": "n",
                   "order_number": "CMD-1", "purchase_date": "2025-03-01", "purchase_cost": 1234.5,
                   "supplier_id": 1, "rtd_location_id": 3}),
        )
        .await;
    assert_valid(&spec, &format!("{}/oneOf/0", resp("/hardware", "post", "200")), &created);
    let invalid = sb.post("/hardware", json!({"asset_tag": "FAB-7778", "model_id": 2, "status_id": 999})).await;
    assert_valid(&spec, &format!("{}/oneOf/1", resp("/hardware", "post", "200")), &invalid);
    let new_id = created["payload"]["id"].as_u64().unwrap();
    let fresh = sb.get(&format!("/hardware/{new_id}")).await;
    let out =
        sb.post(&format!("/hardware/{new_id}/checkout"), json!({"checkout_to_type": "user", "assigned_user": 3})).await;
    assert_eq!(out["status"], "success");
    assert_valid(
        &spec,
        &format!("{}/oneOf/0", resp("/hardware/{id}", "get", "200")),
        &sb.get(&format!("/hardware/{new_id}")).await,
    );
    assert_eq!(fresh["purchase_cost"], "1.234,50");

    let updated = sb.put(&format!("/hardware/{new_id}"), json!({"name": "Nouvelle"})).await;
    assert_valid(&spec, &resp("/hardware/{id}", "put", "200"), &updated);
    let audit = sb.post("/hardware/audit", json!({"asset_tag": "FAB-0004", "note": "ok"})).await;
    assert_valid(&spec, &format!("{}/oneOf/0", resp("/hardware/audit", "post", "200")), &audit);
    let audit_missing = sb.post("/hardware/audit", json!({"asset_tag": "NOPE"})).await;
    assert_valid(&spec, &format!("{}/oneOf/1", resp("/hardware/audit", "post", "200")), &audit_missing);
    let del_missing = sb.delete("/hardware/999999").await;
    assert_valid(&spec, &resp("/hardware/{id}", "delete", "404"), &del_missing);

    let (s, unauth) = {
        let r = sb.http.get(sb.url("/api/v1/hardware")).send().await.unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(s, 401);
    assert_valid(&spec, &resp("/hardware", "get", "401"), &unauth);
    let (s, not_allowed) = sb.call(Method::DELETE, "/hardware", None).await;
    assert_eq!(s, 405);
    assert_valid(&spec, &resp("/hardware", "get", "405"), &not_allowed);
}

#[tokio::test]
async fn other_resources_match_the_spec() {
    let spec = load_spec(common::SPEC);
    let sb = common::start().await;
    assert_valid(&spec, &resp("/statuslabels", "get", "200"), &sb.get("/statuslabels").await);
    assert_valid(&spec, &resp("/statuslabels/{id}", "get", "200"), &sb.get("/statuslabels/2").await);
    assert_valid(&spec, &resp("/manufacturers", "get", "200"), &sb.get("/manufacturers").await);
    // Rows with a completed maintenance (the spec types completion_date and time as non-null).
    let done = sb.get("/maintenances?asset_maintenance_type=Calibration").await;
    assert!(done["total"].as_u64().unwrap() > 0);
    assert_valid(&spec, &resp("/maintenances", "get", "200"), &done);
    let del = sb.delete("/maintenances/3").await;
    assert_valid(&spec, &resp("/maintenances/{id}", "delete", "200"), &del);
    let loc = sb.post("/locations", json!({"name": "Cabane"})).await;
    let del = sb.delete(&format!("/locations/{}", loc["payload"]["id"])).await;
    assert_valid(&spec, &resp("/locations/{id}", "delete", "200"), &del);
}

const USER_KEYS: &str = "id, avatar, name, first_name, last_name, username, remote, locale, employee_num, manager, jobtitle, vip, phone, website, address, city, state, country, zip, email, department, location, notes, permissions, activated, autoassign_licenses, ldap_import, two_factor_enrolled, two_factor_optin, assets_count, licenses_count, accessories_count, consumables_count, manages_users_count, manages_locations_count, company, created_by, created_at, updated_at, start_date, end_date, last_login, deleted_at, available_actions";
const LOCATION_KEYS: &str = "id, name, image, address, address2, city, state, country, zip, phone, fax, accessories_count, assigned_accessories_count, assigned_assets_count, assets_count, rtd_assets_count, users_count, currency, ldap_ou, notes, created_at, updated_at, parent, manager, company, children, available_actions";
const MAINTENANCE_KEYS: &str = "id, asset, model, status_label, company, title, location, rtd_location, notes, supplier, cost, asset_maintenance_type, start_date, asset_maintenance_time, completion_date, user_id, created_by, created_at, updated_at, is_warranty, available_actions";

fn has_keys(v: &Value, keys: &str) {
    for k in keys.split(", ") {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    for k in ["created_at", "updated_at"] {
        assert!(v[k]["datetime"].is_string() && v[k]["formatted"].is_string(), "{k} is a date object");
    }
}

#[tokio::test]
async fn users_and_locations_carry_the_transformer_fields() {
    let sb = common::start().await;
    let users = sb.get("/users?limit=5").await;
    assert!(users["total"].is_u64());
    for u in users["rows"].as_array().unwrap() {
        has_keys(u, USER_KEYS);
    }
    has_keys(&sb.get("/users/me").await, USER_KEYS);
    let locs = sb.get("/locations").await;
    for l in locs["rows"].as_array().unwrap() {
        has_keys(l, LOCATION_KEYS);
    }
    for m in sb.get("/maintenances").await["rows"].as_array().unwrap() {
        has_keys(m, MAINTENANCE_KEYS);
        assert!(m["start_date"]["date"].is_string());
    }
}
