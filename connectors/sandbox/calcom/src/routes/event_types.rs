//! `/v2/event-types*` (cal-api-version 2024-06-14): list (public with `username`), get, create,
//! update (known output fields merged), delete.

use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
};
use serde_json::{Value, json};

use crate::auth::{self, ApiError};
use crate::seed::event_type;
use crate::state::{Ctx, USERNAME};

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

/// Input fields that are not copied as-is onto the output object.
const DERIVED: &[&str] = &["id", "ownerId", "users", "bookingUrl", "confirmationPolicy", "seats"];

fn parse_id(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| ApiError::bad_request("Validation failed (numeric string is expected)"))
}

fn not_found(id: u64) -> ApiError {
    ApiError::not_found(format!("Event type with id={id} not found"))
}

pub async fn list(State(ctx): State<Ctx>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Answer {
    let public = q.contains_key("username") || q.contains_key("usernames");
    if !public || headers.contains_key("authorization") {
        auth::check(&ctx, &headers)?;
    }
    let owner_ok = q.get("username").is_none_or(|u| u == USERNAME)
        && q.get("usernames").is_none_or(|us| us.split(',').any(|u| u.trim() == USERNAME));
    let st = ctx.lock();
    let mut data: Vec<Value> = st
        .event_types
        .iter()
        .filter(|_| owner_ok)
        .filter(|e| q.get("eventSlug").is_none_or(|s| e["slug"] == s.as_str()))
        .cloned()
        .collect();
    if q.get("sortCreatedAt").map(String::as_str) == Some("desc") {
        data.reverse();
    }
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": data}))))
}

pub async fn get(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    let id = parse_id(&id)?;
    let st = ctx.lock();
    let et = st.event_type(id).cloned().ok_or_else(|| not_found(id))?;
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": et}))))
}

fn apply(et: &mut Value, body: &Value) {
    let Value::Object(input) = body else { return };
    for (k, v) in input {
        if !DERIVED.contains(&k.as_str()) {
            et[k.as_str()] = v.clone();
        }
    }
    if let Some(policy) = input.get("confirmationPolicy") {
        match policy.get("disabled").and_then(Value::as_bool) {
            Some(true) => {
                et.as_object_mut().map(|m| m.remove("confirmationPolicy"));
            }
            _ => et["confirmationPolicy"] = policy.clone(),
        }
    }
    if let Some(seats) = input.get("seats") {
        if seats.get("disabled").and_then(Value::as_bool) == Some(true) {
            et.as_object_mut().map(|m| m.remove("seats"));
            et["seatsPerTimeSlot"] = Value::Null;
        } else {
            et["seats"] = seats.clone();
        }
    }
    if let Some(slug) = input.get("slug").and_then(Value::as_str) {
        et["bookingUrl"] = json!(format!("{}/{USERNAME}/{slug}", crate::state::BOOKER_URL));
    }
}

pub async fn create(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let body = auth::json_body(&body)?;
    let length =
        body["lengthInMinutes"].as_u64().ok_or_else(|| ApiError::bad_request("lengthInMinutes must be a number"))?;
    let title = body["title"].as_str().ok_or_else(|| ApiError::bad_request("title must be a string"))?;
    let slug = body["slug"].as_str().ok_or_else(|| ApiError::bad_request("slug must be a string"))?;
    let mut st = ctx.lock();
    if st.event_types.iter().any(|e| e["slug"] == slug) {
        return Err(ApiError::bad_request(format!(
            "User with id={} already has event type with slug={slug}",
            crate::state::USER_ID
        )));
    }
    let id = st.id();
    let description = body["description"].as_str().unwrap_or("");
    let mut et = event_type(id, title, slug, description, length, &[], false, None, 1);
    apply(&mut et, &body);
    st.event_types.push(et.clone());
    Ok((StatusCode::CREATED, Json(json!({"status": "success", "data": et}))))
}

pub async fn update(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let id = parse_id(&id)?;
    let body = auth::json_body(&body)?;
    let mut st = ctx.lock();
    let et = st.event_types.iter_mut().find(|e| e["id"].as_u64() == Some(id)).ok_or_else(|| not_found(id))?;
    apply(et, &body);
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": et.clone()}))))
}

pub async fn delete(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    let id = parse_id(&id)?;
    let mut st = ctx.lock();
    let pos = st.event_types.iter().position(|e| e["id"].as_u64() == Some(id)).ok_or_else(|| not_found(id))?;
    let et = st.event_types.remove(pos);
    st.webhooks.retain(|w| w.event_type_id != Some(id));
    let data =
        json!({"id": et["id"], "lengthInMinutes": et["lengthInMinutes"], "title": et["title"], "slug": et["slug"]});
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": data}))))
}
