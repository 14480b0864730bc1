//! Sandbox of the Stripe API (v1), written from Stripe's 2022 OpenAPI document, its current
//! fixtures and the Stripe CLI's trigger fixtures (`shared/vendor-specs/stripe/`), for tests,
//! newcomers and `hub demo`. Official clients work unchanged with `api_base = base_url`.
//!
//! # Simulated
//! - Auth: the secret key (`credentials.api_key`) as `Authorization: Bearer` or as the Basic user;
//!   missing/wrong key → 401 `{"error": {"type": "invalid_request_error", "message": …}}`.
//! - Form-encoded bodies with bracket notation (`metadata[k]`, `line_items[0][price]`, `expand[]`),
//!   JSON answers, `Request-Id` and `Stripe-Version` headers, `expand[]` of id fields (dotted,
//!   `data.` in lists; `line_items` on Checkout sessions).
//! - Routes beyond the trimmed spec, for the Stripe CLI triggers' calls: `/v1/payment_methods`
//!   (create, retrieve, attach, detach, list), `/v1/invoiceitems` (create),
//!   `/v1/payment_pages/{cs}` and `/v1/payment_pages/{cs}/confirm` (Stripe's hosted-page API).
//! - Customers (+ search), products, prices, payment intents (confirm / capture / cancel; test cards
//!   `pm_card_visa`, `tok_visa`… succeed, `…chargeDeclined…`/`…Fail…` → 402 `card_declined`),
//!   payment methods (create, attach, detach), charges, refunds (full/partial, by charge or payment
//!   intent), Checkout sessions (create, expire, line items, completion), invoice items and invoices
//!   (draft → finalize → pay / void / uncollectible), events, webhook endpoints.
//! - Lists `{object: "list", data, has_more, url}`, newest first, `limit` 1..=100, `starting_after`,
//!   `ending_before`, `created[gte|gt|lte|lt]`.
//! - Errors `{"error": {type, code, message, param, doc_url}}`: 400 parameters and states, 402 cards,
//!   404 unknown object of the URL (400 for an unknown id given in a parameter), 404 unknown route.
//! - `Idempotency-Key` on POST: same key + same request → the first answer replayed with
//!   `Idempotent-Replayed: true`; same key + other request → 400 `idempotency_error`; while the first
//!   is running → 409. As Stripe documents, failed validation (400/404) is not saved.
//! - Events for every change (`customer.*`, `product.*`, `price.*`, `payment_intent.*`, `charge.*`,
//!   `checkout.session.*`, `invoice.*`, `payment_method.attached/detached`), `data.previous_attributes`
//!   on updates, `request {id, idempotency_key}`; posted to each enabled webhook endpoint subscribed
//!   to the type (or `*`) with `Stripe-Signature: t=…,v1=hex(HMAC-SHA256(whsec, "t.body"))`
//!   (see [`webhooks`]). Endpoints are registered Stripe's way (`POST /v1/webhook_endpoints`, which
//!   answers their secret) or through `PUT /_sandbox/webhook_url` for the demo secret of the
//!   credentials. Inspection and trigger routes: [`routes::sandbox`].
//!
//! # Not simulated
//! Subscriptions (a `subscription`-mode session completes without creating one), Connect
//! (`Stripe-Account` ignored), 3-D Secure / `requires_action`, payment methods other than cards,
//! disputes, balance transactions (ids only), taxes and discounts, search on other objects than
//! customers, `/v1/invoices/upcoming`, the hosted pages themselves (completion is a trigger),
//! webhook retries, rejection of unknown parameters, API-version-dependent shapes (one shape, below),
//! live mode. Amount minimum: 50 minor units for payment intents only.
//!
//! # Spec vs examples (the examples are followed, both shapes kept where they can coexist)
//! - `payment_intent.charges` (2022 spec) vs `latest_charge` (current fixtures): both are answered.
//! - Checkout sessions: the 2022 spec and the fixture (an `open` session with a `payment_intent`)
//!   create the payment intent with the session; Stripe's API since 2022-08-01 creates it at
//!   confirmation. The examples are followed: the intent (`requires_payment_method`) is created
//!   with the session, confirmed at completion, cancelled (`abandoned`) when the session expires.
//!   The 2022 spec requires `success_url`/`cancel_url`; current Stripe does not: missing → `null`.
//! - Invoice creation: the 2022 API included the customer's pending items by default, current Stripe
//!   defaults `pending_invoice_items_behavior` to `exclude`; the CLI trigger fixtures pass `include`
//!   explicitly; the sandbox includes them unless `exclude` is given (2022 behaviour).
//! - The current fixtures add fields the 2022 spec does not know (`latest_charge`, `amount_details`,
//!   `customer_account`, `managed_payments`, `source`, `invoice.parent`/`issuer`/`total_taxes`,
//!   `checkout.session.ui_mode`/`adaptive_pricing`…, `refund.customer`/`payment_method`,
//!   `product.type`/`default_price`…) and drop fields the 2022 spec requires or lists
//!   (`invoice.paid`/`charge`/`payment_intent`/`total_tax_amounts`, `payment_intent.charges`,
//!   `charge.invoice`…): the sandbox answers the union, so both the spec's schemas and the
//!   fixtures' shape hold (the extra fields are `null` or inert where nothing is simulated).
//! - Fields of the 2022 spec absent from both the fixtures and this sandbox: `customer.sources`,
//!   `subscriptions`, `tax`, `tax_ids` (expandable-only), `checkout.session.line_items` (only with
//!   `expand[]=line_items`, as Stripe does).
//! - `invoice_settings.rendering_options` is `null` here (fixture: an object of nulls).
//! - The events' `api_version` is the spec's `2020-08-27`; a request's `Stripe-Version` is echoed.
//! - `refund.created` does not exist in the 2022 event list; refunds emit `charge.refunded` only.
//! - The fault layer's injected 500/429 bodies are the shared core's, not Stripe's error shape.

#![recursion_limit = "512"]

mod error;
mod event_types;
mod form;
mod http;
mod objects;
pub mod routes;
mod seed;
mod state;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use hub_sandbox_core::{FaultHandle, SandboxOptions, Started, WebhookEmitter, serve};

/// The demo secret key.
pub const API_KEY: &str = "sk_test_51TiersLieuSandbox0StripeDemoKey0000000000000000";
/// The demo endpoint secret (for `PUT /_sandbox/webhook_url`).
pub const WEBHOOK_SECRET: &str = "whsec_tierslieuSandboxDemoEndpointSecret0000";

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = FaultHandle::new(opts.faults);
    let emitter = WebhookEmitter::new(faults.clone());
    let mut store = state::Store::new(emitter.clone());
    if opts.seed {
        seed::load(&mut store);
    }
    let app = state::App {
        store: Arc::new(Mutex::new(store)),
        api_key: API_KEY.to_string(),
        webhook_secret: WEBHOOK_SECRET.to_string(),
    };
    let running =
        serve("stripe", routes::vendor(app.clone()), routes::inspect(app, emitter), faults, opts.bind).await?;
    let credentials = serde_json::json!({
        "base_url": running.base_url,
        "api_key": API_KEY,
        "webhook_secret": WEBHOOK_SECRET,
    });
    Ok(Started { running, credentials })
}
