//! Renders bookings the two ways Cal.com shows them: the API v2 `BookingOutput_2024_08_13` (or its
//! seated variants) and the webhook `payload` of the 2021-10-20 payload version (plus the flat
//! MEETING_STARTED/MEETING_ENDED body). Field sets follow the examples in vendor-specs/calcom.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Map, Value, json};

use crate::state::{
    Attendee, BOOKER_URL, Booking, USER_EMAIL, USER_ID, USER_NAME, USER_TZ, USERNAME, requires_confirmation, seats,
};

/// `2024-08-13T15:30:00Z` (v2 output and webhook start/end, as in the examples).
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `2024-01-01T00:00:00.000Z` (JavaScript `toISOString`).
pub fn iso_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Minutes east of UTC of `tz` at `at` (webhook `utcOffset`).
pub fn utc_offset(tz: &str, at: DateTime<Utc>) -> i64 {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => {
            let local = zone.from_utc_datetime(&at.naive_utc());
            (local.naive_local() - at.naive_utc()).num_minutes()
        }
        Err(_) => 0,
    }
}

fn host() -> Value {
    json!({"id": USER_ID, "name": USER_NAME, "email": USER_EMAIL, "displayEmail": USER_EMAIL,
           "username": USERNAME, "timeZone": USER_TZ})
}

fn attendee_v2(a: &Attendee, seated: bool, responses: &Value) -> Value {
    let mut v = json!({"name": a.name, "email": a.email, "displayEmail": a.email, "timeZone": a.time_zone,
                       "language": a.language, "absent": a.absent});
    if let Some(p) = &a.phone_number {
        v["phoneNumber"] = json!(p);
    }
    if seated {
        v["seatUid"] = json!(a.seat_uid.clone().unwrap_or_default());
        v["bookingFieldsResponses"] = json!({"name": a.name, "email": a.email});
        if !responses.is_null() {
            v["metadata"] = json!({});
        }
    }
    v
}

/// The v2 booking object (`BookingOutput_2024_08_13`, or `GetSeatedBookingOutput_2024_08_13` for
/// seated event types).
pub fn booking_v2(b: &Booking, et: &Value) -> Value {
    let seated = seats(et).is_some();
    let mut v = json!({
        "id": b.id,
        "uid": b.uid,
        "title": b.title,
        "description": b.description,
        "hosts": [host()],
        "status": b.status.v2(),
        "start": iso(b.start),
        "end": iso(b.end),
        "duration": (b.end - b.start).num_minutes(),
        "eventTypeId": b.event_type_id,
        "eventType": {"id": b.event_type_id, "slug": et["slug"]},
        "location": b.location,
        "absentHost": b.absent_host,
        "createdAt": iso(b.created_at),
        "updatedAt": iso(b.updated_at),
        "metadata": b.metadata,
        "icsUid": ics_uid(b),
        "attendees": b.attendees.iter().map(|a| attendee_v2(a, seated, &b.responses)).collect::<Vec<_>>(),
    });
    if !seated {
        v["guests"] = json!(b.guests);
        v["bookingFieldsResponses"] = b.responses.clone();
    }
    let optional = [
        ("cancellationReason", &b.cancellation_reason),
        ("cancelledByEmail", &b.cancelled_by_email),
        ("reschedulingReason", &b.rescheduling_reason),
        ("rescheduledByEmail", &b.rescheduled_by_email),
        ("rescheduledFromUid", &b.rescheduled_from_uid),
        ("rescheduledToUid", &b.rescheduled_to_uid),
    ];
    for (key, value) in optional {
        if let Some(s) = value {
            v[key] = json!(s);
        }
    }
    v
}

fn ics_uid(b: &Booking) -> String {
    format!("{}@Cal.com", b.uid)
}

fn split_name(name: &str) -> (String, String) {
    match name.split_once(' ') {
        Some((first, last)) => (first.to_string(), last.to_string()),
        None => (name.to_string(), String::new()),
    }
}

fn attendee_webhook(a: &Attendee, at: DateTime<Utc>) -> Value {
    let (first, last) = split_name(&a.name);
    json!({"email": a.email, "name": a.name, "firstName": first, "lastName": last, "timeZone": a.time_zone,
           "phoneNumber": a.phone_number, "language": {"locale": a.language},
           "utcOffset": utc_offset(&a.time_zone, at)})
}

fn responses_webhook(b: &Booking, first: Option<&Attendee>) -> Value {
    let mut r = json!({
        "name": {"label": "your_name", "value": first.map(|a| a.name.clone()), "isHidden": false},
        "email": {"label": "email_address", "value": first.map(|a| a.email.clone()), "isHidden": false},
        "attendeePhoneNumber": {"label": "phone_number", "isHidden": true},
        "location": {"label": "location", "value": {"optionValue": "", "value": b.location}, "isHidden": false},
        "title": {"label": "what_is_this_meeting_about", "isHidden": true},
        "notes": {"label": "additional_notes", "isHidden": false},
        "guests": {"label": "additional_guests", "value": b.guests, "isHidden": false},
        "rescheduleReason": {"label": "reason_for_reschedule", "isHidden": false},
    });
    if let Some(p) = first.and_then(|a| a.phone_number.clone()) {
        r["attendeePhoneNumber"]["value"] = json!(p);
    }
    if let Some(reason) = &b.rescheduling_reason {
        r["rescheduleReason"]["value"] = json!(reason);
    }
    if let Some(notes) = notes(b) {
        r["notes"]["value"] = json!(notes);
    }
    r
}

/// The booker's notes (`bookingFieldsResponses.notes`).
fn notes(b: &Booking) -> Option<&str> {
    b.responses.get("notes").and_then(Value::as_str)
}

/// The `payload` of a booking webhook (2021-10-20). `seat`: only this attendee is listed (seated
/// events, as Cal.com does).
pub fn booking_payload(b: &Booking, et: &Value, seat: Option<&Attendee>) -> Value {
    let attendees: Vec<&Attendee> = match seat {
        Some(a) => vec![a],
        None => b.attendees.iter().collect(),
    };
    let seats_per_slot = seats(et);
    let mut p = json!({
        "bookerUrl": BOOKER_URL,
        "title": b.title,
        "startTime": iso(b.start),
        "endTime": iso(b.end),
        "additionalNotes": notes(b).unwrap_or(""),
        "type": et["slug"],
        "description": b.description,
        "eventTypeId": b.event_type_id,
        "hideCalendarNotes": false,
        "hideCalendarEventDetails": false,
        "hideOrganizerEmail": false,
        "schedulingType": null,
        "seatsPerTimeSlot": seats_per_slot,
        "seatsShowAttendees": seats_per_slot.is_none(),
        "seatsShowAvailabilityCount": true,
        "customReplyToEmail": null,
        "disableRescheduling": false,
        "disableCancelling": false,
        "organizer": {
            "id": USER_ID, "name": USER_NAME, "email": USER_EMAIL, "username": USERNAME,
            "usernameInOrg": USERNAME, "timeZone": USER_TZ, "language": {"locale": "fr"},
            "timeFormat": "HH:mm", "utcOffset": utc_offset(USER_TZ, b.start)
        },
        "attendees": attendees.iter().map(|a| attendee_webhook(a, b.start)).collect::<Vec<_>>(),
        "customInputs": {},
        "responses": responses_webhook(b, attendees.first().copied()),
        "userFieldsResponses": {},
        "location": b.location,
        "destinationCalendar": null,
        "iCalUID": ics_uid(b),
        "iCalSequence": b.ical_sequence,
        "requiresConfirmation": requires_confirmation(et),
        "oneTimePassword": null,
        "organizationId": null,
        "hashedLink": null,
        "uid": b.uid,
        "appsStatus": [],
        "eventTitle": et["title"],
        "eventDescription": et["description"],
        "price": et["price"],
        "currency": et["currency"],
        "length": (b.end - b.start).num_minutes(),
        "bookingId": b.id,
        "metadata": b.metadata,
        "status": b.status.webhook(),
    });
    if b.status == crate::state::Status::Cancelled {
        p["cancellationReason"] = json!(b.cancellation_reason);
        p["requestReschedule"] = json!(false);
    }
    if b.status == crate::state::Status::Rejected {
        p["rejectionReason"] = json!(b.rejection_reason);
    }
    p
}

/// Adds the reschedule linkage of BOOKING_RESCHEDULED (and of a reschedule sent as BOOKING_REQUESTED).
pub fn add_reschedule(payload: &mut Value, old: &Booking) {
    payload["rescheduleId"] = json!(old.id);
    payload["rescheduleUid"] = json!(old.uid);
    payload["rescheduleStartTime"] = json!(iso(old.start));
    payload["rescheduleEndTime"] = json!(iso(old.end));
}

/// The flat MEETING_STARTED / MEETING_ENDED body (booking row at the top level, no `payload`).
pub fn meeting_flat(trigger: &str, b: &Booking, idempotency_key: &str) -> Value {
    let mut m = Map::new();
    m.insert("triggerEvent".into(), json!(trigger));
    let rest = json!({
        "id": b.id, "uid": b.uid, "idempotencyKey": idempotency_key, "userId": USER_ID,
        "userPrimaryEmail": USER_EMAIL, "eventTypeId": b.event_type_id, "title": b.title,
        "description": b.description, "customInputs": {},
        "responses": responses_webhook(b, b.attendees.first()),
        "startTime": iso_ms(b.start), "endTime": iso_ms(b.end), "location": b.location,
        "createdAt": iso_ms(b.created_at), "updatedAt": iso_ms(b.updated_at), "status": b.status.webhook(),
        "paid": false, "destinationCalendarId": null, "cancellationReason": b.cancellation_reason,
        "rejectionReason": b.rejection_reason, "reassignReason": null, "reassignById": null,
        "dynamicEventSlugRef": null, "dynamicGroupSlugRef": null, "rescheduled": null,
        "fromReschedule": b.rescheduled_from_uid, "recurringEventId": null, "smsReminderNumber": null,
        "scheduledJobs": [], "metadata": b.metadata, "isRecorded": false, "iCalUID": ics_uid(b),
        "iCalSequence": b.ical_sequence, "rating": null, "ratingFeedback": null, "noShowHost": b.absent_host,
        "oneTimePassword": null, "cancelledBy": b.cancelled_by_email, "rescheduledBy": b.rescheduled_by_email,
        "creationSource": b.creation_source,
        "user": {"email": USER_EMAIL, "name": USER_NAME, "timeZone": USER_TZ, "username": USERNAME},
        "attendees": b.attendees.iter().map(|a| json!({
            "id": a.id, "email": a.email, "name": a.name, "timeZone": a.time_zone,
            "phoneNumber": a.phone_number, "locale": a.language, "bookingId": b.id, "noShow": a.absent
        })).collect::<Vec<_>>(),
        "payment": [], "references": [], "appsStatus": [],
    });
    if let Value::Object(rest) = rest {
        m.extend(rest);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_offsets_follow_daylight_saving() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(utc_offset("Europe/Paris", winter), 60);
        assert_eq!(utc_offset("Europe/Paris", summer), 120);
        assert_eq!(utc_offset("UTC", summer), 0);
        assert_eq!(iso(winter), "2026-12-01T12:00:00Z");
        assert_eq!(iso_ms(winter), "2026-12-01T12:00:00.000Z");
    }
}
