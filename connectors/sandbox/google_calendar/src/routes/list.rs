//! events.list (`GET /calendar/v3/calendars/{calendarId}/events`) and events.instances: filters
//! (timeMin/timeMax, q, updatedMin, iCalUID, private/sharedExtendedProperty, showDeleted),
//! `singleEvents` expansion of recurring series, `orderBy`, `maxResults`/`pageToken` paging, and
//! `syncToken` incremental sync (`nextSyncToken` on the last page; expired/invalid → 410 Gone).

use axum::{
    Json,
    extract::{Path, RawQuery, State},
    response::{IntoResponse, Response},
};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::{
    error::{ApiResult, GoogleError},
    recurrence,
    routes::events::{instance_id, present, rule_of},
    state::{App, Calendar, State as Store},
    times,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x01000193))
}

/// An opaque sync token for `calendar` at revision `rev`.
pub fn sync_token(calendar: &str, rev: u64) -> String {
    B64.encode(format!("CP{rev}:{:08x}", fnv(calendar)))
}

fn decode_sync_token(token: &str, calendar: &str) -> Option<u64> {
    let raw = String::from_utf8(B64.decode(token).ok()?).ok()?;
    let (rev, hash) = raw.strip_prefix("CP")?.split_once(':')?;
    (hash == format!("{:08x}", fnv(calendar))).then_some(())?;
    rev.parse().ok()
}

fn page_token(offset: usize, snapshot: u64) -> String {
    B64.encode(format!("pg{offset}.{snapshot}"))
}

fn decode_page_token(token: &str) -> Option<(usize, u64)> {
    let raw = String::from_utf8(B64.decode(token).ok()?).ok()?;
    let (o, s) = raw.strip_prefix("pg")?.split_once('.')?;
    Some((o.parse().ok()?, s.parse().ok()?))
}

/// The instances of a recurring series up to `horizon`, or `None` when it is not an expandable series.
pub fn expand(ev: &Value, default_tz: Tz, horizon: DateTime<Utc>, max: usize) -> Option<Vec<Value>> {
    let rule = rule_of(ev, default_tz)?;
    let (start, tz, all_day) = times::local(&ev["start"], default_tz)?;
    let (end, _, _) = times::local(&ev["end"], tz)?;
    let length = end - start;
    let master = ev["id"].as_str().unwrap_or_default();
    let zone_s = ev["start"]["timeZone"].as_str();
    let zone_e = ev["end"]["timeZone"].as_str();
    let out = recurrence::expand(&rule, start, tz, all_day, horizon, max)
        .into_iter()
        .map(|local| {
            let mut inst = ev.clone();
            if let Some(o) = inst.as_object_mut() {
                o.remove("recurrence");
            }
            inst["id"] = json!(instance_id(master, local, tz, all_day));
            inst["recurringEventId"] = json!(master);
            inst["originalStartTime"] = times::event_datetime(local, tz, all_day, zone_s);
            inst["start"] = times::event_datetime(local, tz, all_day, zone_s);
            inst["end"] = times::event_datetime(local + length, tz, all_day, zone_e);
            inst
        })
        .collect();
    Some(out)
}

fn default_tz(cal: &Calendar) -> Tz {
    times::zone(&cal.time_zone).unwrap_or(chrono_tz::Europe::Paris)
}

/// An instance of a stored series, looked up by its id.
pub fn find_instance(st: &Store, calendar_id: &str, id: &str) -> Option<Value> {
    let cal = st.calendar(calendar_id)?;
    let (master, stamp) = id.rsplit_once('_')?;
    let ev = &st.event(calendar_id, master)?.res;
    let day = chrono::NaiveDate::parse_from_str(stamp.get(..8)?, "%Y%m%d").ok()?;
    let horizon = day.and_hms_opt(0, 0, 0)?.and_utc() + Duration::days(2);
    expand(ev, default_tz(cal), horizon, 100_000)?.into_iter().find(|i| i["id"] == id)
}

fn overlaps(ev: &Value, tz: Tz, min: Option<DateTime<Utc>>, max: Option<DateTime<Utc>>) -> bool {
    let (Some(s), Some(e)) = (times::instant(&ev["start"], tz), times::instant(&ev["end"], tz)) else { return false };
    min.is_none_or(|m| e > m) && max.is_none_or(|m| s < m)
}

fn matches_q(ev: &Value, q: &str) -> bool {
    let hay = ["summary", "description", "location"]
        .iter()
        .filter_map(|f| ev[*f].as_str())
        .chain(
            ev["attendees"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|a| [a["email"].as_str(), a["displayName"].as_str()])
                .flatten(),
        )
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    q.to_lowercase().split_whitespace().all(|w| hay.contains(w))
}

fn bad_param(name: &str) -> GoogleError {
    GoogleError::bad_request("invalid", format!("Invalid value for: {name}")).at("parameter", name.to_string())
}

/// Answers an Events collection page.
fn page(
    cal: &Calendar,
    items: Vec<Value>,
    offset: usize,
    max: usize,
    snapshot: u64,
    tz: Option<Tz>,
    sync: bool,
) -> Response {
    let total = items.len();
    let end = (offset + max).min(total);
    let shown: Vec<Value> = items.into_iter().skip(offset).take(max).map(|e| present(&e, tz)).collect();
    let updated = cal.events.values().filter_map(|e| e.res["updated"].as_str().map(String::from)).max();
    let mut body = json!({
        "kind": "calendar#events",
        "etag": format!("\"p{snapshot:x}\""),
        "summary": cal.summary,
        "updated": updated.unwrap_or_else(|| crate::state::rfc3339_ms(Utc::now())),
        "timeZone": tz.map(|t| t.name().to_string()).unwrap_or_else(|| cal.time_zone.clone()),
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "items": shown,
    });
    if let Some(d) = &cal.description {
        body["description"] = json!(d);
    }
    if end < total {
        body["nextPageToken"] = json!(page_token(end, snapshot));
    } else if sync {
        body["nextSyncToken"] = json!(sync_token(&cal.id, snapshot));
    }
    Json(body).into_response()
}

struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect()
    }
    fn flag(&self, k: &str) -> bool {
        self.get(k) == Some("true")
    }
    fn time(&self, k: &str) -> Result<Option<DateTime<Utc>>, GoogleError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => times::parse_param(v)
                .map(Some)
                .ok_or_else(|| GoogleError::bad_request("badRequest", "Bad Request").at("parameter", k.to_string())),
        }
    }
    fn max_results(&self, default: usize, cap: usize) -> Result<usize, GoogleError> {
        match self.get("maxResults") {
            None => Ok(default),
            Some(v) => {
                v.parse::<usize>().ok().filter(|n| *n > 0).map(|n| n.min(cap)).ok_or_else(|| bad_param("maxResults"))
            }
        }
    }
    fn page(&self, rev: u64) -> Result<(usize, u64), GoogleError> {
        match self.get("pageToken") {
            None => Ok((0, rev)),
            Some(t) => decode_page_token(t).ok_or_else(|| bad_param("pageToken")),
        }
    }
}

fn params(raw: Option<String>) -> Params {
    Params(form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
}

fn ext_matches(ev: &Value, kind: &str, filters: &[&str]) -> bool {
    filters.iter().all(|f| {
        let (k, v) = f.split_once('=').unwrap_or((f, ""));
        ev["extendedProperties"][kind][k].as_str() == Some(v)
    })
}

pub async fn list(State(app): State<App>, Path(calendar_id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let p = params(raw);
    let st = app.lock();
    let cal = st.calendar(&calendar_id).ok_or_else(GoogleError::not_found)?;
    let tz = default_tz(cal);
    let max = p.max_results(250, 2500)?;
    let (time_min, time_max, updated_min) = (p.time("timeMin")?, p.time("timeMax")?, p.time("updatedMin")?);
    let since = match p.get("syncToken") {
        None => None,
        Some(token) => {
            let forbidden = [
                "iCalUID",
                "orderBy",
                "privateExtendedProperty",
                "q",
                "sharedExtendedProperty",
                "timeMin",
                "timeMax",
                "updatedMin",
            ];
            if let Some(f) = forbidden.iter().find(|f| p.get(f).is_some()) {
                return Err(GoogleError::bad_request(
                    "invalid",
                    format!("Sync token cannot be used with parameter {f}."),
                )
                .at("parameter", f.to_string()));
            }
            match decode_sync_token(token, &cal.id) {
                Some(rev) if rev >= cal.sync_floor && rev <= st.rev => Some(rev),
                _ => {
                    return Err(GoogleError::new(
                        410,
                        "global",
                        "fullSyncRequired",
                        "Sync token is no longer valid, a full sync is required.",
                    )
                    .at("parameter", "syncToken"));
                }
            }
        }
    };
    if let (Some(a), Some(b)) = (time_min, time_max)
        && b <= a
    {
        return Err(GoogleError::new(400, "calendar", "timeRangeEmpty", "The specified time range is empty.")
            .at("parameter", "timeMax"));
    }
    let single = p.flag("singleEvents");
    let order = p.get("orderBy");
    match order {
        None | Some("updated") => {}
        Some("startTime") if single => {}
        Some("startTime") => {
            return Err(GoogleError::bad_request(
                "badRequest",
                "The requested ordering is not available for the particular query.",
            ));
        }
        Some(_) => return Err(bad_param("orderBy")),
    }
    let (offset, snapshot) = p.page(st.rev)?;
    let show_deleted = p.flag("showDeleted") || since.is_some();
    let (private, shared) = (p.all("privateExtendedProperty"), p.all("sharedExtendedProperty"));
    let horizon = time_max.unwrap_or_else(|| Utc::now() + Duration::days(730));
    let mut stored: Vec<_> = cal.events.values().collect();
    if since.is_some() {
        stored.sort_by_key(|e| e.rev);
    }
    let mut items = Vec::new();
    for e in stored {
        let ev = &e.res;
        if since.is_some_and(|r| e.rev <= r) || (!show_deleted && e.cancelled()) {
            continue;
        }
        if updated_min.is_some_and(|m| ev["updated"].as_str().and_then(times::parse_param).is_some_and(|u| u < m))
            || p.get("iCalUID").is_some_and(|u| ev["iCalUID"] != u)
            || p.get("q").is_some_and(|q| !matches_q(ev, q))
            || !ext_matches(ev, "private", &private)
            || !ext_matches(ev, "shared", &shared)
        {
            continue;
        }
        match expand(ev, tz, horizon, 2500) {
            Some(instances) if single && !e.cancelled() => {
                items.extend(instances.into_iter().filter(|i| overlaps(i, tz, time_min, time_max)));
            }
            Some(instances) => {
                if since.is_some() || instances.iter().any(|i| overlaps(i, tz, time_min, time_max)) || e.cancelled() {
                    items.push(ev.clone());
                }
            }
            None => {
                let recurring = ev["recurrence"].is_array();
                let keep = if recurring {
                    time_max.is_none_or(|m| times::instant(&ev["start"], tz).is_some_and(|s| s < m))
                } else {
                    overlaps(ev, tz, time_min, time_max)
                };
                if keep || since.is_some() {
                    items.push(ev.clone());
                }
            }
        }
    }
    match order {
        Some("startTime") => items.sort_by_key(|i| times::instant(&i["start"], tz)),
        Some("updated") => items.sort_by(|a, b| a["updated"].as_str().cmp(&b["updated"].as_str())),
        _ => {}
    }
    let out_tz = p.get("timeZone").and_then(times::zone);
    Ok(page(cal, items, offset, max, snapshot, out_tz, true))
}

pub async fn instances(
    State(app): State<App>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let p = params(raw);
    let st = app.lock();
    let cal = st.calendar(&calendar_id).ok_or_else(GoogleError::not_found)?;
    let tz = default_tz(cal);
    let ev = st.event(&calendar_id, &event_id).ok_or_else(GoogleError::not_found)?;
    let max = p.max_results(250, 2500)?;
    let (time_min, time_max) = (p.time("timeMin")?, p.time("timeMax")?);
    let (offset, snapshot) = p.page(st.rev)?;
    let horizon = time_max.unwrap_or_else(|| Utc::now() + Duration::days(730));
    let items: Vec<Value> = if ev.cancelled() && !p.flag("showDeleted") {
        vec![]
    } else {
        expand(&ev.res, tz, horizon, 2500)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| overlaps(i, tz, time_min, time_max))
            .filter(|i| {
                p.get("originalStart")
                    .is_none_or(|o| times::instant(&i["originalStartTime"], tz) == times::parse_param(o))
            })
            .collect()
    };
    let out_tz = p.get("timeZone").and_then(times::zone);
    Ok(page(cal, items, offset, max, snapshot, out_tz, false))
}
