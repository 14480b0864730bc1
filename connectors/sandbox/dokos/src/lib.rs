//! Sandbox of **Dokos** (French fork of ERPNext on the Frappe framework): Frappe's REST API v1 as
//! Dokos serves it, written from `shared/vendor-specs/dokos/` (NOTES.md, the Dokos 1.4.11 DocType
//! JSONs, the examples) — never from the hub's connector.
//!
//! # Simulated
//! - `GET|POST /api/resource/{DocType}`, `GET|PUT|DELETE /api/resource/{DocType}/{name}` (also
//!   under `/api/v1/`), for Customer, Contact, Sales Invoice (submittable), Subscription (Dokos
//!   fields), Item Booking, Event, ToDo (the REST docs' examples),
//!   Webhook and Deleted Document. Lists: `fields` (JSON, `["*"]`,
//!   `x as y`), `filters` / `or_filters` (3- or 4-element lists incl. child-table filters, or a
//!   dict), `order_by` (default `modified desc`), `limit_start`, `limit_page_length` (default 20,
//!   alias `limit`, 0 = all), `as_dict=False`. Bodies: JSON, or form-encoded with `data=<json>`.
//!   `POST /api/resource/{DocType}/{name}?run_method=submit|cancel|save` → `{"data": doc}`.
//! - `/api/method/...`: `login` (usr `api-hub@example.org`, pwd `dokos-sandbox`, `sid` cookie),
//!   `logout`, `frappe.auth.get_logged_user`, `frappe.ping`, `frappe.client.get_list`,
//!   `get_count`, `get`, `get_value`, `insert`, `submit`, `cancel`, `delete`.
//! - Auth (`auth.rs`): `token key:secret`, `Basic`, session cookie; errors with Frappe's statuses
//!   and bodies (`errors.rs`). Documents carry `name`, `owner`, `creation`, `modified` (site time,
//!   Europe/Paris, microseconds, strictly increasing), `modified_by`, `docstatus`, `idx`,
//!   `doctype`, every column (null when unset) and child rows (`parent`, `parentfield`, ...).
//! - Life cycle (`docops.rs`): naming series (`CUST-.YYYY.-` → `CUST-2025-00012`), defaults,
//!   `MandatoryError`, Select options, Customer link checks, `TimestampMismatchError` when a
//!   stale `modified` is sent, submit/cancel/update-after-submit rules, delete → 202 `{"data":
//!   "ok"}` + a `Deleted Document`, `LinkExistsError` when invoices/subscriptions use a customer.
//! - Webhooks (`webhooks.rs`): Webhook documents created through the API (`POST
//!   /api/resource/Webhook`, the vendor's way: Frappe's Webhook DocType), fired on
//!   after_insert/on_update/on_submit/on_cancel/on_trash/on_update_after_submit/on_change, signed
//!   `X-Frappe-Webhook-Signature: base64(HMAC-SHA256(secret, body))`.
//! - Seed (`seed.rs`): 300 people as Customer + Contact, subscriptions, bookings, events, invoices.
//! - `/_sandbox/...` (`routes/sandbox.rs`): state, documents, webhook log, desk triggers, payments.
//!
//! # Not simulated
//! Roles and user permissions (one API user who may do everything; Guest may do nothing), `/api/v2`,
//! OAuth bearer tokens, document methods other than `run_method=submit|cancel|save`
//! (403 "not whitelisted"), child-table columns and aggregates in `fields`, `group_by`, `expand`, `debug`, the
//! `timespan` / tree filter operators, Items/Companies/Accounts (their links are not checked),
//! Dynamic Link checks, Payment Entries (only the `/_sandbox/payments` trigger), recurring
//! Subscription invoicing, the Dokos venue whitelisted methods (`get_availabilities`, ...), webhook
//! retries, `request_method` PUT/DELETE (deliveries are POSTs), Python conditions beyond
//! `doc.f == v` clauses and Jinja beyond `{{ doc.f }}` / `| tojson`.
//!
//! # Spec / example disagreements (the examples win)
//! - Delete: rest_delete.VERBATIM shows `{"message": "ok"}` (old docs); NOTES/current v1.py and the
//!   examples README say `{"data": "ok"}` with HTTP 202 — served as `{"data": "ok"}`, 202.
//! - Customer naming: examples use both series names (`CUST-2025-00012`) and names equal to
//!   `customer_name` (`Camille Martin`, `Asso Les Amis`); the sandbox uses the series
//!   (create_customer example).
//! - Contact naming ("By script" in the DocType, not described further): the examples name the
//!   contact by its full name and answer a duplicate with 409 `DuplicateEntryError` — the sandbox
//!   does that (seeded homonyms, imported, get `-1`, `-2` suffixes).
//! - create_customer response shows `portal_users`, absent from the 1.4.11 Customer DocType: kept.
//! - Most examples omit unset fields while the Item Booking one shows them as null (as
//!   `as_dict` and `fields=["*"]` do): the sandbox returns every column, null when unset.
//! - The 401 example has no `exception` line while the other error examples have one: same here.
//! - Sales Invoice status: the 1.4.11 Select has no "Partly Paid" (doctypes.md lists it): a
//!   partly paid invoice stays "Unpaid"/"Overdue".
//! - Item Booking: the 1.4.11 DocType JSON has no `is_submittable` (but `amended_from` and
//!   `allow_on_submit` fields); the Item Booking example is submitted (`docstatus: 1`). The
//!   sandbox makes it submittable (confirmed seed bookings are submitted; `status`, `notes`,
//!   `party_*` may change after submit; cancelling sets status "Cancelled").
//! - Unknown method paths answer 417 "Failed to get method ..." (inference, no example).
//! - Unknown columns in `fields`/`filters`/`order_by` answer 500 `OperationalError` (MariaDB's
//!   1054 through pymysql; inference, no example).

mod auth;
mod cast;
mod compute;
mod docops;
mod doctypes;
mod errors;
mod fields;
mod pyjson;
mod query;
mod routes;
mod seed;
mod store;
mod webhooks;

use std::sync::{Arc, Mutex};

use hub_sandbox_core::{FaultHandle, SandboxOptions, Started, WebhookEmitter, serve};

pub use auth::{API_KEY, API_PASSWORD, API_SECRET, API_USER};
pub use webhooks::sign as webhook_signature;

/// Shared state of the running sandbox.
#[derive(Clone)]
pub struct App {
    state: Arc<Mutex<store::State>>,
    emitter: WebhookEmitter,
    base_url: Arc<Mutex<String>>,
}

impl App {
    /// Runs a document change under the lock and fires its webhooks.
    fn apply(
        &self,
        op: impl FnOnce(&mut store::State) -> Result<docops::Change, errors::FrappeError>,
    ) -> Result<store::Doc, errors::FrappeError> {
        let mut st = self.state.lock().expect("state lock");
        let change = op(&mut st)?;
        webhooks::fire(&self.emitter, &st, &change);
        Ok(change.doc)
    }

    fn credentials(&self) -> serde_json::Value {
        serde_json::json!({
            "base_url": *self.base_url.lock().expect("base_url lock"),
            "api_key": API_KEY,
            "api_secret": API_SECRET,
        })
    }
}

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = FaultHandle::new(opts.faults);
    let mut st = store::State::new(0xD0C05);
    if opts.seed {
        seed::load(&mut st);
    }
    let app =
        App { state: Arc::new(Mutex::new(st)), emitter: WebhookEmitter::new(faults.clone()), base_url: Arc::default() };
    let vendor = axum::Router::new()
        .merge(routes::resource::router("/api"))
        .merge(routes::resource::router("/api/v1"))
        .merge(routes::method::router("/api"))
        .merge(routes::method::router("/api/v1"))
        .fallback(unknown_route)
        .with_state(app.clone());
    let inspect = routes::sandbox::router().with_state(app.clone());
    let running = serve("dokos", vendor, inspect, faults, opts.bind).await?;
    *app.base_url.lock().expect("base_url lock") = running.base_url.clone();
    let credentials = app.credentials();
    Ok(Started { running, credentials })
}

/// Unknown routes: Frappe's router raises `DoesNotExistError` (404).
async fn unknown_route(uri: axum::http::Uri) -> errors::FrappeError {
    let mut e = errors::FrappeError::not_found("Page", uri.path());
    e.exception = Some(String::new());
    e
}
