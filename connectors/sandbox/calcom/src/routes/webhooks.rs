//! Webhook subscriptions: user-level `/v2/webhooks*` and event-type-level
//! `/v2/event-types/{eventTypeId}/webhooks*` (no cal-api-version header). A subscription created
//! without `secret` gets the sandbox's `webhook_secret`.

use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
};
use serde_json::{Value, json};

use crate::auth::{self, ApiError};
use crate::state::{Ctx, Subscription, USER_ID};

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

/// `CreateWebhookInputDto.triggers.items.enum`.
pub const TRIGGERS: &[&str] = &[
    "BOOKING_CREATED",
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_PAID",
    "BOOKING_RESCHEDULED",
    "BOOKING_REQUESTED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
    "FORM_SUBMITTED",
    "MEETING_ENDED",
    "MEETING_STARTED",
    "RECORDING_READY",
    "INSTANT_MEETING",
    "RECORDING_TRANSCRIPTION_GENERATED",
    "OOO_CREATED",
    "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
    "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
    "FORM_SUBMITTED_NO_EVENT",
    "DELEGATION_CREDENTIAL_ERROR",
    "WRONG_ASSIGNMENT_REPORT",
];

fn render(w: &Subscription) -> Value {
    let mut v = json!({
        "payloadTemplate": w.payload_template.clone().unwrap_or_default(),
        "triggers": w.triggers,
        "id": w.id,
        "subscriberUrl": w.subscriber_url,
        "active": w.active,
        "secret": w.secret,
    });
    match w.event_type_id {
        Some(et) => v["eventTypeId"] = json!(et),
        None => v["userId"] = json!(USER_ID),
    }
    v
}

fn parse_id(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| ApiError::bad_request("Validation failed (numeric string is expected)"))
}

fn triggers(v: &Value) -> Result<Vec<String>, ApiError> {
    let items = v.as_array().ok_or_else(|| ApiError::bad_request("triggers must be an array"))?;
    items
        .iter()
        .map(|t| match t.as_str() {
            Some(s) if TRIGGERS.contains(&s) => Ok(s.to_string()),
            _ => Err(ApiError::bad_request(format!("each value in triggers must be one of: {}", TRIGGERS.join(", ")))),
        })
        .collect()
}

/// Applies the fields of a create/update body to `w`.
fn apply(w: &mut Subscription, body: &Value) -> Result<(), ApiError> {
    if let Some(url) = body.get("subscriberUrl") {
        let url = url.as_str().filter(|u| u.starts_with("http://") || u.starts_with("https://"));
        w.subscriber_url = url.ok_or_else(|| ApiError::bad_request("subscriberUrl must be a URL address"))?.to_string();
    }
    if let Some(t) = body.get("triggers") {
        w.triggers = triggers(t)?;
    }
    if let Some(a) = body.get("active") {
        w.active = a.as_bool().ok_or_else(|| ApiError::bad_request("active must be a boolean value"))?;
    }
    if let Some(s) = body.get("secret").and_then(Value::as_str) {
        w.secret = s.to_string();
    }
    if let Some(t) = body.get("payloadTemplate") {
        w.payload_template = t.as_str().map(str::to_string);
    }
    if let Some(v) = body.get("version").and_then(Value::as_str)
        && v != "2021-10-20"
    {
        return Err(ApiError::bad_request("version must be one of the following values: 2021-10-20"));
    }
    Ok(())
}

fn create_in(ctx: &Ctx, event_type_id: Option<u64>, body: &Value) -> Answer {
    for key in ["subscriberUrl", "triggers", "active"] {
        if body.get(key).is_none() {
            return Err(ApiError::bad_request(format!("{key} should not be empty")));
        }
    }
    let mut st = ctx.lock();
    if let Some(id) = event_type_id
        && st.event_type(id).is_none()
    {
        return Err(ApiError::not_found(format!("Event type with id={id} not found")));
    }
    let mut w = Subscription {
        id: 0,
        event_type_id,
        subscriber_url: String::new(),
        triggers: Vec::new(),
        active: true,
        secret: ctx.webhook_secret.clone(),
        payload_template: None,
    };
    apply(&mut w, body)?;
    if st.webhooks.iter().any(|x| x.event_type_id == event_type_id && x.subscriber_url == w.subscriber_url) {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            message: "Webhook with this subscriber url already exists".into(),
        });
    }
    w.id = st.id();
    st.webhooks.push(w.clone());
    Ok((StatusCode::CREATED, Json(json!({"status": "success", "data": render(&w)}))))
}

fn list_in(ctx: &Ctx, event_type_id: Option<u64>, q: &HashMap<String, String>) -> Answer {
    let take: usize = q.get("take").and_then(|s| s.parse().ok()).unwrap_or(250);
    let skip: usize = q.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let st = ctx.lock();
    let data: Vec<Value> =
        st.webhooks.iter().filter(|w| w.event_type_id == event_type_id).skip(skip).take(take).map(render).collect();
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": data}))))
}

fn find(st: &crate::state::State, event_type_id: Option<u64>, id: u64) -> Result<usize, ApiError> {
    st.webhooks
        .iter()
        .position(|w| w.id == id && w.event_type_id == event_type_id)
        .ok_or_else(|| ApiError::not_found(format!("Webhook with id={id} not found")))
}

fn one_in(ctx: &Ctx, event_type_id: Option<u64>, id: &str, method: &str, body: &Value) -> Answer {
    let id = parse_id(id)?;
    let mut st = ctx.lock();
    let pos = find(&st, event_type_id, id)?;
    let data = match method {
        "PATCH" => {
            let mut w = st.webhooks[pos].clone();
            apply(&mut w, body)?;
            st.webhooks[pos] = w;
            render(&st.webhooks[pos])
        }
        "DELETE" => render(&st.webhooks.remove(pos)),
        _ => render(&st.webhooks[pos]),
    };
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": data}))))
}

pub async fn user_create(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    create_in(&ctx, None, &auth::json_body(&body)?)
}
pub async fn user_list(State(ctx): State<Ctx>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Answer {
    auth::check(&ctx, &headers)?;
    list_in(&ctx, None, &q)
}
pub async fn user_get(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    one_in(&ctx, None, &id, "GET", &Value::Null)
}
pub async fn user_patch(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    one_in(&ctx, None, &id, "PATCH", &auth::json_body(&body)?)
}
pub async fn user_delete(State(ctx): State<Ctx>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    one_in(&ctx, None, &id, "DELETE", &Value::Null)
}

fn event_type_id(ctx: &Ctx, id: &str) -> Result<u64, ApiError> {
    let id = parse_id(id)?;
    match ctx.lock().event_type(id) {
        Some(_) => Ok(id),
        None => Err(ApiError::not_found(format!("Event type with id={id} not found"))),
    }
}

pub async fn et_create(State(ctx): State<Ctx>, headers: HeaderMap, Path(et): Path<String>, body: Bytes) -> Answer {
    auth::check(&ctx, &headers)?;
    let et = event_type_id(&ctx, &et)?;
    create_in(&ctx, Some(et), &auth::json_body(&body)?)
}
pub async fn et_list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(et): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    auth::check(&ctx, &headers)?;
    let et = event_type_id(&ctx, &et)?;
    list_in(&ctx, Some(et), &q)
}
pub async fn et_delete_all(State(ctx): State<Ctx>, headers: HeaderMap, Path(et): Path<String>) -> Answer {
    auth::check(&ctx, &headers)?;
    let et = event_type_id(&ctx, &et)?;
    let mut st = ctx.lock();
    let before = st.webhooks.len();
    st.webhooks.retain(|w| w.event_type_id != Some(et));
    let n = before - st.webhooks.len();
    Ok((StatusCode::OK, Json(json!({"status": "success", "data": format!("{n} webhooks deleted")}))))
}
pub async fn et_get(State(ctx): State<Ctx>, headers: HeaderMap, Path((et, id)): Path<(String, String)>) -> Answer {
    auth::check(&ctx, &headers)?;
    let et = event_type_id(&ctx, &et)?;
    one_in(&ctx, Some(et), &id, "GET", &Value::Null)
}
pub async fn et_patch(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((et, id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    auth::check(&ctx, &headers)?;
    let et = event_type_id(&ctx, &et)?;
    one_in(&ctx, Some(et), &id, "PATCH", &auth::json_body(&body)?)
}
pub async fn et_delete(State(ctx): State<Ctx>, headers: HeaderMap, Path((et, id)): Path<(String, String)>) -> Answer {
    auth::check(&ctx, &headers)?;
    let et = event_type_id(&ctx, &et)?;
    one_in(&ctx, Some(et), &id, "DELETE", &Value::Null)
}
