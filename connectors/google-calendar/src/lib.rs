//! The Google Calendar connector (`kind = "google_calendar"`): each resource (room, desk…) has a
//! calendar; the hub's bookings become events there, and what staff put in those calendars
//! directly (a closure, a private event) comes back as blocking bookings — two ways, without
//! ping-pong, right across daylight-saving changes.
//!
//! # Authorization
//! OAuth 2.0 authorization code with PKCE, run once by `hub auth google INSTANCE` with the
//! helpers of [`oauth`] ([`oauth::authorization_url`], [`oauth::parse_callback`],
//! [`oauth::exchange_code`]); the refresh token is stored encrypted by the hub ([`token_store`])
//! and handed back decrypted in [`GoogleCalendarSettings::refresh_token`]. Access tokens are
//! refreshed from it, cached until a minute before expiry, and refreshed once more on a 401.
//! Scope: `calendar.events` only.
//!
//! # Stream `events` (booking)
//! Every configured calendar, incrementally with Google's sync tokens (cursor and 410 Gone
//! handling in [`sync`]). One record per event, `external_id` = `{calendar id}/{event id}`,
//! `deleted` = status `cancelled`, `updated_at` = Google's `updated`. Record data: `event` (the
//! event JSON untouched) and flat helpers — `calendar_id`, `event_id`, `resource` (the slug),
//! `summary`, `title` (the summary, or "Occupé" for a private/confidential event or one without
//! summary), `starts_at`/`ends_at` (RFC 3339 UTC; an all-day event runs from 00:00 of its date to
//! 00:00 of its end date, in its zone, Europe/Paris by default), `starts_at_local`/`ends_at_local`
//! (the same instants with the configured zone's offset), `time_zone`, `all_day`, `status`
//! (Google's), `booking_status` (`blocked` for events the hub did not write, `confirmed` or
//! `requested` for the hub's own, `cancelled`), `visibility`, `transparency`, `recurrence` (the
//! RRULE/EXDATE lines of a series master: series are not expanded), `recurring_event_id` and
//! `original_start` (an exception of a series), `hub_booking_id`, `hub_origin` (true: the hub's
//! own write coming back, to be dropped — the marker is explained in [`records`]).
//!
//! # Write (booking)
//! Fields read: `resource` (slug → calendar by `calendars`), `title`, `starts_at`, `ends_at`
//! (RFC 3339), `status` (`requested` → tentative; `cancelled`/`rejected` or op Deleted → cancel),
//! `attendee_name` (in the summary when there is no title, and in the description); the booking
//! uid is the change's entity id. Times are written as Europe/Paris wall-clock with their offset
//! and `timeZone: "Europe/Paris"` (`2026-10-25T01:30:00+02:00` → `03:30:00+01:00` is three hours).
//! * The event is found by the external id, else (unless the change is a `first_attempt`, which
//!   nothing can have written yet) by `privateExtendedProperty=hub_booking_id=<id>`
//!   in the resource's calendar (a `Created` retried after a crash finds what the first attempt
//!   wrote); not found, it is inserted with the id [`write::event_id_for`] (stable per calendar
//!   and booking, so a 409 on a race names the hub's own event, which is then updated).
//! * Update: PATCH of the hub's fields with `If-Match: <etag>`; a 412 re-reads the event and
//!   tries once more; nothing is sent when the event already shows the booking. A booking moved
//!   to another resource is written in the new calendar, then cancelled in the old one.
//! * Cancel: PATCH `status: cancelled` (Google's deletion: the event leaves the calendar and
//!   comes back in sync as cancelled) with a marker computed for the cancelled event, so the
//!   cancellation read back is recognised as the hub's own. PATCH rather than DELETE for that
//!   reason, and because it is one call that a retry repeats harmlessly. Cancelling a booking
//!   that never reached Google, or a resource without a calendar, is Unsupported (skipped).
//!
//! # Push
//! [`push`]: channels opened with `watch`, renewed before expiry, notifications verified by the
//! channel token; a notification is a hint, `records_for_event` reads the calendar's changes.
//!
//! # Errors
//! 401 (after one refresh) and other 403 Auth; 403 `rateLimitExceeded`/`userRateLimitExceeded` and
//! 429 RateLimited; 5xx and network failures Transient; 404/410 handled (an event gone, a sync
//! token expired); other answers Invalid.

pub mod api;
pub mod oauth;
pub mod push;
pub mod records;
pub mod settings;
pub mod sync;
pub mod token_store;
pub mod write;

use async_trait::async_trait;
use chrono_tz::Tz;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, InboundEvent, Page, SourceRecord,
    StreamInfo, SyncMode, WebhookDecoder, WebhookRequest, WriteOutcome,
    http::{HttpClient, HttpSettings},
};
use serde_json::Value;

pub use push::{Channel, RENEWAL_MARGIN, needs_renewal};
pub use records::{EVENTS, HUB_BOOKING_ID, HUB_WRITTEN_HASH};
pub use settings::{
    DEFAULT_AUTH_URL, DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE, DEFAULT_TIME_ZONE, DEFAULT_TOKEN_URL, GoogleCalendarSettings,
};
pub use sync::SyncCursor;

/// A Google Calendar instance.
pub struct GoogleCalendarConnector {
    settings: GoogleCalendarSettings,
    tz: Tz,
    api: api::Api,
    memory: sync::Memory,
}

impl std::fmt::Debug for GoogleCalendarConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleCalendarConnector").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl GoogleCalendarConnector {
    /// Builds the instance; settings that do not hold up are Invalid, naming the field.
    pub fn new(settings: GoogleCalendarSettings) -> Result<GoogleCalendarConnector, ConnectorError> {
        let http = HttpSettings::new(settings.base_url.trim());
        Self::with_http(settings, http)
    }

    /// As [`GoogleCalendarConnector::new`], with explicit HTTP settings (timeouts, rate limit);
    /// their `base_url` is the API origin (`/calendar/v3` is appended).
    pub fn with_http(
        settings: GoogleCalendarSettings,
        http: HttpSettings,
    ) -> Result<GoogleCalendarConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("google_calendar `{}`: {problem}", settings.instance)));
        }
        let root = format!("{}/calendar/v3", http.base_url.trim().trim_end_matches('/'));
        let client = HttpClient::new(&HttpSettings { base_url: root, ..http })?;
        let tokens = oauth::TokenSource::new(&settings, client.inner().clone())?;
        Ok(GoogleCalendarConnector {
            tz: settings.tz(),
            api: api::Api::new(client, tokens),
            memory: sync::Memory::default(),
            settings,
        })
    }

    pub fn settings(&self) -> &GoogleCalendarSettings {
        &self.settings
    }

    /// Gives the connector the refresh token obtained by `hub auth google` (decrypted by the hub).
    pub async fn set_refresh_token(&self, token: String) {
        self.api.tokens().set_refresh_token(token).await;
    }

    /// Whether the connector has a refresh token (consent was given).
    pub fn is_authorized(&self) -> bool {
        self.api.tokens().has_refresh_token()
    }
}

#[async_trait]
impl Connector for GoogleCalendarConnector {
    fn kind(&self) -> &'static str {
        "google_calendar"
    }

    /// Lists one event of each configured calendar (`calendar.events` does not allow
    /// calendarList or calendars.get).
    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let mut names = Vec::new();
        for (slug, calendar) in &self.settings.calendars {
            let body = match self.list_one(calendar).await {
                Ok(b) => b,
                Err(ConnectorError::Invalid(e)) => {
                    return Ok(CheckReport { ok: false, detail: format!("resource `{slug}`: {e}") });
                }
                Err(e) => return Err(e),
            };
            let summary = body.get("summary").and_then(Value::as_str).unwrap_or(calendar);
            names.push(format!("{slug} → {summary}"));
        }
        Ok(CheckReport { ok: true, detail: format!("Google Calendar reachable; calendars: {}", names.join(", ")) })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![StreamInfo { name: EVENTS.into(), entity: EntityKind::Booking, sync_mode: SyncMode::Incremental }]
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        match stream {
            EVENTS => self.read_events(cursor).await,
            other => {
                Err(ConnectorError::Unsupported(format!("Google Calendar has no stream `{other}` (stream: {EVENTS})")))
            }
        }
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        match change.entity_kind {
            EntityKind::Booking => self.write_booking(change).await,
            other => Err(ConnectorError::Unsupported(format!("Google Calendar only writes bookings, not `{other}`"))),
        }
    }

    fn webhook(&self) -> Option<&dyn WebhookDecoder> {
        Some(self)
    }

    async fn records_for_event(&self, event: &InboundEvent) -> Result<Vec<SourceRecord>, ConnectorError> {
        if event.event_type == "sync" {
            return Ok(Vec::new());
        }
        let calendar = push::calendar_of_event(event)
            .ok_or_else(|| ConnectorError::Invalid(format!("event `{}` names no calendar", event.event_id)))?;
        if self.settings.resource_of(calendar).is_none() {
            tracing::info!(calendar, "push for a calendar no longer configured: ignored");
            return Ok(Vec::new());
        }
        if event.event_type == "not_exists" {
            tracing::warn!(calendar, "Google says the watched calendar no longer exists: nothing to read");
            return Ok(Vec::new());
        }
        self.changes_of(calendar).await
    }
}

impl WebhookDecoder for GoogleCalendarConnector {
    fn verify(&self, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
        push::verify(&self.settings, request)
    }

    fn decode(&self, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
        push::decode(&self.settings, request)
    }
}

impl GoogleCalendarConnector {
    async fn list_one(&self, calendar: &str) -> Result<Value, ConnectorError> {
        let query = vec![("maxResults", "1".to_string())];
        let call = api::Call { query, ..api::Call::new(reqwest::Method::GET, api::events_path(calendar)) };
        let answer = self.api.send(&call).await?;
        if answer.status == 404 {
            return Err(ConnectorError::Invalid(format!(
                "calendar `{calendar}` not found, or not shared with the authorized account"
            )));
        }
        answer.into_ok(&format!("listing calendar `{calendar}`"))
    }
}
