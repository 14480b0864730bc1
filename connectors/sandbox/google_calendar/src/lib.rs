//! Sandbox of the Google Calendar API v3 and of Google's OAuth 2.0 endpoints, written from the
//! discovery document `calendar.v3.discovery.json`, `NOTES.md` and the examples in
//! `shared/vendor-specs/google-calendar/`. Paths are Google's own, on the sandbox origin:
//! the API under `{base_url}/calendar/v3/` (point official clients at that as their endpoint),
//! OAuth at `{base_url}/o/oauth2/v2/auth`, `{base_url}/token` and `{base_url}/revoke`.
//!
//! # Simulated
//! - OAuth 2.0 authorization code flow with PKCE (S256 or plain; the consent step redirects at once
//!   to `redirect_uri` with `code`, `scope` and `state`), `refresh_token` grant, `access_type=offline`
//!   for a refresh token, revocation, access-token expiry (`expires_in` 3599 s by default; set
//!   `PUT /_sandbox/config {"accessTokenTtlSecs": n}`, or expire them all with
//!   `POST /_sandbox/oauth/expire-access-tokens`). OAuth errors: `{"error", "error_description"}`.
//! - Bearer auth on `/calendar/v3/...` with scopes (`calendar`, `calendar.readonly`, `calendar.events`,
//!   `calendar.events.readonly`): 401 `required`/`authError`, 403 `insufficientPermissions`.
//! - calendarList.list/get; calendars.get/insert/patch/delete; events.insert/get/list/update/patch/
//!   delete/instances; events.watch; channels.stop (see `routes/mod.rs`).
//! - Events keep every client field (`extendedProperties.private/shared`, attendees, reminders...)
//!   and get server fields (id, etag, iCalUID, htmlLink, created/updated, creator/organizer,
//!   sequence). Client ids (base32hex, 5–1024 chars) are honoured; duplicates → 409 `duplicate`.
//!   `If-Match` mismatch → 412 `conditionNotMet`; `If-None-Match` on get → 304. Deleted events are
//!   kept with `status: "cancelled"` (shown with `showDeleted=true` and in incremental sync);
//!   deleting again → 410 `deleted`.
//! - events.list: `timeMin`/`timeMax` (empty range → 400 `timeRangeEmpty`), `q`, `updatedMin`,
//!   `iCalUID`, `privateExtendedProperty`/`sharedExtendedProperty` (repeatable), `showDeleted`,
//!   `singleEvents` (expansion of `RRULE` DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL, COUNT, UNTIL,
//!   weekly BYDAY, and EXDATE, in the start's `timeZone`, DST-aware), `orderBy` (startTime needs
//!   singleEvents), `timeZone`, `maxResults` (default 250, max 2500) + `pageToken`, `syncToken`
//!   (`nextSyncToken` on the last page; changes since then, cancelled included; parameters Google
//!   forbids with it → 400; invalid or expired token → 410 `fullSyncRequired`; expire a calendar's
//!   tokens with `POST /_sandbox/calendars/{calendarId}/expire-sync-tokens`).
//! - Push: events.watch answers a `Channel` and POSTs (empty body) `sync` then `exists` on each
//!   change (`not_exists` when the calendar is deleted) with `X-Goog-Channel-ID`,
//!   `X-Goog-Channel-Token`, `X-Goog-Channel-Expiration`, `X-Goog-Resource-ID`,
//!   `X-Goog-Resource-URI`, `X-Goog-Resource-State`, `X-Goog-Message-Number` through the
//!   [`hub_sandbox_core::WebhookEmitter`]. Google signs nothing, nor does the sandbox.
//! - Inspection and triggers: see `routes/sandbox.rs` (`/_sandbox/state`, `/_sandbox/webhooks`,
//!   `/_sandbox/channels`, `GET|POST /_sandbox/calendars/{calendarId}/events` — POST is "staff add
//!   an event directly in Google Calendar" — `DELETE /_sandbox/calendars/{id}/events/{eventId}`
//!   (staff cancel one), `POST /_sandbox/calendars/{id}/expire-sync-tokens`,
//!   `POST /_sandbox/oauth/expire-access-tokens`, `GET|PUT /_sandbox/config`).
//! - Seed (`opts.seed`): the demo account's primary calendar plus one calendar per seed room
//!   (`c_<slug>@group.calendar.google.com`), each with a month of bookings (see `seed.rs`);
//!   `credentials.calendar_id` is the first room's. Without seed: an empty primary calendar.
//!
//! # Not simulated
//! acl, settings, colors, freebusy, events.import/move/quickAdd, calendarList insert/update/patch/
//! delete/watch, calendars.clear/update, batch requests, the `fields` partial-response parameter,
//! id_token / OpenID, service accounts (JWT bearer grant), modifying or cancelling a single
//! instance of a series (instances are read-only; change the series' `recurrence`/EXDATE),
//! attendee e-mails, project quotas (a per-user quota is: `PUT /_sandbox/config {"userRateLimit":
//! {"requests": n, "windowSecs": s}}` → 403 `userRateLimitExceeded`), HTTPS-only channel addresses (http is
//! accepted so tests can listen on loopback), channel retries on receiver errors.
//! Series without COUNT/UNTIL are expanded up to `timeMax` or two years from now.
//!
//! # Spec / examples disagreements (the examples win)
//! - `Channel.expiration` is `string` (int64) in the discovery document, but the watch request
//!   example sends a JSON number: both are accepted; responses use a string. The example's
//!   expiration (2015) is in the past: past or absent expirations get the default one week.
//! - The error examples carry no `status` member; Google's current answers (and the hub's product issue)
//!   add `status` (`UNAUTHENTICATED`...): the sandbox adds it where a `google.rpc` code maps to the
//!   HTTP status (none for 410). The discovery `Error` schema only has `domain` and `reason`.
//! - NOTES require HTTPS channel addresses; the sandbox accepts `http://` (loopback tests).
//! - The fault-injected 500/429 bodies are the shared core's, not Google's error shape.

mod auth;
mod error;
mod recurrence;
mod routes;
mod seed;
mod state;
mod times;

use std::sync::{Arc, Mutex};

use hub_sandbox_core::{FaultHandle, SandboxOptions, Started, WebhookEmitter, serve};

pub use seed::room_calendar_id;
pub use state::{CLIENT_ID, CLIENT_SECRET, DEMO_ACCOUNT, DEMO_REFRESH_TOKEN};

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = FaultHandle::new(opts.faults);
    let mut store = state::State::new(String::new());
    if opts.seed {
        seed::load(&mut store);
    }
    let calendar_id =
        if opts.seed { room_calendar_id(hub_sandbox_core::seed::rooms()[0].slug) } else { DEMO_ACCOUNT.to_string() };
    if !opts.seed {
        routes::calendars::create(&mut store, DEMO_ACCOUNT.to_string(), DEMO_ACCOUNT, "Europe/Paris", true);
    }
    let app = state::App { state: Arc::new(Mutex::new(store)), emitter: WebhookEmitter::new(faults.clone()) };
    let running =
        serve("google_calendar", routes::vendor(app.clone()), routes::sandbox::router(app.clone()), faults, opts.bind)
            .await?;
    app.lock().base_url = running.base_url.clone();
    let credentials = serde_json::json!({
        "base_url": running.base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "token_url": running.url("/token"),
        "auth_url": running.url("/o/oauth2/v2/auth"),
        "refresh_token": DEMO_REFRESH_TOKEN,
        "calendar_id": calendar_id,
    });
    Ok(Started { running, credentials })
}
