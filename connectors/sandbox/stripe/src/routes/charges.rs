//! `/v1/charges` (retrieve, list, update description/metadata) and `/v1/refunds` (create by
//! `charge` or `payment_intent`, full or partial, retrieve, list; also
//! `/v1/charges/{id}/refunds`). A refund updates the charge (`amount_refunded`, `refunded`) and
//! emits `charge.refunded` with `previous_attributes`.

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
    state::{App, Store},
    webhooks::{ReqInfo, previous_attributes},
};

pub async fn retrieve(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("charge", &id, "id")?, &p.v)))
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let before = s.get("charge", &id, "id")?;
    let mut ch = before.clone();
    if let Some(d) = form::opt_str(&p.v, "description") {
        ch["description"] = json!(d);
    }
    form::apply_metadata(&mut ch, &p.v);
    if ch != before {
        s.put(ch.clone());
        s.event("charge.updated", &ch, Some(previous_attributes(&before, &ch)), &p.req);
    }
    Ok(Json(s.out(ch, &p.v)))
}

pub async fn list(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let customer = form::opt_str(&p.v, "customer");
    let pi = form::opt_str(&p.v, "payment_intent");
    let page = s.list("charge", "/v1/charges", &p.v, |x| {
        customer.as_ref().is_none_or(|c| x["customer"] == c.as_str())
            && pi.as_ref().is_none_or(|c| x["payment_intent"] == c.as_str())
    })?;
    Ok(Json(s.out(page, &p.v)))
}

/// Refunds `amount` (default: what remains) of `charge_id`.
pub fn refund_in(s: &mut Store, charge_id: &str, p: &Value, req: &ReqInfo) -> Result<Value, ApiError> {
    let before = s.get("charge", charge_id, "charge")?;
    if before["status"] != "succeeded" || before["captured"] != true {
        return Err(ApiError::invalid_request(
            format!("Charge {charge_id} has not been captured and cannot be refunded."),
            Some("charge"),
            Some("charge_not_refundable"),
        ));
    }
    let amount = before["amount"].as_i64().unwrap_or(0);
    let refunded = before["amount_refunded"].as_i64().unwrap_or(0);
    if refunded >= amount {
        return Err(ApiError::invalid_request(
            format!("Charge {charge_id} has already been refunded."),
            Some("charge"),
            Some("charge_already_refunded"),
        ));
    }
    let want = form::opt_int(p, "amount")?.unwrap_or(amount - refunded);
    if want <= 0 || want > amount - refunded {
        return Err(ApiError::invalid_request(
            format!("Refund amount ({want}) is greater than unrefunded amount on charge ({}).", amount - refunded),
            Some("amount"),
            Some("amount_too_large"),
        ));
    }
    let reason = form::opt_str(p, "reason").map(Value::String).unwrap_or(Value::Null);
    if let Some(r) = reason.as_str()
        && !["duplicate", "fraudulent", "requested_by_customer"].contains(&r)
    {
        return Err(ApiError::invalid_request(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer".to_string(),
            Some("reason"),
            Some("parameter_invalid_string"),
        ));
    }
    let mut re = objects::refund(s, &before, want, reason);
    form::apply_metadata(&mut re, p);
    s.insert(re.clone());
    let mut ch = before.clone();
    ch["amount_refunded"] = json!(refunded + want);
    ch["refunded"] = json!(refunded + want == amount);
    s.put(ch.clone());
    let rendered_before = s.render(before.clone());
    let mut prev = previous_attributes(&before, &ch);
    prev["refunds"] = rendered_before["refunds"].clone();
    s.event("charge.refunded", &ch, Some(prev), req);
    Ok(re)
}

pub async fn create_refund(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let charge_id = match (form::opt_str(&p.v, "charge"), form::opt_str(&p.v, "payment_intent")) {
        (Some(ch), _) => ch,
        (None, Some(pi_id)) => {
            let pi = s.get("payment_intent", &pi_id, "payment_intent")?;
            match pi["latest_charge"].as_str() {
                Some(ch) if pi["status"] == "succeeded" => ch.to_string(),
                _ => {
                    return Err(ApiError::invalid_request(
                        format!("This PaymentIntent ({pi_id}) does not have a successful charge to refund."),
                        Some("payment_intent"),
                        Some("charge_not_refundable"),
                    ));
                }
            }
        }
        (None, None) => return Err(ApiError::missing("charge")),
    };
    let re = refund_in(&mut s, &charge_id, &p.v, &p.req)?;
    Ok(Json(s.out(re, &p.v)))
}

pub async fn create_charge_refund(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    s.get("charge", &id, "id")?;
    let re = refund_in(&mut s, &id, &p.v, &p.req)?;
    Ok(Json(s.out(re, &p.v)))
}

pub async fn retrieve_refund(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("refund", &id, "id")?, &p.v)))
}

pub async fn list_refunds(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let charge = form::opt_str(&p.v, "charge");
    let pi = form::opt_str(&p.v, "payment_intent");
    let page = s.list("refund", "/v1/refunds", &p.v, |x| {
        charge.as_ref().is_none_or(|c| x["charge"] == c.as_str())
            && pi.as_ref().is_none_or(|c| x["payment_intent"] == c.as_str())
    })?;
    Ok(Json(s.out(page, &p.v)))
}

pub async fn list_charge_refunds(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    s.get("charge", &id, "id")?;
    let page = s.list("refund", &format!("/v1/charges/{id}/refunds"), &p.v, |x| x["charge"] == id.as_str())?;
    Ok(Json(s.out(page, &p.v)))
}
