//! The vendor router (`/v1/...`, behind the API key, idempotency and fault layers) and the
//! `/_sandbox/...` router.

pub mod catalog;
pub mod charges;
pub mod checkout;
pub mod customers;
pub mod events;
pub mod invoices;
pub mod payments;
pub mod sandbox;

use axum::{
    Router,
    extract::Request,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use hub_sandbox_core::WebhookEmitter;

use crate::{error::ApiError, http, state::App};

async fn unrecognized(req: Request) -> Response {
    ApiError::unrecognized(req.method().as_str(), req.uri().path()).into_response()
}

pub fn vendor(app: App) -> Router {
    Router::new()
        .route("/v1/customers", get(customers::list).post(customers::create))
        .route("/v1/customers/search", get(customers::search))
        .route("/v1/customers/{id}", get(customers::retrieve).post(customers::update).delete(customers::delete))
        .route("/v1/products", get(catalog::list_products).post(catalog::create_product))
        .route(
            "/v1/products/{id}",
            get(catalog::retrieve_product).post(catalog::update_product).delete(catalog::delete_product),
        )
        .route("/v1/prices", get(catalog::list_prices).post(catalog::create_price))
        .route("/v1/prices/{id}", get(catalog::retrieve_price).post(catalog::update_price))
        .route("/v1/payment_intents", get(payments::list).post(payments::create))
        .route("/v1/payment_intents/{id}", get(payments::retrieve).post(payments::update))
        .route("/v1/payment_intents/{id}/confirm", post(payments::confirm))
        .route("/v1/payment_intents/{id}/capture", post(payments::capture))
        .route("/v1/payment_intents/{id}/cancel", post(payments::cancel))
        .route("/v1/payment_methods", get(payments::list_pm).post(payments::create_pm))
        .route("/v1/payment_methods/{id}", get(payments::retrieve_pm))
        .route("/v1/payment_methods/{id}/attach", post(payments::attach_pm))
        .route("/v1/payment_methods/{id}/detach", post(payments::detach_pm))
        .route("/v1/charges", get(charges::list))
        .route("/v1/charges/{id}", get(charges::retrieve).post(charges::update))
        .route("/v1/charges/{id}/refunds", get(charges::list_charge_refunds).post(charges::create_charge_refund))
        .route("/v1/refunds", get(charges::list_refunds).post(charges::create_refund))
        .route("/v1/refunds/{id}", get(charges::retrieve_refund))
        .route("/v1/checkout/sessions", get(checkout::list).post(checkout::create))
        .route("/v1/checkout/sessions/{id}", get(checkout::retrieve))
        .route("/v1/checkout/sessions/{id}/expire", post(checkout::expire))
        .route("/v1/checkout/sessions/{id}/line_items", get(checkout::line_items))
        .route("/v1/payment_pages/{id}", get(checkout::payment_page))
        .route("/v1/payment_pages/{id}/confirm", post(checkout::payment_page_confirm))
        .route("/v1/invoiceitems", post(invoices::create_item))
        .route("/v1/invoices", get(invoices::list).post(invoices::create))
        .route("/v1/invoices/{id}", get(invoices::retrieve).post(invoices::update).delete(invoices::delete))
        .route("/v1/invoices/{id}/lines", get(invoices::lines))
        .route("/v1/invoices/{id}/finalize", post(invoices::finalize))
        .route("/v1/invoices/{id}/pay", post(invoices::pay))
        .route("/v1/invoices/{id}/void", post(invoices::void))
        .route("/v1/invoices/{id}/mark_uncollectible", post(invoices::mark_uncollectible))
        .route("/v1/events", get(events::list))
        .route("/v1/events/{id}", get(events::retrieve))
        .route("/v1/webhook_endpoints", get(events::list_endpoints).post(events::create_endpoint))
        .route(
            "/v1/webhook_endpoints/{id}",
            get(events::retrieve_endpoint).post(events::update_endpoint).delete(events::delete_endpoint),
        )
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
        .layer(middleware::from_fn_with_state(app.clone(), http::stripe_layer))
        .with_state(app)
}

pub fn inspect(app: App, emitter: WebhookEmitter) -> Router {
    let log = Router::new().route("/_sandbox/webhooks", get(sandbox::webhooks)).with_state((app.clone(), emitter));
    Router::new()
        .route("/_sandbox/state", get(sandbox::state))
        .route("/_sandbox/webhook_url", put(sandbox::webhook_url))
        .route("/_sandbox/checkout/sessions/{id}/complete", post(sandbox::complete_checkout))
        .route("/_sandbox/payments", post(sandbox::payment))
        .with_state(app)
        .merge(log)
}
