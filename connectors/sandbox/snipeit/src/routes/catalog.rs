//! Read-only reference lists a client needs to create assets: `/models`, `/categories`,
//! `/manufacturers`, `/suppliers` (list with offset/limit/search/sort, and by id).

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    App,
    format::{datetime, esc},
    http::{self, error},
    state::{AssetModel, Category, Db, Manufacturer, Supplier},
};

const SORTS: &[&str] = &["id", "name", "created_at"];

fn live_assets(db: &Db, pick: impl Fn(&AssetModel) -> bool) -> usize {
    db.assets.values().filter(|a| a.deleted_at.is_none() && db.models.get(&a.model_id).is_some_and(&pick)).count()
}

fn model_json(db: &Db, base: &str, m: &AssetModel) -> Value {
    let count = live_assets(db, |x| x.id == m.id);
    json!({
        "id": m.id, "name": esc(&m.name),
        "manufacturer": db.manufacturers.get(&m.manufacturer_id).map(|x| json!({"id": x.id, "name": esc(&x.name)})),
        "image": format!("{base}/uploads/models/{}", m.image), "model_number": esc(&m.model_number),
        "min_amt": Value::Null, "depreciation": Value::Null, "assets_count": count,
        "category": db.categories.get(&m.category_id).map(|x| json!({"id": x.id, "name": esc(&x.name)})),
        "fieldset": Value::Null, "default_fieldset_values": [], "eol": format!("{} months", m.eol),
        "requestable": false, "notes": esc(&m.notes), "created_at": datetime(m.created_at),
        "updated_at": datetime(m.created_at), "deleted_at": Value::Null,
        "available_actions": {"update": true, "delete": count == 0, "clone": true, "restore": false},
    })
}

fn category_json(db: &Db, c: &Category) -> Value {
    let count = live_assets(db, |m| m.category_id == c.id);
    json!({
        "id": c.id, "name": esc(&c.name), "image": Value::Null, "category_type": "asset", "has_eula": false,
        "use_default_eula": false, "eula": Value::Null, "checkin_email": false, "require_acceptance": false,
        "item_count": count, "assets_count": count, "accessories_count": 0, "consumables_count": 0,
        "components_count": 0, "licenses_count": 0, "created_at": datetime(c.created_at),
        "updated_at": datetime(c.created_at), "available_actions": {"update": true, "delete": count == 0},
    })
}

fn manufacturer_json(db: &Db, base: &str, m: &Manufacturer) -> Value {
    let count = live_assets(db, |x| x.manufacturer_id == m.id);
    json!({
        "id": m.id, "name": esc(&m.name), "url": m.url,
        "image": format!("{base}/uploads/manufacturers/{}.png", crate::seed::slug(&m.name)),
        "support_url": m.support_url, "support_phone": m.support_phone, "support_email": m.support_email,
        "assets_count": count, "licenses_count": 0, "consumables_count": 0, "accessories_count": 0,
        "created_at": datetime(m.created_at), "updated_at": datetime(m.created_at), "deleted_at": Value::Null,
        "available_actions": {"update": true, "restore": false, "delete": count == 0},
    })
}

fn supplier_json(db: &Db, s: &Supplier) -> Value {
    let count = db.assets.values().filter(|a| a.deleted_at.is_none() && a.supplier_id == Some(s.id)).count();
    json!({
        "id": s.id, "name": esc(&s.name), "image": Value::Null, "url": Value::Null, "address": Value::Null,
        "address2": Value::Null, "city": esc(&s.city), "state": Value::Null, "country": "FR", "zip": Value::Null,
        "fax": Value::Null, "phone": Value::Null, "email": s.email, "contact": Value::Null,
        "assets_count": count, "accessories_count": 0, "licenses_count": 0, "consumables_count": 0,
        "components_count": 0, "notes": Value::Null, "created_at": datetime(s.created_at),
        "updated_at": datetime(s.created_at), "available_actions": {"update": true, "delete": count == 0},
    })
}

fn list_of<T>(
    q: &HashMap<String, String>,
    items: Vec<&T>,
    name: impl Fn(&T) -> &str,
    id: impl Fn(&T) -> u64,
    render: impl Fn(&T) -> Value,
) -> Response {
    let rows: Vec<&T> = items
        .into_iter()
        .filter(|t| q.get("search").filter(|s| !s.is_empty()).is_none_or(|s| http::matches(s, &[Some(name(t))])))
        .filter(|t| q.get("name").is_none_or(|n| name(t) == n))
        .collect();
    let key = |t: &&T, col: &str| match col {
        "name" => json!(name(t)),
        _ => json!(id(t)),
    };
    Json(http::page(q, rows, SORTS, "id", key, |t| render(t))).into_response()
}

fn one(found: Option<Value>, what: &str) -> Response {
    match found {
        Some(v) => Json(v).into_response(),
        None => error(format!("{what} does not exist.")),
    }
}

pub async fn models(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let base = app.base_url();
    list_of(&q, db.models.values().collect(), |m| &m.name, |m| m.id, |m| model_json(&db, &base, m))
}

pub async fn model(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    let found = http::id(&id).and_then(|id| db.models.get(&id)).map(|m| model_json(&db, &app.base_url(), m));
    one(found, "Model")
}

pub async fn categories(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    list_of(&q, db.categories.values().collect(), |c| &c.name, |c| c.id, |c| category_json(&db, c))
}

pub async fn category(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    one(http::id(&id).and_then(|id| db.categories.get(&id)).map(|c| category_json(&db, c)), "Category")
}

pub async fn manufacturers(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let base = app.base_url();
    list_of(&q, db.manufacturers.values().collect(), |m| &m.name, |m| m.id, |m| manufacturer_json(&db, &base, m))
}

pub async fn manufacturer(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    let found =
        http::id(&id).and_then(|id| db.manufacturers.get(&id)).map(|m| manufacturer_json(&db, &app.base_url(), m));
    one(found, "Manufacturer")
}

pub async fn suppliers(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    list_of(&q, db.suppliers.values().collect(), |s| &s.name, |s| s.id, |s| supplier_json(&db, s))
}

pub async fn supplier(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    one(http::id(&id).and_then(|id| db.suppliers.get(&id)).map(|s| supplier_json(&db, s)), "Supplier")
}
