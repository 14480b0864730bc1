//! Users and bots: login/logout (session tokens in the `Token` header), `me`, lookups by id,
//! e-mail, username, lists of ids/usernames, the paginated user list with its team/channel
//! filters, creation, patch, (de)activation, a user's teams, and the bots.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Q, parse_json, status_ok};
use crate::{
    auth::{ApiError, ApiResult, authenticate, page_bounds},
    seed::new_user,
    state::{AppState, User},
};

fn user_not_found() -> ApiError {
    ApiError::not_found("app.user.missing_account.const", "Unable to find the user.")
}

/// `me` or an id.
pub fn resolve(id: &str, viewer: &User) -> String {
    if id == "me" { viewer.id.clone() } else { id.to_string() }
}

#[derive(Deserialize)]
pub struct Login {
    #[serde(default)]
    login_id: String,
    #[serde(default)]
    password: String,
}

pub async fn login(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let login: Login = parse_json(&body, "login_id")?;
    if login.login_id.is_empty() {
        return Err(ApiError::invalid_body("login_id"));
    }
    let mut store = state.lock();
    let needle = login.login_id.to_lowercase();
    let user = store
        .users
        .values()
        .find(|u| u.delete_at == 0 && (u.username == needle || u.email.to_lowercase() == needle))
        .filter(|u| u.password.as_deref() == Some(login.password.as_str()))
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "api.user.login.invalid_credentials_email_username",
                "Enter a valid email or username and/or password.",
            )
        })?;
    let token = store.new_id();
    store.tokens.insert(token.clone(), user.id.clone());
    let body = store.user_json(&user, &user);
    Ok(([("token", token)], Json(body)).into_response())
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    authenticate(&state, &headers)?;
    if let Some(token) = crate::auth::token_of(&headers) {
        state.lock().tokens.remove(&token);
    }
    Ok(status_ok())
}

pub async fn get_user(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let user = store.users.get(&resolve(&id, &viewer)).ok_or_else(user_not_found)?;
    Ok(Json(store.user_json(user, &viewer)).into_response())
}

pub async fn by_email(State(state): State<AppState>, headers: HeaderMap, Path(email): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let email = email.to_lowercase();
    let user = store.users.values().find(|u| u.email.to_lowercase() == email).ok_or_else(user_not_found)?;
    Ok(Json(store.user_json(user, &viewer)).into_response())
}

pub async fn by_username(State(state): State<AppState>, headers: HeaderMap, Path(name): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let user = store.user_by_name(&name.to_lowercase()).ok_or_else(user_not_found)?;
    Ok(Json(store.user_json(user, &viewer)).into_response())
}

pub async fn by_ids(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let ids: Vec<String> = parse_json(&body, "user_ids")?;
    let store = state.lock();
    let users: Vec<Value> =
        ids.iter().filter_map(|id| store.users.get(id)).map(|u| store.user_json(u, &viewer)).collect();
    Ok(Json(users).into_response())
}

pub async fn by_usernames(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let names: Vec<String> = parse_json(&body, "usernames")?;
    let store = state.lock();
    let users: Vec<Value> =
        names.iter().filter_map(|n| store.user_by_name(n)).map(|u| store.user_json(u, &viewer)).collect();
    Ok(Json(users).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    in_team: Option<String>,
    not_in_team: Option<String>,
    in_channel: Option<String>,
    not_in_channel: Option<String>,
    active: Option<bool>,
    inactive: Option<bool>,
    role: Option<String>,
    since: Option<i64>,
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap, Q(q): Q<ListQuery>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let team_members = |tid: &str| store.teams.get(tid).map(|t| t.members.clone()).unwrap_or_default();
    let channel_members = |cid: &str| store.channels.get(cid).map(|c| c.members.clone()).unwrap_or_default();
    let in_team = q.in_team.as_deref().map(team_members);
    let not_in_team = q.not_in_team.as_deref().map(team_members);
    let in_channel = q.in_channel.as_deref().map(channel_members);
    let not_in_channel = q.not_in_channel.as_deref().map(channel_members);
    let mut users: Vec<&User> = store
        .users
        .values()
        .filter(|u| in_team.as_ref().is_none_or(|m| m.contains(&u.id)))
        .filter(|u| not_in_team.as_ref().is_none_or(|m| !m.contains(&u.id)))
        .filter(|u| in_channel.as_ref().is_none_or(|m| m.contains(&u.id)))
        .filter(|u| not_in_channel.as_ref().is_none_or(|m| !m.contains(&u.id)))
        .filter(|u| q.active != Some(true) || u.delete_at == 0)
        .filter(|u| q.inactive != Some(true) || u.delete_at > 0)
        .filter(|u| q.role.as_deref().is_none_or(|r| u.roles.split(' ').any(|x| x == r)))
        .filter(|u| q.since.is_none_or(|s| u.update_at > s))
        .collect();
    users.sort_by(|a, b| a.username.cmp(&b.username));
    let (skip, take) = page_bounds(q.page, q.per_page);
    let page: Vec<Value> = users.into_iter().skip(skip).take(take).map(|u| store.user_json(u, &viewer)).collect();
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
pub struct NewUser {
    #[serde(default)]
    email: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    locale: Option<String>,
}

fn valid_username(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
}

pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let new: NewUser = parse_json(&body, "user")?;
    if !valid_username(&new.username) {
        return Err(ApiError::bad_request("model.user.is_valid.username.app_error", "Invalid username."));
    }
    if !new.email.contains('@') {
        return Err(ApiError::bad_request("model.user.is_valid.email.app_error", "Invalid email."));
    }
    let mut store = state.lock();
    if store.user_by_name(&new.username).is_some() {
        return Err(ApiError::bad_request(
            "app.user.save.username_exists.app_error",
            "An account with that username already exists.",
        ));
    }
    if store.users.values().any(|u| u.email.eq_ignore_ascii_case(&new.email)) {
        return Err(ApiError::bad_request(
            "app.user.save.email_exists.app_error",
            "An account with that email already exists.",
        ));
    }
    let now = store.now_ms();
    let mut user = new_user(
        &mut store,
        &new.username,
        &new.first_name,
        &new.last_name,
        &new.email.to_lowercase(),
        "system_user",
        now,
    );
    user.nickname = new.nickname;
    user.email_verified = false;
    user.password = new.password;
    if let Some(l) = new.locale {
        user.locale = l;
    }
    store.users.insert(user.id.clone(), user.clone());
    Ok((StatusCode::CREATED, Json(store.user_json(&user, &viewer))).into_response())
}

pub async fn user_teams(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let uid = resolve(&id, &viewer);
    if uid != viewer.id && !viewer.is_admin() {
        return Err(ApiError::forbidden());
    }
    let store = state.lock();
    let teams: Vec<Value> =
        store.teams.values().filter(|t| t.delete_at == 0 && t.members.contains(&uid)).map(|t| json!(t)).collect();
    Ok(Json(teams).into_response())
}

#[derive(Deserialize)]
pub struct Paging {
    page: Option<usize>,
    per_page: Option<usize>,
    #[serde(default)]
    include_deleted: bool,
}

pub async fn bots(State(state): State<AppState>, headers: HeaderMap, Q(q): Q<Paging>) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let (skip, take) = page_bounds(q.page, q.per_page);
    let bots: Vec<Value> = store
        .users
        .values()
        .filter(|u| u.is_bot && (q.include_deleted || u.delete_at == 0))
        .skip(skip)
        .take(take)
        .map(|u| store.bot_json(u))
        .collect();
    Ok(Json(bots).into_response())
}

pub async fn bot(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authenticate(&state, &headers)?;
    let store = state.lock();
    let bot = store
        .users
        .get(&id)
        .filter(|u| u.is_bot)
        .ok_or_else(|| ApiError::not_found("store.sql_bot.get.missing.app_error", "Bot does not exist."))?;
    Ok(Json(store.bot_json(bot)).into_response())
}

#[derive(Deserialize)]
pub struct UserPatch {
    email: Option<String>,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    nickname: Option<String>,
    locale: Option<String>,
    position: Option<String>,
}

pub async fn patch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let patch: UserPatch = parse_json(&body, "user")?;
    let uid = resolve(&id, &viewer);
    if uid != viewer.id && !viewer.is_admin() {
        return Err(ApiError::forbidden());
    }
    let mut store = state.lock();
    if !store.users.contains_key(&uid) {
        return Err(user_not_found());
    }
    if let Some(name) = &patch.username {
        if !valid_username(name) {
            return Err(ApiError::bad_request("model.user.is_valid.username.app_error", "Invalid username."));
        }
        if store.user_by_name(name).is_some_and(|u| u.id != uid) {
            return Err(ApiError::bad_request(
                "app.user.save.username_exists.app_error",
                "An account with that username already exists.",
            ));
        }
    }
    if let Some(email) = &patch.email {
        if !email.contains('@') {
            return Err(ApiError::bad_request("model.user.is_valid.email.app_error", "Invalid email."));
        }
        if store.users.values().any(|u| u.id != uid && u.email.eq_ignore_ascii_case(email)) {
            return Err(ApiError::bad_request(
                "app.user.save.email_exists.app_error",
                "An account with that email already exists.",
            ));
        }
    }
    let now = store.now_ms();
    let user = store.users.get_mut(&uid).ok_or_else(user_not_found)?;
    let fields = [
        (patch.username, &mut user.username),
        (patch.email.map(|e| e.to_lowercase()), &mut user.email),
        (patch.first_name, &mut user.first_name),
        (patch.last_name, &mut user.last_name),
        (patch.nickname, &mut user.nickname),
        (patch.locale, &mut user.locale),
        (patch.position, &mut user.position),
    ];
    for (new, field) in fields {
        if let Some(v) = new {
            *field = v;
        }
    }
    user.update_at = now;
    let user = user.clone();
    Ok(Json(store.user_json(&user, &viewer)).into_response())
}

fn set_active(state: &AppState, viewer: &User, uid: &str, active: bool) -> ApiResult {
    if !viewer.is_admin() && viewer.id != uid {
        return Err(ApiError::forbidden());
    }
    let mut store = state.lock();
    let now = store.now_ms();
    let user = store.users.get_mut(uid).ok_or_else(user_not_found)?;
    user.delete_at = if active { 0 } else { now };
    user.update_at = now;
    if !active {
        store.tokens.retain(|_, owner| owner != uid);
    }
    Ok(status_ok())
}

#[derive(Deserialize)]
pub struct Active {
    active: bool,
}

pub async fn active(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let a: Active = parse_json(&body, "active")?;
    set_active(&state, &viewer, &resolve(&id, &viewer), a.active)
}

/// `DELETE /users/{id}`: deactivation (the account stays, with `delete_at` set; sessions end).
pub async fn deactivate(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    set_active(&state, &viewer, &resolve(&id, &viewer), false)
}

/// `GET /api/v4/system/ping`, unauthenticated.
pub async fn ping() -> Response {
    Json(json!({"status": "OK", "AndroidLatestVersion": "", "AndroidMinVersion": "", "IosLatestVersion": "", "IosMinVersion": ""}))
        .into_response()
}
