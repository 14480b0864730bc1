//! Sandbox of the HelloAsso API v5: a stateful, in-memory simulator for tests, newcomers and
//! `hub demo`, written from `shared/vendor-specs/helloasso/` (NOTES.md, the OpenAPI document and
//! the examples) only. Clients keep HelloAsso's paths and swap the host for `base_url`.
//!
//! # Simulated
//! * OAuth2 `POST /oauth2/token` (form-encoded): `client_credentials` (client_id + client_secret)
//!   and `refresh_token` (client_id + refresh_token, no secret, as the getting-started page lists).
//!   Access tokens are JWT-shaped, expire after 1800 s (settable: `PUT /_sandbox/config`
//!   `{"accessTokenTtlSecs": n}`; or `POST /_sandbox/expire-tokens` expires every token at once);
//!   refresh tokens last 30 days and are single-use (rotated on every refresh).
//! * `/v5` routes, all behind `Authorization: Bearer` (401 otherwise): `GET users/me/organizations`,
//!   `GET organizations/{slug}`, `GET organizations/{slug}/formTypes`, `…/forms`,
//!   `…/forms/{formType}/{formSlug}/public`, `…/orders`, `…/payments`, `…/items` and their
//!   per-form variants `…/forms/{formType}/{formSlug}/orders|payments|items`, `GET orders/{id}`,
//!   `POST orders/{id}/cancel`, `GET payments/{id}`, `POST payments/{id}/refund`,
//!   `GET items/{id}`, `GET partners/me`, `PUT`/`DELETE partners/me/api-notifications` and
//!   `…/api-notifications/organizations/{slug}`, `POST organizations/{slug}/checkout-intents`
//!   and `GET …/checkout-intents/{id}`. Another organization's slug → 403.
//! * Pagination as HelloAsso does it (see `paging`): pageIndex/pageSize/continuationToken, the
//!   `pagination` object, `totalCount`/`totalPages` = -1 unless `withCount=true`, a token on
//!   every page, empty `data` past the end.
//! * Seed: organization `tiers-lieu-la-fabrique`; forms Membership "Adhésion 2026" (tiers
//!   Individuelle/Famille/Bienfaiteur, custom fields "Date de naissance" and "Commune"), Donation
//!   "Soutenir le tiers-lieu" (free amount), Event "Atelier réparation vélo" (custom field "Type de
//!   vélo"); with `opts.seed`, orders for the first 300 people of the shared data set, some
//!   refunded (items Canceled), some refused.
//! * Notifications (Order, Payment, Form) to URLs registered by the partner API (signed:
//!   `x-ha-signature` = lowercase hex HMAC-SHA256 of the raw body keyed with the registration's
//!   `signatureKey`; the partner-wide URL registered without a type gets the key
//!   `notification_signature_key` of the credentials, typed or per-organization registrations
//!   get their own) or by the association's back office (`PUT /_sandbox/notification-url`,
//!   unsigned, as HelloAsso signs partner URLs only). A payment sends Payment then Order; a
//!   refund sends Payment; a new form sends Form; a paid checkout intent sends Payment then Order
//!   with the intent's `metadata` at the top level and `checkoutIntentId` on the order.
//! * Triggers: `POST /_sandbox/payments` (someone pays), `POST /_sandbox/refunds`, `POST
//!   /_sandbox/forms`, `POST /_sandbox/checkout-intents/{id}/pay` (the payer pays on HelloAsso's
//!   checkout page); inspection: `GET /_sandbox/state`, `GET /_sandbox/webhooks`.
//!
//! # Not simulated
//! Checkout terms after the first (a paid intent has one payment of `initialAmount`; its
//! `redirectUrl` points at the vendor's site, not at a page of the sandbox), payments/search, the
//! directory, form administration routes, instalments (one payment per
//! order; `orders/{id}/cancel` only touches `meta.updatedAt`), the authorization-code ("mire")
//! flow, roles/privileges (the demo client has them all), CSV/Excel exports, Organization
//! notifications, the source IP allow-list, rate limits (undocumented; use the fault injection),
//! the 5-URL limit, delivery retries.
//!
//! # Where spec and examples disagree, or say nothing (examples followed, guesses written down)
//! * Orders and their light form carry `isAnonymous` and `isAmountHidden` (every example) though the
//!   OpenAPI models have `additionalProperties: false` without them; a payment notification's
//!   `order` also carries `formName` ("Checkout" for a checkout, as in the examples). Tests
//!   validate against the OpenAPI schemas with exactly these extra fields removed first.
//! * Refunded items: the SDK's ItemState has `Refunded`, the OpenAPI enum does not: items of a
//!   refunded-and-cancelled order are `Canceled`. A partial refund leaves the payment
//!   `Authorized`; a full one makes it `Refunded` (cashOutState `Refunded`).
//! * Donation items carry no `name`/`user` (the donation example), other items do.
//! * `GET …/items` and `GET …/forms/{t}/{s}/items` declare no response schema (nor does the SDK
//!   for the organization's payments): they answer `ResultsWithPaginationModel_Item` /
//!   `_Payment`, the models HelloAsso names for them. `withCount` (SDK, NOTES) is accepted
//!   on every list although the OpenAPI document lists it on none.
//! * The API error bodies are not documented: 401 answers `{"message": "Authorization has been
//!   denied for this request."}` (+ `WWW-Authenticate: Bearer`), 400/403/404/409 answer
//!   `{"errors": [{"code", "message"}]}`; OAuth2 errors answer 400 with the RFC 6749 body of
//!   `examples/oauth2.token.error.CONSTRUCTED.json` (`unauthorized_client` for bad credentials).
//! * Refresh-token lifetime (30 days) is third-party information; rotation on refresh is assumed.
//! * Custom field answers of type Date are written `dd/mm/yyyy`, `qrCode` is base64 of
//!   `itemId:ticks` (as the examples decode), notifications are sent with
//!   `Content-Type: application/json; charset=utf-8` (none of these is documented).

#![allow(clippy::result_large_err, reason = "handlers return axum Responses as their errors")]

mod auth;
mod model;
mod notify;
mod ops;
mod paging;
mod render;
mod routes;
mod sandbox;
mod seed;
mod wire;

use std::sync::{Arc, Mutex};

use axum::{
    Router, middleware,
    routing::{get, post, put},
};
use hub_sandbox_core::{FaultHandle, SandboxOptions, Started, WebhookEmitter, serve};
use serde_json::json;

pub use notify::sign;
pub use seed::{DONATION_SLUG, EVENT_SLUG, MEMBERSHIP_SLUG, ORGANIZATION_SLUG};

/// The demo client's id and secret (printed by `hub sandbox --json`).
pub const CLIENT_ID: &str = "6b3f1d2e9c8a4f70b1e5d3c2a9f8e7d6";
pub const CLIENT_SECRET: &str = "sandbox-secret-La-Fabrique-2026";
/// The signature key of the partner-wide notification URL registered without a type.
pub const NOTIFICATION_SIGNATURE_KEY: &str = "Hb7Tq2LmX9vRk4NcWz8PfJ3sYd6GaE1uKo5BiVn0QtZrMxCwSy2DjFh7UlAe9PgR";

/// Shared by every handler.
#[derive(Clone)]
pub(crate) struct App {
    pub store: Arc<Mutex<model::Store>>,
    pub emitter: WebhookEmitter,
    pub client_id: String,
    pub client_secret: String,
    pub main_signature_key: String,
}

fn vendor_router(app: App) -> Router {
    use routes::{checkout, detail, lists, partners};
    let org = "/v5/organizations/{slug}";
    let form = "/v5/organizations/{slug}/forms/{formType}/{formSlug}";
    let api = Router::new()
        .route("/v5/users/me/organizations", get(partners::my_organizations))
        .route("/v5/partners/me", get(partners::partner))
        .route("/v5/partners/me/api-notifications", put(partners::put_global).delete(partners::delete_global))
        .route(
            "/v5/partners/me/api-notifications/organizations/{slug}",
            put(partners::put_org).delete(partners::delete_org),
        )
        .route(org, get(partners::organization))
        .route(&format!("{org}/formTypes"), get(lists::form_types))
        .route(&format!("{org}/forms"), get(lists::forms))
        .route(&format!("{org}/orders"), get(lists::orders))
        .route(&format!("{org}/payments"), get(lists::payments))
        .route(&format!("{org}/items"), get(lists::items))
        .route(&format!("{org}/checkout-intents"), post(checkout::create))
        .route(&format!("{org}/checkout-intents/{{id}}"), get(checkout::get))
        .route(&format!("{form}/public"), get(detail::form_public))
        .route(&format!("{form}/orders"), get(lists::form_orders))
        .route(&format!("{form}/payments"), get(lists::form_payments))
        .route(&format!("{form}/items"), get(lists::form_items))
        .route("/v5/orders/{id}", get(detail::order))
        .route("/v5/orders/{id}/cancel", post(detail::cancel))
        .route("/v5/payments/{id}", get(detail::payment))
        .route("/v5/payments/{id}/refund", post(detail::refund))
        .route("/v5/items/{id}", get(detail::item))
        .layer(middleware::from_fn_with_state(app.clone(), auth::require_token))
        .with_state(app.clone());
    Router::new().route("/oauth2/token", post(auth::token)).with_state(app).merge(api)
}

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = FaultHandle::new(opts.faults);
    let mut store = model::Store::new(seed::organization());
    seed::forms(&mut store);
    if opts.seed {
        seed::orders(&mut store);
    }
    let app = App {
        store: Arc::new(Mutex::new(store)),
        emitter: WebhookEmitter::new(faults.clone()),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        main_signature_key: NOTIFICATION_SIGNATURE_KEY.into(),
    };
    let running = serve("helloasso", vendor_router(app.clone()), sandbox::router(app), faults, opts.bind).await?;
    let credentials = json!({
        "base_url": running.base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "organization_slug": ORGANIZATION_SLUG,
        "notification_signature_key": NOTIFICATION_SIGNATURE_KEY,
    });
    Ok(Started { running, credentials })
}
