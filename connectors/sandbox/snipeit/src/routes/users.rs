//! `/api/v1/users`: list, show, `me`, create, update, soft delete, restore, and a user's assets.

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
    state::{Db, Target, User, next_id, now},
    transform,
};

const NOT_FOUND: &str = "User does not exist or you do not have permission to view them.";
const SORTS: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "username",
    "email",
    "employee_num",
    "jobtitle",
    "phone",
    "city",
    "zip",
    "location",
    "activated",
    "assets_count",
    "created_at",
    "updated_at",
    "start_date",
    "end_date",
];

fn key(db: &Db, u: &User, col: &str) -> Value {
    match col {
        "id" => json!(u.id),
        "first_name" => json!(u.first_name),
        "last_name" => json!(u.last_name),
        "username" => json!(u.username),
        "email" => json!(u.email),
        "employee_num" => json!(u.employee_num),
        "jobtitle" => json!(u.jobtitle),
        "phone" => json!(u.phone),
        "city" => json!(u.city),
        "zip" => json!(u.zip),
        "location" => json!(u.location_id.and_then(|l| db.locations.get(&l)).map(|l| &l.name)),
        "activated" => json!(u.activated),
        "assets_count" => json!(db.assets_of_user(u.id)),
        "updated_at" => json!(u.updated_at.to_string()),
        "start_date" => json!(u.start_date.map(|d| d.to_string())),
        "end_date" => json!(u.end_date.map(|d| d.to_string())),
        _ => json!(u.created_at.to_string()),
    }
}

pub async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let deleted = q.get("deleted").is_some_and(|d| d == "true" || d == "1");
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    let rows: Vec<&User> = db
        .users
        .values()
        .filter(|u| u.deleted_at.is_some() == deleted)
        .filter(|u| num("location_id").is_none_or(|l| u.location_id == Some(l)))
        .filter(|u| num("manager_id").is_none_or(|m| u.manager_id == Some(m)))
        .filter(|u| q.get("activated").is_none_or(|a| u.activated == (a == "1" || a == "true")))
        .filter(|u| {
            [("email", &u.email), ("employee_num", &u.employee_num)]
                .iter()
                .all(|(k, v)| q.get(*k).is_none_or(|want| v.as_deref() == Some(want.as_str())))
        })
        .filter(|u| q.get("username").is_none_or(|w| &u.username == w))
        .filter(|u| q.get("first_name").is_none_or(|w| &u.first_name == w))
        .filter(|u| q.get("last_name").is_none_or(|w| u.last_name.as_deref() == Some(w.as_str())))
        .filter(|u| {
            q.get("search").filter(|s| !s.is_empty()).is_none_or(|s| {
                let name = u.full_name();
                let texts = [
                    Some(name.as_str()),
                    Some(u.username.as_str()),
                    u.email.as_deref(),
                    u.employee_num.as_deref(),
                    u.jobtitle.as_deref(),
                    u.phone.as_deref(),
                ];
                http::matches(s, &texts)
            })
        })
        .collect();
    let base = app.base_url();
    Json(http::page(&q, rows, SORTS, "created_at", |u, c| key(&db, u, c), |u| transform::user(&db, &base, u)))
        .into_response()
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let db = app.db.lock().expect("db lock");
    match http::id(&id).and_then(|id| db.users.get(&id)) {
        Some(u) => Json(transform::user(&db, &app.base_url(), u)).into_response(),
        None => error(NOT_FOUND),
    }
}

/// The token's owner (the sandbox admin, user 1).
pub async fn me(State(app): State<App>) -> Response {
    let db = app.db.lock().expect("db lock");
    match db.users.get(&1) {
        Some(u) => Json(transform::user(&db, &app.base_url(), u)).into_response(),
        None => error(NOT_FOUND),
    }
}

fn apply(db: &Db, input: &Input, u: &mut User, creating: bool) -> Result<(), Box<Response>> {
    let mut errors = Vec::new();
    match input.str("first_name") {
        Some(f) => u.first_name = f,
        None if creating || input.has("first_name") => {
            errors.push(("first_name", "The first name field is required.".into()))
        }
        None => {}
    }
    match input.str("username") {
        Some(n) if db.users.values().any(|o| o.id != u.id && o.deleted_at.is_none() && o.username == n) => {
            errors.push(("username", "The username must be unique.".into()))
        }
        Some(n) => u.username = n,
        None if creating || input.has("username") => {
            errors.push(("username", "The username field is required.".into()))
        }
        None => {}
    }
    if creating && input.str("password").is_none() {
        errors.push(("password", "The password field is required.".into()));
    }
    if let Some(p) = input.str("password") {
        if p.chars().count() < 8 {
            errors.push(("password", "The password must be at least 8 characters.".into()));
        }
        if input.str("password_confirmation").is_some_and(|c| c != p) {
            errors.push(("password", "The password confirmation does not match.".into()));
        }
    }
    if let Some(e) = input.str("email") {
        if !e.contains('@') {
            errors.push(("email", "The email must be a valid email address.".into()));
        }
        u.email = Some(e);
    } else if input.has("email") {
        u.email = None;
    }
    for (k, slot) in [
        ("last_name", &mut u.last_name),
        ("employee_num", &mut u.employee_num),
        ("jobtitle", &mut u.jobtitle),
        ("phone", &mut u.phone),
        ("address", &mut u.address),
        ("city", &mut u.city),
        ("country", &mut u.country),
        ("zip", &mut u.zip),
        ("locale", &mut u.locale),
        ("notes", &mut u.notes),
    ] {
        if input.has(k) {
            *slot = input.str(k);
        }
    }
    for (k, slot) in [("location_id", &mut u.location_id), ("manager_id", &mut u.manager_id)] {
        if input.has(k) {
            match input.u64(k) {
                Some(id)
                    if (k == "location_id" && db.location(id).is_some())
                        || (k == "manager_id" && db.user(id).is_some()) =>
                {
                    *slot = Some(id)
                }
                None if input.str(k).is_none() => *slot = None,
                _ => errors.push((k, format!("The selected {} is invalid.", k.replace('_', " ")))),
            }
        }
    }
    for (k, slot) in [("activated", &mut u.activated), ("vip", &mut u.vip), ("remote", &mut u.remote)] {
        if let Some(b) = input.bool(k) {
            *slot = b;
        }
    }
    for (k, slot) in [("start_date", &mut u.start_date), ("end_date", &mut u.end_date)] {
        match input.date(k) {
            Ok(d) if input.has(k) => *slot = d,
            Ok(_) => {}
            Err(()) => errors.push((k, format!("The {} is not a valid date.", k.replace('_', " ")))),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Box::new(invalid(errors))) }
}

pub async fn create(State(app): State<App>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let t = now();
    let mut u = User {
        id: next_id(&db.users),
        first_name: String::new(),
        last_name: None,
        username: String::new(),
        email: None,
        employee_num: None,
        jobtitle: None,
        phone: None,
        address: None,
        city: None,
        country: None,
        zip: None,
        locale: None,
        notes: None,
        location_id: None,
        manager_id: None,
        activated: true,
        vip: false,
        remote: false,
        is_admin: false,
        start_date: None,
        end_date: None,
        created_by: Some(1),
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    if let Err(r) = apply(&db, &input, &mut u, true) {
        return *r;
    }
    let payload = transform::user(&db, &app.base_url(), &u);
    db.users.insert(u.id, u);
    success("User was successfully created.", payload)
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(mut u) = http::id(&id).and_then(|id| db.user(id)).cloned() else { return error(NOT_FOUND) };
    if let Err(r) = apply(&db, &input, &mut u, false) {
        return *r;
    }
    u.updated_at = now();
    let payload = transform::user(&db, &app.base_url(), &u);
    db.users.insert(u.id, u);
    success("User was successfully updated.", payload)
}

pub async fn destroy(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(id) = http::id(&id).filter(|id| db.user(*id).is_some()) else { return error(NOT_FOUND) };
    if id == 1 {
        return error("You cannot delete yourself.");
    }
    if db.assets_of_user(id) > 0 {
        return error("This user still has assets assigned to them and cannot be deleted.");
    }
    let t = now();
    let u = db.users.get_mut(&id).expect("exists");
    u.deleted_at = Some(t);
    u.updated_at = t;
    success("User was successfully deleted.", Value::Null)
}

pub async fn restore(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(u) = http::id(&id).and_then(|id| db.users.get_mut(&id)) else { return error(NOT_FOUND) };
    if u.deleted_at.is_none() {
        return error("User could not be restored.");
    }
    u.deleted_at = None;
    u.updated_at = now();
    success("User restored successfully.", Value::Null)
}

/// `GET /users/{id}/assets`: the assets checked out to the user.
pub async fn assets(State(app): State<App>, Path(id): Path<String>) -> Response {
    let Some(id) = http::id(&id).filter(|id| app.db.lock().expect("db lock").user(*id).is_some()) else {
        return error(NOT_FOUND);
    };
    let q = HashMap::new();
    let list = super::hardware::list_assets(&app, &q, |_, a| {
        a.deleted_at.is_none() && a.assigned_to == Some((Target::User, id))
    });
    Json(list).into_response()
}
