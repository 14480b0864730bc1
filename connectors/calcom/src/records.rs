//! Records built from Cal.com API v2 bookings (`BookingOutput_2024_08_13`, and its seated and
//! recurring variants): the booking JSON untouched under `booking`, beside flat helpers for the
//! mappings (the field list is in the crate doc). Every record is a pure function of the API's
//! JSON: reading a booking twice gives the same record.

use chrono::{DateTime, SecondsFormat, Utc};
use hub_connector_sdk::{ConnectorError, SourceRecord};
use serde_json::{Map, Value, json};

/// The one stream: bookings (canonical `booking`).
pub const BOOKINGS: &str = "bookings";

/// The v2 booking statuses (lower-case; webhooks say them upper-case).
pub const STATUSES: [&str; 4] = ["accepted", "pending", "cancelled", "rejected"];

/// Whether `uid` can be a Cal.com booking uid: 1 to 128 ASCII letters, digits, `-` or `_` (base-58
/// short uids and UUIDs both fit). Anything else never reaches a request path.
pub fn valid_uid(uid: &str) -> bool {
    !uid.is_empty() && uid.len() <= 128 && uid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A non-empty, trimmed string field.
pub(crate) fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// An ISO 8601 / RFC 3339 instant as Cal.com writes them (`2024-08-13T15:30:00Z`, with or without
/// milliseconds or an offset).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.to_utc())
}

/// RFC 3339 in UTC with a `Z`, seconds (or more digits when the source had them).
pub fn format_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The id of the booking's event type: `eventType.id`, else the deprecated `eventTypeId` (the
/// spec: "rely on 'eventType' object containing the id instead").
fn event_type_id(booking: &Value) -> Option<i64> {
    booking.pointer("/eventType/id").and_then(Value::as_i64).or_else(|| booking.get("eventTypeId")?.as_i64())
}

/// An instant field rewritten in UTC; `Invalid` when present but not a date.
fn instant(booking: &Value, uid: &str, key: &str) -> Result<Option<DateTime<Utc>>, ConnectorError> {
    match text(booking, key) {
        None => Ok(None),
        Some(t) => parse_instant(t).map(Some).ok_or_else(|| {
            ConnectorError::Invalid(format!("Cal.com booking {uid}: `{key}` is not an ISO 8601 date: `{t}`"))
        }),
    }
}

/// The seats of a seated booking (its attendees carry `seatUid`), `null` otherwise.
fn seats(attendees: &[Value]) -> Value {
    if !attendees.iter().any(|a| a.get("seatUid").is_some()) {
        return Value::Null;
    }
    let list: Vec<Value> = attendees
        .iter()
        .map(|a| {
            json!({
                "seat_uid": a.get("seatUid"),
                "name": a.get("name"),
                "email": a.get("email"),
                "time_zone": a.get("timeZone"),
                "absent": a.get("absent"),
            })
        })
        .collect();
    json!({"count": list.len(), "attendees": list})
}

/// The record of one v2 booking object.
pub fn booking_record(booking: &Value) -> Result<SourceRecord, ConnectorError> {
    if !booking.is_object() {
        return Err(ConnectorError::Invalid("a Cal.com booking is not a JSON object".into()));
    }
    let uid = text(booking, "uid")
        .filter(|u| valid_uid(u))
        .ok_or_else(|| ConnectorError::Invalid("a Cal.com booking has no valid `uid`".into()))?;
    let status = text(booking, "status").map(str::to_ascii_lowercase);
    let start = instant(booking, uid, "start")?;
    let end = instant(booking, uid, "end")?;
    let updated_at = instant(booking, uid, "updatedAt")?;
    let attendees: Vec<Value> = booking.get("attendees").and_then(Value::as_array).cloned().unwrap_or_default();
    let first = attendees.first().cloned().unwrap_or(Value::Null);
    let rescheduled_from = text(booking, "rescheduledFromUid");
    let rescheduled_to = text(booking, "rescheduledToUid");
    let cancelled = matches!(status.as_deref(), Some("cancelled" | "rejected"));
    // A booking moved away by a reschedule is cancelled with `rescheduledToUid`: the booking lives
    // on under the new uid, so this one is not a deletion.
    let rescheduled = status.as_deref() == Some("cancelled") && rescheduled_to.is_some();

    let mut data = Map::new();
    data.insert("uid".into(), json!(uid));
    data.insert("status".into(), json!(status));
    data.insert("start".into(), json!(start.map(format_instant)));
    data.insert("end".into(), json!(end.map(format_instant)));
    data.insert("event_type_id".into(), json!(event_type_id(booking)));
    data.insert("event_type_slug".into(), json!(booking.pointer("/eventType/slug").and_then(Value::as_str)));
    data.insert("title".into(), json!(text(booking, "title")));
    data.insert("attendee_name".into(), json!(text(&first, "name")));
    data.insert("attendee_email".into(), json!(text(&first, "email")));
    data.insert("attendee_time_zone".into(), json!(text(&first, "timeZone")));
    data.insert("attendee_count".into(), json!(attendees.len()));
    data.insert("rescheduled_from_uid".into(), json!(rescheduled_from));
    data.insert("rescheduled_to_uid".into(), json!(rescheduled_to));
    data.insert("rescheduled".into(), json!(rescheduled));
    data.insert("recurring_booking_uid".into(), json!(text(booking, "recurringBookingUid")));
    data.insert("seats".into(), seats(&attendees));
    data.insert("booking".into(), booking.clone());

    Ok(SourceRecord {
        stream: BOOKINGS.into(),
        external_id: uid.to_string(),
        updated_at,
        deleted: cancelled && !rescheduled,
        data: Value::Object(data),
    })
}

/// The booking(s) in a `GetBookingOutput_2024_08_13` `data`: one object, or an array (a recurring
/// booking's uid gives all its recurrences).
pub fn bookings_in(data: &Value) -> Result<Vec<&Value>, ConnectorError> {
    match data {
        Value::Object(_) => Ok(vec![data]),
        Value::Array(items) => Ok(items.iter().collect()),
        _ => Err(ConnectorError::Invalid("the Cal.com answer's `data` is neither a booking nor a list".into())),
    }
}
