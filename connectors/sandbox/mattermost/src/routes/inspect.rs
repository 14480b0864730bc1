//! Sandbox-only routes (never faulted): `GET /_sandbox/state` (everything the server holds),
//! `GET /_sandbox/webhooks` (the outgoing-webhook delivery log) and `POST /_sandbox/posts`
//! (a member writes in a channel from the Mattermost UI: the post is created as that user and
//! outgoing webhooks fire). Body of the latter: `{"username" | "user_id", "channel" (name in
//! `team`, default team `tiers-lieu`) | "channel_id", "message", "root_id"?, "props"?}`.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{parse_json, posts::NewPost};
use crate::{
    auth::{ApiError, ApiResult},
    seed::TEAM_NAME,
    state::AppState,
};

pub async fn state(State(state): State<AppState>) -> Response {
    let store = state.lock();
    let users: Vec<Value> = store
        .users
        .values()
        .map(|u| {
            json!({"id": u.id, "username": u.username, "email": u.email, "first_name": u.first_name,
                "last_name": u.last_name, "roles": u.roles, "is_bot": u.is_bot, "delete_at": u.delete_at})
        })
        .collect();
    let teams: Vec<Value> = store.teams.values().map(|t| json!({"team": t, "members": t.members})).collect();
    let channels: Vec<Value> =
        store.channels.values().map(|c| json!({"channel": c, "members": c.members.len()})).collect();
    let mut posts: Vec<_> = store.posts.values().collect();
    posts.sort_by_key(|p| (p.create_at, p.id.clone()));
    let posts: Vec<Value> = posts.into_iter().map(|p| store.post_json(p)).collect();
    Json(json!({
        "users": users,
        "teams": teams,
        "channels": channels,
        "posts": posts,
        "incoming_webhooks": store.incoming.values().collect::<Vec<_>>(),
        "outgoing_webhooks": store.outgoing.values().collect::<Vec<_>>(),
    }))
    .into_response()
}

pub async fn webhooks(State(state): State<AppState>) -> Response {
    Json(json!(state.emitter.log())).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UiPost {
    username: String,
    user_id: String,
    team: String,
    channel: String,
    channel_id: String,
    message: String,
    root_id: String,
    props: Map<String, Value>,
}

pub async fn post(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let ui: UiPost = parse_json(&body, "post")?;
    let (json, deliveries) = {
        let mut store = state.lock();
        let user = if ui.user_id.is_empty() { store.user_by_name(&ui.username) } else { store.users.get(&ui.user_id) }
            .cloned()
            .ok_or_else(|| ApiError::not_found("app.user.missing_account.const", "Unable to find the user."))?;
        let channel_id = if ui.channel_id.is_empty() {
            let team = if ui.team.is_empty() { TEAM_NAME } else { ui.team.as_str() };
            let team_id = store.team_by_name(team).map(|t| t.id.clone()).unwrap_or_default();
            store.channel_by_name(&team_id, &ui.channel).map(|c| c.id.clone()).ok_or_else(|| {
                ApiError::not_found("app.channel.get_by_name.missing.app_error", "Channel does not exist.")
            })?
        } else {
            ui.channel_id
        };
        let new =
            NewPost { channel_id, message: ui.message, root_id: ui.root_id, props: ui.props, ..NewPost::default() };
        let post = super::posts::insert_post(&mut store, &user, new)?;
        (store.post_json(&post), crate::webhooks::outgoing_for(&store, &post))
    };
    crate::webhooks::deliver(&state, deliveries);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}
