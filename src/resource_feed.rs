//! The ICS feed of one resource (`GET /calendar/{slug}.ics`, built with the `icalendar` crate):
//! RFC 5545 with a VTIMEZONE for Europe/Paris, one VEVENT per live booking — UID the canonical
//! booking id (stable across a Cal.com reschedule, so a subscribed calendar moves the event),
//! DTSTART/DTEND in Paris local time with `TZID`, STATUS (TENTATIVE for a request), and the
//! RRULE/EXDATE of a recurring closure read from Google Calendar. Cancelled and rejected bookings
//! are not in the feed (a subscribed calendar drops a UID that leaves it). A resource with
//! `public = false` shows "Réservé"/"Indisponible" and never who booked; a public one shows the
//! booker's name (never an e-mail). Bookings that ended more than [`PAST_DAYS`] days ago are left out.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use icalendar::{Calendar, CalendarComponent, CalendarDateTime, Component, Event, EventLike, EventStatus, Property};
use serde_json::Value;

use crate::{config::ResourceConfig, programme::ics::PARIS, store::EntityRow};

/// How far back the feed goes.
pub const PAST_DAYS: i64 = 90;
const TZID: &str = "Europe/Paris";

fn text<'a>(fields: &'a Value, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())
}

fn local(fields: &Value, key: &str) -> Option<CalendarDateTime> {
    let at: DateTime<Utc> = text(fields, key)?.parse().ok()?;
    Some(CalendarDateTime::WithTimezone { date_time: at.with_timezone(&Paris).naive_local(), tzid: TZID.into() })
}

/// What the event is called: who booked on a public resource, a block's own title, or a neutral word.
fn summary(fields: &Value, public: bool) -> String {
    let blocked = text(fields, "status") == Some("blocked");
    match (public, blocked) {
        (false, true) => "Indisponible".into(),
        (false, false) => "Réservé".into(),
        (true, true) => text(fields, "title").unwrap_or("Indisponible").to_string(),
        (true, false) => match text(fields, "booker_name") {
            Some(name) => format!("Réservé — {name}"),
            None => "Réservé".into(),
        },
    }
}

fn vevent(row: &EntityRow, place: &str, public: bool) -> Option<Event> {
    let f = &row.fields.0;
    let status = text(f, "status").unwrap_or("confirmed");
    if matches!(status, "cancelled" | "canceled" | "rejected") {
        return None;
    }
    let mut event = Event::new();
    event
        .uid(&row.id.to_string())
        .summary(&summary(f, public))
        .location(place)
        .starts(local(f, "starts_at")?)
        .ends(local(f, "ends_at")?)
        .status(if status == "requested" { EventStatus::Tentative } else { EventStatus::Confirmed });
    for line in f.get("recurrence").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        // Google's recurrence lines are iCalendar content lines: `RRULE:…`, `EXDATE;TZID=…:…`.
        let Some((head, value)) = line.split_once(':') else { continue };
        let mut parts = head.split(';');
        let name = parts.next().unwrap_or_default().to_ascii_uppercase();
        if !matches!(name.as_str(), "RRULE" | "EXDATE" | "RDATE") {
            continue;
        }
        let mut property = Property::new(&name, value);
        for param in parts.filter_map(|p| p.split_once('=')) {
            property.add_parameter(param.0, param.1);
        }
        event.append_multi_property(property);
    }
    Some(event.done())
}

/// The feed of `slug`.
pub fn render(slug: &str, resource: &ResourceConfig, bookings: &[EntityRow]) -> String {
    let name = resource.display_name(slug);
    let mut calendar = Calendar::new();
    calendar.name(&format!("Réservations — {name}")).timezone(TZID);
    calendar.append_property(("PRODID", "-//tiers-lieux hub//reservations//FR"));
    if let Ok(zone) = PARIS.parse::<CalendarComponent>() {
        calendar.push(zone);
    }
    for row in bookings {
        if let Some(event) = vevent(row, name, resource.public) {
            calendar.push(event);
        }
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sqlx::types::Json;
    use uuid::Uuid;

    use super::*;

    fn row(fields: Value) -> EntityRow {
        EntityRow {
            id: Uuid::now_v7(),
            fields: Json(fields),
            sources: Json(json!({})),
            content_hash: String::new(),
            email: None,
            merged_into: None,
            deleted_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn resource(public: bool) -> ResourceConfig {
        toml::from_str(&format!("name = \"Salle Hypatia\"\npublic = {public}\n")).unwrap()
    }

    #[test]
    fn bookings_closures_and_daylight_saving() {
        let across_dst = row(json!({"status": "confirmed", "booker_name": "Camille Martin", "booker_email": "c@x.fr",
            "starts_at": "2027-10-31T00:30:00Z", "ends_at": "2027-10-31T01:30:00Z"}));
        let closure = row(json!({"status": "blocked", "title": "Fermeture hebdomadaire",
            "starts_at": "2027-11-01T07:00:00Z", "ends_at": "2027-11-01T17:00:00Z",
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Paris:20271108T080000"]}));
        let cancelled =
            row(json!({"status": "cancelled", "starts_at": "2027-11-02T07:00:00Z", "ends_at": "2027-11-02T08:00:00Z"}));
        let request =
            row(json!({"status": "requested", "starts_at": "2027-11-03T07:00:00Z", "ends_at": "2027-11-03T08:00:00Z"}));
        let rows = [across_dst.clone(), closure, cancelled, request];
        let ics = render("salle-hypatia", &resource(true), &rows);
        assert!(ics.contains("BEGIN:VTIMEZONE") && ics.contains("BYMONTH=10;BYDAY=-1SU"), "{ics}");
        // 00:30 UTC is 02:30 CEST; 01:30 UTC is 02:30 CET: the same wall-clock time, an hour later.
        assert!(ics.contains("DTSTART;TZID=Europe/Paris:20271031T023000"), "{ics}");
        assert!(ics.contains("DTEND;TZID=Europe/Paris:20271031T023000"), "{ics}");
        assert!(ics.contains(&format!("UID:{}", across_dst.id)), "{ics}");
        assert!(ics.contains("SUMMARY:Réservé — Camille Martin") && !ics.contains("c@x.fr"), "{ics}");
        assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO"), "{ics}");
        assert!(ics.contains("EXDATE;TZID=Europe/Paris:20271108T080000"), "{ics}");
        assert!(ics.contains("STATUS:TENTATIVE"), "{ics}");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 3, "the cancelled booking is left out: {ics}");
        let parsed: Calendar = ics.parse().expect("the feed parses back");
        assert_eq!(parsed.events().count(), 3);
        let private = render("salle-hypatia", &resource(false), &rows);
        assert!(!private.contains("Camille") && !private.contains("Fermeture"), "{private}");
        assert!(private.contains("SUMMARY:Réservé") && private.contains("SUMMARY:Indisponible"), "{private}");
    }
}
