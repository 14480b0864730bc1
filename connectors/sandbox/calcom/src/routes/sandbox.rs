//! `/_sandbox/...`: inspection (`GET state`, `GET webhooks`) and triggers for what happens in
//! Cal.com's own web app: a member books through the booking page, an attendee reschedules or
//! cancels from their e-mail link, a meeting starts or ends (MEETING_STARTED / MEETING_ENDED).
//! Never faulted, no API key.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
};
use serde_json::{Value, json};

use crate::auth::{self, ApiError};
use crate::ops::{self, Via};
use crate::output::{booking_v2, meeting_flat};
use crate::routes::bookings::{new_booking, one, parse_time};
use crate::state::Ctx;
use crate::webhooks::{Outgoing, dispatch};

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

pub async fn state(State(ctx): State<Ctx>) -> Json<Value> {
    let st = ctx.lock();
    let bookings: Vec<Value> = st
        .bookings
        .iter()
        .map(|b| booking_v2(b, st.event_type(b.event_type_id).unwrap_or(&json!({"slug": ""}))))
        .collect();
    let webhooks: Vec<Value> = st
        .webhooks
        .iter()
        .map(|w| {
            json!({"id": w.id, "eventTypeId": w.event_type_id, "subscriberUrl": w.subscriber_url, "triggers": w.triggers,
                   "active": w.active, "secret": w.secret, "payloadTemplate": w.payload_template})
        })
        .collect();
    Json(json!({"eventTypes": st.event_types, "schedules": st.schedules, "bookings": bookings, "webhooks": webhooks}))
}

pub async fn webhooks(State(ctx): State<Ctx>) -> Json<Value> {
    Json(json!(ctx.emitter.log()))
}

/// `POST /_sandbox/bookings`: a booking made on the public booking page. Body as
/// `POST /v2/bookings`, plus `seedPerson: <index>` to book as that person of the data set.
pub async fn book(State(ctx): State<Ctx>, body: Bytes) -> Answer {
    let mut body = auth::json_body(&body)?;
    if let Some(i) = body.get("seedPerson").and_then(Value::as_u64) {
        let a = crate::seed::attendee(i as usize);
        body["attendee"] = json!({"name": a.name, "email": a.email, "timeZone": a.time_zone, "language": a.language, "phoneNumber": a.phone_number});
    }
    let (answer, outgoing) = {
        let mut st = ctx.lock();
        let req = new_booking(&st, &body)?;
        let (uid, outgoing) = ops::create(&mut st, req, Via::WebApp)?;
        (one(&st, &uid)?, outgoing)
    };
    dispatch(&ctx, outgoing);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /_sandbox/bookings/{uid}/{action}`: `reschedule` (`{start, reschedulingReason}`), `cancel`
/// (`{cancellationReason}`), both by the first attendee; `meeting-started`, `meeting-ended`.
pub async fn act(State(ctx): State<Ctx>, Path((uid, action)): Path<(String, String)>, body: Bytes) -> Answer {
    let body = auth::json_body(&body)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let (answer, outgoing) = {
        let mut st = ctx.lock();
        let b = st
            .booking(&uid)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("Booking with uid={uid} not found")))?;
        let booker = b.attendees.first().map(|a| a.email.clone());
        let (uid, outgoing) = match action.as_str() {
            "reschedule" => {
                let start = parse_time("start", &text("start").unwrap_or_default())?;
                ops::reschedule(&mut st, &uid, start, booker, text("reschedulingReason"), Via::WebApp)?
            }
            "cancel" => ops::cancel(&mut st, &uid, text("cancellationReason"), None, booker)?,
            "meeting-started" | "meeting-ended" => {
                let trigger = if action == "meeting-ended" { "MEETING_ENDED" } else { "MEETING_STARTED" };
                let key = st.seat_uid();
                let payload = meeting_flat(trigger, &b, &key);
                (uid.clone(), vec![Outgoing { trigger, event_type_id: b.event_type_id, payload }])
            }
            other => return Err(ApiError::not_found(format!("Cannot POST /_sandbox/bookings/{uid}/{other}"))),
        };
        (one(&st, &uid)?, outgoing)
    };
    dispatch(&ctx, outgoing);
    Ok((StatusCode::OK, Json(answer)))
}
