//! `/v1/payment_intents` (create with `confirm=true`, retrieve, update, confirm, capture, cancel,
//! list) and the few `/v1/payment_methods` calls the Stripe CLI's triggers use (create from a
//! test token, retrieve, attach, detach, list). Test cards: `pm_card_visa`, `pm_card_mastercard`,
//! `tok_visa` succeed; any `…chargeDeclined…` / `…Fail…` card is declined (402 `card_declined`).

use axum::{
    Json,
    extract::{Path, State},
};
use serde_json::{Value, json};

use crate::{
    error::{ApiError, ApiResult},
    form,
    http::Params,
    objects,
    state::{App, Store, now},
    webhooks::ReqInfo,
};

/// The payment method named by `id`, materialising test cards (`pm_card_visa`, `tok_visa`…).
pub fn resolve_pm(s: &mut Store, id: &str, param: &str) -> Result<Value, ApiError> {
    if let Some(pm) = s.objects.get(id).filter(|o| o["object"] == "payment_method") {
        return Ok(pm.clone());
    }
    if id.starts_with("pm_card_") || id.starts_with("tok_") {
        let pm = objects::payment_method(s, id);
        if id.contains("Declined") || id.contains("Fail") {
            s.declining.insert(pm["id"].as_str().unwrap_or_default().to_string());
        }
        return Ok(s.insert(pm));
    }
    Err(ApiError::no_such("PaymentMethod", id, param))
}

/// Confirms `pi` (stored by the caller beforehand): charges its payment method, records the
/// charge and events; a declined card leaves it `requires_payment_method` and answers 402.
pub fn confirm_in(s: &mut Store, pi: &mut Value, req: &ReqInfo) -> Result<(), ApiError> {
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if status != "requires_payment_method" && status != "requires_confirmation" {
        return Err(ApiError::state(
            "payment_intent_unexpected_state",
            format!(
                "You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method."
            ),
        ));
    }
    let Some(pm_id) = pi["payment_method"].as_str().map(str::to_string) else {
        return Err(ApiError::state("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.".into()));
    };
    let pm = resolve_pm(s, &pm_id, "payment_method")?;
    let ok = !s.declining.contains(pm["id"].as_str().unwrap_or_default());
    let automatic = pi["capture_method"] != "manual";
    pi["payment_method"] = pm["id"].clone();
    let charge = objects::charge(s, pi, &pm, ok, automatic);
    s.insert(charge.clone());
    pi["latest_charge"] = charge["id"].clone();
    if !ok {
        pi["status"] = json!("requires_payment_method");
        pi["last_payment_error"] = json!({
            "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
            "message": "Your card was declined.", "charge": charge["id"], "payment_method": pm,
            "doc_url": "https://stripe.com/docs/error-codes/card-declined"
        });
        pi["payment_method"] = Value::Null;
        s.put(pi.clone());
        s.event("charge.failed", &charge, None, req);
        s.event("payment_intent.payment_failed", pi, None, req);
        let rendered = s.render(pi.clone());
        return Err(ApiError::card_declined(charge["id"].as_str().unwrap_or_default(), Some(rendered)));
    }
    pi["last_payment_error"] = Value::Null;
    if automatic {
        pi["status"] = json!("succeeded");
        pi["amount_received"] = pi["amount"].clone();
    } else {
        pi["status"] = json!("requires_capture");
        pi["amount_capturable"] = pi["amount"].clone();
    }
    s.put(pi.clone());
    s.event("charge.succeeded", &charge, None, req);
    if automatic {
        s.event("payment_intent.succeeded", pi, None, req);
    } else {
        s.event("payment_intent.amount_capturable_updated", pi, None, req);
    }
    Ok(())
}

fn apply(s: &Store, pi: &mut Value, p: &Value) -> Result<(), ApiError> {
    if let Some(amount) = form::opt_int(p, "amount")? {
        if amount < 50 {
            return Err(ApiError::invalid_request(
                "Amount must be at least €0.50 eur".into(),
                Some("amount"),
                Some("amount_too_small"),
            ));
        }
        pi["amount"] = json!(amount);
    }
    if let Some(c) = form::opt_str(p, "currency") {
        pi["currency"] = json!(c.to_lowercase());
    }
    if let Some(c) = form::opt_str(p, "customer") {
        pi["customer"] = if c.is_empty() { Value::Null } else { s.get("customer", &c, "customer")?["id"].clone() };
    }
    for k in [
        "description",
        "receipt_email",
        "payment_method",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "setup_future_usage",
        "transfer_group",
    ] {
        if let Some(v) = form::opt_str(p, k) {
            pi[k] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(Value::Array(types)) = p.get("payment_method_types") {
        pi["payment_method_types"] = json!(types);
    }
    if let Some(shipping) = p.get("shipping") {
        pi["shipping"] = objects::shipping(shipping);
    }
    form::apply_metadata(pi, p);
    Ok(())
}

pub async fn create(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let amount = form::opt_int(&p.v, "amount")?.ok_or_else(|| ApiError::missing("amount"))?;
    let currency = form::req_str(&p.v, "currency")?.to_lowercase();
    let mut pi = objects::payment_intent(&mut s, amount, &currency);
    apply(&s, &mut pi, &p.v)?;
    if let Some(method) = form::opt_str(&p.v, "capture_method") {
        pi["capture_method"] = json!(method);
    }
    if p.v.get("automatic_payment_methods").and_then(|a| a.get("enabled")).and_then(|e| e.as_str()) == Some("true") {
        pi["automatic_payment_methods"] = json!({"allow_redirects": "always", "enabled": true});
    }
    if pi["payment_method"].is_string() {
        pi["status"] = json!("requires_confirmation");
    }
    s.insert(pi.clone());
    s.event("payment_intent.created", &pi, None, &p.req);
    if form::opt_bool(&p.v, "confirm")? == Some(true) {
        confirm_in(&mut s, &mut pi, &p.req)?;
    }
    Ok(Json(s.out(pi, &p.v)))
}

pub async fn retrieve(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("payment_intent", &id, "id")?, &p.v)))
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut pi = s.get("payment_intent", &id, "id")?;
    if (p.v.get("amount").is_some() || p.v.get("currency").is_some())
        && matches!(pi["status"].as_str(), Some("succeeded" | "canceled" | "processing"))
    {
        return Err(ApiError::state(
            "payment_intent_unexpected_state",
            format!(
                "This PaymentIntent's amount could not be updated because it has a status of {}.",
                pi["status"].as_str().unwrap_or_default()
            ),
        ));
    }
    apply(&s, &mut pi, &p.v)?;
    if pi["payment_method"].is_string() && pi["status"] == "requires_payment_method" {
        pi["status"] = json!("requires_confirmation");
    }
    s.put(pi.clone());
    Ok(Json(s.out(pi, &p.v)))
}

pub async fn confirm(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut pi = s.get("payment_intent", &id, "id")?;
    if let Some(pm) = form::opt_str(&p.v, "payment_method") {
        pi["payment_method"] = json!(pm);
    }
    if let Some(email) = form::opt_str(&p.v, "receipt_email") {
        pi["receipt_email"] = json!(email);
    }
    confirm_in(&mut s, &mut pi, &p.req)?;
    Ok(Json(s.out(pi, &p.v)))
}

pub async fn capture(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut pi = s.get("payment_intent", &id, "id")?;
    if pi["status"] != "requires_capture" {
        return Err(ApiError::state(
            "payment_intent_unexpected_state",
            format!(
                "This PaymentIntent could not be captured because it has a status of {}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                pi["status"].as_str().unwrap_or_default()
            ),
        ));
    }
    let capturable = pi["amount_capturable"].as_i64().unwrap_or(0);
    let amount = form::opt_int(&p.v, "amount_to_capture")?.unwrap_or(capturable);
    if amount > capturable || amount <= 0 {
        return Err(ApiError::invalid_request(
            format!("The amount to capture must be between 1 and {capturable}."),
            Some("amount_to_capture"),
            Some("amount_too_large"),
        ));
    }
    pi["status"] = json!("succeeded");
    pi["amount_received"] = json!(amount);
    pi["amount_capturable"] = json!(0);
    s.put(pi.clone());
    if let Some(ch_id) = pi["latest_charge"].as_str().map(str::to_string) {
        let mut ch = s.get("charge", &ch_id, "charge")?;
        ch["captured"] = json!(true);
        ch["amount_captured"] = json!(amount);
        s.put(ch.clone());
        s.event("charge.captured", &ch, None, &p.req);
    }
    s.event("payment_intent.succeeded", &pi, None, &p.req);
    Ok(Json(s.out(pi, &p.v)))
}

pub async fn cancel(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut pi = s.get("payment_intent", &id, "id")?;
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if !["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"]
        .contains(&status.as_str())
    {
        return Err(ApiError::state(
            "payment_intent_unexpected_state",
            format!(
                "You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing."
            ),
        ));
    }
    pi["status"] = json!("canceled");
    pi["canceled_at"] = json!(now());
    pi["cancellation_reason"] = form::opt_str(&p.v, "cancellation_reason").map(Value::String).unwrap_or(Value::Null);
    pi["amount_capturable"] = json!(0);
    s.put(pi.clone());
    s.event("payment_intent.canceled", &pi, None, &p.req);
    Ok(Json(s.out(pi, &p.v)))
}

pub async fn list(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let customer = form::opt_str(&p.v, "customer");
    let page = s.list("payment_intent", "/v1/payment_intents", &p.v, |x| {
        customer.as_ref().is_none_or(|c| x["customer"] == c.as_str())
    })?;
    Ok(Json(s.out(page, &p.v)))
}

pub async fn create_pm(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let kind = form::req_str(&p.v, "type")?;
    if kind != "card" {
        return Err(ApiError::invalid_request(
            format!("The sandbox only simulates card payment methods, not {kind}."),
            Some("type"),
            Some("parameter_invalid_string"),
        ));
    }
    let token = p.v.get("card").and_then(|c| form::opt_str(c, "token")).unwrap_or_else(|| "tok_visa".into());
    let mut pm = objects::payment_method(&mut s, &token);
    if token.contains("Declined") || token.contains("Fail") {
        s.declining.insert(pm["id"].as_str().unwrap_or_default().to_string());
    }
    if let Some(b) = p.v.get("billing_details") {
        for k in ["email", "name", "phone"] {
            if let Some(v) = form::opt_str(b, k) {
                pm["billing_details"][k] = json!(v);
            }
        }
        if b.get("address").is_some() {
            pm["billing_details"]["address"] = objects::address(b.get("address"));
        }
    }
    form::apply_metadata(&mut pm, &p.v);
    s.insert(pm.clone());
    Ok(Json(s.out(pm, &p.v)))
}

pub async fn retrieve_pm(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("payment_method", &id, "id")?, &p.v)))
}

pub async fn attach_pm(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let customer = form::req_str(&p.v, "customer")?;
    s.get("customer", &customer, "customer")?;
    let mut pm = resolve_pm(&mut s, &id, "id")?;
    pm["customer"] = json!(customer);
    s.put(pm.clone());
    s.event("payment_method.attached", &pm, None, &p.req);
    Ok(Json(s.out(pm, &p.v)))
}

pub async fn detach_pm(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut pm = s.get("payment_method", &id, "id")?;
    pm["customer"] = Value::Null;
    s.put(pm.clone());
    s.event("payment_method.detached", &pm, None, &p.req);
    Ok(Json(s.out(pm, &p.v)))
}

pub async fn list_pm(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let customer = form::opt_str(&p.v, "customer");
    let page = s.list("payment_method", "/v1/payment_methods", &p.v, |x| {
        customer.as_ref().is_none_or(|c| x["customer"] == c.as_str())
    })?;
    Ok(Json(s.out(page, &p.v)))
}
