//! Push notifications: events.watch (`POST /calendar/v3/calendars/{calendarId}/events/watch`)
//! opens a channel and sends the `sync` message at once; every later change to that calendar's
//! events sends `exists` (calendar deleted: `not_exists`); channels.stop
//! (`POST /calendar/v3/channels/stop`) closes it. Messages are empty-bodied POSTs with Google's
//! `X-Goog-*` headers (no signature: receivers check channel id + token + resource id).

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Duration, Utc};
use hub_sandbox_core::WebhookEmitter;
use serde_json::{Value, json};

use crate::{
    auth::json_body,
    error::{ApiResult, GoogleError},
    state::{App, Channel, State as Store, base32hex_id},
};

/// Default and maximum channel lifetimes (Google: one week by default for events).
const DEFAULT_TTL_SECS: i64 = 7 * 24 * 3600;
const MAX_TTL_SECS: i64 = 30 * 24 * 3600;

fn channel_json(c: &Channel) -> Value {
    let mut v = json!({
        "kind": "api#channel",
        "id": c.id,
        "resourceId": c.resource_id,
        "resourceUri": c.resource_uri,
        "expiration": c.expiration_ms.to_string(),
    });
    if let Some(t) = &c.token {
        v["token"] = json!(t);
    }
    v
}

fn send(c: &mut Channel, emitter: &WebhookEmitter, state: &str) {
    c.message_number += 1;
    let expiration = DateTime::from_timestamp_millis(c.expiration_ms)
        .unwrap_or_else(Utc::now)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let mut headers = vec![
        ("X-Goog-Channel-ID".to_string(), c.id.clone()),
        ("X-Goog-Channel-Expiration".to_string(), expiration),
        ("X-Goog-Resource-ID".to_string(), c.resource_id.clone()),
        ("X-Goog-Resource-URI".to_string(), c.resource_uri.clone()),
        ("X-Goog-Resource-State".to_string(), state.to_string()),
        ("X-Goog-Message-Number".to_string(), c.message_number.to_string()),
    ];
    if let Some(t) = &c.token {
        headers.insert(1, ("X-Goog-Channel-Token".to_string(), t.clone()));
    }
    emitter.emit(&c.address, state, headers, String::new());
}

/// Tells every live channel on `calendar_id` that its events changed.
pub fn notify(st: &mut Store, emitter: &WebhookEmitter, calendar_id: &str, state: &str) {
    let cal = st.resolve_calendar_id(calendar_id);
    let now = Utc::now().timestamp_millis();
    for c in st.channels.iter_mut().filter(|c| c.calendar_id == cal && !c.stopped && c.expiration_ms > now) {
        send(c, emitter, state);
    }
}

pub async fn watch(State(app): State<App>, Path(calendar_id): Path<String>, body: Bytes) -> ApiResult {
    let req = json_body(&body)?;
    let mut st = app.lock();
    let cal_id = st.calendar(&calendar_id).ok_or_else(GoogleError::not_found)?.id.clone();
    let id = req["id"].as_str().unwrap_or_default().to_string();
    if id.is_empty() || id.len() > 64 {
        return Err(GoogleError::bad_request("required", "Required channel id").at("parameter", "id"));
    }
    if !matches!(req["type"].as_str(), Some("web_hook" | "webhook")) {
        return Err(GoogleError::bad_request("invalid", "Unknown channel type").at("parameter", "type"));
    }
    let address = req["address"].as_str().unwrap_or_default().to_string();
    if !(address.starts_with("https://") || address.starts_with("http://")) {
        return Err(GoogleError::bad_request(
            "push.webhookUrlNotHttps",
            "WebHook callback must be HTTPS: ".to_string() + &address,
        ));
    }
    if st.channels.iter().any(|c| c.id == id && !c.stopped) {
        return Err(GoogleError::bad_request("channelIdNotUnique", "Channel id not unique"));
    }
    let token = req["token"].as_str().map(String::from);
    if token.as_ref().is_some_and(|t| t.len() > 256) {
        return Err(GoogleError::bad_request("invalid", "Channel token too long").at("parameter", "token"));
    }
    let now = Utc::now();
    let asked = match &req["expiration"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    let ttl = req["params"]["ttl"].as_str().and_then(|t| t.parse::<i64>().ok());
    let default = (now + Duration::seconds(ttl.unwrap_or(DEFAULT_TTL_SECS).clamp(1, MAX_TTL_SECS))).timestamp_millis();
    let max = (now + Duration::seconds(MAX_TTL_SECS)).timestamp_millis();
    let expiration_ms = match asked {
        Some(ms) if ms > now.timestamp_millis() => ms.min(max),
        _ => default,
    };
    let encoded: String = form_urlencoded::byte_serialize(cal_id.as_bytes()).collect();
    let mut channel = Channel {
        id,
        resource_id: base32hex_id(&mut fastrand::Rng::new(), 27),
        resource_uri: format!("{}/calendar/v3/calendars/{encoded}/events?alt=json", st.base_url),
        calendar_id: cal_id,
        address,
        token,
        expiration_ms,
        message_number: 0,
        stopped: false,
    };
    send(&mut channel, &app.emitter, "sync");
    let body = channel_json(&channel);
    st.channels.push(channel);
    Ok(Json(body).into_response())
}

pub async fn stop(State(app): State<App>, body: Bytes) -> ApiResult {
    let req = json_body(&body)?;
    let (id, resource_id) = (req["id"].as_str().unwrap_or_default(), req["resourceId"].as_str().unwrap_or_default());
    let mut st = app.lock();
    match st.channels.iter_mut().find(|c| c.id == id && c.resource_id == resource_id && !c.stopped) {
        Some(c) => {
            c.stopped = true;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => {
            Err(GoogleError::new(404, "global", "notFound", format!("Channel '{id}' not found for project 'sandbox'")))
        }
    }
}

/// For `/_sandbox/...`: the channels as JSON.
pub fn all(st: &Store) -> Response {
    Json(st.channels.iter().map(|c| json!({"channel": channel_json(c), "address": c.address, "calendarId": c.calendar_id, "messages": c.message_number, "stopped": c.stopped})).collect::<Vec<_>>()).into_response()
}
