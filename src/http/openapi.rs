//! The admin API's OpenAPI document, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::admin;

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
    info(title = "tiers-lieux hub admin API", description = "Jobs, dead letters, canonical entities, connectors. Every route needs `Authorization: Bearer <admin.token>`; errors are `{code, detail}`."),
    paths(
        admin::list_jobs, admin::get_job, admin::dead_letters, admin::retry_dead,
        admin::list_entities, admin::get_entity, admin::list_connectors, admin::check_connector,
        admin::trigger_sync
    ),
    components(schemas(admin::SyncRequest)),
    modifiers(&BearerAuth)
)]
pub struct AdminApi;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(AdminApi::openapi())
}
