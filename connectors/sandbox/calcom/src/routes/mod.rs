//! The vendor router (`/v2/...`, faulted by the core) and the inspection router (`/_sandbox/...`).

pub mod bookings;
pub mod event_types;
pub mod sandbox;
pub mod schedules;
pub mod webhooks;

use axum::{
    Router, middleware,
    routing::{get, post},
};

use crate::state::Ctx;

/// NestJS's answer to an unknown route.
async fn unknown(method: axum::http::Method, uri: axum::http::Uri) -> crate::auth::ApiError {
    crate::auth::ApiError::not_found(format!("Cannot {method} {}", uri.path()))
}

/// Cal.com API v2 routes.
pub fn vendor(ctx: Ctx) -> Router {
    Router::new()
        .route("/v2/bookings", get(bookings::list).post(bookings::create))
        .route("/v2/bookings/{uid}", get(bookings::get))
        .route("/v2/bookings/by-seat/{seat}", get(bookings::by_seat))
        .route("/v2/bookings/{uid}/reschedule", post(bookings::reschedule))
        .route("/v2/bookings/{uid}/cancel", post(bookings::cancel))
        .route("/v2/bookings/{uid}/confirm", post(bookings::confirm))
        .route("/v2/bookings/{uid}/decline", post(bookings::decline))
        .route("/v2/bookings/{uid}/mark-absent", post(bookings::mark_absent))
        .route("/v2/event-types", get(event_types::list).post(event_types::create))
        .route("/v2/event-types/{id}", get(event_types::get).patch(event_types::update).delete(event_types::delete))
        .route(
            "/v2/event-types/{id}/webhooks",
            get(webhooks::et_list).post(webhooks::et_create).delete(webhooks::et_delete_all),
        )
        .route(
            "/v2/event-types/{id}/webhooks/{webhook_id}",
            get(webhooks::et_get).patch(webhooks::et_patch).delete(webhooks::et_delete),
        )
        .route("/v2/webhooks", get(webhooks::user_list).post(webhooks::user_create))
        .route("/v2/webhooks/{id}", get(webhooks::user_get).patch(webhooks::user_patch).delete(webhooks::user_delete))
        .route("/v2/schedules", get(schedules::list))
        .route("/v2/schedules/default", get(schedules::default))
        .route("/v2/schedules/{id}", get(schedules::get))
        .fallback(unknown)
        .layer(middleware::from_fn(crate::auth::error_bodies))
        .layer(middleware::from_fn_with_state(ctx.clone(), crate::auth::rate_limit_headers))
        .with_state(ctx)
}

/// `/_sandbox/...` inspection and trigger routes.
pub fn inspect(ctx: Ctx) -> Router {
    Router::new()
        .route("/_sandbox/state", get(sandbox::state))
        .route("/_sandbox/webhooks", get(sandbox::webhooks))
        .route("/_sandbox/bookings", post(sandbox::book))
        .route("/_sandbox/bookings/{uid}/{action}", post(sandbox::act))
        .layer(middleware::from_fn(crate::auth::error_bodies))
        .with_state(ctx)
}
