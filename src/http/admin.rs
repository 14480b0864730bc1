//! The admin API under `/api/v1` (bearer token): jobs, dead letters and their retry, entities with
//! their external links and audit trail, connector status, check and sync trigger.

use axum::{
    Json,
    extract::{Path, Query, Request, State},
    http::header,
    middleware::Next,
    response::Response,
};
use hub_connector_sdk::EntityKind;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use crate::{error::ApiError, queue::JobSpec};

/// Refuses every request without `Authorization: Bearer <admin.token>`.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    let Some(expected) = state.admin_token.as_ref() else {
        return Err(ApiError::unauthorized("the admin API is disabled: set admin.token (HUB_ADMIN__TOKEN)"));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::unauthorized("missing `Authorization: Bearer <admin token>`"))?;
    if !constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
        return Err(ApiError::unauthorized("wrong admin token"));
    }
    Ok(next.run(req).await)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// pending, running, done or dead
    pub status: Option<String>,
    /// at most this many rows (default 100, max 1000)
    pub limit: Option<i64>,
}

fn limit(q: Option<i64>) -> i64 {
    q.unwrap_or(100).clamp(1, 1000)
}

#[utoipa::path(get, path = "/api/v1/jobs", params(ListQuery), responses((status = 200, description = "jobs, newest first")), security(("bearer" = [])))]
pub async fn list_jobs(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<Value>, ApiError> {
    if let Some(s) = q.status.as_deref()
        && !["pending", "running", "done", "dead"].contains(&s)
    {
        return Err(ApiError::bad_request(format!("unknown status `{s}`: expected pending, running, done or dead")));
    }
    let jobs = state.store.list_jobs(q.status.as_deref(), limit(q.limit)).await?;
    Ok(Json(json!({ "jobs": jobs })))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", responses((status = 200), (status = 404)), security(("bearer" = [])))]
pub async fn get_job(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<Value>, ApiError> {
    let job = state.store.get_job(id).await?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
    Ok(Json(json!(job)))
}

#[utoipa::path(get, path = "/api/v1/dead-letters", responses((status = 200, description = "dead jobs with their last error")), security(("bearer" = [])))]
pub async fn dead_letters(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<Value>, ApiError> {
    let jobs = state.store.list_jobs(Some("dead"), limit(q.limit)).await?;
    Ok(Json(json!({ "dead_letters": jobs })))
}

#[utoipa::path(post, path = "/api/v1/dead-letters/{id}/retry", responses((status = 202), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn retry_dead(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let job = state.store.get_job(id).await?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
    if job.status != "dead" || !state.store.retry_dead_job(id).await? {
        return Err(ApiError::conflict(format!("job {id} is {}, not dead", job.status)));
    }
    state.queue.notify();
    Ok((axum::http::StatusCode::ACCEPTED, Json(json!({"status": "requeued", "id": id}))))
}

fn parse_kind(kind: &str) -> Result<EntityKind, ApiError> {
    EntityKind::parse(kind).ok_or_else(|| {
        let known: Vec<_> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
        ApiError::not_found(format!("unknown entity kind `{kind}`; known: {}", known.join(", ")))
    })
}

#[utoipa::path(get, path = "/api/v1/entities/{kind}", params(ListQuery), responses((status = 200), (status = 404)), security(("bearer" = [])))]
pub async fn list_entities(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let kind = parse_kind(&kind)?;
    let rows = state.store.list_entities(kind, limit(q.limit)).await?;
    let total = state.store.count_entities(kind).await?;
    Ok(Json(json!({ "kind": kind, "total": total, "entities": rows })))
}

#[utoipa::path(get, path = "/api/v1/entities/{kind}/{id}", responses((status = 200, description = "the entity, its external links and its audit trail"), (status = 404)), security(("bearer" = [])))]
pub async fn get_entity(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, Uuid)>,
) -> Result<Json<Value>, ApiError> {
    let kind = parse_kind(&kind)?;
    let row = state.store.get_entity(kind, id).await?.ok_or_else(|| ApiError::not_found(format!("no {kind} {id}")))?;
    let links = state.store.links_of(kind.as_str(), id).await?;
    let audit = state.store.audit_of(kind.as_str(), id).await?;
    Ok(Json(json!({ "kind": kind, "entity": row, "external_links": links, "audit": audit })))
}

#[utoipa::path(get, path = "/api/v1/connectors", responses((status = 200, description = "every connector instance, its streams and cursors")), security(("bearer" = [])))]
pub async fn list_connectors(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let mut out = Vec::new();
    for inst in state.registry.instances() {
        let mut streams = Vec::new();
        for s in inst.connector.streams() {
            let cursor = state.store.get_cursor(&inst.name, &s.name).await?;
            streams.push(json!({"name": s.name, "entity": s.entity, "sync_mode": s.sync_mode, "cursor": cursor}));
        }
        out.push(json!({
            "instance": inst.name, "kind": inst.kind, "enabled": inst.enabled,
            "receives_webhooks": inst.connector.webhook().is_some(), "streams": streams,
        }));
    }
    Ok(Json(json!({ "connectors": out })))
}

#[utoipa::path(get, path = "/api/v1/connectors/{instance}/check", responses((status = 200), (status = 404)), security(("bearer" = [])))]
pub async fn check_connector(
    State(state): State<AppState>,
    Path(instance): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let inst = state
        .registry
        .get(&instance)
        .ok_or_else(|| ApiError::not_found(format!("no connector instance `{instance}`")))?;
    let report = match inst.connector.check().await {
        Ok(r) => json!({"ok": r.ok, "detail": r.detail}),
        Err(e) => json!({"ok": false, "detail": e.to_string(), "class": e.class()}),
    };
    Ok(Json(json!({"instance": instance, "check": report})))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SyncRequest {
    /// one stream (default: every stream of the instance)
    pub stream: Option<String>,
    /// read from scratch instead of from the stored cursor
    #[serde(default)]
    pub full: bool,
}

#[utoipa::path(post, path = "/api/v1/connectors/{instance}/sync", request_body = SyncRequest, responses((status = 202), (status = 404)), security(("bearer" = [])))]
pub async fn trigger_sync(
    State(state): State<AppState>,
    Path(instance): Path<String>,
    body: Option<Json<SyncRequest>>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let inst = state
        .registry
        .get(&instance)
        .ok_or_else(|| ApiError::not_found(format!("no connector instance `{instance}`")))?;
    let streams: Vec<String> = inst.connector.streams().into_iter().map(|s| s.name).collect();
    let chosen = match req.stream {
        Some(s) if streams.contains(&s) => vec![s],
        Some(s) => {
            return Err(ApiError::not_found(format!(
                "instance `{instance}` has no stream `{s}`; streams: {}",
                streams.join(", ")
            )));
        }
        None => streams,
    };
    for stream in &chosen {
        state
            .queue
            .enqueue(&JobSpec::SyncStream { instance: instance.clone(), stream: stream.clone(), full: req.full }, None)
            .await?;
    }
    Ok((axum::http::StatusCode::ACCEPTED, Json(json!({"status": "enqueued", "streams": chosen}))))
}
