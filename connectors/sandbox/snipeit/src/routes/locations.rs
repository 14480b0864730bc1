//! `/api/v1/locations`: list, show, create, update, soft delete (refused while in use).

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
    state::{Db, Location, next_id, now},
    transform,
};

const NOT_FOUND: &str = "Location does not exist.";
const SORTS: &[&str] = &["id", "name", "address", "city", "state", "country", "zip", "created_at", "updated_at"];

fn key(l: &Location, col: &str) -> Value {
    match col {
        "id" => json!(l.id),
        "name" => json!(l.name),
        "address" => json!(l.address),
        "city" => json!(l.city),
        "state" => json!(l.state),
        "country" => json!(l.country),
        "zip" => json!(l.zip),
        "updated_at" => json!(l.updated_at.to_string()),
        _ => json!(l.created_at.to_string()),
    }
}

pub async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let rows: Vec<&Location> = db
        .locations
        .values()
        .filter(|l| l.deleted_at.is_none())
        .filter(|l| q.get("name").is_none_or(|n| &l.name == n))
        .filter(|l| {
            q.get("search").filter(|s| !s.is_empty()).is_none_or(|s| {
                http::matches(s, &[Some(l.name.as_str()), l.address.as_deref(), l.city.as_deref(), l.zip.as_deref()])
            })
        })
        .collect();
    Json(http::page(&q, rows, SORTS, "created_at", |l, c| key(l, c), |l| transform::location(&db, l))).into_response()
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    match http::id(&id).and_then(|id| db.location(id)) {
        Some(l) => Json(transform::location(&db, l)).into_response(),
        None => error(NOT_FOUND),
    }
}

fn apply(db: &Db, input: &Input, l: &mut Location, creating: bool) -> Result<(), Box<Response>> {
    let mut errors = Vec::new();
    match input.str("name") {
        Some(n) => l.name = n,
        None if creating || input.has("name") => errors.push(("name", "The name field is required.".to_string())),
        None => {}
    }
    for (k, slot) in [
        ("address", &mut l.address),
        ("address2", &mut l.address2),
        ("city", &mut l.city),
        ("state", &mut l.state),
        ("country", &mut l.country),
        ("zip", &mut l.zip),
        ("phone", &mut l.phone),
        ("currency", &mut l.currency),
        ("notes", &mut l.notes),
    ] {
        if input.has(k) {
            *slot = input.str(k);
        }
    }
    if input.has("parent_id") {
        match input.u64("parent_id") {
            Some(p) if p != l.id && db.location(p).is_some() => l.parent_id = Some(p),
            None if input.str("parent_id").is_none() => l.parent_id = None,
            _ => errors.push(("parent_id", "The selected parent id is invalid.".into())),
        }
    }
    if input.has("manager_id") {
        match input.u64("manager_id") {
            Some(m) if db.user(m).is_some() => l.manager_id = Some(m),
            None if input.str("manager_id").is_none() => l.manager_id = None,
            _ => errors.push(("manager_id", "The selected manager id is invalid.".into())),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Box::new(invalid(errors))) }
}

pub async fn create(State(app): State<App>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let t = now();
    let mut l = Location {
        id: next_id(&db.locations),
        name: String::new(),
        address: None,
        address2: None,
        city: None,
        state: None,
        country: None,
        zip: None,
        phone: None,
        currency: None,
        notes: None,
        parent_id: None,
        manager_id: None,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    if let Err(r) = apply(&db, &input, &mut l, true) {
        return *r;
    }
    let payload = transform::location(&db, &l);
    db.locations.insert(l.id, l);
    success("Location created successfully.", payload)
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(mut l) = http::id(&id).and_then(|id| db.location(id)).cloned() else { return error(NOT_FOUND) };
    if let Err(r) = apply(&db, &input, &mut l, false) {
        return *r;
    }
    l.updated_at = now();
    db.locations.insert(l.id, l.clone());
    success("Location updated successfully.", transform::location(&db, &l))
}

pub async fn destroy(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(l) = http::id(&id).and_then(|id| db.location(id)).cloned() else { return error(NOT_FOUND) };
    if transform::location(&db, &l)["available_actions"]["delete"] != json!(true) {
        return error(
            "This location is currently associated with at least one asset, user or child location and cannot be deleted.",
        );
    }
    let t = now();
    let l = db.locations.get_mut(&l.id).expect("exists");
    l.deleted_at = Some(t);
    l.updated_at = t;
    success("The location was deleted successfully.", Value::Null)
}
