//! Admin routes of connector targets: push counts, the pushes of one target, retrying failed ones.

use axum::{
    Json,
    extract::{Path, Query, State},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use crate::error::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PushQuery {
    /// pending, done, skipped or failed
    pub status: Option<String>,
    /// at most this many rows (default 100, max 1000)
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/targets", responses((status = 200, description = "every target instance with what it writes and its pushes by status")), security(("bearer" = [])))]
pub async fn list_targets(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let counts = state.store.push_counts().await?;
    let targets: Vec<Value> = state
        .registry
        .instances()
        .filter(|i| !i.writes.is_empty())
        .map(|i| {
            let by_status: serde_json::Map<String, Value> = counts
                .iter()
                .filter(|(t, _, _)| *t == i.name)
                .map(|(_, status, n)| (status.clone(), json!(n)))
                .collect();
            json!({"name": i.name, "kind": i.kind, "enabled": i.enabled, "writes": i.writes, "pushes": by_status})
        })
        .collect();
    Ok(Json(json!({ "targets": targets })))
}

fn known_target(state: &AppState, name: &str) -> Result<(), ApiError> {
    match state.registry.get(name) {
        Some(i) if !i.writes.is_empty() => Ok(()),
        Some(_) => Err(ApiError::not_found(format!("connector `{name}` writes nothing (no `writes` list)"))),
        None => Err(ApiError::not_found(format!("no connector `{name}`"))),
    }
}

#[utoipa::path(get, path = "/api/v1/targets/{name}/pushes", params(PushQuery), responses((status = 200, description = "the target's pushes, newest first"), (status = 404)), security(("bearer" = [])))]
pub async fn list_pushes(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PushQuery>,
) -> Result<Json<Value>, ApiError> {
    known_target(&state, &name)?;
    if let Some(s) = q.status.as_deref()
        && !["pending", "done", "skipped", "failed"].contains(&s)
    {
        return Err(ApiError::bad_request(format!("unknown status `{s}`: expected pending, done, skipped or failed")));
    }
    let pushes =
        state.store.list_pushes(Some(&name), q.status.as_deref(), q.limit.unwrap_or(100).clamp(1, 1000)).await?;
    Ok(Json(json!({ "pushes": pushes })))
}

#[utoipa::path(post, path = "/api/v1/targets/{name}/retry", responses((status = 200, description = "failed pushes set back to pending"), (status = 404)), security(("bearer" = [])))]
pub async fn retry_failed(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    known_target(&state, &name)?;
    let n = state.store.retry_failed_pushes(&name).await?;
    Ok(Json(json!({ "retried": n })))
}
