//! Calendars and the calendar list: calendarList.list/get (`/calendar/v3/users/me/calendarList`),
//! calendars.get/insert/patch/delete (`/calendar/v3/calendars[/{calendarId}]`). The demo account
//! owns every calendar, so each calendar is in its list with `accessRole: "owner"`.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde_json::{Value, json};

use crate::{
    auth::json_body,
    error::{ApiResult, GoogleError},
    routes::{channels, list::sync_token},
    state::{App, Calendar, State as Store, base32hex_id},
    times,
};

const COLORS: &[(&str, &str)] = &[
    ("#ac725e", "#1d1d1d"),
    ("#d06b64", "#1d1d1d"),
    ("#f83a22", "#1d1d1d"),
    ("#fa573c", "#1d1d1d"),
    ("#ff7537", "#1d1d1d"),
    ("#ffad46", "#1d1d1d"),
    ("#42d692", "#1d1d1d"),
    ("#16a765", "#1d1d1d"),
    ("#7bd148", "#1d1d1d"),
];

pub fn calendar_json(c: &Calendar) -> Value {
    let mut v = json!({
        "kind": "calendar#calendar",
        "etag": c.etag,
        "id": c.id,
        "summary": c.summary,
        "timeZone": c.time_zone,
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    });
    if let Some(d) = &c.description {
        v["description"] = json!(d);
    }
    if let Some(l) = &c.location {
        v["location"] = json!(l);
    }
    v
}

pub fn entry_json(c: &Calendar) -> Value {
    let mut v = calendar_json(c);
    let color: usize = c.color_id.parse().unwrap_or(1);
    let (bg, fg) = COLORS[(color.max(1) - 1) % COLORS.len()];
    v["kind"] = json!("calendar#calendarListEntry");
    v["colorId"] = json!(c.color_id);
    v["backgroundColor"] = json!(bg);
    v["foregroundColor"] = json!(fg);
    v["selected"] = json!(true);
    v["accessRole"] = json!("owner");
    v["defaultReminders"] = json!([{"method": "popup", "minutes": 10}]);
    if c.primary {
        v["primary"] = json!(true);
        v["notificationSettings"] = json!({"notifications": [{"type": "eventCreation", "method": "email"}]});
    }
    if c.deleted {
        v["deleted"] = json!(true);
    }
    v
}

pub async fn list_entries(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let p: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let st = app.lock();
    let since = match get("syncToken") {
        None => None,
        Some(t) => Some(list_sync_rev(t, st.rev).ok_or_else(|| {
            GoogleError::new(
                410,
                "global",
                "fullSyncRequired",
                "Sync token is no longer valid, a full sync is required.",
            )
            .at("parameter", "syncToken")
        })?),
    };
    let max = match get("maxResults") {
        None => 100,
        Some(m) => m.parse::<usize>().ok().filter(|m| *m > 0).map(|m| m.min(250)).ok_or_else(|| {
            GoogleError::bad_request("invalid", "Invalid value for: maxResults").at("parameter", "maxResults")
        })?,
    };
    let (offset, snapshot) = match get("pageToken") {
        None => (0, st.rev),
        Some(t) => t
            .split_once('.')
            .and_then(|(o, s)| Some((o.strip_prefix("cl")?.parse().ok()?, s.parse().ok()?)))
            .ok_or_else(|| GoogleError::bad_request("invalid", "Invalid page token").at("parameter", "pageToken"))?,
    };
    let show_deleted = get("showDeleted") == Some("true") || since.is_some();
    let items: Vec<Value> = st
        .calendars
        .iter()
        .filter(|c| since.is_none_or(|r| c.rev > r) && (show_deleted || !c.deleted))
        .map(entry_json)
        .collect();
    let total = items.len();
    let mut body = json!({
        "kind": "calendar#calendarList",
        "etag": format!("\"p{snapshot:x}\""),
        "items": items.into_iter().skip(offset).take(max).collect::<Vec<_>>(),
    });
    if offset + max < total {
        body["nextPageToken"] = json!(format!("cl{}.{snapshot}", offset + max));
    } else {
        body["nextSyncToken"] = json!(sync_token("users/me/calendarList", snapshot));
    }
    Ok(Json(body).into_response())
}

fn list_sync_rev(token: &str, current: u64) -> Option<u64> {
    (0..=current).rev().find(|r| sync_token("users/me/calendarList", *r) == token)
}

pub async fn get_entry(State(app): State<App>, Path(calendar_id): Path<String>) -> ApiResult {
    let st = app.lock();
    let c = st.calendar(&calendar_id).ok_or_else(GoogleError::not_found)?;
    Ok(Json(entry_json(c)).into_response())
}

pub async fn get(State(app): State<App>, Path(calendar_id): Path<String>) -> ApiResult {
    let st = app.lock();
    let c = st.calendar(&calendar_id).ok_or_else(GoogleError::not_found)?;
    Ok(Json(calendar_json(c)).into_response())
}

fn apply(c: &mut Calendar, body: &Value) -> Result<(), GoogleError> {
    if let Some(s) = body["summary"].as_str() {
        c.summary = s.to_string();
    }
    if let Some(z) = body["timeZone"].as_str() {
        if times::zone(z).is_none() {
            return Err(
                GoogleError::bad_request("invalid", "Invalid time zone definition.").at("parameter", "timeZone")
            );
        }
        c.time_zone = z.to_string();
    }
    for (field, slot) in [("description", &mut c.description), ("location", &mut c.location)] {
        match &body[field] {
            Value::String(s) => *slot = Some(s.clone()),
            Value::Null if body.get(field).is_some() => *slot = None,
            _ => {}
        }
    }
    Ok(())
}

/// Creates a calendar in the store (also used by the seed).
pub fn create<'a>(st: &'a mut Store, id: String, summary: &str, time_zone: &str, primary: bool) -> &'a mut Calendar {
    let (rev, now) = st.tick();
    let color_id = (st.calendars.len() % COLORS.len() + 1).to_string();
    st.calendars.push(Calendar {
        id,
        summary: summary.to_string(),
        description: None,
        location: None,
        time_zone: time_zone.to_string(),
        primary,
        color_id,
        deleted: false,
        rev,
        etag: Store::etag(rev, now),
        sync_floor: 0,
        events: Default::default(),
        index: Default::default(),
    });
    st.calendars.last_mut().expect("just pushed")
}

pub async fn insert(State(app): State<App>, body: Bytes) -> ApiResult {
    let body = json_body(&body)?;
    if body["summary"].as_str().is_none_or(str::is_empty) {
        return Err(GoogleError::bad_request("required", "Missing title."));
    }
    let mut st = app.lock();
    let id = format!("c_{}@group.calendar.google.com", base32hex_id(&mut fastrand::Rng::new(), 40));
    let c = create(&mut st, id, "", "Europe/Paris", false);
    apply(c, &body)?;
    Ok(Json(calendar_json(c)).into_response())
}

pub async fn patch(State(app): State<App>, Path(calendar_id): Path<String>, body: Bytes) -> ApiResult {
    let body = json_body(&body)?;
    let mut st = app.lock();
    let (rev, now) = st.tick();
    let c = st.calendar_mut(&calendar_id).ok_or_else(GoogleError::not_found)?;
    apply(c, &body)?;
    c.rev = rev;
    c.etag = Store::etag(rev, now);
    Ok(Json(calendar_json(c)).into_response())
}

pub async fn delete(State(app): State<App>, Path(calendar_id): Path<String>) -> ApiResult {
    let mut st = app.lock();
    let (rev, now) = st.tick();
    let c = st.calendar_mut(&calendar_id).ok_or_else(GoogleError::not_found)?;
    if c.primary {
        return Err(GoogleError::bad_request("cannotDeletePrimaryCalendar", "Cannot delete primary calendar."));
    }
    c.deleted = true;
    c.rev = rev;
    c.etag = Store::etag(rev, now);
    let id = c.id.clone();
    channels::notify(&mut st, &app.emitter, &id, "not_exists");
    Ok(StatusCode::NO_CONTENT.into_response())
}
