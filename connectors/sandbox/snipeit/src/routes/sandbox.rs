//! `/_sandbox/...`: inspection (state, webhook log), settings the vendor keeps out of its API
//! (throttle limit, Slack-compatible integration), and triggers for what staff do in Snipe-IT's
//! web UI (checkout, checkin, status change), which also send the integration's notifications.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use crate::{App, http::Input, state::Integration, state::now};

pub async fn state(State(app): State<App>) -> Response {
    let db = app.db.lock().expect("db lock");
    Json(json!({ "token": app.token, "db": &*db })).into_response()
}

pub async fn webhooks(State(app): State<App>) -> Response {
    Json(app.emitter.log()).into_response()
}

pub async fn get_throttle(State(app): State<App>) -> Response {
    let t = app.throttle.lock().expect("throttle lock");
    Json(json!({"per_minute": t.per_minute, "window_secs": t.window.as_secs()})).into_response()
}

/// `{"per_minute": n, "window_secs"?: 60}`: sets the limit and starts a fresh window.
pub async fn put_throttle(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let Some(n) = body.get("per_minute").and_then(Value::as_u64).filter(|n| *n > 0) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "per_minute: a positive integer"}))).into_response();
    };
    let window = body.get("window_secs").and_then(Value::as_u64).filter(|w| *w > 0).unwrap_or(60);
    app.throttle.lock().expect("throttle lock").reset(n.min(u64::from(u32::MAX)) as u32, Duration::from_secs(window));
    Json(json!({"per_minute": n, "window_secs": window})).into_response()
}

pub async fn get_integration(State(app): State<App>) -> Response {
    Json(json!(app.db.lock().expect("db lock").integration)).into_response()
}

/// Admin → Settings → Integrations: `{"webhook_endpoint": url, "webhook_channel"?, "webhook_botname"?}`
/// (`null` switches notifications off).
pub async fn put_integration(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let parsed = if body.is_null() { Ok(None) } else { serde_json::from_value::<Integration>(body).map(Some) };
    match parsed {
        Ok(cfg) => {
            app.db.lock().expect("db lock").integration = cfg.clone();
            Json(json!(cfg)).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    }
}

fn asset_id(app: &App, input: &Input) -> Option<u64> {
    let db = app.db.lock().expect("db lock");
    if let Some(id) = input.u64("asset_id") {
        return Some(id);
    }
    let tag = input.str("asset_tag")?;
    db.assets.values().find(|a| a.asset_tag == tag).map(|a| a.id)
}

/// Body as `POST /hardware/{id}/checkout`, plus `asset_id` or `asset_tag`.
pub async fn ui_checkout(State(app): State<App>, input: Input) -> Response {
    let id = asset_id(&app, &input);
    super::checkout::do_checkout(&app, id, &input)
}

/// Body as `POST /hardware/{id}/checkin`, plus `asset_id` or `asset_tag`.
pub async fn ui_checkin(State(app): State<App>, input: Input) -> Response {
    let id = asset_id(&app, &input);
    super::checkout::do_checkin(&app, id, &input)
}

/// `{"asset_tag"|"asset_id", "status_id"}`: staff change an asset's status (e.g. broken).
pub async fn ui_status(State(app): State<App>, input: Input) -> Response {
    let id = asset_id(&app, &input);
    let mut db = app.db.lock().expect("db lock");
    let Some(status) = input.u64("status_id").filter(|s| db.label(*s).is_some()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "unknown status_id"}))).into_response();
    };
    let Some(a) = id.and_then(|id| db.assets.get_mut(&id)).filter(|a| a.deleted_at.is_none()) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "unknown asset"}))).into_response();
    };
    a.status_id = status;
    a.updated_at = now();
    let (aid, tag) = (a.id, a.asset_tag.clone());
    db.log("update", aid, None, Some("status changed in the web UI".into()));
    let mut out = Map::new();
    out.insert("asset_tag".into(), json!(tag));
    out.insert("status_id".into(), json!(status));
    Json(Value::Object(out)).into_response()
}
