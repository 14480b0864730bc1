//! The admin API of outbound webhooks: endpoints (create with a secret shown once, list, update,
//! disable, enable, delete, rotate the secret), the attempt log, messages and replays.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use crate::{
    error::ApiError,
    store::{EndpointPatch, EndpointRow},
    webhooks::{
        catalogue,
        endpoints::{self, EndpointView},
        replay,
    },
};

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

async fn endpoint(state: &AppState, id: Uuid) -> Result<EndpointRow, ApiError> {
    state.store.get_endpoint(id).await?.ok_or_else(|| ApiError::not_found(format!("no webhook endpoint {id}")))
}

fn not_from_config(row: &EndpointRow, what: &str) -> Result<(), ApiError> {
    match &row.name {
        Some(name) if row.origin == "config" => Err(ApiError::conflict(format!(
            "endpoint {} is declared in the configuration ([webhooks.endpoints.{name}]): {what} it there",
            row.id
        ))),
        _ => Ok(()),
    }
}

#[utoipa::path(get, path = "/api/v1/webhook-event-types", responses((status = 200, description = "every event type and its meaning")), security(("bearer" = [])))]
pub async fn event_types() -> Json<Value> {
    let types: Vec<Value> = catalogue::EVENT_TYPES.iter().map(|(t, d)| json!({"type": t, "description": d})).collect();
    Json(json!({ "event_types": types }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    pub url: String,
    /// Types (`member.created`), families (`member.*`) or `*`; empty or absent: every event.
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints", request_body = CreateEndpoint, responses((status = 201, description = "the endpoint and its `whsec_` secret, shown this once"), (status = 400)), security(("bearer" = [])))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: CreateEndpoint = parse(&body)?;
    let created =
        endpoints::create(&state.store, &state.webhook_policy, &req.url, &req.event_types, &req.description).await?;
    let (row, secret) = created.map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut out = json!(EndpointView::from(&row));
    out["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints", responses((status = 200, body = [EndpointView])), security(("bearer" = [])))]
pub async fn list_endpoints(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let rows = state.store.list_endpoints().await?;
    let views: Vec<EndpointView> = rows.iter().map(EndpointView::from).collect();
    Ok(Json(json!({ "endpoints": views })))
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}", responses((status = 200, description = "the endpoint and its delivery counts"), (status = 404)), security(("bearer" = [])))]
pub async fn get_endpoint(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<Value>, ApiError> {
    let row = endpoint(&state, id).await?;
    let failed = state.store.list_deliveries(None, Some(id), Some("failed"), 100).await?;
    Ok(Json(json!({ "endpoint": EndpointView::from(&row), "failed_deliveries": failed })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEndpoint {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/webhook-endpoints/{id}", request_body = UpdateEndpoint, responses((status = 200, body = EndpointView), (status = 400), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update_endpoint(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Json<EndpointView>, ApiError> {
    let req: UpdateEndpoint = parse(&body)?;
    let row = endpoint(&state, id).await?;
    not_from_config(&row, "change")?;
    let url = req.url.as_deref().unwrap_or(&row.url);
    let types = req.event_types.as_deref().unwrap_or(&row.event_types.0);
    endpoints::validate(&state.webhook_policy, url, types).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let patch = EndpointPatch {
        url: req.url.as_deref(),
        description: req.description.as_deref(),
        event_types: req.event_types.as_deref(),
    };
    state.store.update_endpoint(id, &patch).await?;
    Ok(Json(EndpointView::from(&endpoint(&state, id).await?)))
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/disable", responses((status = 200, body = EndpointView), (status = 404)), security(("bearer" = [])))]
pub async fn disable_endpoint(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<EndpointView>, ApiError> {
    endpoint(&state, id).await?;
    state.store.set_endpoint_enabled(id, false, Some("disabled through the admin API")).await?;
    Ok(Json(EndpointView::from(&endpoint(&state, id).await?)))
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/enable", responses((status = 200, body = EndpointView), (status = 404)), security(("bearer" = [])))]
pub async fn enable_endpoint(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<EndpointView>, ApiError> {
    endpoint(&state, id).await?;
    state.store.set_endpoint_enabled(id, true, None).await?;
    Ok(Json(EndpointView::from(&endpoint(&state, id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{id}", responses((status = 204), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn delete_endpoint(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<StatusCode, ApiError> {
    let row = endpoint(&state, id).await?;
    not_from_config(&row, "remove")?;
    state.store.delete_endpoint(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/rotate-secret", responses((status = 200, description = "the new secret, shown this once; the old one keeps signing during the overlap"), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn rotate_secret(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<Value>, ApiError> {
    let row = endpoint(&state, id).await?;
    not_from_config(&row, "rotate its secret")?;
    let secret = endpoints::rotate(&state.store, id, state.rotation_overlap_secs)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no webhook endpoint {id}")))?;
    let view = EndpointView::from(&endpoint(&state, id).await?);
    Ok(Json(json!({ "endpoint": view, "secret": secret })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AttemptsQuery {
    /// at most this many attempts, newest first (default 100, max 1000)
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}/attempts", params(AttemptsQuery), responses((status = 200, description = "every attempt: status, latency, response excerpt, error"), (status = 404)), security(("bearer" = [])))]
pub async fn endpoint_attempts(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(q): Query<AttemptsQuery>,
) -> Result<Json<Value>, ApiError> {
    endpoint(&state, id).await?;
    let attempts = state.store.list_attempts(Some(id), None, q.limit.unwrap_or(100).clamp(1, 1000)).await?;
    Ok(Json(json!({ "attempts": attempts })))
}

#[utoipa::path(get, path = "/api/v1/webhook-messages/{id}", responses((status = 200, description = "the message, its deliveries and attempts"), (status = 404)), security(("bearer" = [])))]
pub async fn get_message(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let m = state.store.get_message(&id).await?.ok_or_else(|| ApiError::not_found(format!("no message {id}")))?;
    let deliveries = state.store.list_deliveries(Some(m.outbox_seq), None, None, 1000).await?;
    let attempts = state.store.list_attempts(None, Some(&id), 1000).await?;
    let body: Value = serde_json::from_str(&m.body).unwrap_or(Value::Null);
    Ok(Json(json!({
        "id": m.id, "type": m.event_type, "created_at": m.created_at, "payload": body,
        "deliveries": deliveries, "attempts": attempts,
    })))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayTarget {
    /// Only this endpoint (default: every enabled endpoint subscribed to the message's type).
    pub endpoint_id: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/webhook-messages/{id}/replay", request_body = ReplayTarget, responses((status = 202, body = replay::ReplayReport), (status = 404)), security(("bearer" = [])))]
pub async fn replay_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<replay::ReplayReport>), ApiError> {
    let target: ReplayTarget = if body.is_empty() { ReplayTarget::default() } else { parse(&body)? };
    let report = replay::replay_message(&state.store, &id, target.endpoint_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no message {id}, or no such endpoint")))?;
    Ok((StatusCode::ACCEPTED, Json(report)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaySince {
    /// RFC 3339 instant: every message created since then is sent again.
    pub since: DateTime<Utc>,
    pub endpoint_id: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/webhook-replays", request_body = ReplaySince, responses((status = 202, body = replay::ReplayReport), (status = 400), (status = 404)), security(("bearer" = [])))]
pub async fn replay_since(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<replay::ReplayReport>), ApiError> {
    let req: ReplaySince = parse(&body)?;
    let report = replay::replay_since(&state.store, req.since, req.endpoint_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such endpoint"))?;
    Ok((StatusCode::ACCEPTED, Json(report)))
}
