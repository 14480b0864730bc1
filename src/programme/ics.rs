//! The month as an iCalendar feed (`/programme/{yyyy-mm}.ics`, built with the `icalendar` crate):
//! a VTIMEZONE for Europe/Paris, then one VEVENT per event — UID the event's id, DTSTART and DTEND
//! in local time with `TZID=Europe/Paris`, SUMMARY, LOCATION, CATEGORIES (the kind), DESCRIPTION
//! (organiser, description, places left). Cancelled events are left out: a subscribed calendar
//! drops an event whose UID is no longer in the feed.

use icalendar::{Calendar, CalendarComponent, CalendarDateTime, Component, Event, EventLike, EventStatus};

use super::month::{MonthProgramme, ProgrammeEvent};

/// Europe/Paris with its daylight-saving rules (since 1996: last Sunday of March and October).
pub(crate) const PARIS: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nX-LIC-LOCATION:Europe/Paris\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

const TZID: &str = "Europe/Paris";

fn description(e: &ProgrammeEvent) -> String {
    let mut lines = Vec::new();
    if let Some(o) = &e.organiser {
        lines.push(format!("Animé par {o}"));
    }
    if let Some(d) = &e.description {
        lines.push(d.clone());
    }
    if let Some(left) = e.remaining() {
        lines.push(if left == 0 {
            "Complet (liste d'attente ouverte)".to_string()
        } else {
            format!("{} restante(s)", super::french::places(left).replace('\u{a0}', " "))
        });
    }
    lines.join("\n")
}

fn vevent(e: &ProgrammeEvent, origin: &str, month: &str) -> Option<Event> {
    let starts = e.starts_at?;
    let mut event = Event::new();
    event
        .uid(&e.id.to_string())
        .summary(&e.title)
        .starts(CalendarDateTime::WithTimezone { date_time: starts.naive_local(), tzid: TZID.into() })
        .status(EventStatus::Confirmed)
        .add_property("CATEGORIES", &e.kind);
    if let Some(end) = e.ends_at {
        event.ends(CalendarDateTime::WithTimezone { date_time: end.naive_local(), tzid: TZID.into() });
    }
    if let Some(place) = &e.place {
        event.location(place);
    }
    let text = description(e);
    if !text.is_empty() {
        event.description(&text);
    }
    if !origin.is_empty() {
        event.url(&format!("{origin}/programme/{month}#evenement-{}", e.id));
    }
    Some(event.done())
}

/// The month's feed.
pub fn render(programme: &MonthProgramme) -> String {
    let month = programme.month.to_string();
    let mut calendar = Calendar::new();
    calendar.name(&format!("{} — {}", programme.title, programme.month.label())).timezone(TZID);
    calendar.append_property(("PRODID", "-//tiers-lieux hub//programme//FR"));
    if let Ok(zone) = PARIS.parse::<CalendarComponent>() {
        calendar.push(zone);
    }
    for e in programme.events.iter().filter(|e| !e.is_cancelled()) {
        if let Some(event) = vevent(e, &programme.public_origin, &month) {
            calendar.push(event);
        }
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Europe::Paris;
    use uuid::Uuid;

    use super::*;
    use crate::programme::{Month, registrations::Counts};

    fn event(title: &str, status: &str) -> ProgrammeEvent {
        ProgrammeEvent {
            id: Uuid::now_v7(),
            title: title.into(),
            kind: "Atelier".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            starts_at: Some(Paris.with_ymd_and_hms(2026, 12, 5, 14, 30, 0).unwrap()),
            ends_at: Some(Paris.with_ymd_and_hms(2026, 12, 5, 17, 0, 0).unwrap()),
            place: Some("Fablab, salle 2".into()),
            organiser: Some("Camille".into()),
            capacity: Some(12),
            description: Some("Apportez vos objets; merci !".into()),
            status: status.into(),
            tasks: vec![],
            counts: Counts { confirmed: 2, waitlisted: 0 },
        }
    }

    #[test]
    fn the_feed_has_the_zone_local_times_and_no_cancelled_event() {
        let kept = event("Repair café", "scheduled");
        let programme = MonthProgramme {
            month: Month::parse("2026-12").unwrap(),
            title: "Programme".into(),
            venue: String::new(),
            public_origin: "https://hub.example.org".into(),
            events: vec![kept.clone(), event("Annulé", "cancelled")],
        };
        let ics = render(&programme);
        assert!(ics.contains("BEGIN:VTIMEZONE") && ics.contains("TZID:Europe/Paris"), "{ics}");
        assert!(ics.contains("BYMONTH=10;BYDAY=-1SU"), "{ics}");
        assert!(ics.contains(&format!("UID:{}", kept.id)), "{ics}");
        assert!(ics.contains("DTSTART;TZID=Europe/Paris:20261205T143000"), "{ics}");
        assert!(ics.contains("DTEND;TZID=Europe/Paris:20261205T170000"), "{ics}");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "the cancelled event is left out: {ics}");
        let parsed: Calendar = ics.parse().expect("the feed parses back");
        let summaries: Vec<&str> = parsed.events().filter_map(|e| e.get_summary()).collect();
        assert_eq!(summaries, ["Repair café"]);
        assert!(parsed.events().any(|e| e.get_location() == Some("Fablab, salle 2")), "{ics}");
    }
}
