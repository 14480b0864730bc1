//! Teams and channels: team lookups (by id, by name), a team's public channels, channels by
//! name (team id or team name), channel creation (public/private), patch, direct channels and
//! soft deletion.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Q, parse_json, status_ok};
use crate::{
    auth::{ApiError, ApiResult, authenticate, page_bounds},
    seed::new_channel,
    state::{AppState, Channel, Store, Team, User},
};

pub fn team_not_found() -> ApiError {
    ApiError::not_found("app.team.get.find.app_error", "Unable to find the existing team.")
}

pub fn channel_not_found() -> ApiError {
    ApiError::not_found("app.channel.get.existing.app_error", "Unable to find the existing channel.")
}

/// Whether `user` may read `channel` (public channels: any team member; others: members only).
pub fn can_read(store: &Store, user: &User, channel: &Channel) -> bool {
    if user.is_admin() || channel.members.contains(&user.id) {
        return true;
    }
    channel.kind == "O" && store.teams.get(&channel.team_id).is_some_and(|t| t.members.contains(&user.id))
}

#[derive(Deserialize)]
pub struct Paging {
    pub page: Option<usize>,
    pub per_page: Option<usize>,
    #[serde(default)]
    pub include_deleted: bool,
}

pub async fn list_teams(State(state): State<AppState>, headers: HeaderMap, Q(q): Q<Paging>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let (skip, take) = page_bounds(q.page, q.per_page);
    let teams: Vec<Value> = store
        .teams
        .values()
        .filter(|t| t.delete_at == 0 && (t.allow_open_invite || viewer.is_admin() || t.members.contains(&viewer.id)))
        .skip(skip)
        .take(take)
        .map(|t| json!(t))
        .collect();
    Ok(Json(teams).into_response())
}

fn visible_team(store: &Store, viewer: &User, team: Option<&Team>) -> ApiResult<Value> {
    let team = team.filter(|t| t.delete_at == 0).ok_or_else(team_not_found)?;
    if !(viewer.is_admin() || team.allow_open_invite || team.members.contains(&viewer.id)) {
        return Err(ApiError::forbidden());
    }
    let _ = store;
    Ok(json!(team))
}

pub async fn get_team(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    Ok(Json(visible_team(&store, &viewer, store.teams.get(&id))?).into_response())
}

pub async fn team_by_name(State(state): State<AppState>, headers: HeaderMap, Path(name): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    Ok(Json(visible_team(&store, &viewer, store.team_by_name(&name))?).into_response())
}

pub async fn team_channels(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Q(q): Q<Paging>,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    visible_team(&store, &viewer, store.teams.get(&id))?;
    let (skip, take) = page_bounds(q.page, q.per_page);
    let mut channels: Vec<&Channel> =
        store.channels.values().filter(|c| c.team_id == id && c.kind == "O" && c.delete_at == 0).collect();
    channels.sort_by_key(|a| a.display_name.to_lowercase());
    let page: Vec<Value> = channels.into_iter().skip(skip).take(take).map(|c| json!(c)).collect();
    Ok(Json(page).into_response())
}

fn channel_in_team(store: &Store, viewer: &User, team_id: &str, name: &str, include_deleted: bool) -> ApiResult<Value> {
    let channel = store
        .channel_by_name(team_id, name)
        .filter(|c| include_deleted || c.delete_at == 0)
        .ok_or_else(channel_not_found)?;
    if !can_read(store, viewer, channel) {
        return Err(ApiError::forbidden());
    }
    Ok(json!(channel))
}

pub async fn channel_by_team_id(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((team_id, name)): Path<(String, String)>,
    Q(q): Q<Paging>,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    Ok(Json(channel_in_team(&store, &viewer, &team_id, &name, q.include_deleted)?).into_response())
}

pub async fn channel_by_team_name(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((team, name)): Path<(String, String)>,
    Q(q): Q<Paging>,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let team_id = store.team_by_name(&team).map(|t| t.id.clone()).ok_or_else(team_not_found)?;
    Ok(Json(channel_in_team(&store, &viewer, &team_id, &name, q.include_deleted)?).into_response())
}

pub async fn get_channel(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let channel = store.channels.get(&id).ok_or_else(channel_not_found)?;
    if !can_read(&store, &viewer, channel) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(json!(channel)).into_response())
}

#[derive(Deserialize)]
pub struct NewChannel {
    #[serde(default)]
    team_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    header: String,
    #[serde(default, rename = "type")]
    kind: String,
}

fn valid_channel_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.chars().any(|c| c.is_ascii_alphanumeric())
}

pub async fn create_channel(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let new: NewChannel = parse_json(&body, "channel")?;
    if new.kind != "O" && new.kind != "P" {
        return Err(ApiError::bad_request("model.channel.is_valid.type.app_error", "Invalid type."));
    }
    if !valid_channel_name(&new.name) {
        return Err(ApiError::bad_request(
            "model.channel.is_valid.2_or_more.app_error",
            "Name must be 2 or more lowercase alphanumeric characters.",
        ));
    }
    if new.display_name.trim().is_empty() || new.display_name.chars().count() > 64 {
        return Err(ApiError::bad_request("model.channel.is_valid.display_name.app_error", "Invalid display name."));
    }
    let mut store = state.lock();
    let team = store.teams.get(&new.team_id).filter(|t| t.delete_at == 0).ok_or_else(team_not_found)?;
    if !viewer.is_admin() && !team.members.contains(&viewer.id) {
        return Err(ApiError::forbidden());
    }
    if store.channel_by_name(&new.team_id, &new.name).is_some() {
        return Err(ApiError::bad_request(
            "store.sql_channel.save_channel.exists.app_error",
            "A channel with that name already exists on the same team.",
        ));
    }
    let now = store.now_ms();
    let mut channel = new_channel(&mut store, &new.team_id, &new.kind, &new.name, &new.display_name, &viewer.id, now);
    channel.purpose = new.purpose;
    channel.header = new.header;
    channel.members.insert(viewer.id.clone());
    store.channels.insert(channel.id.clone(), channel.clone());
    Ok((StatusCode::CREATED, Json(json!(channel))).into_response())
}

pub async fn create_direct(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let ids: Vec<String> = parse_json(&body, "user_ids")?;
    if ids.len() != 2 {
        return Err(ApiError::invalid_body("user_ids"));
    }
    if !viewer.is_admin() && !ids.contains(&viewer.id) {
        return Err(ApiError::forbidden());
    }
    let mut store = state.lock();
    if ids.iter().any(|id| !store.users.contains_key(id)) {
        return Err(ApiError::bad_request(
            "api.context.invalid_url_param.app_error",
            "Invalid or missing user_id parameter in request URL.",
        ));
    }
    let (status, channel) = direct_channel(&mut store, &ids[0], &ids[1]);
    Ok((status, Json(json!(channel))).into_response())
}

/// The direct channel of two users (`<id1>__<id2>`, ids sorted), created if needed.
pub fn direct_channel(store: &mut Store, a: &str, b: &str) -> (StatusCode, Channel) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let name = format!("{lo}__{hi}");
    if let Some(c) = store.channel_by_name("", &name) {
        return (StatusCode::CREATED, c.clone());
    }
    let now = store.now_ms();
    let mut channel = new_channel(store, "", "D", &name, "", a, now);
    channel.members.extend([a.to_string(), b.to_string()]);
    store.channels.insert(channel.id.clone(), channel.clone());
    (StatusCode::CREATED, channel)
}

pub async fn delete_channel(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let mut store = state.lock();
    let channel = store.channels.get(&id).filter(|c| c.delete_at == 0).ok_or_else(channel_not_found)?;
    if !viewer.is_admin() && channel.creator_id != viewer.id {
        return Err(ApiError::forbidden());
    }
    let now = store.now_ms();
    if let Some(c) = store.channels.get_mut(&id) {
        c.delete_at = now;
        c.update_at = now;
    }
    Ok(status_ok())
}

#[derive(Deserialize)]
pub struct ChannelPatch {
    name: Option<String>,
    display_name: Option<String>,
    purpose: Option<String>,
    header: Option<String>,
}

pub async fn patch_channel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let patch: ChannelPatch = parse_json(&body, "channel")?;
    let mut store = state.lock();
    let channel =
        store.channels.get(&id).filter(|c| c.delete_at == 0 && c.kind != "D").ok_or_else(channel_not_found)?;
    if !viewer.is_admin() && !channel.members.contains(&viewer.id) {
        return Err(ApiError::forbidden());
    }
    if let Some(name) = &patch.name {
        if !valid_channel_name(name) {
            return Err(ApiError::bad_request(
                "model.channel.is_valid.2_or_more.app_error",
                "Name must be 2 or more lowercase alphanumeric characters.",
            ));
        }
        if store.channel_by_name(&channel.team_id, name).is_some_and(|c| c.id != id) {
            return Err(ApiError::bad_request(
                "store.sql_channel.update.exists.app_error",
                "A channel with that handle already exists.",
            ));
        }
    }
    let now = store.now_ms();
    let channel = store.channels.get_mut(&id).ok_or_else(channel_not_found)?;
    if let Some(v) = patch.name {
        channel.name = v;
    }
    if let Some(v) = patch.display_name {
        channel.display_name = v;
    }
    if let Some(v) = patch.purpose {
        channel.purpose = v;
    }
    if let Some(v) = patch.header {
        channel.header = v;
    }
    channel.update_at = now;
    Ok(Json(json!(channel)).into_response())
}
