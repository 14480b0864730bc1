//! Sandbox of the Snipe-IT REST API v1 (asset management), written from the vendor's readme.io
//! OpenAPI document, the examples and NOTES in `shared/vendor-specs/snipe-it/` (Snipe-IT v8).
//!
//! # Simulated
//! - Paths under `/api/v1/` with `Authorization: Bearer <token>` (credentials keys `base_url`,
//!   `token`); a missing or wrong token answers HTTP 401 with the example's body.
//! - Hardware: `GET/POST /hardware` (offset/limit, search, sort/order, the usual filters,
//!   `status=RTD|Deployed|Pending|Undeployable|Archived|Deleted`, `deleted=true`), `GET/PUT/PATCH/DELETE
//!   /hardware/{id}`, `GET /hardware/bytag/{tag}`, `GET /hardware/byserial/{serial}`,
//!   `POST /hardware/{id}/checkout|checkin|restore|audit`, `POST /hardware/bytag/{tag}/checkout|checkin`,
//!   `POST /hardware/audit`, `GET /hardware/audit/due|overdue`.
//! - Maintenances (`/maintenances`, CRUD), users (`/users` CRUD, `/users/me`, `/users/{id}/assets`,
//!   `/users/{id}/restore`), locations (CRUD), status labels (CRUD, `/statuslabels/{id}/assetlist`),
//!   read-only `/models`, `/categories`, `/manufacturers`, `/suppliers` (list and by id), and
//!   `GET /reports/activity` (the activity log, recorded for asset create/update/delete/restore,
//!   checkout, checkin and audit — NOTES' suggested change journal).
//! - Bodies as JSON or form-encoded (Laravel reads both); soft deletes everywhere (`deleted=true`
//!   lists deleted assets/users); `created_at`/`updated_at` kept per record, in UTC.
//! - Snipe-IT's habit of answering application errors (not found, validation, checkout not
//!   possible) with HTTP 200 and `"status":"error"`; 404/405 JSON for unknown routes/methods.
//! - The `throttle:api` limiter: 120 requests/min per user, `X-RateLimit-Limit`/`-Remaining` on
//!   every answer, 429 with `Retry-After` and `X-RateLimit-Reset` beyond; the limit can be changed
//!   with `PUT /_sandbox/throttle {"per_minute": n, "window_secs"?: 60}` (independent of fault injection).
//! - Slack-compatible notifications on checkout/checkin/audit, unsigned as in Snipe-IT, to the URL
//!   set with `PUT /_sandbox/integrations` (see [`webhooks`]).
//! - Inspection/trigger routes: `GET /_sandbox/state`, `GET /_sandbox/webhooks`,
//!   `GET|PUT /_sandbox/throttle`, `GET|PUT /_sandbox/integrations`, and `POST /_sandbox/ui/checkout`,
//!   `/_sandbox/ui/checkin`, `/_sandbox/ui/status` (what staff do in the web UI).
//!
//! # Not simulated
//! Permissions (the token is a superuser's), companies/full multi-company support, custom fields
//! (`custom_fields` is always `{}`), accessories, consumables, components, licenses, files,
//! departments, groups, EULAs/acceptance, activity-log entries for non-asset items, auto-incrementing asset tags
//! (`asset_tag` is required on create), depreciation (`book_value` = purchase cost), images.
//!
//! Unlike Laravel without `Accept: application/json` (302 to the login page), the sandbox always
//! answers JSON.
//!
//! # Where the spec, NOTES and examples disagree (the examples win where they exist, else the source as NOTES describe it)
//! - 401 body: NOTES say `"Unauthenticated."`, the example says `"An Error has occured! Unauthenticated."` (used).
//! - Not-found and validation errors: the source's `formatStandardApiResponse` adds `"payload": null`,
//!   the examples have no `payload` key (omitted). `PUT /hardware/{id}` success likewise has no payload.
//!   Checkout/checkin refusals carry `payload: {"asset": tag}` as NOTES describe.
//! - `POST /hardware` payload: raw model with `Y-m-d H:i:s` timestamps and string flags
//!   (`"archived":"0"`) as in the (2017) example; the maintenance example (2022) uses Laravel 7+
//!   ISO timestamps (`2022-11-15T17:25:17.000000Z`), used for maintenance payloads.
//! - `GET /hardware/bytag/{tag}`: the spec's schema is an older transformer (`custom_fields` an
//!   array, no `status_type`); NOTES/source return the same transformer as `GET /hardware/{id}` (used).
//! - Maintenance dates: the spec's list schema shows `start_date {datetime,formatted}`, the source's
//!   transformer gives `{date,formatted}` (used).
//! - Spec schemas type fields such as `supplier`, `serial` or `purchase_date` as non-null; the
//!   sandbox (like Snipe-IT) answers `null` when the record has no value.
//! - The spec's `limit` default is 2 ("for the API explorer"); Snipe-IT's real default is
//!   `MAX_RESULTS` = 500 (used).
//! - `DELETE /hardware/{id}` of an unknown id: the spec lists a 404, the source answers HTTP 200
//!   `status:error` (used); the spec's `PATCH /hardware/{id}` validation example is an HTTP 500, the
//!   source answers 200 (used).
//! - `GET /hardware/audit/due|overdue`: the spec's schema is a single asset; the source returns the
//!   `{"total","rows"}` list (used).
//! - The spec's response `oneOf`s (record | error) have no `required` keys, so every object matches
//!   both branches; the tests check each branch on its own.
//! - "Deployed" is not a status label in Snipe-IT but the `status_meta` of a deployable asset that
//!   is checked out; assets with an `archived` label are hidden from `GET /hardware` unless
//!   `status_id`/`status=Archived` asks for them (`show_archived_in_list` off).

#![recursion_limit = "256"]

mod auth;
mod format;
mod http;
mod routes;
mod seed;
mod state;
mod transform;
mod webhooks;

use std::sync::{Arc, Mutex, OnceLock};

use hub_sandbox_core::{SandboxOptions, Started, WebhookEmitter, serve};

/// The demo personal access token (a Passport JWT in the real product).
pub const DEMO_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2FuZGJveC1zbmlwZWl0LWFkbWlu.c2lnbmF0dXJl";

/// Shared by every handler.
#[derive(Clone)]
pub struct App {
    pub db: Arc<Mutex<state::Db>>,
    pub emitter: WebhookEmitter,
    pub token: String,
    pub throttle: Arc<Mutex<auth::Throttle>>,
    base_url: Arc<OnceLock<String>>,
}

impl App {
    /// `APP_URL` (the sandbox's origin).
    pub fn base_url(&self) -> String {
        self.base_url.get().cloned().unwrap_or_default()
    }
}

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = hub_sandbox_core::FaultHandle::new(opts.faults);
    let mut db = state::Db::default();
    seed::status_labels(&mut db);
    seed::admin(&mut db);
    if opts.seed {
        seed::full(&mut db);
    }
    let app = App {
        db: Arc::new(Mutex::new(db)),
        emitter: WebhookEmitter::new(faults.clone()),
        token: DEMO_TOKEN.to_string(),
        throttle: Arc::new(Mutex::new(auth::Throttle::new(120))),
        base_url: Arc::new(OnceLock::new()),
    };
    let running =
        serve("snipeit", routes::vendor(app.clone()), routes::inspect(app.clone()), faults, opts.bind).await?;
    let _ = app.base_url.set(running.base_url.clone());
    let credentials = serde_json::json!({ "base_url": running.base_url, "token": app.token });
    Ok(Started { running, credentials })
}
