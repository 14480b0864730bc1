//! `/_sandbox/...` routes (no API key, never faulted): what a client did, and what a person would
//! do on Stripe's own pages.
//! - `GET /_sandbox/state`: every object, grouped by type; `GET /_sandbox/webhooks`: deliveries.
//! - `PUT /_sandbox/webhook_url` `{"url", "enabled_events"?}`: points the demo endpoint (secret =
//!   the credentials' `webhook_secret`) at `url` (created on first use; events `*` by default).
//! - `POST /_sandbox/checkout/sessions/{id}/complete` `{"email"?, "name"?, "payment_method"?}`:
//!   the customer pays on the hosted Checkout page.
//! - `POST /_sandbox/payments` `{"amount", "currency"?, "customer"?, "description"?,
//!   "payment_method"?, "metadata"?}`: a payment made outside the API (e.g. a payment link).

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use hub_sandbox_core::WebhookEmitter;
use serde_json::{Map, Value, json};

use crate::{
    error::ApiError,
    objects,
    routes::{checkout, events, payments},
    state::App,
    webhooks::ReqInfo,
};

pub async fn state(State(app): State<App>) -> Json<Value> {
    let s = app.lock();
    let mut out = Map::new();
    let mut kinds: Vec<&String> = s.order.keys().collect();
    kinds.sort();
    for kind in kinds {
        let items: Vec<Value> = s.all(kind).into_iter().map(|o| s.render(o)).collect();
        out.insert(kind.clone(), Value::Array(items));
    }
    Json(Value::Object(out))
}

pub async fn webhooks(State((_, emitter)): State<(App, WebhookEmitter)>) -> Json<Value> {
    Json(json!(emitter.log()))
}

fn bad(message: &str) -> Response {
    ApiError::invalid_request(message.to_string(), None, None).into_response()
}

pub async fn webhook_url(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let Some(url) = body["url"].as_str() else { return bad("url is required") };
    let events = body.get("enabled_events").cloned().unwrap_or(json!(["*"]));
    let mut s = app.lock();
    let existing = s.secrets.iter().find(|(_, secret)| **secret == app.webhook_secret).map(|(id, _)| id.clone());
    let we = match existing.and_then(|id| s.objects.get(&id).cloned()) {
        Some(mut we) => {
            we["url"] = json!(url);
            we["enabled_events"] = events;
            we["status"] = json!("enabled");
            s.put(we.clone());
            we
        }
        None => {
            let mut we = events::register(&mut s, url, events, Some(app.webhook_secret.clone()));
            we["description"] = json!("Sandbox demo endpoint");
            if let Some(m) = we.as_object_mut() {
                m.remove("secret");
            }
            s.put(we.clone());
            we
        }
    };
    Json(we).into_response()
}

pub async fn complete_checkout(State(app): State<App>, Path(id): Path<String>, body: Option<Json<Value>>) -> Response {
    let body = body.map(|b| b.0).unwrap_or(json!({}));
    let get = |k: &str| body[k].as_str().map(str::to_string);
    let mut s = app.lock();
    match checkout::complete_in(&mut s, &id, get("email"), get("name"), get("payment_method"), &ReqInfo::default()) {
        Ok(cs) => Json(cs).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn payment(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let Some(amount) = body["amount"].as_i64() else { return bad("amount (integer, minor units) is required") };
    let mut s = app.lock();
    let mut pi = objects::payment_intent(&mut s, amount, body["currency"].as_str().unwrap_or("eur"));
    if let Some(c) = body["customer"].as_str() {
        if let Err(e) = s.get("customer", c, "customer") {
            return e.into_response();
        }
        pi["customer"] = json!(c);
    }
    pi["description"] = body.get("description").cloned().unwrap_or(Value::Null);
    if let Some(m) = body.get("metadata").filter(|m| m.is_object()) {
        pi["metadata"] = m.clone();
    }
    pi["payment_method"] = json!(body["payment_method"].as_str().unwrap_or("pm_card_visa"));
    pi["status"] = json!("requires_confirmation");
    s.insert(pi.clone());
    let req = ReqInfo::default();
    s.event("payment_intent.created", &pi, None, &req);
    match payments::confirm_in(&mut s, &mut pi, &req) {
        Ok(()) => (StatusCode::OK, Json(s.render(pi))).into_response(),
        Err(e) => e.into_response(),
    }
}
