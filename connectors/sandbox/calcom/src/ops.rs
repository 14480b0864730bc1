//! Booking operations shared by the API routes and the `/_sandbox` triggers (a booking page or the
//! organizer's UI doing the same thing): create (with seats), reschedule, cancel, confirm, decline.
//! Each returns the affected booking's uid and the webhooks it causes, sent once the lock is released.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::auth::ApiError;
use crate::output::{add_reschedule, booking_payload};
use crate::state::{Attendee, Booking, State, Status, USER_EMAIL, requires_confirmation, seats};
use crate::webhooks::Outgoing;

/// Who acts: the API key's owner through API v2, or someone in Cal.com's web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Api,
    WebApp,
}

/// A validated booking request.
pub struct NewBooking {
    pub event_type_id: u64,
    pub start: DateTime<Utc>,
    pub length: Option<i64>,
    pub attendee: Attendee,
    pub guests: Vec<String>,
    pub location: Option<String>,
    pub metadata: Value,
    pub responses: Value,
}

pub type OpResult = Result<(String, Vec<Outgoing>), ApiError>;

fn overlaps(b: &Booking, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    matches!(b.status, Status::Accepted | Status::Pending) && b.start < end && start < b.end
}

/// Books a slot (or a seat of an existing slot for seated event types).
pub fn create(st: &mut State, req: NewBooking, via: Via) -> OpResult {
    let et = st
        .event_type(req.event_type_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Event type with id={} not found", req.event_type_id)))?;
    let default_len = et["lengthInMinutes"].as_i64().unwrap_or(30);
    let len = req.length.unwrap_or(default_len);
    if req.length.is_some() && len != default_len {
        let options: Vec<i64> = et["lengthInMinutesOptions"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        if !options.contains(&len) {
            return Err(ApiError::bad_request(format!(
                "Provided lengthInMinutes={len} is not one of the event type's lengthInMinutesOptions"
            )));
        }
    }
    let end = req.start + Duration::minutes(len);
    let now = Utc::now();
    let source = if via == Via::Api { "API_V2" } else { "WEBAPP" };
    let mut attendee = req.attendee;
    attendee.id = st.id();
    if let Some(per_slot) = seats(&et) {
        attendee.seat_uid = Some(st.seat_uid());
        let existing = st
            .bookings
            .iter_mut()
            .find(|b| b.event_type_id == req.event_type_id && b.start == req.start && b.status == Status::Accepted);
        if let Some(b) = existing {
            if b.attendees.len() as u64 >= per_slot {
                return Err(ApiError::bad_request("Booking seats are full"));
            }
            b.attendees.push(attendee);
            b.updated_at = now;
            // Quirk (calcom #13079): later seats of a seated slot fire no webhook.
            return Ok((b.uid.clone(), Vec::new()));
        }
    } else if st.bookings.iter().any(|b| b.event_type_id == req.event_type_id && overlaps(b, req.start, end)) {
        return Err(ApiError::bad_request("User either already has booking at this time or is not available"));
    }
    let pending = requires_confirmation(&et);
    let id = st.id();
    let uid = st.uid();
    let address = et["locations"][0]["address"].as_str().unwrap_or("").to_string();
    let title = crate::state::booking_title(&et, &attendee.name);
    let booking = Booking {
        id,
        uid: uid.clone(),
        event_type_id: req.event_type_id,
        title,
        description: et["description"].as_str().unwrap_or("").to_string(),
        start: req.start,
        end,
        status: if pending { Status::Pending } else { Status::Accepted },
        attendees: vec![attendee],
        guests: req.guests,
        location: req.location.unwrap_or(address),
        metadata: req.metadata,
        responses: req.responses,
        cancellation_reason: None,
        cancelled_by_email: None,
        rejection_reason: None,
        rescheduling_reason: None,
        rescheduled_by_email: None,
        rescheduled_from_uid: None,
        rescheduled_to_uid: None,
        absent_host: false,
        created_at: now,
        updated_at: now,
        ical_sequence: 0,
        creation_source: source,
    };
    let seat = seats(&et).and(booking.attendees.first());
    let payload = booking_payload(&booking, &et, seat);
    let trigger = if pending { "BOOKING_REQUESTED" } else { "BOOKING_CREATED" };
    st.bookings.push(booking);
    Ok((uid, vec![Outgoing { trigger, event_type_id: req.event_type_id, payload }]))
}

fn live(st: &State, uid: &str) -> Result<(Booking, Value), ApiError> {
    let b = st.booking(uid).cloned().ok_or_else(|| ApiError::not_found(format!("Booking with uid={uid} not found")))?;
    let et = st.event_type(b.event_type_id).cloned().unwrap_or_else(|| json!({"slug": "", "title": ""}));
    Ok((b, et))
}

/// Moves a booking: a new booking (new uid) replaces the old one, which becomes cancelled.
/// Through the API, an event type requiring confirmation makes the new booking pending and fires
/// BOOKING_REQUESTED instead of BOOKING_RESCHEDULED (the documented vendor quirk, cal.diy#21169).
pub fn reschedule(
    st: &mut State,
    uid: &str,
    start: DateTime<Utc>,
    by: Option<String>,
    reason: Option<String>,
    via: Via,
) -> OpResult {
    let (old, et) = live(st, uid)?;
    if matches!(old.status, Status::Cancelled | Status::Rejected) {
        return Err(ApiError::bad_request(format!(
            "Can't reschedule booking with uid={uid} because it has been cancelled or rejected"
        )));
    }
    let end = start + (old.end - old.start);
    if seats(&et).is_none()
        && st
            .bookings
            .iter()
            .any(|b| b.uid != old.uid && b.event_type_id == old.event_type_id && overlaps(b, start, end))
    {
        return Err(ApiError::bad_request("User either already has booking at this time or is not available"));
    }
    let now = Utc::now();
    let requested = via == Via::Api && requires_confirmation(&et);
    let id = st.id();
    let new_uid = st.uid();
    let mut new = old.clone();
    new.id = id;
    new.uid = new_uid.clone();
    new.start = start;
    new.end = end;
    new.status = if requested { Status::Pending } else { Status::Accepted };
    new.rescheduled_from_uid = Some(old.uid.clone());
    new.rescheduled_to_uid = None;
    new.rescheduling_reason = reason.clone();
    new.rescheduled_by_email = by.clone();
    new.created_at = now;
    new.updated_at = now;
    new.ical_sequence = old.ical_sequence + 1;
    if let Some(o) = st.booking_mut(uid) {
        o.status = Status::Cancelled;
        o.rescheduled_to_uid = Some(new_uid.clone());
        o.rescheduling_reason = reason;
        o.rescheduled_by_email = by;
        o.updated_at = now;
    }
    let mut payload = booking_payload(&new, &et, None);
    add_reschedule(&mut payload, &old);
    let trigger = if requested { "BOOKING_REQUESTED" } else { "BOOKING_RESCHEDULED" };
    let event_type_id = new.event_type_id;
    st.bookings.push(new);
    Ok((new_uid, vec![Outgoing { trigger, event_type_id, payload }]))
}

/// Cancels a booking, or only one seat of it when `seat_uid` is given.
pub fn cancel(
    st: &mut State,
    uid: &str,
    reason: Option<String>,
    seat_uid: Option<&str>,
    by: Option<String>,
) -> OpResult {
    let (b, et) = live(st, uid)?;
    if b.status == Status::Cancelled {
        return Err(ApiError::bad_request("This booking has already been cancelled."));
    }
    let now = Utc::now();
    if let Some(seat) = seat_uid {
        let Some(pos) = b.attendees.iter().position(|a| a.seat_uid.as_deref() == Some(seat)) else {
            return Err(ApiError::not_found(format!("Seat with uid={seat} not found")));
        };
        if b.attendees.len() > 1 {
            let booking = st.booking_mut(uid).expect("found above");
            let gone = booking.attendees.remove(pos);
            booking.updated_at = now;
            let mut snapshot = booking.clone();
            snapshot.status = Status::Cancelled;
            snapshot.cancellation_reason = reason;
            let payload = booking_payload(&snapshot, &et, Some(&gone));
            return Ok((
                uid.to_string(),
                vec![Outgoing { trigger: "BOOKING_CANCELLED", event_type_id: b.event_type_id, payload }],
            ));
        }
    }
    let booking = st.booking_mut(uid).expect("found above");
    booking.status = Status::Cancelled;
    booking.cancellation_reason = reason;
    booking.cancelled_by_email = Some(by.unwrap_or_else(|| USER_EMAIL.to_string()));
    booking.updated_at = now;
    let payload = booking_payload(booking, &et, None);
    Ok((uid.to_string(), vec![Outgoing { trigger: "BOOKING_CANCELLED", event_type_id: b.event_type_id, payload }]))
}

/// Accepts (`accept`) or declines a pending booking; accepting fires BOOKING_CREATED, declining
/// BOOKING_REJECTED.
pub fn confirm_or_decline(st: &mut State, uid: &str, accept: bool, reason: Option<String>) -> OpResult {
    let (b, et) = live(st, uid)?;
    if b.status != Status::Pending {
        return Err(ApiError::bad_request(format!("Booking with uid={uid} is not pending confirmation")));
    }
    let booking = st.booking_mut(uid).expect("found above");
    booking.status = if accept { Status::Accepted } else { Status::Rejected };
    if !accept {
        booking.rejection_reason = reason;
    }
    booking.updated_at = Utc::now();
    let payload = booking_payload(booking, &et, None);
    let trigger = if accept { "BOOKING_CREATED" } else { "BOOKING_REJECTED" };
    Ok((uid.to_string(), vec![Outgoing { trigger, event_type_id: b.event_type_id, payload }]))
}
