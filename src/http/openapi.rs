//! The admin API's OpenAPI document, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::{admin, calendar, consent, programme, targets, webhooks};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "tiers-lieux hub admin API", description = "Jobs, dead letters, canonical entities, connectors, connector targets (pushes), outbound webhook endpoints, messages and attempts, the public programme (`/programme/…`) and the resources' ICS feeds (`/calendar/{slug}.ics`). Every `/api/v1` route needs `Authorization: Bearer <admin.token>`; `/programme/…` is public; errors are `{code, detail}`."),
    paths(
        admin::list_jobs, admin::get_job, admin::dead_letters, admin::retry_dead,
        admin::list_entities, admin::get_entity, admin::list_connectors, admin::check_connector,
        admin::trigger_sync, targets::list_targets, targets::list_pushes, targets::retry_failed,
        webhooks::event_types, webhooks::create_endpoint, webhooks::list_endpoints, webhooks::get_endpoint,
        webhooks::update_endpoint, webhooks::disable_endpoint, webhooks::enable_endpoint, webhooks::delete_endpoint,
        webhooks::rotate_secret, webhooks::endpoint_attempts, webhooks::get_message, webhooks::replay_message,
        webhooks::replay_since, programme::connector_problems, programme::programme_status,
        programme::programme_file, programme::programme_newsletter, programme::register, programme::cancel,
        calendar::resource_ics, consent::begin_google
    ),
    components(schemas(
        admin::SyncRequest, webhooks::CreateEndpoint, webhooks::UpdateEndpoint, webhooks::ReplayTarget,
        webhooks::ReplaySince, crate::webhooks::endpoints::EndpointView, crate::webhooks::replay::ReplayReport,
        crate::programme::registrations::RegistrationRequest
    )),
    modifiers(&BearerAuth)
)]
pub struct AdminApi;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(AdminApi::openapi())
}
