//! The router: the vendor's `/api/v1/...` routes behind the token guard and throttle, and the
//! sandbox's `/_sandbox/...` inspection and trigger routes.

mod audits;
mod catalog;
mod checkout;
mod hardware;
mod locations;
mod maintenances;
mod reports;
mod sandbox;
mod statuslabels;
mod users;

use axum::{
    Router, middleware,
    routing::{get, post},
};

use crate::{App, auth, http};

pub fn vendor(app: App) -> Router {
    let api = Router::new()
        .route("/hardware", get(hardware::list).post(hardware::create))
        .route("/hardware/audit", post(checkout::audit))
        .route("/hardware/bytag/{tag}", get(hardware::by_tag))
        .route("/hardware/bytag/{tag}/checkout", post(checkout::checkout_by_tag))
        .route("/hardware/bytag/{tag}/checkin", post(checkout::checkin_by_tag))
        .route("/hardware/byserial/{serial}", get(hardware::by_serial))
        .route(
            "/hardware/{id}",
            get(hardware::show).put(hardware::update).patch(hardware::update).delete(hardware::destroy),
        )
        .route("/hardware/{id}/checkout", post(checkout::checkout))
        .route("/hardware/{id}/checkin", post(checkout::checkin))
        .route("/hardware/{id}/audit", post(checkout::audit_one))
        .route("/hardware/{id}/restore", post(hardware::restore))
        .route("/maintenances", get(maintenances::list).post(maintenances::create))
        .route(
            "/maintenances/{id}",
            get(maintenances::show).put(maintenances::update).patch(maintenances::update).delete(maintenances::destroy),
        )
        .route("/users", get(users::list).post(users::create))
        .route("/users/me", get(users::me))
        .route("/users/{id}", get(users::show).put(users::update).patch(users::update).delete(users::destroy))
        .route("/users/{id}/assets", get(users::assets))
        .route("/users/{id}/restore", post(users::restore))
        .route("/locations", get(locations::list).post(locations::create))
        .route(
            "/locations/{id}",
            get(locations::show).put(locations::update).patch(locations::update).delete(locations::destroy),
        )
        .route("/statuslabels", get(statuslabels::list).post(statuslabels::create))
        .route(
            "/statuslabels/{id}",
            get(statuslabels::show).put(statuslabels::update).patch(statuslabels::update).delete(statuslabels::destroy),
        )
        .route("/statuslabels/{id}/assetlist", get(statuslabels::assets))
        .route("/reports/activity", get(reports::activity))
        .route("/hardware/audit/due", get(audits::audit_due))
        .route("/hardware/audit/overdue", get(audits::audit_overdue))
        .route("/models", get(catalog::models))
        .route("/models/{id}", get(catalog::model))
        .route("/categories", get(catalog::categories))
        .route("/categories/{id}", get(catalog::category))
        .route("/manufacturers", get(catalog::manufacturers))
        .route("/manufacturers/{id}", get(catalog::manufacturer))
        .route("/suppliers", get(catalog::suppliers))
        .route("/suppliers/{id}", get(catalog::supplier))
        .route_layer(middleware::from_fn_with_state(app.clone(), auth::guard))
        .with_state(app);
    Router::new().nest("/api/v1", api).fallback(http::not_found).method_not_allowed_fallback(http::method_not_allowed)
}

pub fn inspect(app: App) -> Router {
    Router::new()
        .route("/_sandbox/state", get(sandbox::state))
        .route("/_sandbox/webhooks", get(sandbox::webhooks))
        .route("/_sandbox/throttle", get(sandbox::get_throttle).put(sandbox::put_throttle))
        .route("/_sandbox/integrations", get(sandbox::get_integration).put(sandbox::put_integration))
        .route("/_sandbox/ui/checkout", post(sandbox::ui_checkout))
        .route("/_sandbox/ui/checkin", post(sandbox::ui_checkin))
        .route("/_sandbox/ui/status", post(sandbox::ui_status))
        .with_state(app)
}
