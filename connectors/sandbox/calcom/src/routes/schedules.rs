//! `/v2/schedules*` (cal-api-version 2024-06-11): the organizer's availability schedules, read-only
//! (list, default, by id). Not in the trimmed spec: shape from examples/api.GET_v2_schedules.response.CONSTRUCTED.json.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use serde_json::{Value, json};

use crate::auth::{self, ApiError};
use crate::state::Ctx;

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

pub async fn list(State(ctx): State<Ctx>, headers: HeaderMap) -> Answer {
    auth::check(&ctx, &headers)?;
    let data = ctx.lock().schedules.clone();
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": data, "error": {}}))))
}

pub async fn default(State(ctx): State<Ctx>, headers: HeaderMap) -> Answer {
    auth::check(&ctx, &headers)?;
    let data = ctx.lock().schedules.iter().find(|s| s["isDefault"] == true).cloned().unwrap_or(Value::Null);
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": data}))))
}

pub async fn get(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    let id: u64 = id.parse().map_err(|_| ApiError::bad_request("Validation failed (numeric string is expected)"))?;
    let st = ctx.lock();
    let s = st.schedules.iter().find(|s| s["id"].as_u64() == Some(id)).cloned();
    let s = s.ok_or_else(|| ApiError::not_found(format!("Schedule with id={id} not found")))?;
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": s}))))
}
