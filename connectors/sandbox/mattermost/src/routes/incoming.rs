//! Incoming webhooks: `POST /hooks/{key}` (JSON, or Slack-style `payload=` form; answers
//! `200 text/plain ok`; the key is the hook's id) and the management API
//! `/api/v4/hooks/incoming[/{hook_id}]`.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Q, parse_json, posts::NewPost, status_ok, teams::direct_channel};
use crate::{
    auth::{ApiError, ApiResult, authenticate, page_bounds},
    state::{AppState, IncomingHook},
};

const RESERVED_PROPS: &[&str] = &[
    "from_webhook",
    "from_bot",
    "from_oauth_app",
    "from_plugin",
    "force_notification",
    "silent_notification",
    "override_username",
    "override_icon_url",
    "override_icon_emoji",
    "webhook_display_name",
    "card",
    "attachments",
];

fn invalid_hook() -> ApiError {
    ApiError::bad_request("web.incoming_webhook.invalid.app_error", "Invalid webhook.")
}

fn parse_error() -> ApiError {
    ApiError::bad_request("api.webhook.incoming.decode.app_error", "Unable to parse incoming data")
}

/// `POST /hooks/{key}`.
pub async fn incoming(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let is_form = media == "application/x-www-form-urlencoded" || (media.is_empty() && body.starts_with(b"payload="));
    let request: Map<String, Value> = if is_form {
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| parse_error())?;
        let payload = fields.into_iter().find(|(k, _)| k == "payload").map(|(_, v)| v).ok_or_else(parse_error)?;
        serde_json::from_str(&payload).map_err(|_| parse_error())?
    } else {
        serde_json::from_slice(&body).map_err(|_| parse_error())?
    };
    let text = request.get("text").and_then(Value::as_str).unwrap_or("").to_string();
    let attachments = request.get("attachments").filter(|a| a.as_array().is_some_and(|a| !a.is_empty())).cloned();
    if text.is_empty() && attachments.is_none() {
        return Err(ApiError::bad_request("web.incoming_webhook.text.app_error", "No text specified"));
    }
    let str_field = |k: &str| request.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let deliveries = {
        let mut store = state.lock();
        let hook = store.incoming.get(&key).filter(|h| h.delete_at == 0).cloned().ok_or_else(invalid_hook)?;
        let owner = store.users.get(&hook.user_id).cloned().ok_or_else(invalid_hook)?;
        let channel_id = match str_field("channel") {
            None => hook.channel_id.clone(),
            Some(name) => {
                let id = if let Some(username) = name.strip_prefix('@') {
                    let user = store.user_by_name(username).cloned().ok_or_else(|| {
                        ApiError::bad_request("web.incoming_webhook.user.app_error", "Couldn't find the user.")
                    })?;
                    direct_channel(&mut store, &owner.id, &user.id).1.id
                } else {
                    store.channel_by_name(&hook.team_id, &name).map(|c| c.id.clone()).ok_or_else(|| {
                        ApiError::bad_request("web.incoming_webhook.channel.app_error", "Couldn't find the channel.")
                    })?
                };
                if hook.channel_locked && id != hook.channel_id {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "web.incoming_webhook.channel_locked.app_error",
                        "This webhook is not permitted to post to the requested channel.",
                    ));
                }
                id
            }
        };
        let mut props: Map<String, Value> =
            request.get("props").and_then(Value::as_object).cloned().unwrap_or_default();
        props.retain(|k, _| !RESERVED_PROPS.contains(&k.as_str()));
        props.insert("from_webhook".into(), json!("true"));
        if let Some(u) = str_field("username").or(Some(hook.username.clone()).filter(|s| !s.is_empty())) {
            props.insert("override_username".into(), json!(u));
        }
        if let Some(u) = str_field("icon_url").or(Some(hook.icon_url.clone()).filter(|s| !s.is_empty())) {
            props.insert("override_icon_url".into(), json!(u));
        }
        if let Some(e) = str_field("icon_emoji") {
            props.insert("override_icon_emoji".into(), json!(e));
        }
        if !hook.display_name.is_empty() {
            props.insert("webhook_display_name".into(), json!(hook.display_name));
        }
        if let Some(card) = request.get("props").and_then(|p| p.get("card")) {
            props.insert("card".into(), card.clone());
        }
        if let Some(a) = &attachments {
            props.insert("attachments".into(), a.clone());
        }
        let mut metadata = Map::new();
        if let Some(p) = request.get("priority") {
            metadata.insert("priority".into(), p.clone());
        }
        let new = NewPost { channel_id, message: text, props, metadata, ..NewPost::default() };
        let mut post = super::posts::insert_post(&mut store, &owner, new)?;
        if attachments.is_some() || str_field("type").is_some() {
            post.kind = str_field("type").unwrap_or_else(|| "slack_attachment".into());
            store.posts.insert(post.id.clone(), post.clone());
        }
        crate::webhooks::outgoing_for(&store, &post)
    };
    crate::webhooks::deliver(&state, deliveries);
    Ok(([(header::CONTENT_TYPE, "text/plain")], "ok").into_response())
}

#[derive(Deserialize)]
pub struct HookQuery {
    pub page: Option<usize>,
    pub per_page: Option<usize>,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IncomingBody {
    id: String,
    channel_id: String,
    user_id: String,
    display_name: String,
    description: String,
    username: String,
    icon_url: String,
    channel_locked: bool,
}

fn hook_not_found() -> ApiError {
    ApiError::not_found("app.webhooks.get_incoming.app_error", "Unable to get the webhook.")
}

pub async fn create_incoming(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let b: IncomingBody = parse_json(&body, "incoming_webhook")?;
    let mut store = state.lock();
    let channel = store.channels.get(&b.channel_id).filter(|c| c.delete_at == 0).cloned().ok_or_else(|| {
        ApiError::bad_request("api.incoming_webhook.invalid_channel.app_error", "Invalid channel_id.")
    })?;
    let owner = if b.user_id.is_empty() { viewer.id.clone() } else { b.user_id };
    let now = store.now_ms();
    let hook = IncomingHook {
        id: store.new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        user_id: owner,
        channel_id: channel.id,
        team_id: channel.team_id,
        display_name: b.display_name,
        description: b.description,
        username: b.username,
        icon_url: b.icon_url,
        channel_locked: b.channel_locked,
    };
    store.incoming.insert(hook.id.clone(), hook.clone());
    Ok((StatusCode::CREATED, Json(json!(hook))).into_response())
}

pub async fn list_incoming(State(state): State<AppState>, headers: HeaderMap, Q(q): Q<HookQuery>) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let (skip, take) = page_bounds(q.page, q.per_page);
    let hooks: Vec<Value> = store
        .incoming
        .values()
        .filter(|h| h.delete_at == 0 && q.team_id.as_ref().is_none_or(|t| *t == h.team_id))
        .skip(skip)
        .take(take)
        .map(|h| json!(h))
        .collect();
    Ok(Json(hooks).into_response())
}

pub async fn get_incoming(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let hook = store.incoming.get(&id).filter(|h| h.delete_at == 0).ok_or_else(hook_not_found)?;
    Ok(Json(json!(hook)).into_response())
}

pub async fn update_incoming(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authenticate(&state, &headers)?;
    let b: IncomingBody = parse_json(&body, "incoming_webhook")?;
    if b.id != id {
        return Err(ApiError::invalid_body("id"));
    }
    let mut store = state.lock();
    let team_id = store.channels.get(&b.channel_id).map(|c| c.team_id.clone()).ok_or_else(|| {
        ApiError::bad_request("api.incoming_webhook.invalid_channel.app_error", "Invalid channel_id.")
    })?;
    let now = store.now_ms();
    let hook = store.incoming.get_mut(&id).filter(|h| h.delete_at == 0).ok_or_else(hook_not_found)?;
    hook.channel_id = b.channel_id;
    hook.team_id = team_id;
    hook.display_name = b.display_name;
    hook.description = b.description;
    hook.username = b.username;
    hook.icon_url = b.icon_url;
    hook.channel_locked = b.channel_locked;
    hook.update_at = now;
    Ok(Json(json!(hook)).into_response())
}

pub async fn delete_incoming(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authenticate(&state, &headers)?;
    let mut store = state.lock();
    let now = store.now_ms();
    let hook = store.incoming.get_mut(&id).filter(|h| h.delete_at == 0).ok_or_else(hook_not_found)?;
    hook.delete_at = now;
    hook.update_at = now;
    Ok(status_ok())
}
