//! `/_sandbox/...` inspection and trigger routes (no auth, never faulted): the store's state, the
//! push-notification log, channels, every stored event of a calendar (cancelled ones too);
//! "staff add/cancel an event directly in Google Calendar" (notifies watch channels like a client
//! change would), sync-token expiry (next use → 410), access-token expiry and TTL configuration.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
    routing::{delete, get, post},
};
use chrono::Utc;
use serde_json::{Value, json};

use crate::{
    auth::json_body,
    error::{ApiResult, GoogleError},
    routes::{channels, events},
    state::App,
};

async fn state(State(app): State<App>) -> Json<Value> {
    Json(app.lock().summary())
}

async fn webhooks(State(app): State<App>) -> impl IntoResponse {
    Json(app.emitter.log())
}

async fn list_channels(State(app): State<App>) -> impl IntoResponse {
    channels::all(&app.lock())
}

async fn stored_events(State(app): State<App>, Path(calendar_id): Path<String>) -> ApiResult {
    let st = app.lock();
    let cal = st.calendar(&calendar_id).ok_or_else(GoogleError::not_found)?;
    Ok(Json(cal.events.values().map(|e| json!({"rev": e.rev, "event": e.res})).collect::<Vec<_>>()).into_response())
}

async fn staff_add(State(app): State<App>, Path(calendar_id): Path<String>, body: Bytes) -> ApiResult {
    let input = json_body(&body)?;
    let mut st = app.lock();
    let ev = events::materialize(&mut st, &calendar_id, &input, None)?;
    channels::notify(&mut st, &app.emitter, &calendar_id, "exists");
    Ok((StatusCode::CREATED, Json(ev)).into_response())
}

async fn staff_cancel(State(app): State<App>, Path((calendar_id, event_id)): Path<(String, String)>) -> ApiResult {
    let mut st = app.lock();
    events::cancel(&mut st, &calendar_id, &event_id, None)?;
    channels::notify(&mut st, &app.emitter, &calendar_id, "exists");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn expire_sync_tokens(State(app): State<App>, Path(calendar_id): Path<String>) -> ApiResult {
    let mut st = app.lock();
    // tokens carry the revision they were issued at: every outstanding one is now below the floor
    let (rev, _) = st.tick();
    let cal = st.calendar_mut(&calendar_id).ok_or_else(GoogleError::not_found)?;
    cal.sync_floor = rev;
    Ok(Json(json!({"calendarId": cal.id, "syncFloor": rev})).into_response())
}

async fn expire_access_tokens(State(app): State<App>) -> impl IntoResponse {
    let mut st = app.lock();
    let now = Utc::now();
    let n = st.access_tokens.len();
    for t in st.access_tokens.values_mut() {
        t.expires_at = now;
    }
    Json(json!({"expired": n}))
}

fn config(st: &crate::state::State) -> Value {
    json!({
        "accessTokenTtlSecs": st.access_token_ttl_secs,
        "userRateLimit": st.user_rate_limit.map(|(r, w)| json!({"requests": r, "windowSecs": w})),
    })
}

async fn get_config(State(app): State<App>) -> impl IntoResponse {
    Json(config(&app.lock()))
}

/// `{"accessTokenTtlSecs": n}` for new access tokens; `{"userRateLimit": {"requests", "windowSecs"} | null}`
/// for the per-user quota (over it: Google's 403 `userRateLimitExceeded`). Absent keys are unchanged.
async fn put_config(State(app): State<App>, body: Bytes) -> ApiResult {
    let body = json_body(&body)?;
    let invalid = |m: &str| GoogleError::bad_request("invalid", m.to_string());
    let ttl = match &body["accessTokenTtlSecs"] {
        Value::Null => None,
        v => Some(v.as_i64().filter(|t| *t >= 0).ok_or_else(|| invalid("accessTokenTtlSecs: a non-negative integer"))?),
    };
    let limit = match body.get("userRateLimit") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => {
            let r = v["requests"].as_u64().ok_or_else(|| invalid("userRateLimit.requests: an integer"))?;
            let w =
                v["windowSecs"].as_i64().filter(|w| *w > 0).ok_or_else(|| invalid("userRateLimit.windowSecs: > 0"))?;
            Some(Some((r, w)))
        }
    };
    let mut st = app.lock();
    if let Some(t) = ttl {
        st.access_token_ttl_secs = t;
    }
    if let Some(l) = limit {
        st.user_rate_limit = l;
        st.rate_window = (0, 0);
    }
    Ok(Json(config(&st)).into_response())
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/webhooks", get(webhooks))
        .route("/_sandbox/channels", get(list_channels))
        .route("/_sandbox/calendars/{calendarId}/events", get(stored_events).post(staff_add))
        .route("/_sandbox/calendars/{calendarId}/events/{eventId}", delete(staff_cancel))
        .route("/_sandbox/calendars/{calendarId}/expire-sync-tokens", post(expire_sync_tokens))
        .route("/_sandbox/oauth/expire-access-tokens", post(expire_access_tokens))
        .route("/_sandbox/config", get(get_config).put(put_config))
        .with_state(app)
}
