//! The HTTP surface (axum): health, metrics, webhook intake, the admin API and the public
//! programme (pages, feeds, registrations).

mod admin;
mod calendar;
mod consent;
mod health;
mod hooks;
pub mod metrics;
mod openapi;
mod programme;
mod targets;
mod webhooks;

use std::{net::IpAddr, sync::Arc};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{delete, get, post},
};
use secrecy::SecretString;

pub use hooks::client_addr;

use crate::{queue::QueueHandle, registry::Registry, store::Store};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub queue: QueueHandle,
    pub registry: Arc<Registry>,
    pub admin_token: Option<SecretString>,
    pub body_limit: usize,
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// Which targets webhook endpoints may have.
    pub webhook_policy: Arc<crate::webhooks::guard::AddressPolicy>,
    /// How long a rotated-out endpoint secret keeps signing.
    pub rotation_overlap_secs: u64,
    /// The whole configuration (the consent needs the connectors' keys).
    pub config: Arc<crate::config::Config>,
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    let admin = Router::new()
        .route("/jobs", get(admin::list_jobs))
        .route("/jobs/{id}", get(admin::get_job))
        .route("/dead-letters", get(admin::dead_letters))
        .route("/dead-letters/{id}/retry", post(admin::retry_dead))
        .route("/jobs/{id}/retry", post(admin::retry_dead))
        .route("/entities/{kind}", get(admin::list_entities))
        .route("/entities/{kind}/{id}", get(admin::get_entity))
        .route("/connectors", get(admin::list_connectors))
        .route("/connectors/{instance}/check", get(admin::check_connector))
        .route("/connectors/{instance}/sync", post(admin::trigger_sync))
        .route("/connectors/{instance}/problems", get(programme::connector_problems))
        .route("/auth/google/{instance}", post(consent::begin_google))
        .route("/targets", get(targets::list_targets))
        .route("/targets/{name}/pushes", get(targets::list_pushes))
        .route("/targets/{name}/retry", post(targets::retry_failed))
        .route("/webhook-event-types", get(webhooks::event_types))
        .route("/webhook-endpoints", get(webhooks::list_endpoints).post(webhooks::create_endpoint))
        .route(
            "/webhook-endpoints/{id}",
            get(webhooks::get_endpoint).patch(webhooks::update_endpoint).delete(webhooks::delete_endpoint),
        )
        .route("/webhook-endpoints/{id}/disable", post(webhooks::disable_endpoint))
        .route("/webhook-endpoints/{id}/enable", post(webhooks::enable_endpoint))
        .route("/webhook-endpoints/{id}/rotate-secret", post(webhooks::rotate_secret))
        .route("/webhook-endpoints/{id}/attempts", get(webhooks::endpoint_attempts))
        .route("/webhook-messages/{id}", get(webhooks::get_message))
        .route("/webhook-messages/{id}/replay", post(webhooks::replay_message))
        .route("/webhook-replays", post(webhooks::replay_since))
        .route_layer(middleware::from_fn_with_state(state.clone(), admin::require_token))
        .route("/openapi.json", get(openapi::document));
    Router::new()
        .route(crate::consent::CALLBACK_PATH, get(consent::google_callback))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route("/hooks/{instance}", post(hooks::receive).layer(DefaultBodyLimit::max(state.body_limit)))
        .route("/calendar/{file}", get(calendar::resource_ics))
        .route("/programme/status", get(programme::programme_status))
        .route("/programme/{month}", get(programme::programme_file))
        .route("/programme/{month}/newsletter", get(programme::programme_newsletter))
        .route("/programme/events/{id}/registrations", post(programme::register))
        .route("/programme/registrations/{id}", delete(programme::cancel))
        .nest("/api/v1", admin)
        .layer(middleware::from_fn(metrics::track))
        .with_state(state)
}
