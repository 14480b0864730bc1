//! The vendor router: OAuth endpoints (`/o/oauth2/v2/auth`, `/token`, `/revoke`) and the Calendar
//! v3 API under `/calendar/v3/` behind the Bearer check.

pub mod calendars;
pub mod channels;
pub mod events;
pub mod list;
pub mod sandbox;

use axum::{
    Router, middleware,
    routing::{get, post},
};

use crate::{auth, state::App};

pub fn vendor(app: App) -> Router {
    let api = Router::new()
        .route("/calendar/v3/users/me/calendarList", get(calendars::list_entries))
        .route("/calendar/v3/users/me/calendarList/{calendarId}", get(calendars::get_entry))
        .route("/calendar/v3/calendars", post(calendars::insert))
        .route(
            "/calendar/v3/calendars/{calendarId}",
            get(calendars::get).patch(calendars::patch).delete(calendars::delete),
        )
        .route("/calendar/v3/calendars/{calendarId}/events", get(list::list).post(events::insert))
        .route("/calendar/v3/calendars/{calendarId}/events/watch", post(channels::watch))
        .route(
            "/calendar/v3/calendars/{calendarId}/events/{eventId}",
            get(events::get).put(events::update).patch(events::patch).delete(events::delete),
        )
        .route("/calendar/v3/calendars/{calendarId}/events/{eventId}/instances", get(list::instances))
        .route("/calendar/v3/channels/stop", post(channels::stop))
        .layer(middleware::from_fn_with_state(app.clone(), auth::bearer));
    Router::new()
        .route("/o/oauth2/v2/auth", get(auth::authorize))
        .route("/token", post(auth::token))
        .route("/revoke", post(auth::revoke))
        .merge(api)
        .with_state(app)
}
