//! `/v1/checkout/sessions`: create (line items by `price` or `price_data`), retrieve (with
//! `expand[]=line_items`), list, expire, `line_items`; and completion, which the real vendor does
//! when the customer pays on its hosted page: here `POST /v1/payment_pages/{id}/confirm` (what the
//! Stripe CLI's `checkout.session.completed` trigger calls) or `POST /_sandbox/checkout/sessions/{id}/complete`.

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
    routes::{catalog, customers, payments},
    state::{App, Store, now},
    webhooks::ReqInfo,
};

fn line_item(s: &mut Store, item: &Value, req: &ReqInfo, i: usize) -> Result<Value, ApiError> {
    let quantity = form::opt_int(item, "quantity")?.unwrap_or(1);
    let price = match (form::opt_str(item, "price"), item.get("price_data")) {
        (Some(id), _) => s.get("price", &id, &format!("line_items[{i}][price]"))?,
        (None, Some(data)) => catalog::create_price_in(s, data, req)?,
        (None, None) => return Err(ApiError::missing(&format!("line_items[{i}][price]"))),
    };
    let product_name =
        s.objects.get(price["product"].as_str().unwrap_or_default()).map(|p| p["name"].clone()).unwrap_or(Value::Null);
    let total = price["unit_amount"].as_i64().unwrap_or(0) * quantity;
    let id = s.new_id("li");
    Ok(json!({
        "id": id, "object": "item", "amount_discount": 0, "amount_subtotal": total, "amount_tax": 0,
        "amount_total": total, "currency": price["currency"], "description": product_name, "price": price,
        "quantity": quantity
    }))
}

pub async fn create(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mode = form::req_str(&p.v, "mode")?;
    if !["payment", "setup", "subscription"].contains(&mode.as_str()) {
        return Err(ApiError::invalid_request(
            "Invalid mode: must be one of payment, setup, or subscription".into(),
            Some("mode"),
            Some("parameter_invalid_string"),
        ));
    }
    let customer = match form::opt_str(&p.v, "customer") {
        Some(c) => s.get("customer", &c, "customer")?["id"].clone(),
        None => Value::Null,
    };
    let mut items = Vec::new();
    if let Some(Value::Array(list)) = p.v.get("line_items") {
        for (i, item) in list.iter().enumerate() {
            items.push(line_item(&mut s, item, &p.req, i)?);
        }
    }
    if items.is_empty() && mode != "setup" {
        return Err(ApiError::invalid_request(
            format!("You must provide at least one line item in `{mode}` mode."),
            Some("line_items"),
            Some("parameter_missing"),
        ));
    }
    let currency = items
        .first()
        .map(|i| i["currency"].clone())
        .unwrap_or_else(|| p.v.get("currency").cloned().unwrap_or(Value::Null));
    let total: i64 = items.iter().map(|i| i["amount_total"].as_i64().unwrap_or(0)).sum();
    let id = s.new_id("cs_test");
    let created = now();
    let email = form::opt_str(&p.v, "customer_email");
    let mut cs = json!({
        "id": id, "object": "checkout.session", "adaptive_pricing": {"enabled": false}, "after_expiration": null, "allow_promotion_codes": null,
        "amount_subtotal": total, "amount_total": total,
        "automatic_tax": {"enabled": false, "liability": null, "status": null},
        "billing_address_collection": null, "cancel_url": form::opt_str(&p.v, "cancel_url"),
        "client_reference_id": form::opt_str(&p.v, "client_reference_id"), "collected_information": null, "client_secret": null, "consent": null,
        "consent_collection": null, "created": created, "currency": currency, "currency_conversion": null, "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
        "customer": customer,
        "customer_creation": if customer.is_null() && mode == "payment" { json!(form::opt_str(&p.v, "customer_creation").unwrap_or_else(|| "if_required".into())) } else { Value::Null },
        "customer_details": email.as_ref().map(|e| json!({"address": null, "email": e, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": null})),
        "customer_account": null, "customer_email": email, "discounts": [], "integration_identifier": null, "managed_payments": {"enabled": false},
        "expires_at": form::opt_int(&p.v, "expires_at")?.unwrap_or(created + 24 * 3600),
        "invoice": null, "invoice_creation": null, "livemode": false,
        "locale": form::opt_str(&p.v, "locale"), "metadata": {}, "mode": mode, "origin_context": null, "payment_intent": null,
        "payment_link": null, "payment_method_collection": if mode == "payment" { Value::Null } else { json!("always") },
        "payment_method_configuration_details": null, "payment_method_options": {},
        "payment_method_types": p.v.get("payment_method_types").cloned().unwrap_or(json!(["card"])),
        "payment_status": if mode == "setup" { "no_payment_required" } else { "unpaid" },
        "permissions": null, "phone_number_collection": {"enabled": false}, "recovered_from": null, "saved_payment_method_options": null, "setup_intent": null,
        "shipping_address_collection": null, "shipping_cost": null, "shipping_details": null, "shipping_options": [],
        "status": "open", "submit_type": null, "subscription": null, "success_url": form::opt_str(&p.v, "success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}, "ui_mode": "hosted",
        "url": format!("https://checkout.stripe.com/c/pay/{id}"), "wallet_options": null
    });
    form::apply_metadata(&mut cs, &p.v);
    if cs["mode"] == "payment" {
        let pi = session_payment_intent(&mut s, &cs, p.v.get("payment_intent_data"), &p.req);
        cs["payment_intent"] = pi["id"].clone();
    }
    s.line_items.insert(id.clone(), items);
    s.insert(cs.clone());
    Ok(Json(out(&s, cs, &p.v)))
}

/// The payment intent of a `payment`-mode session, created with it (as the 2022 spec and the
/// fixture show: an open session already has its `payment_intent`), confirmed at completion.
fn session_payment_intent(s: &mut Store, cs: &Value, data: Option<&Value>, req: &ReqInfo) -> Value {
    let amount = cs["amount_total"].as_i64().unwrap_or(0);
    let mut pi = objects::payment_intent(s, amount, cs["currency"].as_str().unwrap_or("eur"));
    pi["customer"] = cs["customer"].clone();
    pi["payment_method_types"] = cs["payment_method_types"].clone();
    if let Some(data) = data {
        pi["description"] = data.get("description").cloned().unwrap_or(Value::Null);
        form::apply_metadata(&mut pi, data);
        if let Some(shipping) = data.get("shipping") {
            pi["shipping"] = objects::shipping(shipping);
        }
    }
    s.insert(pi.clone());
    s.event("payment_intent.created", &pi, None, req);
    pi
}

/// Renders a session, applying `expand[]=line_items`.
pub fn out(s: &Store, cs: Value, params: &Value) -> Value {
    let id = cs["id"].as_str().unwrap_or_default().to_string();
    let wants_items = form::expand_list(params).iter().any(|e| e == "line_items");
    let mut v = s.out(cs, params);
    if wants_items {
        v["line_items"] = items_page(s, &id, &json!({}));
    }
    v
}

fn items_page(s: &Store, id: &str, p: &Value) -> Value {
    let items = s.line_items.get(id).cloned().unwrap_or_default();
    let limit = form::opt_int(p, "limit").ok().flatten().unwrap_or(10).clamp(1, 100) as usize;
    let start = form::opt_str(p, "starting_after")
        .and_then(|a| items.iter().position(|i| i["id"] == a.as_str()).map(|x| x + 1))
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    json!({"object": "list", "data": page, "has_more": start + limit < items.len(), "url": format!("/v1/checkout/sessions/{id}/line_items")})
}

pub async fn retrieve(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    let cs = s.get("checkout.session", &id, "id")?;
    Ok(Json(out(&s, cs, &p.v)))
}

pub async fn list(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let pi = form::opt_str(&p.v, "payment_intent");
    let customer = form::opt_str(&p.v, "customer");
    let status = form::opt_str(&p.v, "status");
    let mut page = s.list("checkout.session", "/v1/checkout/sessions", &p.v, |x| {
        pi.as_ref().is_none_or(|c| x["payment_intent"] == c.as_str())
            && customer.as_ref().is_none_or(|c| x["customer"] == c.as_str())
            && status.as_ref().is_none_or(|c| x["status"] == c.as_str())
    })?;
    if let Some(Value::Array(data)) = page.get_mut("data") {
        for cs in data.iter_mut() {
            *cs = out(&s, cs.take(), &json!({}));
        }
    }
    Ok(Json(s.out(page, &p.v)))
}

pub async fn line_items(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    s.get("checkout.session", &id, "id")?;
    Ok(Json(items_page(&s, &id, &p.v)))
}

pub async fn expire(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut cs = s.get("checkout.session", &id, "id")?;
    if cs["status"] != "open" {
        return Err(ApiError::state(
            "checkout_session_not_open",
            format!(
                "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{}\".",
                cs["status"].as_str().unwrap_or_default()
            ),
        ));
    }
    cs["status"] = json!("expired");
    s.put(cs.clone());
    if let Some(pi_id) = cs["payment_intent"].as_str()
        && let Ok(mut pi) = s.get("payment_intent", pi_id, "payment_intent")
        && pi["status"] == "requires_payment_method"
    {
        pi["status"] = json!("canceled");
        pi["canceled_at"] = json!(now());
        pi["cancellation_reason"] = json!("abandoned");
        s.put(pi.clone());
        s.event("payment_intent.canceled", &pi, None, &p.req);
    }
    let shown = out(&s, cs, &json!({}));
    s.event("checkout.session.expired", &shown, None, &p.req);
    Ok(Json(out(&s, shown, &p.v)))
}

/// The customer pays on the hosted page: optional customer creation, a succeeded payment intent
/// (`mode=payment`), the session `complete`/`paid`, `checkout.session.completed`.
pub fn complete_in(
    s: &mut Store,
    id: &str,
    email: Option<String>,
    name: Option<String>,
    pm: Option<String>,
    req: &ReqInfo,
) -> Result<Value, ApiError> {
    let mut cs = s.get("checkout.session", id, "id")?;
    if cs["status"] != "open" {
        return Err(ApiError::state(
            "checkout_session_not_open",
            format!(
                "This Checkout Session is no longer active (status {}).",
                cs["status"].as_str().unwrap_or_default()
            ),
        ));
    }
    let email = email
        .or_else(|| cs["customer_email"].as_str().map(str::to_string))
        .unwrap_or_else(|| "client@exemple.fr".into());
    if cs["customer"].is_null() && (cs["customer_creation"] == "always" || cs["mode"] != "payment") {
        let mut params = json!({"email": email});
        if let Some(n) = &name {
            params["name"] = json!(n);
        }
        let c = customers::create_in(s, &Params { v: params, req: req.clone() });
        cs["customer"] = c["id"].clone();
    }
    cs["customer_details"] = json!({"address": objects::address(None), "email": email, "name": name, "phone": null, "tax_exempt": "none", "tax_ids": []});
    if cs["mode"] == "payment" {
        let mut pi = match cs["payment_intent"].as_str().map(|pi_id| s.get("payment_intent", pi_id, "payment_intent")) {
            Some(found) => found?,
            None => session_payment_intent(s, &cs, None, req),
        };
        pi["customer"] = cs["customer"].clone();
        pi["payment_method"] = json!(pm.unwrap_or_else(|| "pm_card_visa".into()));
        pi["receipt_email"] = json!(email);
        pi["status"] = json!("requires_confirmation");
        s.put(pi.clone());
        cs["payment_intent"] = pi["id"].clone();
        s.put(cs.clone());
        payments::confirm_in(s, &mut pi, req)?;
        cs["payment_status"] = json!("paid");
    }
    cs["status"] = json!("complete");
    s.put(cs.clone());
    let shown = out(s, cs, &json!({}));
    s.event("checkout.session.completed", &shown, None, req);
    Ok(shown)
}

/// `GET /v1/payment_pages/{id}` (Stripe's hosted-page API, used by the CLI): the session.
pub async fn payment_page(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    retrieve(State(app), Path(id), p).await
}

/// `POST /v1/payment_pages/{id}/confirm` (`payment_method`, `expected_amount`): the customer pays.
pub async fn payment_page_confirm(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let cs = s.get("checkout.session", &id, "id")?;
    if let Some(expected) = form::opt_int(&p.v, "expected_amount")?
        && Some(expected) != cs["amount_total"].as_i64()
    {
        return Err(ApiError::invalid_request(
            format!("The expected amount ({expected}) does not match the session's total ({}).", cs["amount_total"]),
            Some("expected_amount"),
            Some("parameter_invalid_integer"),
        ));
    }
    let email = form::opt_str(&p.v, "email");
    let done = complete_in(&mut s, &id, email, None, form::opt_str(&p.v, "payment_method"), &p.req)?;
    Ok(Json(out(&s, done, &p.v)))
}
