//! The seed: the demo account's primary calendar and one calendar per seed room, each with about a
//! month of bookings (from the Monday of last week, Europe/Paris), attendees from the shared French
//! data set, one weekly recurring series per room and a few all-day events. Deterministic content
//! (`fastrand::Rng::with_seed`); dates follow today's date so demos always show a current month.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use hub_sandbox_core::seed;
use serde_json::{Value, json};

use crate::{
    routes::{calendars, events},
    state::{DEMO_ACCOUNT, State, base32hex_id},
};

/// The seeded calendar of a room (`c_<slug>@group.calendar.google.com`).
pub fn room_calendar_id(slug: &str) -> String {
    format!("c_{slug}@group.calendar.google.com")
}

const MEETINGS: &[&str] = &[
    "Réunion d'équipe",
    "Atelier découverte",
    "Permanence de l'association",
    "Formation",
    "Répétition",
    "Conseil d'administration",
    "Café-réparation",
    "Rencontre partenaires",
    "Entretien",
    "Atelier d'écriture",
];

fn timed(day: NaiveDate, hour: u32, minutes: i64) -> (Value, Value) {
    let start = day.and_hms_opt(hour, 0, 0).expect("valid hour");
    let end = start + Duration::minutes(minutes);
    let tz = chrono_tz::Europe::Paris;
    (
        crate::times::event_datetime(start, tz, false, Some("Europe/Paris")),
        crate::times::event_datetime(end, tz, false, Some("Europe/Paris")),
    )
}

fn attendees(rng: &mut fastrand::Rng, n: usize) -> Value {
    let people: Vec<Value> = (0..n)
        .map(|_| {
            let p = seed::person(rng.usize(..300));
            json!({"email": p.email, "displayName": format!("{} {}", p.given_name, p.family_name), "responseStatus": "accepted"})
        })
        .collect();
    json!(people)
}

fn add(st: &mut State, calendar_id: &str, rng: &mut fastrand::Rng, mut ev: Value) {
    ev["id"] = json!(base32hex_id(rng, 26));
    if let Err(e) = events::materialize(st, calendar_id, &ev, None) {
        tracing::warn!(calendar_id, message = %e.message, "seed event refused");
    }
}

/// Fills an empty store.
pub fn load(st: &mut State) {
    let mut rng = fastrand::Rng::with_seed(0x6ca1_e4da);
    let today = Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let first = today - Duration::days(today.weekday().num_days_from_monday() as i64 + 7);
    let primary = calendars::create(st, DEMO_ACCOUNT.to_string(), DEMO_ACCOUNT, "Europe/Paris", true);
    primary.description = Some("Agenda de l'accueil du tiers-lieu".into());
    let (start, end) = timed(first + Duration::days(3), 18, 120);
    let people = attendees(&mut rng, 4);
    add(
        st,
        DEMO_ACCOUNT,
        &mut rng,
        json!({
            "summary": "Assemblée générale de l'association", "location": "Salle des fêtes",
            "start": start, "end": end, "attendees": people,
        }),
    );
    let open_day = (first + Duration::days(19)).format("%Y-%m-%d").to_string();
    let after = (first + Duration::days(20)).format("%Y-%m-%d").to_string();
    add(
        st,
        DEMO_ACCOUNT,
        &mut rng,
        json!({
            "summary": "Journée portes ouvertes", "start": {"date": open_day}, "end": {"date": after}, "transparency": "transparent",
        }),
    );
    for room in seed::rooms() {
        let id = room_calendar_id(room.slug);
        let cal = calendars::create(st, id.clone(), room.name, "Europe/Paris", false);
        cal.description = Some(format!("Réservations — {} ({} places)", room.name, room.capacity));
        cal.location = Some(room.name.to_string());
        for offset in 0..35 {
            let day = first + Duration::days(offset);
            if day.weekday().number_from_monday() > 5 {
                continue;
            }
            for _ in 0..rng.usize(0..=2) {
                let (start, end) = timed(day, rng.u32(8..=18), 30 * rng.i64(2..=6));
                let booker = seed::person(rng.usize(..300));
                let title = if room.kind == "coworking" {
                    format!("Poste réservé — {} {}", booker.given_name, booker.family_name)
                } else {
                    format!("{} — {} {}", MEETINGS[rng.usize(..MEETINGS.len())], booker.given_name, booker.family_name)
                };
                let n = rng.usize(0..=3);
                let people = attendees(&mut rng, n);
                add(
                    st,
                    &id,
                    &mut rng,
                    json!({
                        "summary": title, "location": room.name, "start": start, "end": end,
                        "description": format!("Réservé par {} ({})", booker.email, booker.phone),
                        "attendees": people,
                    }),
                );
            }
        }
        let (start, end) = timed(first + Duration::days(1), 12, 60);
        let weekly = if room.kind == "coworking" {
            json!({"summary": "Café des coworkers", "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10"]})
        } else {
            json!({"summary": format!("Entretien hebdomadaire — {}", room.name), "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=5"]})
        };
        let mut ev = weekly;
        ev["start"] = start;
        ev["end"] = end;
        ev["location"] = json!(room.name);
        add(st, &id, &mut rng, ev);
    }
}
