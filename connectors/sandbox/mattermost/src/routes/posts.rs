//! Posts: create (with `root_id` thread replies, `props`, `file_ids`, `metadata.priority`), get,
//! full update (`PUT /posts/{id}`), patch, soft delete (replies go with their root), a thread,
//! and a channel's posts (`page`/`per_page`, `since`, `before`, `after`) as a `PostList`.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Q, parse_json, status_ok, teams::can_read};
use crate::{
    auth::{ApiError, ApiResult, authenticate, page_bounds},
    seed::new_post,
    state::{AppState, Post, Store, User, hashtags},
    webhooks,
};

const MAX_MESSAGE: usize = 16383;

fn post_not_found() -> ApiError {
    ApiError::not_found("app.post.get.app_error", "Unable to get the post.")
}

#[derive(Deserialize, Default)]
pub struct NewPost {
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub root_id: String,
    #[serde(default)]
    pub file_ids: Vec<String>,
    #[serde(default)]
    pub props: Map<String, Value>,
    #[serde(default)]
    pub metadata: Map<String, Value>,
    #[serde(default)]
    pub pending_post_id: String,
}

/// Creates a post as `author` (the API, incoming webhooks and `/_sandbox/posts` all come here).
pub fn insert_post(store: &mut Store, author: &User, new: NewPost) -> ApiResult<Post> {
    let channel = store.channels.get(&new.channel_id).ok_or_else(ApiError::forbidden)?;
    if !can_read(store, author, channel) {
        return Err(ApiError::forbidden());
    }
    if channel.delete_at > 0 {
        return Err(ApiError::bad_request(
            "api.post.create_post.can_not_post_to_deleted.error",
            "Can not post to deleted channel.",
        ));
    }
    if new.message.chars().count() > MAX_MESSAGE {
        return Err(ApiError::bad_request(
            "model.post.is_valid.message_length.app_error",
            "Message property length is greater than the allowed limit.",
        ));
    }
    if new.file_ids.len() > 5 {
        return Err(ApiError::bad_request("model.post.is_valid.file_ids.app_error", "Invalid file ids."));
    }
    if !new.root_id.is_empty() {
        let root = store.posts.get(&new.root_id).filter(|p| p.delete_at == 0);
        if root.is_none_or(|r| r.channel_id != new.channel_id || !r.root_id.is_empty()) {
            return Err(ApiError::bad_request("api.post.create_post.root_id.app_error", "Invalid RootId parameter."));
        }
    }
    let now = store.now_ms();
    let mut post = new_post(store, &new.channel_id, &author.id, &new.message, &new.root_id, now);
    post.file_ids = new.file_ids;
    post.props = new.props;
    post.pending_post_id = new.pending_post_id;
    if let Some(priority) = new.metadata.get("priority") {
        post.metadata.insert("priority".into(), priority.clone());
    }
    store.posts.insert(post.id.clone(), post.clone());
    Ok(post)
}

pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let author = authenticate(&state, &headers)?;
    let new: NewPost = parse_json(&body, "post")?;
    if new.channel_id.is_empty() {
        return Err(ApiError::invalid_body("channel_id"));
    }
    let (json, deliveries) = {
        let mut store = state.lock();
        let post = insert_post(&mut store, &author, new)?;
        (store.post_json(&post), webhooks::outgoing_for(&store, &post))
    };
    webhooks::deliver(&state, deliveries);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

fn readable_post(store: &Store, viewer: &User, id: &str) -> ApiResult<Post> {
    let post = store.posts.get(id).filter(|p| p.delete_at == 0).ok_or_else(post_not_found)?;
    let channel = store.channels.get(&post.channel_id).ok_or_else(post_not_found)?;
    if !can_read(store, viewer, channel) {
        return Err(ApiError::forbidden());
    }
    Ok(post.clone())
}

pub async fn get(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let post = readable_post(&store, &viewer, &id)?;
    Ok(Json(store.post_json(&post)).into_response())
}

#[derive(Deserialize)]
pub struct Change {
    id: Option<String>,
    message: Option<String>,
    is_pinned: Option<bool>,
    props: Option<Value>,
    file_ids: Option<Vec<String>>,
}

fn apply(state: &AppState, headers: &HeaderMap, id: &str, change: Change, full: bool) -> ApiResult {
    let viewer = authenticate(state, headers)?;
    let mut store = state.lock();
    let old = readable_post(&store, &viewer, id)?;
    if old.user_id != viewer.id && !viewer.is_admin() {
        return Err(ApiError::forbidden());
    }
    let now = store.now_ms();
    let post = store.posts.get_mut(id).ok_or_else(post_not_found)?;
    let message = if full { Some(change.message.unwrap_or_default()) } else { change.message };
    if let Some(m) = message.filter(|m| *m != post.message) {
        if m.chars().count() > MAX_MESSAGE {
            return Err(ApiError::bad_request(
                "model.post.is_valid.message_length.app_error",
                "Message property length is greater than the allowed limit.",
            ));
        }
        post.hashtags = hashtags(&m);
        post.message = m;
        post.edit_at = now;
    }
    match change.props {
        Some(Value::Object(props)) => post.props = props,
        _ if full => post.props = Map::new(),
        _ => {}
    }
    if let Some(p) = change.is_pinned.or(full.then_some(false)) {
        post.is_pinned = p;
    }
    if let Some(f) = change.file_ids {
        post.file_ids = f;
    }
    post.update_at = now;
    let post = post.clone();
    Ok(Json(store.post_json(&post)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authenticate(&state, &headers)?;
    let change: Change = parse_json(&body, "post")?;
    if change.id.as_deref() != Some(id.as_str()) {
        return Err(ApiError::invalid_body("id"));
    }
    apply(&state, &headers, &id, change, true)
}

pub async fn patch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authenticate(&state, &headers)?;
    let change: Change = parse_json(&body, "patch")?;
    apply(&state, &headers, &id, change, false)
}

pub async fn delete(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let mut store = state.lock();
    let old = readable_post(&store, &viewer, &id)?;
    if old.user_id != viewer.id && !viewer.is_admin() {
        return Err(ApiError::forbidden());
    }
    let now = store.now_ms();
    for p in store.posts.values_mut().filter(|p| p.id == id || p.root_id == id) {
        p.delete_at = now;
        p.update_at = now;
    }
    Ok(status_ok())
}

/// A `PostList` of `ids` (order as given), with the roots of replies added to `posts`.
fn post_list(store: &Store, ids: &[String], next: &str, prev: &str, has_next: bool) -> Value {
    let mut posts = Map::new();
    for id in ids {
        if let Some(p) = store.posts.get(id) {
            posts.insert(p.id.clone(), store.post_json(p));
            if let Some(root) = store.posts.get(&p.root_id).filter(|r| r.delete_at == 0) {
                posts.entry(root.id.clone()).or_insert_with(|| store.post_json(root));
            }
        }
    }
    json!({"order": ids, "posts": posts, "next_post_id": next, "prev_post_id": prev, "has_next": has_next})
}

pub async fn thread(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let post = readable_post(&store, &viewer, &id)?;
    let root = if post.root_id.is_empty() { post.id } else { post.root_id };
    let mut ids: Vec<String> = store.thread(&root).iter().map(|p| p.id.clone()).collect();
    ids.reverse();
    Ok(Json(post_list(&store, &ids, "", "", false)).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    since: Option<i64>,
    before: Option<String>,
    after: Option<String>,
}

pub async fn for_channel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(channel_id): Path<String>,
    Q(q): Q<ListQuery>,
) -> ApiResult {
    let viewer = authenticate(&state, &headers)?;
    let store = state.lock();
    let channel = store.channels.get(&channel_id).ok_or_else(ApiError::forbidden)?;
    if !can_read(&store, &viewer, channel) {
        return Err(ApiError::forbidden());
    }
    let mut all: Vec<&Post> = store.posts.values().filter(|p| p.channel_id == channel_id).collect();
    all.sort_by(|a, b| (b.create_at, &b.id).cmp(&(a.create_at, &a.id)));
    if let Some(since) = q.since.filter(|s| *s > 0) {
        let ids: Vec<String> = all.iter().filter(|p| p.update_at > since).map(|p| p.id.clone()).collect();
        return Ok(Json(post_list(&store, &ids, "", "", false)).into_response());
    }
    let live: Vec<&Post> = all.into_iter().filter(|p| p.delete_at == 0).collect();
    let (skip, take) = page_bounds(q.page, q.per_page);
    let anchor = |id: &str| live.iter().position(|p| p.id == id);
    // `live` is newest first; `window` is a range of it.
    let window = if let Some(before) = q.before.as_deref().filter(|s| !s.is_empty()) {
        let start = anchor(before).map(|i| i + 1).unwrap_or(live.len()) + skip;
        start.min(live.len())..(start + take).min(live.len())
    } else if let Some(after) = q.after.as_deref().filter(|s| !s.is_empty()) {
        let end = anchor(after).unwrap_or(0).saturating_sub(skip);
        end.saturating_sub(take)..end
    } else {
        skip.min(live.len())..(skip + take).min(live.len())
    };
    let ids: Vec<String> = live[window.clone()].iter().map(|p| p.id.clone()).collect();
    let next = window.start.checked_sub(1).map(|i| live[i].id.clone()).unwrap_or_default();
    let prev = live.get(window.end).map(|p| p.id.clone()).unwrap_or_default();
    let has_next =
        if q.after.as_deref().is_some_and(|s| !s.is_empty()) { window.start > 0 } else { window.end < live.len() };
    Ok(Json(post_list(&store, &ids, &next, &prev, has_next)).into_response())
}
