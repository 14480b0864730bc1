//! `/api/v1/hardware`: list (offset/limit/search/sort/filters), show (by id, tag, serial), create,
//! update, soft delete and restore.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    App,
    http::{self, Input, error, invalid, success},
    state::{Asset, Db, Target, next_id, now},
    transform,
};

pub const NOT_FOUND: &str = "Asset does not exist.";

const SORTS: &[&str] = &[
    "id",
    "name",
    "asset_tag",
    "serial",
    "model",
    "model_number",
    "category",
    "manufacturer",
    "status_label",
    "location",
    "rtd_location",
    "notes",
    "order_number",
    "purchase_cost",
    "purchase_date",
    "created_at",
    "updated_at",
    "last_checkout",
    "last_checkin",
    "expected_checkin",
    "last_audit_date",
    "next_audit_date",
    "warranty_months",
    "checkout_counter",
    "checkin_counter",
    "requests_counter",
    "requestable",
];

fn sort_key(db: &Db, a: &Asset, col: &str) -> Value {
    let opt = |d: Option<String>| d.map_or(Value::Null, Value::String);
    match col {
        "id" => json!(a.id),
        "name" => json!(a.name),
        "asset_tag" => json!(a.asset_tag),
        "serial" => json!(a.serial),
        "model" => json!(db.models.get(&a.model_id).map(|m| &m.name)),
        "model_number" => json!(db.models.get(&a.model_id).map(|m| &m.model_number)),
        "category" => {
            json!(db.models.get(&a.model_id).and_then(|m| db.categories.get(&m.category_id)).map(|c| &c.name))
        }
        "manufacturer" => {
            json!(db.models.get(&a.model_id).and_then(|m| db.manufacturers.get(&m.manufacturer_id)).map(|c| &c.name))
        }
        "status_label" => json!(db.status_labels.get(&a.status_id).map(|l| &l.name)),
        "location" => json!(a.location_id.and_then(|l| db.locations.get(&l)).map(|l| &l.name)),
        "rtd_location" => json!(a.rtd_location_id.and_then(|l| db.locations.get(&l)).map(|l| &l.name)),
        "notes" => json!(a.notes),
        "order_number" => json!(a.order_number),
        "purchase_cost" => json!(a.purchase_cost),
        "purchase_date" => opt(a.purchase_date.map(|d| d.to_string())),
        "updated_at" => json!(a.updated_at.to_string()),
        "last_checkout" => opt(a.last_checkout.map(|d| d.to_string())),
        "last_checkin" => opt(a.last_checkin.map(|d| d.to_string())),
        "expected_checkin" => opt(a.expected_checkin.map(|d| d.to_string())),
        "last_audit_date" => opt(a.last_audit_date.map(|d| d.to_string())),
        "next_audit_date" => opt(a.next_audit_date.map(|d| d.to_string())),
        "warranty_months" => json!(a.warranty_months),
        "checkout_counter" => json!(a.checkout_counter),
        "checkin_counter" => json!(a.checkin_counter),
        "requests_counter" => json!(a.requests_counter),
        "requestable" => json!(a.requestable),
        _ => json!(a.created_at.to_string()),
    }
}

fn searchable(db: &Db, a: &Asset) -> Vec<Option<String>> {
    let model = db.models.get(&a.model_id);
    let assignee = match a.assigned_to {
        Some((Target::User, u)) => db.users.get(&u).map(|u| format!("{} {}", u.full_name(), u.username)),
        Some((Target::Location, l)) => db.locations.get(&l).map(|l| l.name.clone()),
        Some((Target::Asset, o)) => db.assets.get(&o).map(|o| o.asset_tag.clone()),
        None => None,
    };
    vec![
        a.name.clone(),
        Some(a.asset_tag.clone()),
        a.serial.clone(),
        a.notes.clone(),
        a.order_number.clone(),
        model.map(|m| m.name.clone()),
        model.map(|m| m.model_number.clone()),
        model.and_then(|m| db.categories.get(&m.category_id)).map(|c| c.name.clone()),
        model.and_then(|m| db.manufacturers.get(&m.manufacturer_id)).map(|c| c.name.clone()),
        db.status_labels.get(&a.status_id).map(|l| l.name.clone()),
        a.location_id.and_then(|l| db.locations.get(&l)).map(|l| l.name.clone()),
        assignee,
    ]
}

/// The filters of `AssetsController::index`.
pub fn filter(db: &Db, q: &HashMap<String, String>, a: &Asset) -> bool {
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    let kind = db.status_labels.get(&a.status_id).map_or("", |l| l.kind.as_str());
    let model = db.models.get(&a.model_id);
    let status = q.get("status").map(String::as_str);
    let only_deleted = status == Some("Deleted") || q.get("deleted").is_some_and(|d| d == "true" || d == "1");
    if only_deleted != a.deleted_at.is_some() {
        return false;
    }
    let ok = match status {
        Some("RTD") => a.assigned_to.is_none() && kind == "deployable",
        Some("Deployed") => a.assigned_to.is_some(),
        Some("Pending") => kind == "pending",
        Some("Undeployable") => kind == "undeployable",
        Some("Archived") => kind == "archived",
        Some("Requestable") => a.requestable && kind != "archived",
        Some("byod") => a.byod,
        _ => kind != "archived" || num("status_id").is_some() || only_deleted,
    };
    let eq = |k: &str, v: Option<u64>| num(k).is_none_or(|want| v == Some(want));
    let assigned_ok = match (num("assigned_to"), q.get("assigned_type").and_then(|t| Target::parse(t))) {
        (Some(id), Some(t)) => a.assigned_to == Some((t, id)),
        (Some(id), None) => a.assigned_to.is_some_and(|(_, x)| x == id),
        _ => true,
    };
    let mut filter_ok = true;
    if let Some(Ok(Value::Object(f))) = q.get("filter").map(|f| serde_json::from_str::<Value>(f)) {
        for (col, want) in f {
            let have = sort_key(db, a, &col);
            let want_s = want.as_str().map(str::to_string).unwrap_or_else(|| want.to_string());
            let have_s = have.as_str().map(str::to_string).unwrap_or_else(|| have.to_string());
            filter_ok &= have_s.to_lowercase().contains(&want_s.to_lowercase());
        }
    }
    ok && filter_ok
        && assigned_ok
        && eq("status_id", Some(a.status_id))
        && eq("model_id", Some(a.model_id))
        && eq("category_id", model.map(|m| m.category_id))
        && eq("manufacturer_id", model.map(|m| m.manufacturer_id))
        && eq("location_id", a.location_id)
        && eq("rtd_location_id", a.rtd_location_id)
        && eq("supplier_id", a.supplier_id)
        && eq("company_id", a.company_id)
        && q.get("order_number").is_none_or(|o| a.order_number.as_deref() == Some(o.as_str()))
        && q.get("requestable").is_none_or(|r| a.requestable == (r == "true" || r == "1"))
        && q.get("search").filter(|s| !s.is_empty()).is_none_or(|s| {
            let texts = searchable(db, a);
            let refs: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
            http::matches(s, &refs)
        })
}

/// `{"total","rows"}` of the assets `keep` selects, paged and sorted by the query.
pub fn list_assets(app: &App, q: &HashMap<String, String>, keep: impl Fn(&Db, &Asset) -> bool) -> Value {
    let db = app.db.lock().expect("db lock");
    let base = app.base_url();
    let rows: Vec<&Asset> = db.assets.values().filter(|a| keep(&db, a)).collect();
    http::page(q, rows, SORTS, "created_at", |a, c| sort_key(&db, a, c), |a| transform::asset(&db, &base, a))
}

pub async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    Json(list_assets(&app, &q, |db, a| filter(db, &q, a))).into_response()
}

fn show_one(app: &App, pick: impl Fn(&Asset) -> bool) -> Response {
    let db = app.db.lock().expect("db lock");
    match db.assets.values().find(|a| pick(a)) {
        Some(a) => Json(transform::asset(&db, &app.base_url(), a)).into_response(),
        None => error(NOT_FOUND),
    }
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let id = http::id(&id);
    show_one(&app, |a| Some(a.id) == id)
}

pub async fn by_tag(State(app): State<App>, Path(tag): Path<String>) -> Response {
    show_one(&app, |a| a.deleted_at.is_none() && a.asset_tag.eq_ignore_ascii_case(&tag))
}

/// One match: the asset; several: `{"total","rows"}` (as Snipe-IT does).
pub async fn by_serial(State(app): State<App>, Path(serial): Path<String>) -> Response {
    let q = HashMap::new();
    let found = list_assets(&app, &q, |_, a| a.deleted_at.is_none() && a.serial.as_deref() == Some(serial.as_str()));
    match found["total"].as_u64() {
        Some(0) | None => error(NOT_FOUND),
        Some(1) => Json(found["rows"][0].clone()).into_response(),
        _ => Json(found).into_response(),
    }
}

/// Validates and applies the writable fields of `input` to `a` (create when `creating`).
fn apply(db: &Db, input: &Input, a: &mut Asset, creating: bool) -> Result<(), Box<Response>> {
    let mut errors = Vec::new();
    if let Some(tag) = input.str("asset_tag") {
        let taken = db.assets.values().any(|o| o.id != a.id && o.deleted_at.is_none() && o.asset_tag == tag);
        if taken {
            errors.push(("asset_tag", "The asset tag must be unique.".to_string()));
        }
        a.asset_tag = tag;
    } else if creating || (input.has("asset_tag")) {
        errors.push(("asset_tag", "The asset tag field is required.".to_string()));
    }
    if let Some(raw) = input.str("model_id") {
        match raw.trim().parse::<u64>().ok().filter(|m| db.models.contains_key(m)) {
            Some(m) => a.model_id = m,
            None => errors.push(("model_id", "The selected model id is invalid.".into())),
        }
    } else if creating || input.has("model_id") {
        errors.push(("model_id", "The model id field is required.".into()));
    }
    if let Some(raw) = input.str("status_id") {
        match raw.trim().parse::<u64>().ok().filter(|s| db.label(*s).is_some()) {
            Some(s) => a.status_id = s,
            None => errors.push(("status_id", "The selected status id is invalid.".into())),
        }
    } else if creating || input.has("status_id") {
        errors.push(("status_id", "The status id field is required.".into()));
    }
    for (key, slot) in [("rtd_location_id", &mut a.rtd_location_id), ("location_id", &mut a.location_id)] {
        if input.has(key) {
            match input.u64(key) {
                Some(l) if db.location(l).is_some() => *slot = Some(l),
                None if input.str(key).is_none() => *slot = None,
                _ => errors.push((key, format!("The selected {} is invalid.", key.replace('_', " ")))),
            }
        }
    }
    if input.has("supplier_id") {
        match input.u64("supplier_id") {
            Some(s) if db.suppliers.contains_key(&s) => a.supplier_id = Some(s),
            None if input.str("supplier_id").is_none() => a.supplier_id = None,
            _ => errors.push(("supplier_id", "The selected supplier id is invalid.".into())),
        }
    }
    for (key, slot) in [
        ("name", &mut a.name),
        ("serial", &mut a.serial),
        ("notes", &mut a.notes),
        ("order_number", &mut a.order_number),
    ] {
        if input.has(key) {
            *slot = input.str(key);
        }
    }
    if input.has("purchase_cost") {
        a.purchase_cost = input.f64("purchase_cost");
    }
    if input.has("warranty_months") {
        a.warranty_months = input.u64("warranty_months").map(|w| w as u32);
    }
    if let Some(r) = input.bool("requestable") {
        a.requestable = r;
    }
    if let Some(b) = input.bool("byod") {
        a.byod = b;
    }
    for (key, slot) in [("purchase_date", &mut a.purchase_date), ("next_audit_date", &mut a.next_audit_date)] {
        match input.date(key) {
            Ok(d) if input.has(key) => *slot = d,
            Ok(_) => {}
            Err(()) => errors.push((key, format!("The {} is not a valid date.", key.replace('_', " ")))),
        }
    }
    if creating && a.location_id.is_none() {
        a.location_id = a.rtd_location_id;
    }
    if errors.is_empty() { Ok(()) } else { Err(Box::new(invalid(errors))) }
}

pub async fn create(State(app): State<App>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let t = now();
    let mut a = Asset {
        id: next_id(&db.assets),
        name: None,
        asset_tag: String::new(),
        serial: None,
        model_id: 0,
        status_id: 0,
        company_id: None,
        supplier_id: None,
        location_id: None,
        rtd_location_id: None,
        assigned_to: None,
        notes: None,
        order_number: None,
        purchase_date: None,
        purchase_cost: None,
        warranty_months: None,
        requestable: false,
        byod: false,
        last_checkout: None,
        last_checkin: None,
        expected_checkin: None,
        last_audit_date: None,
        next_audit_date: None,
        checkin_counter: 0,
        checkout_counter: 0,
        requests_counter: 0,
        created_by: Some(1),
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    if let Err(resp) = apply(&db, &input, &mut a, true) {
        return *resp;
    }
    // `assigned_user|asset|location` on create: checked out on creation, as Snipe-IT does.
    let target =
        [("assigned_user", Target::User), ("assigned_asset", Target::Asset), ("assigned_location", Target::Location)]
            .into_iter()
            .find_map(|(k, t)| input.u64(k).map(|id| (t, id)))
            .filter(|(t, id)| match t {
                Target::User => db.user(*id).is_some(),
                Target::Location => db.location(*id).is_some(),
                Target::Asset => db.asset(*id).is_some(),
            });
    if let Some((t, tid)) = target {
        a.assigned_to = Some((t, tid));
        a.last_checkout = Some(a.created_at);
        a.checkout_counter = 1;
        a.location_id = match t {
            Target::User => db.user(tid).and_then(|u| u.location_id),
            Target::Location => Some(tid),
            Target::Asset => db.asset(tid).and_then(|o| o.location_id),
        }
        .or(a.location_id);
    }
    let payload = transform::asset_created(&db, &a);
    let id = a.id;
    db.assets.insert(id, a);
    db.log("create", id, None, None);
    if target.is_some() {
        db.log("checkout", id, target, Some("Checked out on asset creation".into()));
    }
    success("Asset created successfully. :)", payload)
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(mut a) = http::id(&id).and_then(|id| db.asset(id)).cloned() else { return error(NOT_FOUND) };
    if let Err(resp) = apply(&db, &input, &mut a, false) {
        return *resp;
    }
    a.updated_at = now();
    let id = a.id;
    db.assets.insert(id, a);
    db.log("update", id, None, None);
    error_free_update()
}

/// The vendor's example answer to `PUT /hardware/{id}` (no payload).
fn error_free_update() -> Response {
    Json(json!({"status": "success", "messages": "Asset updated successfully."})).into_response()
}

pub async fn destroy(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(a) = http::id(&id).and_then(|id| db.assets.get_mut(&id)).filter(|a| a.deleted_at.is_none()) else {
        return error(NOT_FOUND);
    };
    let t = now();
    if a.assigned_to.take().is_some() {
        a.last_checkin = Some(t);
        a.checkin_counter += 1;
    }
    a.deleted_at = Some(t);
    a.updated_at = t;
    let id = a.id;
    db.log("delete", id, None, None);
    success("The asset was deleted successfully.", Value::Null)
}

pub async fn restore(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(a) = http::id(&id).and_then(|id| db.assets.get_mut(&id)) else { return error(NOT_FOUND) };
    if a.deleted_at.is_none() {
        return error("Asset was not restored, please try again");
    }
    a.deleted_at = None;
    a.updated_at = now();
    let a = a.clone();
    db.log("restore", a.id, None, None);
    success("Asset restored successfully.", transform::asset(&db, &app.base_url(), &a))
}
