//! `/v2/bookings*` (cal-api-version 2024-08-13): list with filters, sorts and take/skip pagination,
//! get (also by seat), create, reschedule, cancel, confirm, decline, mark-absent.

use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::auth::{self, ApiError};
use crate::ops::{self, NewBooking, Via};
use crate::output::booking_v2;
use crate::state::{Attendee, Booking, Ctx, State as Account, Status, USERNAME};
use crate::webhooks::dispatch;

type Answer = Result<(StatusCode, Json<Value>), ApiError>;
type SortKey = fn(&Booking) -> DateTime<Utc>;

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Parses an ISO 8601 instant as Cal.com accepts it.
pub fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request(format!("{field} must be a valid ISO 8601 date string")))
}

/// Reads a `CreateBookingInput_2024_08_13` body (also used by the booking-page trigger).
pub fn new_booking(st: &Account, body: &Value) -> Result<NewBooking, ApiError> {
    let start =
        str_field(body, "start").ok_or_else(|| ApiError::bad_request("start must be a valid ISO 8601 date string"))?;
    let start = parse_time("start", &start)?;
    let a = body
        .get("attendee")
        .filter(|a| a.is_object())
        .ok_or_else(|| ApiError::bad_request("attendee must be an object"))?;
    let name = str_field(a, "name").ok_or_else(|| ApiError::bad_request("attendee.name must be a string"))?;
    let time_zone =
        str_field(a, "timeZone").ok_or_else(|| ApiError::bad_request("attendee.timeZone must be a string"))?;
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::bad_request("attendee.timeZone must be a valid IANA time zone"));
    }
    let email = str_field(a, "email").unwrap_or_default();
    let phone = str_field(a, "phoneNumber");
    if email.is_empty() && phone.is_none() {
        return Err(ApiError::bad_request("attendee.email or attendee.phoneNumber is required"));
    }
    let event_type_id = match body.get("eventTypeId").and_then(Value::as_u64) {
        Some(id) if st.event_type(id).is_some() => id,
        by_id => {
            let slug = str_field(body, "eventTypeSlug");
            let found = slug.as_deref().and_then(|slug| {
                let owner_ok =
                    str_field(body, "username").is_none_or(|u| u == USERNAME) || str_field(body, "teamSlug").is_some();
                st.event_types.iter().find(|e| owner_ok && e["slug"] == slug).and_then(|e| e["id"].as_u64())
            });
            match (found, by_id, slug) {
                (Some(id), _, _) => id,
                (None, Some(id), _) => return Err(ApiError::not_found(format!("Event type with id={id} not found"))),
                (None, None, Some(s)) => {
                    return Err(ApiError::not_found(format!("Event type with slug={s} not found")));
                }
                (None, None, None) => {
                    return Err(ApiError::bad_request(
                        "Either eventTypeId or eventTypeSlug + username must be provided",
                    ));
                }
            }
        }
    };
    let location = body.get("location").and_then(|l| match l {
        Value::String(s) => Some(s.clone()),
        Value::Object(_) => ["address", "link", "phone", "location"].iter().find_map(|k| str_field(l, k)),
        _ => None,
    });
    let guests: Vec<String> = body["guests"]
        .as_array()
        .map(|g| g.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut responses = body.get("bookingFieldsResponses").cloned().unwrap_or_else(|| json!({}));
    if let Value::Object(map) = &mut responses {
        map.entry("name").or_insert(json!(name));
        map.entry("email").or_insert(json!(email));
    }
    Ok(NewBooking {
        event_type_id,
        start,
        length: body.get("lengthInMinutes").and_then(Value::as_i64),
        attendee: Attendee {
            id: 0,
            name,
            email,
            time_zone,
            language: str_field(a, "language").unwrap_or_else(|| "en".into()),
            phone_number: phone,
            absent: false,
            seat_uid: None,
        },
        guests,
        location,
        metadata: body.get("metadata").filter(|m| m.is_object()).cloned().unwrap_or_else(|| json!({})),
        responses,
    })
}

/// `{status: success, data: <booking>}` for `uid`.
pub fn one(st: &Account, uid: &str) -> Result<Value, ApiError> {
    let b = st.booking(uid).ok_or_else(|| ApiError::not_found(format!("Booking with uid={uid} not found")))?;
    let et = st.event_type(b.event_type_id).cloned().unwrap_or_else(|| json!({"slug": ""}));
    Ok(json!({"status": "success", "data": booking_v2(b, &et), "error": {}}))
}

fn matches_status(b: &Booking, wanted: &str, now: DateTime<Utc>) -> bool {
    let live = matches!(b.status, Status::Accepted | Status::Pending);
    match wanted {
        "upcoming" => live && b.end >= now,
        "recurring" => false,
        "past" => b.end <= now && !matches!(b.status, Status::Cancelled | Status::Rejected),
        "cancelled" => matches!(b.status, Status::Cancelled | Status::Rejected),
        "unconfirmed" => b.status == Status::Pending && b.end >= now,
        _ => false,
    }
}

fn number(q: &HashMap<String, String>, key: &str, default: usize, min: usize) -> Result<usize, ApiError> {
    match q.get(key) {
        None => Ok(default),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| ApiError::bad_request(format!("{key} must be an integer not less than {min}"))),
    }
}

pub async fn list(State(ctx): State<Ctx>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Answer {
    auth::check(&ctx, &headers)?;
    let take = number(&q, "take", 100, 1)?;
    let skip = number(&q, "skip", 0, 0)?;
    let mut times = HashMap::new();
    for key in ["afterStart", "beforeEnd", "afterCreatedAt", "beforeCreatedAt", "afterUpdatedAt", "beforeUpdatedAt"] {
        if let Some(v) = q.get(key) {
            times.insert(key, parse_time(key, v)?);
        }
    }
    let statuses: Vec<&str> = q.get("status").map(|s| s.split(',').map(str::trim).collect()).unwrap_or_default();
    for s in &statuses {
        if !["upcoming", "recurring", "past", "cancelled", "unconfirmed"].contains(s) {
            return Err(ApiError::bad_request(format!(
                "status must be one of: upcoming, recurring, past, cancelled, unconfirmed (got {s})"
            )));
        }
    }
    let et_ids: Vec<u64> = q
        .get("eventTypeIds")
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .or_else(|| q.get("eventTypeId").and_then(|s| s.parse().ok()).map(|id| vec![id]))
        .unwrap_or_default();
    let now = Utc::now();
    let st = ctx.lock();
    let mut found: Vec<&Booking> = st
        .bookings
        .iter()
        .filter(|b| statuses.is_empty() || statuses.iter().any(|s| matches_status(b, s, now)))
        .filter(|b| et_ids.is_empty() || et_ids.contains(&b.event_type_id))
        .filter(|b| q.get("bookingUid").is_none_or(|u| &b.uid == u))
        .filter(|b| q.get("attendeeEmail").is_none_or(|e| b.attendees.iter().any(|a| a.email.eq_ignore_ascii_case(e))))
        .filter(|b| {
            q.get("attendeeName").is_none_or(|n| {
                let n = n.to_lowercase();
                b.attendees.iter().any(|a| a.name.to_lowercase().contains(&n))
            })
        })
        .filter(|b| times.get("afterStart").is_none_or(|t| b.start >= *t))
        .filter(|b| times.get("beforeEnd").is_none_or(|t| b.end <= *t))
        .filter(|b| times.get("afterCreatedAt").is_none_or(|t| b.created_at >= *t))
        .filter(|b| times.get("beforeCreatedAt").is_none_or(|t| b.created_at <= *t))
        .filter(|b| times.get("afterUpdatedAt").is_none_or(|t| b.updated_at >= *t))
        .filter(|b| times.get("beforeUpdatedAt").is_none_or(|t| b.updated_at <= *t))
        .collect();
    let sorts: [(&str, SortKey); 4] = [
        ("sortStart", |b| b.start),
        ("sortEnd", |b| b.end),
        ("sortCreated", |b| b.created_at),
        ("sortUpdatedAt", |b| b.updated_at),
    ];
    found.sort_by_key(|b| (b.start, b.id));
    for (key, field) in sorts {
        match q.get(key).map(String::as_str) {
            Some("asc") => found.sort_by_key(|b| (field(b), b.id)),
            Some("desc") => found.sort_by_key(|b| std::cmp::Reverse((field(b), b.id))),
            Some(other) => return Err(ApiError::bad_request(format!("{key} must be one of: asc, desc (got {other})"))),
            None => {}
        }
    }
    let total = found.len();
    let page: Vec<Value> = found
        .iter()
        .skip(skip)
        .take(take)
        .map(|b| booking_v2(b, st.event_type(b.event_type_id).unwrap_or(&json!({"slug": ""}))))
        .collect();
    let returned = page.len();
    let pagination = json!({
        "totalItems": total,
        "remainingItems": total.saturating_sub(skip + returned),
        "returnedItems": returned,
        "itemsPerPage": take,
        "currentPage": skip / take + 1,
        "totalPages": total.div_ceil(take),
        "hasNextPage": skip + returned < total,
        "hasPreviousPage": skip > 0,
    });
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": page, "pagination": pagination, "error": {}}))))
}

pub async fn get(State(ctx): State<Ctx>, headers: HeaderMap, Path(uid): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    Ok((StatusCode::OK, Json(one(&ctx.lock(), &uid)?)))
}

/// `GET /v2/bookings/by-seat/{seatUid}`: the seated booking holding that seat.
pub async fn by_seat(State(ctx): State<Ctx>, headers: HeaderMap, Path(seat): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    let st = ctx.lock();
    let uid = st
        .bookings
        .iter()
        .find(|b| b.attendees.iter().any(|a| a.seat_uid.as_deref() == Some(seat.as_str())))
        .map(|b| b.uid.clone())
        .ok_or_else(|| ApiError::not_found(format!("Booking with seatUid={seat} not found")))?;
    Ok((StatusCode::OK, Json(one(&st, &uid)?)))
}

pub async fn create(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let body = auth::json_body(&body)?;
    let (answer, outgoing) = {
        let mut st = ctx.lock();
        let req = new_booking(&st, &body)?;
        let (uid, outgoing) = ops::create(&mut st, req, Via::Api)?;
        (one(&st, &uid)?, outgoing)
    };
    dispatch(&ctx, outgoing);
    Ok((StatusCode::CREATED, Json(answer)))
}

fn run(ctx: &Ctx, status: StatusCode, op: impl FnOnce(&mut Account) -> ops::OpResult) -> Answer {
    let (answer, outgoing) = {
        let mut st = ctx.lock();
        let (uid, outgoing) = op(&mut st)?;
        (one(&st, &uid)?, outgoing)
    };
    dispatch(ctx, outgoing);
    Ok((status, Json(answer)))
}

pub async fn reschedule(State(ctx): State<Ctx>, headers: HeaderMap, Path(uid): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let body = auth::json_body(&body)?;
    let start =
        str_field(&body, "start").ok_or_else(|| ApiError::bad_request("start must be a valid ISO 8601 date string"))?;
    let start = parse_time("start", &start)?;
    let (by, reason) = (str_field(&body, "rescheduledBy"), str_field(&body, "reschedulingReason"));
    run(&ctx, StatusCode::CREATED, |st| ops::reschedule(st, &uid, start, by, reason, Via::Api))
}

pub async fn cancel(State(ctx): State<Ctx>, headers: HeaderMap, Path(uid): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let body = auth::json_body(&body)?;
    let reason = str_field(&body, "cancellationReason");
    let seat = str_field(&body, "seatUid");
    run(&ctx, StatusCode::OK, |st| ops::cancel(st, &uid, reason, seat.as_deref(), None))
}

pub async fn confirm(State(ctx): State<Ctx>, headers: HeaderMap, Path(uid): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    run(&ctx, StatusCode::OK, |st| ops::confirm_or_decline(st, &uid, true, None))
}

pub async fn decline(State(ctx): State<Ctx>, headers: HeaderMap, Path(uid): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let body = auth::json_body(&body)?;
    let reason = str_field(&body, "reason");
    run(&ctx, StatusCode::OK, |st| ops::confirm_or_decline(st, &uid, false, reason))
}

pub async fn mark_absent(State(ctx): State<Ctx>, headers: HeaderMap, Path(uid): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let body = auth::json_body(&body)?;
    let mut st = ctx.lock();
    let b = st.booking_mut(&uid).ok_or_else(|| ApiError::not_found(format!("Booking with uid={uid} not found")))?;
    if let Some(host) = body.get("host").and_then(Value::as_bool) {
        b.absent_host = host;
    }
    for item in body["attendees"].as_array().into_iter().flatten() {
        let (Some(email), Some(absent)) = (item["email"].as_str(), item["absent"].as_bool()) else {
            return Err(ApiError::bad_request("attendees must be a list of {email, absent}"));
        };
        let a = b.attendees.iter_mut().find(|a| a.email == email);
        a.ok_or_else(|| ApiError::bad_request(format!("Attendee with email={email} is not part of this booking")))?
            .absent = absent;
    }
    b.updated_at = Utc::now();
    Ok((StatusCode::OK, Json(one(&st, &uid)?)))
}
