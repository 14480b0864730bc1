//! `/api/v1/maintenances`: list (by asset, search, sort), show, create, update, soft delete. Write
//! payloads are the raw Eloquent model with its asset, as the vendor's delete example shows.

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
    state::{Db, Maintenance, next_id, now},
    transform,
};

const NOT_FOUND: &str = "Asset Maintenance you were looking for was not found!";
const TYPES: &[&str] = &[
    "Maintenance",
    "Repair",
    "Upgrade",
    "PAT test",
    "Calibration",
    "Software Support",
    "Hardware Support",
    "Configuration Change",
];
const SORTS: &[&str] = &[
    "id",
    "title",
    "asset_maintenance_time",
    "asset_maintenance_type",
    "cost",
    "start_date",
    "completion_date",
    "notes",
    "asset_tag",
    "asset_name",
    "created_at",
    "updated_at",
];

fn key(db: &Db, m: &Maintenance, col: &str) -> Value {
    let asset = db.assets.get(&m.asset_id);
    match col {
        "id" => json!(m.id),
        "title" => json!(m.title),
        "asset_maintenance_time" => json!(m.time()),
        "asset_maintenance_type" => json!(m.asset_maintenance_type),
        "cost" => json!(m.cost),
        "start_date" => json!(m.start_date.to_string()),
        "completion_date" => json!(m.completion_date.map(|d| d.to_string())),
        "notes" => json!(m.notes),
        "asset_tag" => json!(asset.map(|a| &a.asset_tag)),
        "asset_name" => json!(asset.and_then(|a| a.name.clone())),
        "updated_at" => json!(m.updated_at.to_string()),
        _ => json!(m.created_at.to_string()),
    }
}

pub async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    let rows: Vec<&Maintenance> = db
        .maintenances
        .values()
        .filter(|m| m.deleted_at.is_none())
        .filter(|m| num("asset_id").is_none_or(|a| m.asset_id == a))
        .filter(|m| num("supplier_id").is_none_or(|s| m.supplier_id == Some(s)))
        .filter(|m| q.get("asset_maintenance_type").is_none_or(|t| &m.asset_maintenance_type == t))
        .filter(|m| {
            q.get("search").filter(|s| !s.is_empty()).is_none_or(|s| {
                let asset = db.assets.get(&m.asset_id);
                http::matches(
                    s,
                    &[
                        Some(m.title.as_str()),
                        m.notes.as_deref(),
                        Some(m.asset_maintenance_type.as_str()),
                        asset.map(|a| a.asset_tag.as_str()),
                        asset.and_then(|a| a.name.as_deref()),
                    ],
                )
            })
        })
        .collect();
    Json(http::page(&q, rows, SORTS, "created_at", |m, c| key(&db, m, c), |m| transform::maintenance(&db, m)))
        .into_response()
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    match http::id(&id).and_then(|id| db.maintenances.get(&id)).filter(|m| m.deleted_at.is_none()) {
        Some(m) => Json(transform::maintenance(&db, m)).into_response(),
        None => error(NOT_FOUND),
    }
}

fn apply(db: &Db, input: &Input, m: &mut Maintenance, creating: bool) -> Result<(), Box<Response>> {
    let mut errors = Vec::new();
    match input.str("asset_id") {
        Some(raw) => match raw.parse::<u64>().ok().filter(|a| db.asset(*a).is_some()) {
            Some(a) => m.asset_id = a,
            None => errors.push(("asset_id", "The selected asset id is invalid.".to_string())),
        },
        None if creating || input.has("asset_id") => {
            errors.push(("asset_id", "The asset id field is required.".into()))
        }
        None => {}
    }
    match input.str("title") {
        Some(t) if t.chars().count() < 3 => errors.push(("title", "The title must be at least 3 characters.".into())),
        Some(t) => m.title = t,
        None if creating || input.has("title") => errors.push(("title", "The title field is required.".into())),
        None => {}
    }
    match input.str("asset_maintenance_type") {
        Some(t) if TYPES.contains(&t.as_str()) => m.asset_maintenance_type = t,
        Some(_) => errors.push(("asset_maintenance_type", "The selected asset maintenance type is invalid.".into())),
        None if creating => {
            errors.push(("asset_maintenance_type", "The asset maintenance type field is required.".into()))
        }
        None => {}
    }
    match input.date("start_date") {
        Ok(Some(d)) => m.start_date = d,
        Ok(None) if creating || input.has("start_date") => {
            errors.push(("start_date", "The start date field is required.".into()))
        }
        Ok(None) => {}
        Err(()) => errors.push(("start_date", "The start date is not a valid date.".into())),
    }
    match input.date("completion_date") {
        Ok(d) if input.has("completion_date") => m.completion_date = d,
        Ok(_) => {}
        Err(()) => errors.push(("completion_date", "The completion date is not a valid date.".into())),
    }
    if m.completion_date.is_some_and(|c| c < m.start_date) {
        errors.push(("completion_date", "The completion date must be a date after or equal to start date.".into()));
    }
    if input.has("supplier_id") {
        match input.u64("supplier_id") {
            Some(s) if db.suppliers.contains_key(&s) => m.supplier_id = Some(s),
            None if input.str("supplier_id").is_none() => m.supplier_id = None,
            _ => errors.push(("supplier_id", "The selected supplier id is invalid.".into())),
        }
    }
    if input.has("cost") {
        m.cost = input.f64("cost");
    }
    if input.has("notes") {
        m.notes = input.str("notes");
    }
    if let Some(w) = input.bool("is_warranty") {
        m.is_warranty = w;
    }
    if errors.is_empty() { Ok(()) } else { Err(Box::new(invalid(errors))) }
}

pub async fn create(State(app): State<App>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let t = now();
    let mut m = Maintenance {
        id: next_id(&db.maintenances),
        asset_id: 0,
        supplier_id: None,
        asset_maintenance_type: String::new(),
        title: String::new(),
        is_warranty: false,
        start_date: t.date(),
        completion_date: None,
        cost: None,
        notes: None,
        created_by: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    if let Err(r) = apply(&db, &input, &mut m, true) {
        return *r;
    }
    let payload = transform::maintenance_raw(&db, &m);
    db.maintenances.insert(m.id, m);
    success("Asset Maintenance created successfully.", payload)
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let found = http::id(&id).and_then(|id| db.maintenances.get(&id)).filter(|m| m.deleted_at.is_none()).cloned();
    let Some(mut m) = found else { return error(NOT_FOUND) };
    if let Err(r) = apply(&db, &input, &mut m, false) {
        return *r;
    }
    m.updated_at = now();
    let payload = transform::maintenance_raw(&db, &m);
    db.maintenances.insert(m.id, m);
    success("Asset Maintenance edited successfully.", payload)
}

pub async fn destroy(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let found = http::id(&id).filter(|id| db.maintenances.get(id).is_some_and(|m| m.deleted_at.is_none()));
    let Some(id) = found else { return error(NOT_FOUND) };
    let t = now();
    let m = db.maintenances.get_mut(&id).expect("exists");
    m.deleted_at = Some(t);
    m.updated_at = t;
    let m = m.clone();
    success("The asset maintenance was deleted successfully.", transform::maintenance_raw(&db, &m))
}
