//! Events as source records of the `events` stream, their times, and the hub's write marker.
//!
//! # The ping-pong marker
//! Every event the hub writes carries, in `extendedProperties.private`, `hub_booking_id` (the
//! canonical booking's id) and `hub_written_hash`: [`content_hash`] of what the hub wrote — summary,
//! start and end as UTC instants, all-day or not, status. Reading an event back, the same hash is
//! computed from the event as Google shows it; `hub_origin` is true when both are equal, i.e. the
//! event is exactly what the hub last wrote (its own write coming back: drop it). When staff move,
//! rename or cancel such an event in Google Calendar, the hashes differ and the record is a real
//! change (`hub_origin: false`, `hub_booking_id` still naming the booking). The hash is computed
//! on instants, not on Google's text, so a `dateTime` re-expressed in another offset or zone is
//! still the same; fields the hub does not own (description, attendees, colour) do not count.
//! A deleted event may come back with only its `id` (Google guarantees nothing else): without the
//! marker it is `hub_origin: false`, `deleted: true` — for a booking the hub cancelled itself, the
//! hub already has it cancelled, so applying it changes nothing.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use hub_connector_sdk::SourceRecord;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The stream name.
pub const EVENTS: &str = "events";
/// `extendedProperties.private` key: the canonical booking id the event stands for.
pub const HUB_BOOKING_ID: &str = "hub_booking_id";
/// `extendedProperties.private` key: [`content_hash`] of what the hub wrote.
pub const HUB_WRITTEN_HASH: &str = "hub_written_hash";

/// The external id of an event: `{calendar_id}/{event_id}` (event ids never hold a `/`).
pub fn external_id(calendar_id: &str, event_id: &str) -> String {
    format!("{calendar_id}/{event_id}")
}

/// Splits an external id made by [`external_id`].
pub fn split_external_id(id: &str) -> Option<(&str, &str)> {
    id.rsplit_once('/').filter(|(c, e)| !c.is_empty() && !e.is_empty())
}

/// RFC 3339 in UTC, whole seconds (`2026-10-24T23:30:00Z`).
pub fn utc_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Wall-clock time in `tz` as an instant: the earlier one in a DST fold; a time in the spring gap
/// is moved an hour forward (as Google does).
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
        .map(|d| d.with_timezone(&Utc))
}

/// When an event starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub all_day: bool,
}

fn zone_of(dt: &Value, default: Tz) -> Tz {
    dt.get("timeZone").and_then(Value::as_str).and_then(|z| z.parse().ok()).unwrap_or(default)
}

/// An `EventDateTime` as an instant: `dateTime` with its offset, or without one in its
/// `timeZone` (else `default`); an all-day `date` at 00:00 in its zone (else `default`).
pub fn instant(dt: &Value, default: Tz) -> Option<(DateTime<Utc>, bool)> {
    let tz = zone_of(dt, default);
    if let Some(date) = dt.get("date").and_then(Value::as_str) {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        return Some((local_to_utc(day.and_hms_opt(0, 0, 0)?, tz)?, true));
    }
    let text = dt.get("dateTime").and_then(Value::as_str)?;
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some((at.with_timezone(&Utc), false));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some((local_to_utc(naive, tz)?, false))
}

/// The event's span (`None` for a deleted event reduced to its id).
pub fn span(event: &Value, default: Tz) -> Option<Span> {
    let (start, all_day) = instant(event.get("start")?, default)?;
    let (end, _) = instant(event.get("end")?, default)?;
    Some(Span { start, end, all_day })
}

/// The event's status (`confirmed` when absent, as Google defaults it).
pub fn status(event: &Value) -> &str {
    event.get("status").and_then(Value::as_str).unwrap_or("confirmed")
}

/// A private extended property.
pub fn private_prop<'a>(event: &'a Value, key: &str) -> Option<&'a str> {
    event.pointer(&format!("/extendedProperties/private/{key}")).and_then(Value::as_str)
}

/// The marker hash: first 32 hex digits of SHA-256 over `v1`, summary, start, end (UTC), all-day
/// and status, one per line.
pub fn content_hash(summary: &str, span: Option<Span>, status: &str) -> String {
    let (start, end, all_day) = match span {
        Some(s) => (utc_text(s.start), utc_text(s.end), s.all_day),
        None => (String::new(), String::new(), false),
    };
    let text = format!("v1\n{summary}\n{start}\n{end}\n{all_day}\n{status}");
    hex::encode(Sha256::digest(text.as_bytes()))[..32].to_string()
}

/// [`content_hash`] of an event as Google shows it (or as the hub is about to write it).
pub fn event_hash(event: &Value, default: Tz) -> String {
    let summary = event.get("summary").and_then(Value::as_str).unwrap_or("");
    content_hash(summary, span(event, default), status(event))
}

/// Whether the event is exactly what the hub last wrote (see the module doc).
pub fn hub_origin(event: &Value, default: Tz) -> bool {
    private_prop(event, HUB_WRITTEN_HASH).is_some_and(|h| h == event_hash(event, default))
}

/// What the hub shows of an event whose details are private.
pub const PRIVATE_TITLE: &str = "Occupé";

/// The canonical booking status the event stands for: `cancelled` when deleted; the hub's own
/// bookings keep theirs (`tentative` → `requested`, else `confirmed`); anything staff put in the
/// calendar themselves (a closure, a private event) is `blocked`.
fn booking_status(event: &Value, ours: bool) -> &'static str {
    match (status(event), ours) {
        ("cancelled", _) => "cancelled",
        ("tentative", true) => "requested",
        (_, true) => "confirmed",
        (_, false) => "blocked",
    }
}

/// One event of `calendar_id` as a record (see the crate doc for the fields).
pub fn event_record(calendar_id: &str, resource: Option<&str>, event: &Value, default: Tz) -> SourceRecord {
    let event_id = event.get("id").and_then(Value::as_str).unwrap_or_default();
    let summary = event.get("summary").and_then(Value::as_str);
    let visibility = event.get("visibility").and_then(Value::as_str).unwrap_or("default");
    let private = matches!(visibility, "private" | "confidential");
    let span = span(event, default);
    let local = |at: DateTime<Utc>| at.with_timezone(&default).to_rfc3339_opts(SecondsFormat::Secs, false);
    let booking_id = private_prop(event, HUB_BOOKING_ID);
    let title = if private { Some(PRIVATE_TITLE) } else { summary.or(Some(PRIVATE_TITLE)) };
    let time_zone = event.pointer("/start/timeZone").and_then(Value::as_str).unwrap_or(default.name());
    let data = json!({
        "calendar_id": calendar_id,
        "event_id": event_id,
        "resource": resource,
        "summary": summary,
        "title": title,
        "starts_at": span.map(|s| utc_text(s.start)),
        "ends_at": span.map(|s| utc_text(s.end)),
        "starts_at_local": span.map(|s| local(s.start)),
        "ends_at_local": span.map(|s| local(s.end)),
        "time_zone": time_zone,
        "all_day": span.is_some_and(|s| s.all_day),
        "status": status(event),
        "booking_status": booking_status(event, booking_id.is_some()),
        "visibility": visibility,
        "transparency": event.get("transparency").and_then(Value::as_str).unwrap_or("opaque"),
        "recurrence": event.get("recurrence").cloned().unwrap_or(Value::Null),
        "recurring_event_id": event.get("recurringEventId").cloned().unwrap_or(Value::Null),
        "original_start": event.get("originalStartTime").and_then(|o| instant(o, default)).map(|(at, _)| utc_text(at)),
        "hub_booking_id": booking_id,
        "hub_origin": hub_origin(event, default),
        "event": event,
    });
    SourceRecord {
        stream: EVENTS.to_string(),
        external_id: external_id(calendar_id, event_id),
        updated_at: event
            .get("updated")
            .and_then(Value::as_str)
            .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
            .map(|u| u.with_timezone(&Utc)),
        deleted: status(event) == "cancelled",
        data,
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Paris;

    use super::*;

    #[test]
    fn all_day_events_span_local_midnights_across_the_dst_change() {
        let ev =
            json!({"id": "e1", "summary": "Fermeture", "start": {"date": "2026-10-25"}, "end": {"date": "2026-10-26"}});
        let s = span(&ev, Paris).unwrap();
        assert!(s.all_day);
        assert_eq!(utc_text(s.start), "2026-10-24T22:00:00Z");
        assert_eq!(utc_text(s.end), "2026-10-25T23:00:00Z", "the day has 25 hours");
        let r = event_record("cal", Some("salle"), &ev, Paris);
        assert_eq!(r.data["starts_at_local"], "2026-10-25T00:00:00+02:00");
        assert_eq!(r.data["ends_at_local"], "2026-10-26T00:00:00+01:00");
        assert_eq!(r.data["booking_status"], "blocked");
        assert_eq!(r.external_id, "cal/e1");
    }

    #[test]
    fn times_without_offset_are_read_in_their_zone() {
        let naive = json!({"dateTime": "2026-10-25T03:30:00", "timeZone": "Europe/Paris"});
        assert_eq!(utc_text(instant(&naive, chrono_tz::UTC).unwrap().0), "2026-10-25T02:30:00Z");
        let fold = json!({"dateTime": "2026-10-25T02:30:00", "timeZone": "Europe/Paris"});
        assert_eq!(utc_text(instant(&fold, Paris).unwrap().0), "2026-10-25T00:30:00Z", "the earlier 02:30");
        let gap = json!({"dateTime": "2026-03-29T02:30:00", "timeZone": "Europe/Paris"});
        assert_eq!(utc_text(instant(&gap, Paris).unwrap().0), "2026-03-29T01:30:00Z", "03:30 CEST");
    }

    #[test]
    fn the_marker_survives_a_change_of_offset_but_not_of_time() {
        let written = json!({
            "summary": "Atelier", "status": "confirmed",
            "start": {"dateTime": "2026-10-25T01:30:00+02:00", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2026-10-25T03:30:00+01:00", "timeZone": "Europe/Paris"},
        });
        let mut read = written.clone();
        read["start"]["dateTime"] = json!("2026-10-24T23:30:00Z");
        read["description"] = json!("staff notes do not count");
        read["extendedProperties"] =
            json!({"private": {HUB_WRITTEN_HASH: event_hash(&written, Paris), HUB_BOOKING_ID: "b1"}});
        assert!(hub_origin(&read, Paris));
        let mut moved = read.clone();
        moved["end"]["dateTime"] = json!("2026-10-25T04:00:00+01:00");
        assert!(!hub_origin(&moved, Paris));
        let mut cancelled = read.clone();
        cancelled["status"] = json!("cancelled");
        assert!(!hub_origin(&cancelled, Paris));
        let r = event_record("cal", None, &moved, Paris);
        assert_eq!(
            (r.data["hub_booking_id"].as_str(), r.data["booking_status"].as_str()),
            (Some("b1"), Some("confirmed"))
        );
    }

    #[test]
    fn private_and_deleted_events() {
        let private = json!({"id": "p1", "summary": "Rendez-vous médical", "visibility": "private",
            "start": {"dateTime": "2026-11-02T10:00:00+01:00"}, "end": {"dateTime": "2026-11-02T11:00:00+01:00"}});
        let r = event_record("cal", Some("salle"), &private, Paris);
        assert_eq!(r.data["title"], PRIVATE_TITLE);
        assert_eq!(r.data["summary"], "Rendez-vous médical");
        assert_eq!(r.data["starts_at"], "2026-11-02T09:00:00Z");
        let gone = event_record("cal", Some("salle"), &json!({"id": "g1", "status": "cancelled"}), Paris);
        assert!(gone.deleted);
        assert_eq!(gone.data["booking_status"], "cancelled");
        assert_eq!(gone.data["hub_origin"], false);
        assert_eq!(split_external_id("c@group.calendar.google.com/abc"), Some(("c@group.calendar.google.com", "abc")));
        assert_eq!(split_external_id("abc"), None);
    }
}
