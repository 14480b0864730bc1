//! Sandbox of Cal.com API v2 (bookings, event types, schedules, webhook subscriptions) and of its
//! booking webhooks, written from `shared/vendor-specs/calcom` (NOTES.md, the trimmed OpenAPI
//! document and the examples) alone.
//!
//! # Simulated
//! * Auth: `Authorization: Bearer <api_key>` (a `cal_test_…` key, see [`start`]); missing or wrong →
//!   401 with Cal.com's NestJS error body `{status:"error", timestamp, path, error:{code, message,
//!   details:{message, error, statusCode}}}`, the same shape for 400/404/409. Exception: `GET
//!   /v2/event-types?username=…` is public, as on Cal.com.
//! * `/v2/bookings` (2024-08-13): list (status `upcoming|recurring|past|cancelled|unconfirmed`,
//!   attendee/uid/event-type/date filters, `sort*`, `take`/`skip` with `PaginationMetaDto`; default
//!   order: start ascending), get, get by seat (`/v2/bookings/by-seat/{seatUid}`),
//!   create (by `eventTypeId` or `eventTypeSlug`+`username`; `lengthInMinutes` checked against the
//!   options; double booking refused; seated event types add a seat to the slot's booking),
//!   reschedule (new booking with a new uid; the old one becomes `cancelled` with
//!   `rescheduledToUid`, the new one has `rescheduledFromUid`), cancel (whole booking or one
//!   `seatUid`), confirm / decline of pending bookings (event types with a `confirmationPolicy`),
//!   mark-absent.
//! * `/v2/event-types` (2024-06-14): list, get, create, patch (output fields merged), delete.
//! * `/v2/schedules` (2024-06-11): list, `default`, by id (read-only).
//! * `/v2/webhooks*` and `/v2/event-types/{id}/webhooks*`: subscriptions, the vendor's way of
//!   registering a subscriber URL (http:// accepted, as self-hosted Cal.com does).
//! * Webhooks ([`webhooks`]): BOOKING_CREATED, BOOKING_REQUESTED, BOOKING_RESCHEDULED,
//!   BOOKING_CANCELLED, BOOKING_REJECTED from the API and from the `/_sandbox` triggers;
//!   MEETING_STARTED / MEETING_ENDED (flat bodies) from triggers only. Body
//!   `{triggerEvent, createdAt, payload}` (payload version 2021-10-20), or the subscription's
//!   rendered `payloadTemplate` (re-serialized when JSON, else form-encoded); header
//!   `X-Cal-Signature-256` = lower-case hex HMAC-SHA256(secret, raw body), plus
//!   `x-cal-webhook-version: 2021-10-20`.
//! * `X-RateLimit-{Limit,Remaining,Reset}-Default` headers (120 per 60 s window) on every `/v2`
//!   answer, counting down; the limit itself is not enforced (use the `rate_limit_rate` fault).
//! * Booking titles are Cal.com's default `{event type} between {organizer} and {attendee}`.
//! * Documented vendor quirks reproduced: a reschedule made through the API on an event type that
//!   requires confirmation arrives as BOOKING_REQUESTED (with `rescheduleUid`…) instead of
//!   BOOKING_RESCHEDULED (cal.diy#21169); on a seated event type (the coworking) only the first
//!   seat of a slot fires BOOKING_CREATED, later seats fire nothing (#13079), and a seat's
//!   webhooks list only that seat's attendee; deliveries repeat with the `duplicate_webhook_rate`
//!   fault. A receiver must read the booking back by uid.
//! * Seed: one event type per seed room (slug = the room's slug; coworking seated, 24 seats;
//!   `salle-des-fetes` requires confirmation) and per laser cutter, CNC router and camera kit
//!   (slug = asset tag in lower case, e.g. `fab-0009`; laser cutters require confirmation);
//!   bookings 2 Nov–18 Dec 2026 in Paris business hours by seed people, some cancelled, some
//!   rescheduled, some pending.
//!
//! # Inspection and triggers (never faulted, no key)
//! `GET /_sandbox/state`, `GET /_sandbox/webhooks` (emitter log), `POST /_sandbox/bookings` (booking
//! page; `POST /v2/bookings` body, or `seedPerson: n` instead of `attendee`),
//! `POST /_sandbox/bookings/{uid}/reschedule|cancel|meeting-started|meeting-ended`, and the core's
//! `GET|PUT /_sandbox/faults`.
//!
//! # Not simulated
//! Availability/slots (`/v2/slots`), schedules' create/update, working-hours and minimum-notice
//! checks (any start is bookable, past ones too), recurring bookings, teams/organizations,
//! OAuth/platform clients (`x-cal-client-id`), managed users, attendees/guests/location/reassign/
//! references/recordings endpoints, private links, `cal-api-version` fallbacks to older versions
//! (the header is not enforced: the pinned versions are always served), the 2026-05-01 cursor
//! pagination, payment webhooks (BOOKING_PAID…), FORM_SUBMITTED, OOO_CREATED,
//! BOOKING_NO_SHOW_UPDATED, scheduled MEETING_* timers (use the triggers), SaaS's refusal of
//! non-HTTPS subscriber URLs, the real API's rate limiter (use the faults).
//!
//! # Spec vs examples (and other) disagreements
//! * `BookingAttendee` and `BookingHost` require `displayEmail`, the booking examples lack it:
//!   the sandbox sends it (a superset of the examples, valid for the spec).
//! * The GET /v2/event-types example has no `error` member and puts `{}` in nullable fields
//!   (`seatsPerTimeSlot`, `successRedirectUrl`…); the sandbox sends `null` there as the schema's
//!   `nullable` allows.
//! * `UserWebhookOutputDto.payloadTemplate` is a required string: a subscription without a template
//!   shows `""` (the real API may show `null`).
//! * NOTES: with no secret Cal.com sends the literal `no-secret-provided`; here a subscription
//!   created without `secret` gets the sandbox's `webhook_secret` instead (the hub's brief), shown
//!   in `secret`; one whose secret is explicitly `""` gets `no-secret-provided`.
//! * The spec's `EventTypeOutput_2024_06_14` types `slotInterval` and `seatsPerTimeSlot` as
//!   nullable objects while the example shows `60` and `{}`: the sandbox sends `null` (valid for
//!   both readings; the seat count is in `seats.seatsPerTimeSlot`). Its `locations`,
//!   `bookingFields` (and `bookingWindow`) item `oneOf`s cannot single out a branch (the `type`
//!   values are in descriptions, not enums; `OutputOrganizersDefaultAppLocation_2024_06_14` accepts
//!   any `{type}`): the tests check each item against the branch its `type` names.
//! * The spec only lists 200/201 answers: error bodies follow examples/api.error-response.
//! * The BOOKING_RESCHEDULED example lacks `iCalUID` that the other booking examples carry; the
//!   sandbox always sends it. Start/end are `…Z` without milliseconds in v2 output and booking
//!   webhooks, with milliseconds in the flat MEETING_* bodies, as in the examples.
//! * The spec's example list of webhook triggers holds values outside its own enum; the enum is
//!   enforced.
//! * Schedules are not in the trimmed spec: their shape follows the constructed example.

#![recursion_limit = "256"]

mod auth;
mod ops;
mod output;
mod routes;
mod seed;
mod state;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use hub_sandbox_core::{FaultHandle, SandboxOptions, Started, WebhookEmitter, serve};
use serde_json::json;

pub use webhooks::sign;

/// The demo API key (send as `Authorization: Bearer …`).
pub const API_KEY: &str = "cal_test_5f3a9c0e1b7d4e2a8c6f0b1d3e5a7c9f";
/// The secret of subscriptions created without one.
pub const WEBHOOK_SECRET: &str = "whsec-calcom-sandbox-7b1e4c9a2d";

/// Starts the sandbox on `opts.bind`; credentials: `base_url`, `api_key`, `webhook_secret`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = FaultHandle::new(opts.faults);
    let mut st = state::State::empty();
    if opts.seed {
        seed::seed(&mut st);
    } else {
        seed::minimal(&mut st);
    }
    let ctx = state::Ctx {
        state: Arc::new(Mutex::new(st)),
        emitter: WebhookEmitter::new(faults.clone()),
        api_key: API_KEY.to_string(),
        webhook_secret: WEBHOOK_SECRET.to_string(),
        throttle: Arc::new(Mutex::new((std::time::Instant::now(), 0))),
    };
    let running = serve("calcom", routes::vendor(ctx.clone()), routes::inspect(ctx), faults, opts.bind).await?;
    let credentials = json!({ "base_url": running.base_url, "api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET });
    Ok(Started { running, credentials })
}
