//! `GET /api/v1/reports/activity`: the activity log, which NOTES recommends as the change journal
//! (Snipe-IT has no `updated_since` filter). Only asset events are recorded by the sandbox.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    App,
    format::{datetime, esc},
    http,
    state::{ActionLog, Db, Target},
};

fn target_json(db: &Db, t: Option<(Target, u64)>) -> Value {
    match t {
        Some((Target::User, id)) => {
            db.users.get(&id).map_or(Value::Null, |u| json!({"id": id, "name": esc(&u.full_name()), "type": "user"}))
        }
        Some((Target::Location, id)) => {
            db.locations.get(&id).map_or(Value::Null, |l| json!({"id": id, "name": esc(&l.name), "type": "location"}))
        }
        Some((Target::Asset, id)) => db.assets.get(&id).map_or(
            Value::Null,
            |a| json!({"id": id, "name": esc(a.name.as_deref().unwrap_or(&a.asset_tag)), "type": "asset"}),
        ),
        None => Value::Null,
    }
}

fn render(db: &Db, l: &ActionLog) -> Value {
    let asset = db.assets.get(&l.asset_id);
    let admin = db.users.get(&l.created_by);
    json!({
        "id": l.id,
        "icon": "fas fa-barcode",
        "file": Value::Null,
        "item": asset.map_or(Value::Null, |a| json!({
            "id": a.id, "name": esc(&format!("{} ({})", a.name.as_deref().unwrap_or(""), a.asset_tag)), "type": "asset",
        })),
        "location": l.location_id.and_then(|i| db.locations.get(&i)).map_or(Value::Null, |x| json!({"id": x.id, "name": esc(&x.name)})),
        "created_at": datetime(l.created_at),
        "updated_at": datetime(l.created_at),
        "next_audit_date": Value::Null,
        "days_to_next_audit": Value::Null,
        "action_type": l.action_type,
        "admin": admin.map_or(Value::Null, |u| json!({
            "id": u.id, "name": esc(&u.full_name()), "first_name": esc(&u.first_name),
            "last_name": u.last_name.as_deref().map(esc),
        })),
        "target": target_json(db, l.target),
        "note": l.note.as_deref().map(esc),
        "signature_file": Value::Null,
        "log_meta": Value::Null,
        "action_date": datetime(l.created_at),
    })
}

pub async fn activity(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let db = app.db.lock().expect("db lock");
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    let rows: Vec<&ActionLog> = db
        .logs
        .iter()
        .filter(|l| q.get("action_type").is_none_or(|t| &l.action_type == t))
        .filter(|_| q.get("item_type").is_none_or(|t| t == "asset" || t == "App\\Models\\Asset"))
        .filter(|l| num("item_id").is_none_or(|i| l.asset_id == i))
        .filter(|l| {
            q.get("target_type").and_then(|t| Target::parse(t)).is_none_or(|t| l.target.is_some_and(|(x, _)| x == t))
        })
        .filter(|l| num("target_id").is_none_or(|i| l.target.is_some_and(|(_, x)| x == i)))
        .collect();
    let key = |l: &&ActionLog, col: &str| match col {
        "action_type" => json!(l.action_type),
        "created_at" => json!(l.created_at.to_string()),
        _ => json!(l.id),
    };
    Json(http::page(&q, rows, &["id", "created_at", "action_type"], "created_at", key, |l| render(&db, l)))
        .into_response()
}
