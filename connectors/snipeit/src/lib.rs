//! The Snipe-IT connector (`kind = "snipeit"`): the equipment of a tiers-lieu (cameras, 3D
//! printers, projectors…) as Snipe-IT knows it, read as the `assets` stream, and moved by the
//! hub's equipment scheduler: checked out to the booker when a booking starts, back in when it
//! ends. The scheduler decides when; this crate makes the calls. Sources: NOTES, the OpenAPI
//! document and the examples in `shared/vendor-specs/snipe-it` (Snipe-IT v8, REST API v1).
//!
//! # API
//! `base_url` is the instance's origin (`https://inventaire.exemple.fr`; a trailing `/api/v1` is
//! tolerated and dropped); paths are `/api/v1/...`, with `Authorization: Bearer <personal access
//! token>` (the token carries its user's permissions: it needs to view and check out assets and
//! to view and create users) and `Accept: application/json`. `check` reads `GET /users/me` (who
//! the token is) and `GET /hardware?limit=1` (the stream's call, and how many assets are visible).
//!
//! ## Errors, and the HTTP 200 trap
//! Snipe-IT answers most application errors — not found, validation, "That asset is not available
//! for checkout!" — with **HTTP 200** and `{"status":"error","messages":…}` (NOTES, "Response
//! envelopes"). Every answer is therefore read for `status` before anything else: such an answer
//! is never a success. Where it is expected it becomes an outcome (an unknown tag on
//! `GET /hardware/bytag`: no asset; a refused checkout after a change by someone else: see below);
//! everywhere else it is `ConnectorError::Invalid` carrying the messages flattened to one line
//! (a validation bag `{"email": ["…"]}` reads `email: …`). The HTTP classes are the SDK's: 401/403
//! Auth (a revoked token, missing permissions), 429 RateLimited with the `Retry-After` of Laravel's
//! `throttle:api` (120 requests/min per user by default), 408/5xx and network failures Transient,
//! 404 (a route Snipe-IT does not have: a wrong `base_url`) and other 4xx Invalid. No client-side
//! budget: a sync and a few moves per booking are far below the limit, and the 429s carry the wait.
//!
//! # Stream `assets` (entity `asset`, full refresh)
//! Snipe-IT has **no `updated_since` filter** and no change feed (NOTES, "Pagination / filtering /
//! incremental sync"): the only incremental read is paging `sort=updated_at&order=desc` down to a
//! watermark, which misses an asset changed during the read and every soft delete. An inventory of
//! a tiers-lieu holds tens to a few hundred assets, so the stream is a full refresh: offset/limit
//! pages sorted by id (stable while assets are added), in three passes — the default list, then
//! `status=Archived` (the default list hides archived assets), then `deleted=true` (soft-deleted
//! assets, as `deleted: true` records). Cursor details in [`stream`].
//!
//! One record per asset, external id = the asset id as text; `updated_at` = the asset's
//! `updated_at`. `data` holds the hardware JSON untouched under `asset`, and flat helpers (texts
//! HTML-unescaped, Snipe-IT escaping them with Laravel's `e()`): `id`, `tag`, `name`, `model`,
//! `category`, `status` (canonical, below), `status_label` (the label's name, e.g. `Out for
//! Repair`), `holder_type` (`user`, `location`, `asset` or null), `holder_email`, `holder_name`,
//! `expected_checkin` (`YYYY-MM-DD`), `updated_at` (RFC 3339 UTC). `status`: `checked_out` when
//! `assigned_to` is set (whatever the label) or `status_label.status_meta` is `deployed`;
//! `available` for `deployable`; `maintenance` for `pending`, `undeployable`, `archived` and
//! anything unknown. Dates are read as UTC: Snipe-IT writes them in the instance's `APP_TIMEZONE`
//! (UTC by default, and in the sandbox) without saying which.
//!
//! `write` answers Unsupported: equipment moves through the checkout API below, not through
//! canonical writes.
//!
//! # Checkout and checkin ([`equipment`])
//! [`SnipeItConnector::checkout_to`] reads the asset by tag, finds the booker's user by e-mail
//! (creating it once if there is none: `users.rs`) and posts `POST /hardware/{id}/checkout`
//! (`checkout_to_type: user`, `assigned_user`, `expected_checkin` as a date, `note`).
//! [`SnipeItConnector::checkin`] reads the asset and posts `POST /hardware/{id}/checkin`.
//!
//! Idempotency comes from reading before acting, with the asset's own state as the record of what
//! was done (the hub keeps nothing): an asset already assigned to a user with the booker's address
//! is `AlreadyWithBooker` and no checkout is sent; an asset already in is `NotCheckedOut` and no
//! checkin is sent; a user is looked up by address before one is created. So a retry after a
//! crash, a timeout whose request did reach Snipe-IT, or a job run twice does nothing more. What
//! someone else did is an outcome, not an error (retrying would not change it): an asset held by
//! someone else, not deployable or unknown is `Unavailable { reason }`; at checkin, an asset now
//! held by someone other than `expected_holder_email` is `HeldBySomeoneElse` and left alone. When
//! Snipe-IT refuses a move that looked possible (someone acted between the read and the post), the
//! asset is read again and the refusal becomes the matching outcome; if the asset still looks
//! movable, the refusal is an Invalid error with Snipe-IT's messages.
//!
//! # Where the sandbox and NOTES disagree
//! - NOTES list the hardware filters without saying that `GET /hardware` hides assets whose label
//!   is `archived` unless `status=Archived` (or `status_id`) asks for them; the sandbox (like
//!   Snipe-IT with `show_archived_in_list` off) hides them — hence the `archived` pass.
//! - NOTES give the 401 body as `"Unauthenticated."`; the sandbox answers the example's
//!   `"An Error has occured! Unauthenticated."` (the connector reads only the status).
//! - NOTES' asset `available_actions` include `audit`; the sandbox's have no `audit` key.
//! - NOTES do not say that names, tags and e-mails come HTML-escaped (`&quot;`, `&#039;`); the
//!   vendor's example and the sandbox escape them, so the connector unescapes before comparing.
//! - NOTES give the checkout refusal text only; the sandbox's refused checkin ("That asset is
//!   already checked in.") and unknown-target checkout ("Checkout target for asset … is invalid")
//!   are HTTP 200 `status:error` as well, and are handled the same way.

mod api;
pub mod equipment;
pub mod records;
pub mod stream;
mod users;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, StreamInfo, SyncMode,
    WriteOutcome,
    http::{HttpClient, HttpSettings},
};
use serde_json::Value;

pub use equipment::{Booker, CheckinOutcome, CheckoutOutcome};
pub use records::ASSETS;

/// Assets asked per page.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Snipe-IT's `MAX_RESULTS`: the largest `limit` it honours.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Settings of one instance (built by the hub's registry from `[connectors.NAME]`).
#[derive(Clone)]
pub struct SnipeItSettings {
    pub instance: String,
    /// The instance's origin (or a sandbox's base_url); `/api/v1/...` is appended.
    pub base_url: String,
    /// A personal access token. Never logged, never in Debug.
    pub token: String,
    /// `limit` of list calls, 1 to [`MAX_PAGE_SIZE`] ([`DEFAULT_PAGE_SIZE`]).
    pub page_size: u32,
}

impl SnipeItSettings {
    /// Settings with the default page size.
    pub fn new(instance: impl Into<String>, base_url: impl Into<String>, token: impl Into<String>) -> Self {
        SnipeItSettings {
            instance: instance.into(),
            base_url: base_url.into(),
            token: token.into(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// The origin the paths are appended to: trimmed, without a trailing `/` or `/api/v1`.
    pub fn origin(&self) -> String {
        let base = self.base_url.trim().trim_end_matches('/');
        base.strip_suffix("/api/v1").unwrap_or(base).trim_end_matches('/').to_string()
    }

    /// What is wrong with these settings, naming the field (`None`: nothing).
    pub fn problem(&self) -> Option<String> {
        let base = self.origin();
        let host = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"));
        if self.instance.trim().is_empty() {
            Some("instance: must not be empty".into())
        } else if host.is_none_or(|h| h.is_empty()) {
            Some(format!("base_url: `{}` is not an http(s) URL", self.base_url.trim()))
        } else if self.token.trim().is_empty() {
            Some("token: must not be empty".into())
        } else if self.token.trim().chars().any(|c| c.is_control() || c.is_whitespace()) {
            Some("token: must not hold spaces or control characters".into())
        } else if self.page_size == 0 || self.page_size > MAX_PAGE_SIZE {
            Some(format!("page_size: {} is not between 1 and {MAX_PAGE_SIZE}", self.page_size))
        } else {
            None
        }
    }
}

impl std::fmt::Debug for SnipeItSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnipeItSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// A Snipe-IT instance.
#[derive(Debug)]
pub struct SnipeItConnector {
    settings: SnipeItSettings,
    api: api::Api,
}

impl SnipeItConnector {
    /// Builds the instance with the SDK's default timeouts; settings that do not hold up are
    /// Invalid, naming the field.
    pub fn new(settings: SnipeItSettings) -> Result<SnipeItConnector, ConnectorError> {
        let http = HttpSettings::new(settings.origin());
        Self::with_http(settings, http)
    }

    /// As [`SnipeItConnector::new`], with explicit HTTP settings (timeouts, rate limit); their
    /// `base_url` is replaced by the settings' origin.
    pub fn with_http(settings: SnipeItSettings, http: HttpSettings) -> Result<SnipeItConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("snipeit `{}`: {problem}", settings.instance)));
        }
        let client = HttpClient::new(&HttpSettings { base_url: settings.origin(), ..http })?;
        let api = api::Api::new(client, settings.token.trim().to_string());
        Ok(SnipeItConnector { settings, api })
    }

    pub fn settings(&self) -> &SnipeItSettings {
        &self.settings
    }
}

#[async_trait]
impl Connector for SnipeItConnector {
    fn kind(&self) -> &'static str {
        "snipeit"
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let me = self.api.me().await?;
        let who = records::text(&me, "/name").or_else(|| records::text(&me, "/username")).unwrap_or("?".into());
        let username = records::text(&me, "/username").unwrap_or_default();
        let listed = self.api.hardware(&[("limit", "1".into())]).await?;
        let total = listed.get("total").and_then(Value::as_u64);
        Ok(CheckReport {
            ok: true,
            detail: format!(
                "Snipe-IT API v1 reachable at {}; token of {who} ({username}); {} assets listed",
                self.api.http.base_url(),
                total.map_or_else(|| "some".to_string(), |t| t.to_string())
            ),
        })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![StreamInfo { name: ASSETS.into(), entity: EntityKind::Asset, sync_mode: SyncMode::FullRefresh }]
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        match stream {
            ASSETS => stream::read_assets(&self.api, cursor, u64::from(self.settings.page_size)).await,
            other => Err(ConnectorError::Unsupported(format!("Snipe-IT has no stream `{other}` (streams: {ASSETS})"))),
        }
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        Err(ConnectorError::Unsupported(format!(
            "Snipe-IT takes no canonical writes ({} {} not written): equipment moves through \
             checkout_to/checkin, called by the hub's equipment scheduler",
            change.entity_kind, change.entity_id
        )))
    }
}
