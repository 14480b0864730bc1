//! Memberships: a team's members (list, add), a channel's members (list, add) and the channels a
//! user belongs to in a team.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Q, parse_json,
    teams::{Paging, can_read, channel_not_found, team_not_found},
    users::resolve,
};
use crate::{
    auth::{ApiError, ApiResult, authenticate, page_bounds},
    state::{AppState, Channel, User},
};

fn team_member_json(team_id: &str, user_id: &str, admin: bool) -> Value {
    json!({"team_id": team_id, "user_id": user_id, "roles": if admin { "team_user team_admin" } else { "team_user" },
        "delete_at": 0, "scheme_user": true, "scheme_admin": admin, "explicit_roles": ""})
}

pub async fn team_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Q(q): Q<Paging>,
) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let team = store.teams.get(&id).ok_or_else(team_not_found)?;
    let (skip, take) = page_bounds(q.page, q.per_page);
    let members: Vec<Value> = team
        .members
        .iter()
        .skip(skip)
        .take(take)
        .map(|uid| team_member_json(&team.id, uid, store.users.get(uid).is_some_and(User::is_admin)))
        .collect();
    Ok(Json(members).into_response())
}

#[derive(Deserialize)]
pub struct AddTeamMember {
    #[serde(default)]
    user_id: String,
}

pub async fn add_team_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let add: AddTeamMember = parse_json(&body, "team_member")?;
    let mut store = state.lock();
    let admin = store.users.get(&add.user_id).map(User::is_admin).ok_or_else(|| ApiError::invalid_body("user_id"))?;
    let team = store.teams.get_mut(&id).filter(|t| t.delete_at == 0).ok_or_else(team_not_found)?;
    let allowed = viewer.is_admin() || (team.allow_open_invite && viewer.id == add.user_id);
    if !allowed {
        return Err(ApiError::forbidden());
    }
    team.members.insert(add.user_id.clone());
    let member = team_member_json(&id, &add.user_id, admin);
    // Joining a team joins its default channels.
    for c in
        store.channels.values_mut().filter(|c| c.team_id == id && (c.name == "town-square" || c.name == "off-topic"))
    {
        c.members.insert(add.user_id.clone());
    }
    Ok((StatusCode::CREATED, Json(member)).into_response())
}

pub async fn user_channels(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((user_id, team_id)): Path<(String, String)>,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let uid = resolve(&user_id, &viewer);
    if uid != viewer.id && !viewer.is_admin() {
        return Err(ApiError::forbidden());
    }
    let store = state.lock();
    let channels: Vec<Value> = store
        .channels
        .values()
        .filter(|c| c.delete_at == 0 && (c.team_id == team_id || c.team_id.is_empty()) && c.members.contains(&uid))
        .map(|c| json!(c))
        .collect();
    Ok(Json(channels).into_response())
}

pub async fn channel_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Q(q): Q<Paging>,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let channel = store.channels.get(&id).ok_or_else(channel_not_found)?;
    if !can_read(&store, &viewer, channel) {
        return Err(ApiError::forbidden());
    }
    let (skip, take) = page_bounds(q.page, q.per_page);
    let members: Vec<Value> =
        channel.members.iter().skip(skip).take(take).map(|uid| member_json(channel, uid)).collect();
    Ok(Json(members).into_response())
}

fn member_json(channel: &Channel, user_id: &str) -> Value {
    json!({"channel_id": channel.id, "user_id": user_id, "roles": "channel_user", "last_viewed_at": 0,
        "msg_count": 0, "mention_count": 0, "last_update_at": channel.update_at,
        "notify_props": {"desktop": "default", "email": "default", "mark_unread": "all", "push": "default"}})
}

#[derive(Deserialize)]
pub struct AddMember {
    #[serde(default)]
    user_id: String,
}

pub async fn add_channel_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let add: AddMember = parse_json(&body, "user_id")?;
    let mut store = state.lock();
    if !store.users.contains_key(&add.user_id) {
        return Err(ApiError::invalid_body("user_id"));
    }
    let channel =
        store.channels.get(&id).filter(|c| c.delete_at == 0 && c.kind != "D").ok_or_else(channel_not_found)?;
    if !can_read(&store, &viewer, channel) {
        return Err(ApiError::forbidden());
    }
    let team_id = channel.team_id.clone();
    let channel = store.channels.get_mut(&id).ok_or_else(channel_not_found)?;
    channel.members.insert(add.user_id.clone());
    let member = member_json(channel, &add.user_id);
    if let Some(t) = store.teams.get_mut(&team_id) {
        t.members.insert(add.user_id);
    }
    Ok((StatusCode::CREATED, Json(member)).into_response())
}
