//! The Cal.com connector (`kind = "calcom"`): the bookings of one Cal.com account, read from API
//! v2 with an API key and pushed as hints by Cal.com's booking webhooks. People book in Cal.com:
//! the hub never creates bookings there, so `write` answers Unsupported. Sources: the notes, the
//! trimmed OpenAPI document and the examples in `shared/vendor-specs/calcom` (NOTES §n below).
//!
//! # API
//! `https://api.cal.com` (or a self-hosted API v2 origin; `base_url`), paths `/v2/...`,
//! `Authorization: Bearer <api key>` (`cal_live_…`/`cal_test_…`) and `cal-api-version: 2024-08-13`
//! on every bookings call (NOTES §2: without it the endpoints fall back to an older version).
//! `check` lists one booking (`GET /v2/bookings?take=1`): the call the stream needs, so it proves
//! the key and its scope; the spec this crate was written from has no `/v2/me`.
//! Errors: 401/403 Auth, 429 RateLimited (Retry-After, else `X-RateLimit-Reset-Default`, NOTES
//! §9), 408/5xx and network failures Transient, other 4xx Invalid, a body that is not JSON
//! `ConnectorError::malformed_json`, a 200 whose `status` is `"error"` Invalid. There is no
//! client-side budget: Cal.com's 120 requests/min per key is far above a sync's needs, and its 429s
//! carry the wait.
//!
//! # Stream `bookings` (entity `booking`, incremental)
//! One record per booking, external id = the booking `uid`. `data` holds the v2 booking object
//! untouched under `booking`, and beside it flat helpers for the mapping:
//! `uid`; `status` (`accepted`, `pending`, `cancelled`, `rejected`, lower-cased); `start`, `end`
//! (RFC 3339 UTC); `event_type_id` (`eventType.id`, else the deprecated `eventTypeId`);
//! `event_type_slug`; `title`; `attendee_name`, `attendee_email`, `attendee_time_zone` (the first
//! attendee: the booker); `attendee_count`; `rescheduled_from_uid`, `rescheduled_to_uid` (null when
//! absent); `rescheduled` (true when this booking was moved away, see below);
//! `recurring_booking_uid`; `seats`: null, or for a seated event type (attendees carry `seatUid`)
//! `{count, attendees: [{seat_uid, name, email, time_zone, absent}]}`. `updated_at` is the
//! booking's `updatedAt`; `deleted` is true for a cancelled or rejected booking, except one
//! cancelled by a reschedule. Two fields come from beyond the booking ([`origin`]): `origin_uid`,
//! the first uid of its reschedule chain (its own uid when it was not moved here from another
//! booking; left at its own uid for a booking moved away, which the hub's mapping skips), and
//! `resource`, the resource slug its event type is configured for (`resources`, by event type
//! slug then id; null when none).
//!
//! ## Reschedules
//! Cal.com never moves a booking in place: a reschedule creates a new booking with a new uid and
//! cancels the old one. API v2 links them both ways: the old booking is `status: cancelled` with
//! `rescheduledToUid` = the new uid, the new one has `rescheduledFromUid` = the old uid (spec
//! `BookingOutput_2024_08_13`; examples/api.GET_v2_bookings_uid.response.docs.json). The same link
//! appears as `rescheduleUid`/`rescheduleId` in the BOOKING_RESCHEDULED webhook, whose `uid` is the
//! NEW booking (examples/webhook.BOOKING_RESCHEDULED.json), and as the database columns
//! `fromReschedule`/`rescheduled` in the flat MEETING_* bodies. Choice: each uid stays its own
//! record (the external id is always the uid the API answers to, so a re-read never
//! confuses two bookings); the old one says `rescheduled: true`, `rescheduled_to_uid`, and is not
//! `deleted`; the new one says `rescheduled_from_uid`. The hub treats it as one booking moving: it
//! links the new uid to the entity of `rescheduled_from_uid` (the canonical `rescheduled_from`)
//! and ignores the cancellation of a booking whose `rescheduled` is true.
//!
//! ## Cursor
//! `GET /v2/bookings?sortUpdatedAt=asc&afterUpdatedAt=T&take=N[&skip=K]` (no `status` filter, so
//! cancelled and past bookings come too). The spec offers `afterUpdatedAt`/`sortUpdatedAt` with
//! `take`/`skip` paging, and `updatedAt` is the only field that moves on every change (a cancel,
//! a confirmation, a seat added), so it is the cursor; the 2026 cursor-paginated variant orders by
//! uid and cannot express "changed since". The cursor is `{updatedAfter, skip, high, seen}`:
//! * pages are keyset steps, not offsets: after each page `updatedAfter` moves to the page's
//!   latest `updatedAt` minus [`CURSOR_OVERLAP`], so a booking updated during a pass (which moves
//!   to the end of the order) cannot shift an unread one out of reach as a growing `skip` would;
//! * the overlap re-reads the last minute, because whether `afterUpdatedAt` is inclusive is not
//!   documented and a booking may become visible a little after its `updatedAt`; `seen` (uid →
//!   `updatedAt` and a hash of the booking JSON, for the bookings inside the window) drops what was
//!   already emitted, so an incremental read after one change returns that one booking only;
//! * `skip` is used only while a page holds nothing newer than the window's start (more bookings
//!   share the same instant than a page holds): the read steps over them instead of looping;
//! * at the end of a pass (`hasNextPage` false) the next one starts at `high` (the latest
//!   `updatedAt` emitted) minus the overlap. A page not sorted by `updatedAt` is refused (Invalid):
//!   the window would skip bookings.
//!
//! # Webhooks
//! `verify`: `X-Cal-Signature-256` must be the lower-case hex HMAC-SHA256 of the raw body keyed by
//! `webhook_secret` (NOTES §7), compared in constant time; missing, malformed, forged, Cal.com's
//! `no-secret-provided`, or no `webhook_secret` configured → `ConnectorError::Signature`.
//! `decode`: Cal.com sends no event id, so the id is `{triggerEvent}:{booking uid or -}:{first 16
//! hex of sha256(body)}` (a delivery sent twice dedups; its `createdAt` keeps distinct deliveries
//! apart). The event type is `triggerEvent`; the records are hints, one per booking uid named
//! (`payload.uid`, a flat body's `uid`, `payload.bookingUid`, then `payload.rescheduleUid`), with
//! `data: {hint: true, uid, trigger_event}` and nothing else of the body. PING (the settings' test
//! button) and triggers about no booking (FORM_SUBMITTED, OOO_CREATED…) carry no hint. A body that
//! is not JSON (a non-JSON payload template) is Invalid.
//! `records_for_event` trusts neither the trigger nor the body (Cal.com sends BOOKING_REQUESTED for
//! an API reschedule of a confirm-required type, one webhook for the first seat of a seated slot
//! only, repeats deliveries): it reads each hinted booking back (`GET /v2/bookings/{uid}`), plus
//! the bookings those name in `rescheduledFromUid`/`rescheduledToUid` (one level), and returns
//! the same records as the stream. A booking the API reports as not found gives no record;
//! MEETING_STARTED/ENDED and unknown triggers are just this read-back; PING gives nothing.

mod api;
pub mod cursor;
pub mod origin;
pub mod records;
pub mod webhook;

#[cfg(test)]
mod tests;

use std::time::Duration;

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, InboundEvent, Page, SourceRecord,
    StreamInfo, SyncMode, WebhookDecoder, WebhookRequest, WriteOutcome,
    http::{HttpClient, HttpSettings},
};
use serde_json::Value;

pub use cursor::CURSOR_OVERLAP;
pub use records::BOOKINGS;

/// Cal.com's hosted API origin (paths `/v2/...` are appended).
pub const DEFAULT_BASE_URL: &str = "https://api.cal.com";
/// The `cal-api-version` the bookings endpoints are implemented against (NOTES §2).
pub const BOOKINGS_API_VERSION: &str = "2024-08-13";
/// Bookings asked per list call.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest `take` Cal.com documents on its list endpoints.
pub const MAX_PAGE_SIZE: u32 = 250;
/// Time allowed to connect (capped by `timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Total time allowed per request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of one instance (built by the hub's registry from `[connectors.NAME]`).
#[derive(Clone)]
pub struct CalcomSettings {
    pub instance: String,
    /// The API origin ([`DEFAULT_BASE_URL`], a self-hosted API v2, or a sandbox's base_url).
    pub base_url: String,
    /// Never logged, never in Debug.
    pub api_key: String,
    /// The secret set on the Cal.com webhook subscription; without it every webhook is refused.
    /// Never logged, never in Debug.
    pub webhook_secret: Option<String>,
    /// `cal-api-version` sent to `/v2/bookings*` ([`BOOKINGS_API_VERSION`]).
    pub bookings_api_version: String,
    /// `take` of list calls, 1 to [`MAX_PAGE_SIZE`] ([`DEFAULT_PAGE_SIZE`]).
    pub page_size: u32,
    /// Per request ([`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Event type slug (or id as text) → resource slug: the records' `resource`.
    pub resources: std::collections::BTreeMap<String, String>,
}

impl CalcomSettings {
    /// Settings on Cal.com's hosted API, no webhook secret, default version, page size and timeout.
    pub fn new(instance: impl Into<String>, api_key: impl Into<String>) -> Self {
        CalcomSettings {
            instance: instance.into(),
            base_url: DEFAULT_BASE_URL.into(),
            api_key: api_key.into(),
            webhook_secret: None,
            bookings_api_version: BOOKINGS_API_VERSION.into(),
            page_size: DEFAULT_PAGE_SIZE,
            timeout: DEFAULT_TIMEOUT,
            resources: Default::default(),
        }
    }

    /// What is wrong with these settings, naming the field (`None`: nothing).
    pub fn problem(&self) -> Option<String> {
        let base = self.base_url.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            Some(format!("base_url: `{base}` is not an http(s) URL"))
        } else if self.api_key.trim().is_empty() {
            Some("api_key: must not be empty".into())
        } else if self.api_key.trim().chars().any(|c| c.is_control() || c == ' ') {
            Some("api_key: must not hold spaces or control characters".into())
        } else if self.webhook_secret.as_deref().is_some_and(str::is_empty) {
            Some("webhook_secret: must not be empty when set".into())
        } else if self.bookings_api_version.trim().is_empty() {
            Some("bookings_api_version: must not be empty".into())
        } else if self.page_size == 0 || self.page_size > MAX_PAGE_SIZE {
            Some(format!("page_size: {} is not between 1 and {MAX_PAGE_SIZE}", self.page_size))
        } else if self.timeout.is_zero() {
            Some("timeout: must be above zero".into())
        } else {
            None
        }
    }
}

impl std::fmt::Debug for CalcomSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalcomSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("api_key", &"[redacted]")
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "[redacted]"))
            .field("bookings_api_version", &self.bookings_api_version)
            .field("page_size", &self.page_size)
            .field("timeout", &self.timeout)
            .field("resources", &self.resources)
            .finish()
    }
}

/// The connector.
#[derive(Debug)]
pub struct CalcomConnector {
    settings: CalcomSettings,
    api: api::Api,
    origins: origin::Origins,
}

impl CalcomConnector {
    pub fn new(settings: CalcomSettings) -> Result<CalcomConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("connector `{}`: {problem}", settings.instance)));
        }
        let base = settings.base_url.trim().trim_end_matches('/').to_string();
        let http = HttpClient::new(
            &HttpSettings::new(base).with_timeouts(CONNECT_TIMEOUT.min(settings.timeout), settings.timeout),
        )?;
        let api =
            api::Api::new(http, settings.api_key.trim().to_string(), settings.bookings_api_version.trim().to_string());
        Ok(CalcomConnector { settings, api, origins: origin::Origins::default() })
    }

    pub fn settings(&self) -> &CalcomSettings {
        &self.settings
    }

    /// One page of the `bookings` stream after `cursor` (see the crate doc, "Cursor").
    async fn read_bookings(&self, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let state = cursor::BookingsCursor::parse(cursor)?;
        let mut query: Vec<(&str, String)> =
            vec![("take", self.settings.page_size.to_string()), ("sortUpdatedAt", "asc".into())];
        if let Some(after) = state.updated_after {
            query.push(("afterUpdatedAt", cursor::query_instant(after)));
        }
        if state.skip > 0 {
            query.push(("skip", state.skip.to_string()));
        }
        let answer = self.api.list_bookings(&query).await?;
        let data = answer
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| ConnectorError::Invalid("GET /v2/bookings: the answer has no `data` array".into()))?;
        let mut records = Vec::with_capacity(data.len());
        let mut listed: Vec<cursor::Listed> = Vec::with_capacity(data.len());
        for booking in data {
            let record = records::booking_record(booking)?;
            let updated_at = record.updated_at.ok_or_else(|| {
                ConnectorError::Invalid(format!("GET /v2/bookings: booking {} has no `updatedAt`", record.external_id))
            })?;
            if listed.last().is_some_and(|prev| prev.updated_at > updated_at) {
                return Err(ConnectorError::Invalid(
                    "GET /v2/bookings: the page is not sorted by updatedAt although sortUpdatedAt=asc was asked".into(),
                ));
            }
            listed.push(cursor::Listed {
                uid: record.external_id.clone(),
                updated_at,
                hash: cursor::version_hash(booking),
            });
            records.push(record);
        }
        let has_next = answer
            .pointer("/pagination/hasNextPage")
            .and_then(Value::as_bool)
            .unwrap_or(data.len() >= self.settings.page_size as usize);
        let (emit, next, more) = state.advance(&listed, has_next);
        let mut records: Vec<SourceRecord> =
            records.into_iter().zip(emit).filter_map(|(r, e)| e.then_some(r)).collect();
        for record in &mut records {
            self.enrich(record).await?;
        }
        Ok(Page { records, next_cursor: Some(next.to_cursor()), has_more: more, total_pages: None })
    }

    /// Adds `origin_uid` and `resource` (see [`origin`]); a booking moved away keeps its own uid
    /// as origin without a call (the hub skips it: its successor carries the booking).
    async fn enrich(&self, record: &mut SourceRecord) -> Result<(), ConnectorError> {
        let origin = if record.data.get("rescheduled").and_then(Value::as_bool) == Some(true) {
            record.external_id.clone()
        } else {
            self.origins.origin_of(&self.api, record).await?
        };
        let resource = origin::resource_of(&self.settings.resources, &record.data).map(str::to_string);
        origin::enrich(record, origin, resource.as_deref());
        Ok(())
    }
}

/// The uids of an event's hints, checked again (the event comes back from the store).
fn hinted_uids(event: &InboundEvent) -> Result<Vec<String>, ConnectorError> {
    let mut uids: Vec<String> = Vec::new();
    for hint in event.records.iter().filter(|r| r.stream == BOOKINGS) {
        if !records::valid_uid(&hint.external_id) {
            return Err(ConnectorError::Invalid(format!(
                "event `{}` names an invalid booking uid `{}`",
                event.event_id, hint.external_id
            )));
        }
        if !uids.contains(&hint.external_id) {
            uids.push(hint.external_id.clone());
        }
    }
    Ok(uids)
}

#[async_trait]
impl Connector for CalcomConnector {
    fn kind(&self) -> &'static str {
        "calcom"
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let answer = self.api.list_bookings(&[("take", "1".into())]).await?;
        let total = answer.pointer("/pagination/totalItems").and_then(Value::as_u64);
        Ok(CheckReport {
            ok: true,
            detail: format!(
                "Cal.com API v2 reachable at {} (cal-api-version {}); API key accepted; {} bookings visible",
                self.api.http.base_url(),
                self.settings.bookings_api_version,
                total.map_or_else(|| "some".to_string(), |t| t.to_string())
            ),
        })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![StreamInfo { name: BOOKINGS.into(), entity: EntityKind::Booking, sync_mode: SyncMode::Incremental }]
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        match stream {
            BOOKINGS => self.read_bookings(cursor).await,
            other => Err(ConnectorError::Unsupported(format!("Cal.com has no stream `{other}` (streams: {BOOKINGS})"))),
        }
    }

    async fn write(&self, _change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        Err(ConnectorError::Unsupported(
            "Cal.com is a source only: bookings are made by people in Cal.com, the hub does not write them".into(),
        ))
    }

    fn webhook(&self) -> Option<&dyn WebhookDecoder> {
        Some(self)
    }

    async fn records_for_event(&self, event: &InboundEvent) -> Result<Vec<SourceRecord>, ConnectorError> {
        if event.event_type == webhook::PING {
            return Ok(Vec::new());
        }
        let mut queue = hinted_uids(event)?;
        let hinted = queue.len();
        let mut out: Vec<SourceRecord> = Vec::new();
        let mut i = 0;
        while i < queue.len() {
            let uid = queue[i].clone();
            i += 1;
            let Some(data) = self.api.booking(&uid).await? else {
                tracing::info!(instance = %self.settings.instance, booking = %uid, event = %event.event_id,
                    "Cal.com says the booking does not exist: no record");
                continue;
            };
            for booking in records::bookings_in(&data)? {
                let record = records::booking_record(booking)?;
                if i <= hinted {
                    // One level of reschedule links: the other side of a move is read too.
                    for key in ["rescheduled_from_uid", "rescheduled_to_uid"] {
                        if let Some(linked) = record.data.get(key).and_then(Value::as_str)
                            && records::valid_uid(linked)
                            && !queue.iter().any(|q| q == linked)
                        {
                            queue.push(linked.to_string());
                        }
                    }
                }
                if !out.iter().any(|r| r.external_id == record.external_id) {
                    out.push(record);
                }
            }
        }
        for record in &mut out {
            self.enrich(record).await?;
        }
        Ok(out)
    }
}

impl WebhookDecoder for CalcomConnector {
    fn verify(&self, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
        match &self.settings.webhook_secret {
            Some(secret) => webhook::verify_signature(secret, request),
            None => Err(ConnectorError::Signature(format!(
                "connector `{}` has no webhook_secret: Cal.com webhooks cannot be verified and are refused",
                self.settings.instance
            ))),
        }
    }

    fn decode(&self, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
        webhook::decode(request)
    }
}
