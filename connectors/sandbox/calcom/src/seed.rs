//! The seeded account: two schedules, one event type per seed room and per chosen machine or
//! camera kit (slug = the room's slug, or the asset tag in lower case, e.g. `fab-0009`), and
//! bookings from 2 November to 18 December 2026 (Europe/Paris business hours) by seed people, some
//! cancelled, some rescheduled, some pending; coworking is seated (several people per slot).

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use serde_json::{Value, json};

use crate::state::{Attendee, BOOKER_URL, Booking, State, Status, USER_ID, USERNAME};

const ADDRESS: &str = "12 rue des Communs, 93100 Montreuil";

/// Builds an event type as `EventTypeOutput_2024_06_14` shows it.
#[allow(clippy::too_many_arguments)]
pub fn event_type(
    id: u64,
    title: &str,
    slug: &str,
    description: &str,
    length: u64,
    options: &[u64],
    confirmation: bool,
    seats: Option<u64>,
    schedule_id: u64,
) -> Value {
    let mut et = json!({
        "id": id,
        "lengthInMinutes": length,
        "lengthInMinutesOptions": options,
        "title": title,
        "slug": slug,
        "description": description,
        "locations": [{"type": "address", "address": ADDRESS, "public": true}],
        "bookingFields": [
            {"type": "name", "label": "Nom", "placeholder": "", "disableOnPrefill": false, "isDefault": true, "slug": "name", "required": true}
        ],
        "disableGuests": false,
        "slotInterval": null,
        "minimumBookingNotice": 120,
        "beforeEventBuffer": 0,
        "afterEventBuffer": 0,
        "recurrence": null,
        "metadata": {},
        "price": 0,
        "currency": "eur",
        "lockTimeZoneToggleOnBookingPage": true,
        "seatsPerTimeSlot": null,
        "forwardParamsSuccessRedirect": null,
        "successRedirectUrl": null,
        "isInstantEvent": false,
        "seatsShowAvailabilityCount": seats.is_some(),
        "scheduleId": schedule_id,
        "bookingLimitsCount": {},
        "onlyShowFirstAvailableSlot": false,
        "bookingLimitsDuration": {},
        "bookerLayouts": {"defaultLayout": "month", "enabledLayouts": ["month", "week"]},
        "requiresBookerEmailVerification": false,
        "hideCalendarNotes": false,
        "color": {"lightThemeHex": "#292929", "darkThemeHex": "#fafafa"},
        "offsetStart": 0,
        "customName": "",
        "useDestinationCalendarEmail": false,
        "hideCalendarEventDetails": false,
        "hideOrganizerEmail": false,
        "hidden": false,
        "bookingRequiresAuthentication": false,
        "interfaceLanguage": "fr",
        "allowReschedulingPastBookings": false,
        "allowReschedulingCancelledBookings": false,
        "showOptimizedSlots": false,
        "ownerId": USER_ID,
        "users": [USERNAME],
        "bookingUrl": format!("{BOOKER_URL}/{USERNAME}/{slug}"),
    });
    if confirmation {
        et["confirmationPolicy"] = json!({"type": "always", "blockUnconfirmedBookingsInBooker": false});
    }
    if let Some(n) = seats {
        et["seats"] = json!({"seatsPerTimeSlot": n, "showAttendeeInfo": false, "showAvailabilityCount": true});
    }
    et
}

fn schedules() -> Vec<Value> {
    vec![
        json!({"id": 1, "ownerId": USER_ID, "name": "Horaires d'ouverture", "timeZone": "Europe/Paris",
               "availability": [{"days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "startTime": "09:00", "endTime": "19:00"},
                                {"days": ["Saturday"], "startTime": "10:00", "endTime": "18:00"}],
               "isDefault": true,
               "overrides": [{"date": "2026-12-24", "startTime": "09:00", "endTime": "13:00"}]}),
        json!({"id": 2, "ownerId": USER_ID, "name": "Horaires de l'atelier", "timeZone": "Europe/Paris",
               "availability": [{"days": ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"], "startTime": "14:00", "endTime": "20:00"}],
               "isDefault": false, "overrides": []}),
    ]
}

/// E.164 form of a French national number (`06 12 34 56 78` → `+33612345678`).
pub fn e164(national: &str) -> String {
    let digits: String = national.chars().filter(char::is_ascii_digit).collect();
    format!("+33{}", digits.trim_start_matches('0'))
}

/// Attendee for seed person `i`.
pub fn attendee(i: usize) -> Attendee {
    let p = hub_sandbox_core::seed::person(i);
    Attendee {
        id: 0,
        name: format!("{} {}", p.given_name, p.family_name),
        email: p.email,
        time_zone: "Europe/Paris".into(),
        language: "fr".into(),
        phone_number: Some(e164(&p.phone)),
        absent: false,
        seat_uid: None,
    }
}

fn event_types(st: &mut State) {
    for room in hub_sandbox_core::seed::rooms() {
        let id = st.id();
        let (len, options, seats) = match room.kind {
            "coworking" => (240, vec![240, 480], Some(room.capacity as u64)),
            _ => (60, vec![60, 120, 240], None),
        };
        let description = format!("Réservation de « {} » ({} places).", room.name, room.capacity);
        let confirmation = room.slug == "salle-des-fetes";
        st.event_types.push(event_type(id, room.name, room.slug, &description, len, &options, confirmation, seats, 1));
    }
    let chosen = ["Découpeuse laser", "Fraiseuse CNC", "Kit caméra reportage"];
    for asset in hub_sandbox_core::seed::assets() {
        if !chosen.iter().any(|c| asset.name.starts_with(c)) {
            continue;
        }
        let id = st.id();
        let slug = hub_sandbox_core::seed::ascii_slug(&asset.tag);
        let description = format!("{} ({}), inventaire {}.", asset.name, asset.model, asset.tag);
        let confirmation = asset.name.starts_with("Découpeuse laser");
        st.event_types.push(event_type(
            id,
            &asset.name,
            &slug,
            &description,
            120,
            &[60, 120, 240],
            confirmation,
            None,
            2,
        ));
    }
}

fn bookings(st: &mut State) {
    let mut rng = fastrand::Rng::with_seed(0xCA1C_2026);
    let ets: Vec<Value> = st.event_types.clone();
    let first = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let seed_now = Utc.with_ymd_and_hms(2026, 11, 28, 18, 0, 0).single().expect("date");
    for day in 0..47 {
        let date = first + Duration::days(day);
        if date.format("%u").to_string() == "7" {
            continue;
        }
        for _ in 0..rng.usize(1..4) {
            let et = &ets[rng.usize(..ets.len())];
            let hour = if et["scheduleId"] == 2 { rng.u32(14..18) } else { rng.u32(9..17) };
            let Some(start) = Paris.from_local_datetime(&date.and_hms_opt(hour, 0, 0).expect("time")).single() else {
                continue;
            };
            let start = start.with_timezone(&Utc);
            let len = et["lengthInMinutes"].as_i64().unwrap_or(60);
            let end = start + Duration::minutes(len);
            let et_id = et["id"].as_u64().unwrap_or(0);
            if st.bookings.iter().any(|b| b.event_type_id == et_id && b.start < end && start < b.end) {
                continue;
            }
            let people = if et["seats"].is_object() { rng.usize(2..6) } else { 1 };
            let mut attendees = Vec::new();
            for _ in 0..people {
                let mut a = attendee(rng.usize(..300));
                a.id = st.id();
                if et["seats"].is_object() {
                    a.seat_uid = Some(st.seat_uid());
                }
                attendees.push(a);
            }
            let created = (start - Duration::days(rng.i64(3..20))).min(seed_now);
            let roll = rng.u32(..100);
            let pending = crate::state::requires_confirmation(et) && start > seed_now && roll < 50;
            let id = st.id();
            let uid = st.uid();
            let mut b = Booking {
                id,
                uid,
                event_type_id: et_id,
                title: crate::state::booking_title(et, &attendees[0].name),
                description: et["description"].as_str().unwrap_or("").to_string(),
                start,
                end,
                status: if pending { Status::Pending } else { Status::Accepted },
                attendees,
                guests: Vec::new(),
                location: ADDRESS.to_string(),
                metadata: json!({}),
                responses: json!({}),
                cancellation_reason: None,
                cancelled_by_email: None,
                rejection_reason: None,
                rescheduling_reason: None,
                rescheduled_by_email: None,
                rescheduled_from_uid: None,
                rescheduled_to_uid: None,
                absent_host: false,
                created_at: created,
                updated_at: created,
                ical_sequence: 0,
                creation_source: "WEBAPP",
            };
            b.responses = json!({"name": b.attendees[0].name, "email": b.attendees[0].email});
            if people == 1 && rng.u32(..5) == 0 {
                b.guests.push(hub_sandbox_core::seed::person(rng.usize(..300)).email);
            }
            if !pending && roll < 10 {
                b.status = Status::Cancelled;
                b.cancellation_reason = Some("Empêchement, désolé·e !".into());
                b.cancelled_by_email = Some(b.attendees[0].email.clone());
                b.updated_at = (created + Duration::days(1)).min(seed_now);
            } else if !pending && roll < 18 {
                // Rescheduled: the original slot (a day earlier) is cancelled and points to this one.
                let old_uid = st.uid();
                let mut old = b.clone();
                old.id = st.id();
                old.uid = old_uid.clone();
                old.start = start - Duration::days(1);
                old.end = end - Duration::days(1);
                old.status = Status::Cancelled;
                old.rescheduled_to_uid = Some(b.uid.clone());
                old.rescheduling_reason = Some("Créneau déplacé au lendemain".into());
                old.rescheduled_by_email = Some(b.attendees[0].email.clone());
                b.rescheduled_from_uid = Some(old_uid);
                b.rescheduling_reason = old.rescheduling_reason.clone();
                b.rescheduled_by_email = old.rescheduled_by_email.clone();
                b.ical_sequence = 1;
                st.bookings.push(old);
            }
            st.bookings.push(b);
        }
    }
}

/// Fills an empty state with the data set.
pub fn seed(st: &mut State) {
    st.schedules = schedules();
    event_types(st);
    bookings(st);
}

/// Schedules exist even without the data set (every Cal.com user has a default one).
pub fn minimal(st: &mut State) {
    st.schedules = schedules();
}
