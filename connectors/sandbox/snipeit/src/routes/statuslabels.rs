//! `/api/v1/statuslabels`: list, show, create, update, soft delete (refused while in use), and the
//! assets carrying a label.

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
    state::{StatusLabel, next_id, now},
    transform,
};

const NOT_FOUND: &str = "Status label does not exist.";
const TYPES: &[&str] = &["deployable", "pending", "archived", "undeployable"];

fn key(l: &StatusLabel, col: &str) -> Value {
    match col {
        "id" => json!(l.id),
        "name" => json!(l.name),
        "type" => json!(l.kind),
        "updated_at" => json!(l.updated_at.to_string()),
        _ => json!(l.created_at.to_string()),
    }
}

pub async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let rows: Vec<&StatusLabel> = db
        .status_labels
        .values()
        .filter(|l| l.deleted_at.is_none())
        .filter(|l| q.get("status_type").is_none_or(|t| &l.kind == t))
        .filter(|l| q.get("search").filter(|s| !s.is_empty()).is_none_or(|s| http::matches(s, &[Some(&l.name)])))
        .collect();
    Json(http::page(
        &q,
        rows,
        &["id", "name", "type", "created_at", "updated_at"],
        "created_at",
        |l, c| key(l, c),
        |l| transform::status_label(&db, l),
    ))
    .into_response()
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    match http::id(&id).and_then(|id| db.label(id)) {
        Some(l) => Json(transform::status_label(&db, l)).into_response(),
        None => error(NOT_FOUND),
    }
}

fn apply(input: &Input, l: &mut StatusLabel, creating: bool) -> Result<(), Box<Response>> {
    let mut errors = Vec::new();
    match input.str("name") {
        Some(n) => l.name = n,
        None if creating || input.has("name") => errors.push(("name", "The name field is required.".to_string())),
        None => {}
    }
    match input.str("type") {
        Some(t) if TYPES.contains(&t.as_str()) => l.kind = t,
        Some(_) => errors.push(("type", "The selected type is invalid.".into())),
        None if creating => errors.push(("type", "The type field is required.".into())),
        None => {}
    }
    if input.has("color") {
        l.color = input.str("color");
    }
    if input.has("notes") {
        l.notes = input.str("notes");
    }
    if let Some(b) = input.bool("show_in_nav") {
        l.show_in_nav = b;
    }
    if let Some(b) = input.bool("default_label") {
        l.default_label = b;
    }
    if errors.is_empty() { Ok(()) } else { Err(Box::new(invalid(errors))) }
}

pub async fn create(State(app): State<App>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let t = now();
    let mut l = StatusLabel {
        id: next_id(&db.status_labels),
        name: String::new(),
        kind: String::new(),
        color: None,
        show_in_nav: false,
        default_label: false,
        notes: None,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    if let Err(r) = apply(&input, &mut l, true) {
        return *r;
    }
    let payload = transform::status_label(&db, &l);
    db.status_labels.insert(l.id, l);
    success("Status label was created successfully.", payload)
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(mut l) = http::id(&id).and_then(|id| db.label(id)).cloned() else { return error(NOT_FOUND) };
    if let Err(r) = apply(&input, &mut l, false) {
        return *r;
    }
    l.updated_at = now();
    db.status_labels.insert(l.id, l.clone());
    success("Status label was updated successfully.", transform::status_label(&db, &l))
}

pub async fn destroy(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(id) = http::id(&id).filter(|id| db.label(*id).is_some()) else { return error(NOT_FOUND) };
    if db.assets.values().any(|a| a.deleted_at.is_none() && a.status_id == id) {
        return error("This Status Label is currently associated with at least one Asset and cannot be deleted.");
    }
    let t = now();
    let l = db.status_labels.get_mut(&id).expect("exists");
    l.deleted_at = Some(t);
    l.updated_at = t;
    success("Status label was deleted successfully.", Value::Null)
}

pub async fn assets(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = http::id(&id).filter(|id| app.db.lock().expect("db lock").label(*id).is_some()) else {
        return error(NOT_FOUND);
    };
    Json(super::hardware::list_assets(&app, &q, |_, a| a.deleted_at.is_none() && a.status_id == id)).into_response()
}
