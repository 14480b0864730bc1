//! Outgoing webhooks' management API: `/api/v4/hooks/outgoing[/{hook_id}]` and
//! `POST …/{hook_id}/regen_token`. Firing them is in [`crate::webhooks`].

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Q, incoming::HookQuery, parse_json, status_ok};
use crate::{
    auth::{ApiError, ApiResult, authenticate, page_bounds},
    state::{AppState, OutgoingHook},
};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutgoingBody {
    id: String,
    team_id: String,
    channel_id: String,
    creator_id: String,
    display_name: String,
    description: String,
    trigger_words: Vec<String>,
    trigger_when: i64,
    callback_urls: Vec<String>,
    content_type: String,
    username: String,
    icon_url: String,
}

fn out_not_found() -> ApiError {
    ApiError::not_found("app.webhooks.get_outgoing.app_error", "Unable to get the webhook.")
}

fn check_outgoing(store: &crate::state::Store, b: &OutgoingBody) -> ApiResult<String> {
    let team_id = if b.channel_id.is_empty() {
        b.team_id.clone()
    } else {
        let c = store.channels.get(&b.channel_id).filter(|c| c.kind == "O").ok_or_else(|| {
            ApiError::bad_request(
                "api.webhook.create_outgoing.not_open.app_error",
                "Outgoing webhooks can only be created for public channels.",
            )
        })?;
        c.team_id.clone()
    };
    if !store.teams.contains_key(&team_id) {
        return Err(ApiError::bad_request("model.outgoing_hook.is_valid.team_id.app_error", "Invalid team id."));
    }
    if b.callback_urls.is_empty()
        || b.callback_urls.iter().any(|u| !u.starts_with("http://") && !u.starts_with("https://"))
    {
        return Err(ApiError::bad_request("model.outgoing_hook.is_valid.callback.app_error", "Invalid callback urls."));
    }
    if b.channel_id.is_empty() && b.trigger_words.iter().all(String::is_empty) {
        return Err(ApiError::bad_request(
            "api.webhook.create_outgoing.triggers.app_error",
            "Either trigger_words or channel_id must be set.",
        ));
    }
    if !(0..=1).contains(&b.trigger_when) {
        return Err(ApiError::bad_request(
            "model.outgoing_hook.is_valid.trigger_when.app_error",
            "Invalid trigger when.",
        ));
    }
    Ok(team_id)
}

pub async fn create_outgoing(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let b: OutgoingBody = parse_json(&body, "outgoing_webhook")?;
    let mut store = state.lock();
    let team_id = check_outgoing(&store, &b)?;
    let now = store.now_ms();
    let hook = OutgoingHook {
        id: store.new_id(),
        token: store.new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        creator_id: if b.creator_id.is_empty() { viewer.id } else { b.creator_id },
        channel_id: b.channel_id,
        team_id,
        trigger_words: b.trigger_words,
        trigger_when: b.trigger_when,
        callback_urls: b.callback_urls,
        display_name: b.display_name,
        description: b.description,
        content_type: if b.content_type.is_empty() {
            "application/x-www-form-urlencoded".into()
        } else {
            b.content_type
        },
        username: b.username,
        icon_url: b.icon_url,
    };
    store.outgoing.insert(hook.id.clone(), hook.clone());
    Ok((StatusCode::CREATED, Json(json!(hook))).into_response())
}

pub async fn list_outgoing(State(state): State<AppState>, headers: HeaderMap, Q(q): Q<HookQuery>) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let (skip, take) = page_bounds(q.page, q.per_page);
    let hooks: Vec<Value> = store
        .outgoing
        .values()
        .filter(|h| h.delete_at == 0)
        .filter(|h| q.team_id.as_ref().is_none_or(|t| *t == h.team_id))
        .filter(|h| q.channel_id.as_ref().is_none_or(|c| *c == h.channel_id))
        .skip(skip)
        .take(take)
        .map(|h| json!(h))
        .collect();
    Ok(Json(hooks).into_response())
}

pub async fn get_outgoing(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let hook = store.outgoing.get(&id).filter(|h| h.delete_at == 0).ok_or_else(out_not_found)?;
    Ok(Json(json!(hook)).into_response())
}

pub async fn update_outgoing(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authenticate(&state, &headers)?;
    let mut b: OutgoingBody = parse_json(&body, "outgoing_webhook")?;
    if b.id != id {
        return Err(ApiError::invalid_body("id"));
    }
    let mut store = state.lock();
    let old = store.outgoing.get(&id).filter(|h| h.delete_at == 0).cloned().ok_or_else(out_not_found)?;
    if b.team_id.is_empty() {
        b.team_id = old.team_id.clone();
    }
    let team_id = check_outgoing(&store, &b)?;
    let now = store.now_ms();
    let hook = store.outgoing.get_mut(&id).ok_or_else(out_not_found)?;
    hook.team_id = team_id;
    hook.channel_id = b.channel_id;
    hook.display_name = b.display_name;
    hook.description = b.description;
    hook.trigger_words = b.trigger_words;
    hook.trigger_when = b.trigger_when;
    hook.callback_urls = b.callback_urls;
    if !b.content_type.is_empty() {
        hook.content_type = b.content_type;
    }
    hook.username = b.username;
    hook.icon_url = b.icon_url;
    hook.update_at = now;
    Ok(Json(json!(hook)).into_response())
}

pub async fn delete_outgoing(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authenticate(&state, &headers)?;
    let mut store = state.lock();
    let now = store.now_ms();
    let hook = store.outgoing.get_mut(&id).filter(|h| h.delete_at == 0).ok_or_else(out_not_found)?;
    hook.delete_at = now;
    hook.update_at = now;
    Ok(status_ok())
}

pub async fn regen_token(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authenticate(&state, &headers)?;
    let mut store = state.lock();
    let (token, now) = (store.new_id(), store.now_ms());
    let hook = store.outgoing.get_mut(&id).filter(|h| h.delete_at == 0).ok_or_else(out_not_found)?;
    hook.token = token;
    hook.update_at = now;
    Ok(Json(json!(hook)).into_response())
}
