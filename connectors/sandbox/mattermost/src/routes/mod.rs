//! The vendor router (Mattermost's own paths) and the `/_sandbox/...` router, plus the JSON-body
//! helper shared by the handlers.

mod incoming;
mod inspect;
mod members;
mod outgoing;
mod posts;
mod teams;
mod users;

use axum::{
    Json, Router,
    extract::FromRequestParts,
    http::{HeaderValue, request::Parts},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::{auth::ApiError, state::AppState};

/// Parses a JSON body, or answers Mattermost's `invalid_body_param` error naming `what`.
pub fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::invalid_body(what))
}

/// Query parameters; unparsable ones answer Mattermost's `invalid_url_param` error.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).map(Q).map_err(|_| {
            ApiError::bad_request(
                "api.context.invalid_url_param.app_error",
                "Invalid or missing parameter in request URL.",
            )
        })
    }
}

/// `{"status":"OK"}`.
pub fn status_ok() -> Response {
    Json(json!({"status": "OK"})).into_response()
}

pub fn vendor(state: AppState) -> Router {
    Router::new()
        .route("/api/v4/system/ping", get(users::ping))
        .route("/api/v4/users/login", post(users::login))
        .route("/api/v4/users/logout", post(users::logout))
        .route("/api/v4/users", get(users::list).post(users::create))
        .route("/api/v4/users/ids", post(users::by_ids))
        .route("/api/v4/users/usernames", post(users::by_usernames))
        .route("/api/v4/users/email/{email}", get(users::by_email))
        .route("/api/v4/users/username/{username}", get(users::by_username))
        .route("/api/v4/users/{user_id}", get(users::get_user).delete(users::deactivate))
        .route("/api/v4/users/{user_id}/patch", put(users::patch))
        .route("/api/v4/users/{user_id}/active", put(users::active))
        .route("/api/v4/users/{user_id}/teams", get(users::user_teams))
        .route("/api/v4/bots", get(users::bots))
        .route("/api/v4/bots/{bot_user_id}", get(users::bot))
        .route("/api/v4/teams", get(teams::list_teams))
        .route("/api/v4/teams/{team_id}", get(teams::get_team))
        .route("/api/v4/teams/name/{name}", get(teams::team_by_name))
        .route("/api/v4/teams/{team_id}/members", get(members::team_members).post(members::add_team_member))
        .route("/api/v4/teams/{team_id}/channels", get(teams::team_channels))
        .route("/api/v4/teams/{team_id}/channels/name/{channel_name}", get(teams::channel_by_team_id))
        .route("/api/v4/teams/name/{team_name}/channels/name/{channel_name}", get(teams::channel_by_team_name))
        .route("/api/v4/channels", post(teams::create_channel))
        .route("/api/v4/channels/direct", post(teams::create_direct))
        .route("/api/v4/channels/{channel_id}", get(teams::get_channel).delete(teams::delete_channel))
        .route("/api/v4/channels/{channel_id}/members", get(members::channel_members).post(members::add_channel_member))
        .route("/api/v4/channels/{channel_id}/patch", put(teams::patch_channel))
        .route("/api/v4/users/{user_id}/teams/{team_id}/channels", get(members::user_channels))
        .route("/api/v4/channels/{channel_id}/posts", get(posts::for_channel))
        .route("/api/v4/posts", post(posts::create))
        .route("/api/v4/posts/{post_id}", get(posts::get).put(posts::update).delete(posts::delete))
        .route("/api/v4/posts/{post_id}/patch", put(posts::patch))
        .route("/api/v4/posts/{post_id}/thread", get(posts::thread))
        .route("/api/v4/hooks/incoming", get(incoming::list_incoming).post(incoming::create_incoming))
        .route(
            "/api/v4/hooks/incoming/{hook_id}",
            get(incoming::get_incoming).put(incoming::update_incoming).delete(incoming::delete_incoming),
        )
        .route("/api/v4/hooks/outgoing", get(outgoing::list_outgoing).post(outgoing::create_outgoing))
        .route(
            "/api/v4/hooks/outgoing/{hook_id}",
            get(outgoing::get_outgoing).put(outgoing::update_outgoing).delete(outgoing::delete_outgoing),
        )
        .route("/api/v4/hooks/outgoing/{hook_id}/regen_token", post(outgoing::regen_token))
        .route("/hooks/{key}", post(incoming::incoming))
        .fallback(not_found)
        .layer(axum::middleware::map_response(server_headers))
        .with_state(state)
}

/// The headers every Mattermost answer carries: `X-Request-Id` and `X-Version-Id`.
async fn server_headers(mut resp: Response) -> Response {
    const ALPHABET: &[u8] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
    let id: String = (0..26).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert("x-request-id", v);
    }
    headers.insert("x-version-id", HeaderValue::from_static(VERSION_ID));
    resp
}

/// What `X-Version-Id` says (server version, build, config hash, licensed).
pub const VERSION_ID: &str = "9.11.0.9.11.0.sandbox.false";

async fn not_found() -> ApiError {
    ApiError::not_found("api.context.404.app_error", "Sorry, we could not find the page.")
}

pub fn inspect(state: AppState) -> Router {
    Router::new()
        .route("/_sandbox/state", get(inspect::state))
        .route("/_sandbox/webhooks", get(inspect::webhooks))
        .route("/_sandbox/posts", post(inspect::post))
        .with_state(state)
}
