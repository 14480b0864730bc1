//! Bookings written as events in their resource's calendar (see the crate doc, "Write").

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use hub_connector_sdk::{CanonicalChange, ChangeOp, ConnectorError, WriteOutcome};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    GoogleCalendarConnector,
    api::{Call, event_path, events_path},
    records::{HUB_BOOKING_ID, HUB_WRITTEN_HASH, event_hash, external_id, hub_origin, private_prop, split_external_id},
};

/// The canonical booking fields the connector reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub id: String,
    pub resource: Option<String>,
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub status: String,
    pub attendee_name: Option<String>,
}

fn text(fields: &Value, key: &str) -> Option<String> {
    fields.get(key).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(String::from)
}

fn instant(fields: &Value, key: &str) -> Result<Option<DateTime<Utc>>, ConnectorError> {
    match text(fields, key) {
        None => Ok(None),
        Some(t) => DateTime::parse_from_rfc3339(&t)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|e| ConnectorError::Invalid(format!("booking field `{key}`: `{t}` is not RFC 3339: {e}"))),
    }
}

impl Booking {
    pub fn from_change(change: &CanonicalChange) -> Result<Booking, ConnectorError> {
        let f = &change.fields;
        Ok(Booking {
            id: change.entity_id.to_string(),
            resource: text(f, "resource"),
            title: text(f, "title"),
            starts_at: instant(f, "starts_at")?,
            ends_at: instant(f, "ends_at")?,
            status: text(f, "status").unwrap_or_else(|| "confirmed".into()).to_lowercase(),
            attendee_name: text(f, "booker_name").or_else(|| text(f, "attendee_name")),
        })
    }

    /// Cancelled, rejected, or the change is a deletion.
    pub fn is_cancelled(&self, op: ChangeOp) -> bool {
        op == ChangeOp::Deleted || matches!(self.status.as_str(), "cancelled" | "canceled" | "rejected")
    }
}

/// A local date-time with its offset in `tz` (`2026-10-25T01:30:00+02:00`).
pub fn local_text(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The event body for a booking: summary, local start/end with `timeZone`, status, the marker.
pub fn event_body(booking: &Booking, tz: Tz) -> Result<Value, ConnectorError> {
    let (Some(start), Some(end)) = (booking.starts_at, booking.ends_at) else {
        return Err(ConnectorError::Invalid(format!("booking {}: `starts_at` and `ends_at` are required", booking.id)));
    };
    if end <= start {
        return Err(ConnectorError::Invalid(format!("booking {}: `ends_at` is not after `starts_at`", booking.id)));
    }
    let summary = match (&booking.title, &booking.attendee_name) {
        (Some(t), _) => t.clone(),
        (None, Some(a)) => format!("Réservation — {a}"),
        (None, None) => "Réservation".to_string(),
    };
    let status = if booking.status == "requested" { "tentative" } else { "confirmed" };
    let mut body = json!({
        "summary": summary,
        "start": {"dateTime": local_text(start, tz), "timeZone": tz.name()},
        "end": {"dateTime": local_text(end, tz), "timeZone": tz.name()},
        "status": status,
        "transparency": "opaque",
    });
    if let Some(a) = &booking.attendee_name {
        body["description"] = json!(format!("Réservé par {a}"));
    }
    let hash = event_hash(&body, tz);
    body["extendedProperties"] = json!({"private": {HUB_BOOKING_ID: booking.id, HUB_WRITTEN_HASH: hash}});
    Ok(body)
}

/// The id the hub gives a booking's event in a calendar: `hb` + 30 hex digits of
/// SHA-256(calendar, booking) — base32hex, so Google accepts it, and the same on every retry.
pub fn event_id_for(calendar: &str, booking_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(format!("{calendar}\n{booking_id}").as_bytes()));
    format!("hb{}", &digest[..30])
}

fn outcome(calendar: &str, event: &Value) -> WriteOutcome {
    WriteOutcome {
        external_id: external_id(calendar, event.get("id").and_then(Value::as_str).unwrap_or_default()),
        remote_updated_at: event
            .get("updated")
            .and_then(Value::as_str)
            .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
            .map(|u| u.with_timezone(&Utc)),
    }
}

fn event_id(event: &Value) -> String {
    event.get("id").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The event already shows what `body` would write.
fn shows(event: &Value, body: &Value, tz: Tz) -> bool {
    hub_origin(event, tz)
        && private_prop(event, HUB_WRITTEN_HASH) == private_prop(body, HUB_WRITTEN_HASH)
        && private_prop(event, HUB_BOOKING_ID) == private_prop(body, HUB_BOOKING_ID)
        && (body.get("description").is_none() || event.get("description") == body.get("description"))
}

impl GoogleCalendarConnector {
    /// Applies one booking change (see the crate doc).
    pub(crate) async fn write_booking(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        let booking = Booking::from_change(change)?;
        let target = booking.resource.as_deref().and_then(|r| self.settings.calendar_of(r)).map(String::from);
        let (existing, searched) = self.find_existing(change, &booking, target.as_deref()).await?;
        if booking.is_cancelled(change.op) {
            return match existing {
                Some((calendar, event)) => self.cancel_event(&calendar, event).await,
                None => Err(ConnectorError::Unsupported(format!(
                    "booking {} has no event in Google Calendar: nothing to cancel",
                    booking.id
                ))),
            };
        }
        let Some(target) = target else {
            if let Some((calendar, event)) = existing {
                self.cancel_event(&calendar, event).await?;
            }
            return Err(ConnectorError::Unsupported(format!(
                "resource `{}` has no calendar in `{}`",
                booking.resource.as_deref().unwrap_or(""),
                self.settings.instance
            )));
        };
        let body = event_body(&booking, self.tz)?;
        match existing {
            Some((calendar, event)) if calendar == target => self.update_event(&calendar, event, &body).await,
            Some((calendar, event)) => {
                let written = self.ensure_event(&target, &booking.id, &body, false).await?;
                self.cancel_event(&calendar, event).await?;
                Ok(written)
            }
            None => self.ensure_event(&target, &booking.id, &body, searched).await,
        }
    }

    /// The booking's event: by external id, else by `hub_booking_id` in the target calendar.
    /// The flag says whether the target calendar was searched.
    async fn find_existing(
        &self,
        change: &CanonicalChange,
        booking: &Booking,
        target: Option<&str>,
    ) -> Result<(Option<(String, Value)>, bool), ConnectorError> {
        if let Some(ext) = change.external_id.as_deref().filter(|e| !e.is_empty()) {
            match split_external_id(ext) {
                Some((calendar, id)) => {
                    if let Some(event) = self.get_event(calendar, id).await? {
                        return Ok((Some((calendar.to_string(), event)), false));
                    }
                }
                None => tracing::warn!(external_id = ext, "not a Google Calendar external id; searching instead"),
            }
        }
        let Some(target) = target else { return Ok((None, false)) };
        if change.first_attempt && change.external_id.is_none() {
            // No earlier attempt can have written it: nothing to search for.
            return Ok((None, true));
        }
        Ok((self.search(target, &booking.id).await?.map(|e| (target.to_string(), e)), true))
    }

    /// events.get; `None` when the event is gone (404, 410).
    async fn get_event(&self, calendar: &str, id: &str) -> Result<Option<Value>, ConnectorError> {
        let answer = self.api.send(&Call::new(Method::GET, event_path(calendar, id))).await?;
        match answer.status {
            404 | 410 => Ok(None),
            _ => answer.into_ok(&format!("reading event `{id}` of `{calendar}`")).map(Some),
        }
    }

    /// The calendar's event carrying `hub_booking_id` (a live one first, else a cancelled one).
    async fn search(&self, calendar: &str, booking_id: &str) -> Result<Option<Value>, ConnectorError> {
        let query = vec![
            ("privateExtendedProperty", format!("{HUB_BOOKING_ID}={booking_id}")),
            ("showDeleted", "true".to_string()),
            ("maxResults", "50".to_string()),
        ];
        let body = self.api.get(events_path(calendar), query).await?;
        let items: Vec<Value> = body
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| private_prop(e, HUB_BOOKING_ID) == Some(booking_id))
            .cloned()
            .collect();
        let live = items.iter().find(|e| crate::records::status(e) != "cancelled");
        Ok(live.or(items.first()).cloned())
    }

    /// Inserts the booking's event (after a search, unless `searched`); a 409 on the hub's own id
    /// means an earlier attempt created it: that event is updated instead.
    async fn ensure_event(
        &self,
        calendar: &str,
        booking_id: &str,
        body: &Value,
        searched: bool,
    ) -> Result<WriteOutcome, ConnectorError> {
        if !searched && let Some(event) = self.search(calendar, booking_id).await? {
            return self.update_event(calendar, event, body).await;
        }
        match self.insert_event(calendar, booking_id, body).await? {
            Inserted::Created(event) => Ok(outcome(calendar, &event)),
            Inserted::Taken(event) => self.update_event(calendar, event, body).await,
        }
    }

    /// events.insert with the hub's id for the booking ([`event_id_for`]).
    async fn insert_event(&self, calendar: &str, booking_id: &str, body: &Value) -> Result<Inserted, ConnectorError> {
        let id = event_id_for(calendar, booking_id);
        let mut insert = body.clone();
        insert["id"] = json!(id);
        let call = Call { body: Some(&insert), ..Call::new(Method::POST, events_path(calendar)) };
        let answer = self.api.send(&call).await?;
        if answer.status == 409 {
            return match self.get_event(calendar, &id).await? {
                Some(e) if private_prop(&e, HUB_BOOKING_ID) == Some(booking_id) => Ok(Inserted::Taken(e)),
                _ => Err(ConnectorError::Invalid(format!("event id `{id}` is taken in `{calendar}` by another event"))),
            };
        }
        let event = answer.into_ok(&format!("inserting booking {booking_id} into `{calendar}`"))?;
        tracing::info!(calendar, booking = booking_id, "booking written to Google Calendar");
        Ok(Inserted::Created(event))
    }

    /// PATCH with `If-Match`; a 412 re-reads the event and tries once more.
    async fn patch(
        &self,
        calendar: &str,
        mut event: Value,
        patch: &(dyn Fn(&Value) -> Option<Value> + Sync),
    ) -> Result<Patched, ConnectorError> {
        for _ in 0..2 {
            let Some(body) = patch(&event) else { return Ok(Patched::Done(event)) };
            let id = event_id(&event);
            let etag = event.get("etag").and_then(Value::as_str).map(String::from);
            let call = Call {
                body: Some(&body),
                if_match: etag.as_deref(),
                ..Call::new(Method::PATCH, event_path(calendar, &id))
            };
            let answer = self.api.send(&call).await?;
            match answer.status {
                404 | 410 => return Ok(Patched::Gone),
                412 => {
                    tracing::debug!(calendar, event = %id, "etag stale: reading the event again");
                    match self.get_event(calendar, &id).await? {
                        Some(fresh) => event = fresh,
                        None => return Ok(Patched::Gone),
                    }
                }
                _ => return Ok(Patched::Done(answer.into_ok(&format!("updating event `{id}` of `{calendar}`"))?)),
            }
        }
        Err(ConnectorError::transient(format!("the event in `{calendar}` changed twice while the hub updated it")))
    }

    /// Brings the event to `body` (nothing sent when it already shows it).
    async fn update_event(&self, calendar: &str, event: Value, body: &Value) -> Result<WriteOutcome, ConnectorError> {
        let tz = self.tz;
        let booking_id = private_prop(body, HUB_BOOKING_ID).unwrap_or_default().to_string();
        match self.patch(calendar, event, &|e| (!shows(e, body, tz)).then(|| body.clone())).await? {
            Patched::Done(event) => Ok(outcome(calendar, &event)),
            Patched::Gone => match self.insert_event(calendar, &booking_id, body).await? {
                Inserted::Created(event) => Ok(outcome(calendar, &event)),
                Inserted::Taken(_) => Err(ConnectorError::transient(format!(
                    "the event of booking {booking_id} in `{calendar}` vanished while the hub updated it"
                ))),
            },
        }
    }

    /// PATCHes `status: cancelled` with a marker for the cancelled event (see the crate doc).
    async fn cancel_event(&self, calendar: &str, event: Value) -> Result<WriteOutcome, ConnectorError> {
        let tz = self.tz;
        let id = event_id(&event);
        let cancel = |e: &Value| {
            if crate::records::status(e) == "cancelled" {
                return None;
            }
            let mut after = e.clone();
            after["status"] = json!("cancelled");
            Some(
                json!({"status": "cancelled", "extendedProperties": {"private": {HUB_WRITTEN_HASH: event_hash(&after, tz)}}}),
            )
        };
        match self.patch(calendar, event, &cancel).await? {
            Patched::Done(event) => Ok(outcome(calendar, &event)),
            Patched::Gone => Ok(WriteOutcome { external_id: external_id(calendar, &id), remote_updated_at: None }),
        }
    }
}

enum Patched {
    Done(Value),
    Gone,
}

enum Inserted {
    Created(Value),
    /// 409: the hub's id already names this booking's event (shown here).
    Taken(Value),
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Paris;

    use super::*;

    fn booking(start: &str, end: &str) -> Booking {
        Booking {
            id: "0190a0b0-0000-7000-8000-000000000001".into(),
            resource: Some("salle-hypatia".into()),
            title: None,
            starts_at: Some(DateTime::parse_from_rfc3339(start).unwrap().with_timezone(&Utc)),
            ends_at: Some(DateTime::parse_from_rfc3339(end).unwrap().with_timezone(&Utc)),
            status: "requested".into(),
            attendee_name: Some("Zoé Martin".into()),
        }
    }

    #[test]
    fn the_body_is_local_time_with_its_zone_across_the_dst_end() {
        let b = booking("2026-10-24T23:30:00Z", "2026-10-25T02:30:00Z");
        let body = event_body(&b, Paris).unwrap();
        assert_eq!(body["start"], json!({"dateTime": "2026-10-25T01:30:00+02:00", "timeZone": "Europe/Paris"}));
        assert_eq!(body["end"], json!({"dateTime": "2026-10-25T03:30:00+01:00", "timeZone": "Europe/Paris"}));
        assert_eq!(body["summary"], "Réservation — Zoé Martin");
        assert_eq!(body["status"], "tentative");
        assert_eq!(body["extendedProperties"]["private"][HUB_BOOKING_ID], b.id.as_str());
        assert!(hub_origin(&body, Paris), "the body carries its own marker");
        let bad = booking("2026-10-25T02:30:00Z", "2026-10-25T02:30:00Z");
        assert!(matches!(event_body(&bad, Paris), Err(ConnectorError::Invalid(_))));
    }

    #[test]
    fn event_ids_are_base32hex_and_stable() {
        let a = event_id_for("c1@group.calendar.google.com", "b1");
        assert_eq!(a, event_id_for("c1@group.calendar.google.com", "b1"));
        assert_ne!(a, event_id_for("c2@group.calendar.google.com", "b1"));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'v').contains(&c)));
    }
}
