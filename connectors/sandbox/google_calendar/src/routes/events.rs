//! events.insert / get / update / patch / delete (`/calendar/v3/calendars/{calendarId}/events...`),
//! with server-side fields (id, etag, iCalUID, created/updated, creator/organizer, htmlLink), Google's
//! validation errors, client-supplied ids (409 on duplicates), `If-Match` (412) and
//! `If-None-Match` (304). Deleted events stay, with `status: "cancelled"`.

use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use base64::Engine;
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::{
    auth::json_body,
    error::{ApiResult, GoogleError},
    recurrence,
    routes::channels,
    state::{App, DEMO_ACCOUNT, State as Store, base32hex_id, rfc3339_ms},
    times,
};

const SERVER_FIELDS: &[&str] =
    &["kind", "etag", "created", "updated", "htmlLink", "creator", "organizer", "recurringEventId"];

/// RFC 7396 merge (Google's patch semantics: objects merge, arrays and scalars replace, null clears).
pub fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn check_times(ev: &Value, default_tz: Tz) -> Result<(), GoogleError> {
    for (field, what) in [("start", "start"), ("end", "end")] {
        let dt = &ev[field];
        if !dt.is_object() || (dt["date"].is_null() && dt["dateTime"].is_null()) {
            return Err(GoogleError::bad_request("required", format!("Missing {what} time.")));
        }
        if let Some(z) = dt["timeZone"].as_str()
            && times::zone(z).is_none()
        {
            return Err(GoogleError::bad_request("invalid", format!("Invalid time zone definition for {what} time.")));
        }
        if times::instant(dt, default_tz).is_none() {
            return Err(GoogleError::bad_request("invalid", format!("Invalid {what} time.")));
        }
    }
    if ev["start"]["date"].is_null() != ev["end"]["date"].is_null() {
        return Err(GoogleError::bad_request("invalid", "Invalid start time."));
    }
    let (s, e) = (times::instant(&ev["start"], default_tz), times::instant(&ev["end"], default_tz));
    if s > e || (s == e && ev["start"]["date"].is_string()) {
        return Err(GoogleError::bad_request("timeRangeEmpty", "The specified time range is empty."));
    }
    if let Some(lines) = ev["recurrence"].as_array() {
        if ev["start"]["dateTime"].is_string() && ev["start"]["timeZone"].is_null() {
            return Err(GoogleError::bad_request("required", "Missing time zone definition for start time."));
        }
        for line in lines {
            let l = line.as_str().unwrap_or_default();
            let known = ["RRULE:", "RRULE;", "EXDATE", "RDATE", "EXRULE"].iter().any(|p| l.starts_with(p));
            if !known || !l.contains(':') || (l.starts_with("RRULE") && !l.contains("FREQ=")) {
                return Err(GoogleError::bad_request("invalid", "Invalid recurrence rule."));
            }
        }
    }
    Ok(())
}

fn valid_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
}

/// Builds the stored resource from a client body (`previous`: the event being replaced).
pub fn materialize(st: &mut Store, calendar_id: &str, input: &Value, previous: Option<&Value>) -> ApiResult<Value> {
    let cal = st.calendar(calendar_id).ok_or_else(GoogleError::not_found)?;
    let (cal_id, cal_summary, primary) = (cal.id.clone(), cal.summary.clone(), cal.primary);
    let default_tz = times::zone(&cal.time_zone).unwrap_or(chrono_tz::Europe::Paris);
    let mut ev: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    for f in SERVER_FIELDS {
        ev.remove(*f);
    }
    let mut ev = Value::Object(ev);
    check_times(&ev, default_tz)?;
    let status = ev["status"].as_str().unwrap_or("confirmed").to_string();
    if !["confirmed", "tentative", "cancelled"].contains(&status.as_str()) {
        return Err(GoogleError::bad_request("invalid", "Invalid value for: status"));
    }
    let (rev, now) = st.tick();
    let now_s = rfc3339_ms(now);
    let id = match previous {
        Some(p) => p["id"].as_str().unwrap_or_default().to_string(),
        None => match ev["id"].as_str() {
            Some(id) if !valid_id(id) => return Err(GoogleError::bad_request("invalid", "Invalid resource id value.")),
            Some(id) if st.event(&cal_id, id).is_some() => {
                return Err(GoogleError::new(409, "global", "duplicate", "The requested identifier already exists."));
            }
            Some(id) => id.to_string(),
            None => base32hex_id(&mut fastrand::Rng::new(), 26),
        },
    };
    ev["kind"] = json!("calendar#event");
    ev["id"] = json!(id);
    ev["status"] = json!(status);
    ev["etag"] = json!(Store::etag(rev, now));
    ev["updated"] = json!(now_s);
    let eid = base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("{id} {cal_id}"));
    ev["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={eid}"));
    ev["creator"] = previous.map(|p| p["creator"].clone()).unwrap_or_else(|| json!({"email": DEMO_ACCOUNT}));
    ev["organizer"] = if primary {
        json!({"email": DEMO_ACCOUNT, "self": true})
    } else {
        json!({"email": cal_id, "displayName": cal_summary, "self": true})
    };
    match previous {
        Some(p) => {
            ev["created"] = p["created"].clone();
            ev["iCalUID"] = p["iCalUID"].clone();
            let moved = p["start"] != ev["start"] || p["end"] != ev["end"] || p["recurrence"] != ev["recurrence"];
            let seq = p["sequence"].as_i64().unwrap_or(0);
            ev["sequence"] = json!(if moved { seq + 1 } else { seq });
        }
        None => {
            ev["created"] = json!(now_s);
            if !ev["iCalUID"].is_string() {
                ev["iCalUID"] = json!(format!("{id}@google.com"));
            }
            if ev["sequence"].as_i64().is_none() {
                ev["sequence"] = json!(0);
            }
        }
    }
    if ev["reminders"].is_null() {
        ev["reminders"] = json!({"useDefault": true});
    }
    if ev["eventType"].is_null() {
        ev["eventType"] = json!("default");
    }
    if let Some(attendees) = ev.get_mut("attendees").and_then(Value::as_array_mut) {
        for a in attendees {
            if a["responseStatus"].is_null() {
                a["responseStatus"] = json!("needsAction");
            }
        }
    }
    st.put_event(&cal_id, ev.clone(), rev);
    Ok(ev)
}

/// The event as shown to clients (`timeZone` re-expresses `dateTime`s).
pub fn present(ev: &Value, tz: Option<Tz>) -> Value {
    let mut out = ev.clone();
    if let Some(tz) = tz {
        for f in ["start", "end", "originalStartTime"] {
            if let Some(dt) = out.get_mut(f) {
                times::reexpress(dt, tz);
            }
        }
    }
    out
}

fn if_match(headers: &HeaderMap, etag: &str) -> Result<(), GoogleError> {
    let Some(want) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let norm = |s: &str| s.trim().trim_start_matches("W/").trim_matches('"').to_string();
    if want.trim() == "*" || want.split(',').any(|w| norm(w) == norm(etag)) {
        Ok(())
    } else {
        Err(GoogleError::new(412, "global", "conditionNotMet", "Precondition Failed").at("header", "If-Match"))
    }
}

fn tz_param(q: &HashMap<String, String>) -> Option<Tz> {
    q.get("timeZone").and_then(|z| times::zone(z))
}

pub async fn insert(State(app): State<App>, Path(calendar_id): Path<String>, body: Bytes) -> ApiResult {
    let input = json_body(&body)?;
    let mut st = app.lock();
    let ev = materialize(&mut st, &calendar_id, &input, None)?;
    channels::notify(&mut st, &app.emitter, &calendar_id, "exists");
    Ok(Json(present(&ev, None)).into_response())
}

pub async fn get(
    State(app): State<App>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult {
    let st = app.lock();
    let ev = match st.event(&calendar_id, &event_id) {
        Some(e) => e.res.clone(),
        None => crate::routes::list::find_instance(&st, &calendar_id, &event_id).ok_or_else(GoogleError::not_found)?,
    };
    let etag = ev["etag"].as_str().unwrap_or_default();
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok())
        && inm.split(',').any(|t| t.trim() == etag)
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok(Json(present(&ev, tz_param(&q))).into_response())
}

async fn replace(
    app: App,
    calendar_id: String,
    event_id: String,
    headers: HeaderMap,
    body: Bytes,
    patch: bool,
) -> ApiResult {
    let input = json_body(&body)?;
    let mut st = app.lock();
    let previous = st.event(&calendar_id, &event_id).ok_or_else(GoogleError::not_found)?.res.clone();
    if_match(&headers, previous["etag"].as_str().unwrap_or_default())?;
    let merged = if patch {
        let mut m = previous.clone();
        merge(&mut m, &input);
        // switching a time between `date` and `dateTime` drops the other form
        for f in ["start", "end"] {
            for (sent, other) in [("dateTime", "date"), ("date", "dateTime")] {
                if input[f][sent].is_string()
                    && input[f][other].is_null()
                    && let Some(o) = m.get_mut(f).and_then(Value::as_object_mut)
                {
                    o.remove(other);
                }
            }
        }
        m
    } else {
        input
    };
    let ev = materialize(&mut st, &calendar_id, &merged, Some(&previous))?;
    channels::notify(&mut st, &app.emitter, &calendar_id, "exists");
    Ok(Json(present(&ev, None)).into_response())
}

pub async fn update(
    State(app): State<App>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    replace(app, calendar_id, event_id, headers, body, false).await
}

pub async fn patch(
    State(app): State<App>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    replace(app, calendar_id, event_id, headers, body, true).await
}

/// Marks an event cancelled (410 `deleted` when it already is).
pub fn cancel(st: &mut Store, calendar_id: &str, event_id: &str, headers: Option<&HeaderMap>) -> ApiResult<()> {
    let previous = st.event(calendar_id, event_id).ok_or_else(GoogleError::not_found)?.res.clone();
    if previous["status"] == "cancelled" {
        return Err(GoogleError::new(410, "global", "deleted", "Resource has been deleted"));
    }
    if let Some(h) = headers {
        if_match(h, previous["etag"].as_str().unwrap_or_default())?;
    }
    let (rev, now) = st.tick();
    let mut ev = previous;
    ev["status"] = json!("cancelled");
    ev["updated"] = json!(rfc3339_ms(now));
    ev["etag"] = json!(Store::etag(rev, now));
    let cal_id = st.resolve_calendar_id(calendar_id);
    st.put_event(&cal_id, ev, rev);
    Ok(())
}

pub async fn delete(
    State(app): State<App>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult {
    let mut st = app.lock();
    cancel(&mut st, &calendar_id, &event_id, Some(&headers))?;
    channels::notify(&mut st, &app.emitter, &calendar_id, "exists");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Ids of a recurring series' instances (`{master}_{YYYYMMDDTHHMMSSZ}` or `{master}_{YYYYMMDD}`).
pub fn instance_id(master: &str, local: chrono::NaiveDateTime, tz: Tz, all_day: bool) -> String {
    if all_day {
        format!("{master}_{}", local.format("%Y%m%d"))
    } else {
        let utc = times::to_utc(local, tz).unwrap_or_else(|| local.and_utc());
        format!("{master}_{}", utc.format("%Y%m%dT%H%M%SZ"))
    }
}

/// Whether an event's recurrence can be expanded by the sandbox.
pub fn rule_of(ev: &Value, default_tz: Tz) -> Option<recurrence::Rule> {
    let lines: Vec<String> = ev["recurrence"].as_array()?.iter().filter_map(|l| l.as_str().map(String::from)).collect();
    let tz = ev["start"]["timeZone"].as_str().and_then(times::zone).unwrap_or(default_tz);
    recurrence::parse(&lines, tz).ok().flatten()
}
