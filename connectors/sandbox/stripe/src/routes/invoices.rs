//! `/v1/invoiceitems` (pending items of a customer) and `/v1/invoices`: create (draft, taking the
//! customer's pending items unless `pending_invoice_items_behavior=exclude`), retrieve, update,
//! delete (drafts), list, `lines`, finalize (number, `open`), pay (a payment intent and a charge;
//! `paid_out_of_band=true` too), void, mark_uncollectible. Totals are computed from the lines.

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
    routes::payments,
    state::{App, Store, now},
    webhooks::{ReqInfo, previous_attributes},
};

fn line(ii: &Value) -> Value {
    json!({
        "id": format!("il_{}", ii["id"].as_str().unwrap_or_default().trim_start_matches("ii_")),
        "object": "line_item", "amount": ii["amount"], "amount_excluding_tax": ii["amount"], "currency": ii["currency"],
        "description": ii["description"], "discount_amounts": [], "discountable": true, "discounts": [],
        "invoice": ii["invoice"], "invoice_item": ii["id"], "livemode": false, "metadata": ii["metadata"],
        "period": ii["period"], "price": ii["price"], "proration": false, "proration_details": {"credited_items": null},
        "quantity": ii["quantity"], "subscription": null, "tax_amounts": [], "tax_rates": [], "type": "invoiceitem",
        "unit_amount_excluding_tax": ii["unit_amount_decimal"]
    })
}

/// Fills `lines` and the totals of an invoice from its items.
pub fn render_totals(s: &Store, inv: &mut Value) {
    let id = inv["id"].as_str().unwrap_or_default().to_string();
    let lines: Vec<Value> = s.all("invoiceitem").iter().filter(|ii| ii["invoice"] == id.as_str()).map(line).collect();
    let total: i64 = lines.iter().map(|l| l["amount"].as_i64().unwrap_or(0)).sum();
    let paid = inv["amount_paid"].as_i64().unwrap_or(0);
    let due = if inv["status"] == "void" { 0 } else { total };
    for k in ["subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"] {
        inv[k] = json!(total);
    }
    inv["amount_due"] = json!(due);
    inv["amount_remaining"] = json!((due - paid).max(0));
    inv["lines"] = json!({"object": "list", "data": lines, "has_more": false, "total_count": lines.len(), "url": format!("/v1/invoices/{id}/lines")});
}

pub async fn create_item(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let customer = form::req_str(&p.v, "customer")?;
    s.get("customer", &customer, "customer")?;
    let quantity = form::opt_int(&p.v, "quantity")?.unwrap_or(1);
    let (unit, currency, price) = match form::opt_str(&p.v, "price") {
        Some(pid) => {
            let pr = s.get("price", &pid, "price")?;
            (pr["unit_amount"].as_i64().unwrap_or(0), pr["currency"].as_str().unwrap_or("eur").to_string(), pr)
        }
        None => {
            let amount = form::opt_int(&p.v, "amount")?;
            let unit = form::opt_int(&p.v, "unit_amount")?;
            let unit = unit.or(amount.map(|a| a / quantity.max(1))).ok_or_else(|| ApiError::missing("amount"))?;
            (unit, form::req_str(&p.v, "currency")?.to_lowercase(), Value::Null)
        }
    };
    let invoice = match form::opt_str(&p.v, "invoice") {
        Some(inv_id) => {
            let inv = s.get("invoice", &inv_id, "invoice")?;
            if inv["status"] != "draft" {
                return Err(ApiError::state(
                    "invoice_not_editable",
                    format!(
                        "You can only add invoice items to draft invoices; invoice {inv_id} is {}.",
                        inv["status"].as_str().unwrap_or_default()
                    ),
                ));
            }
            json!(inv_id)
        }
        None => Value::Null,
    };
    let id = s.new_id("ii");
    let t = now();
    let mut ii = json!({
        "id": id, "object": "invoiceitem", "amount": unit * quantity, "currency": currency, "customer": customer,
        "date": t, "description": form::opt_str(&p.v, "description"), "discountable": true, "discounts": [],
        "invoice": invoice, "livemode": false, "metadata": {}, "period": {"end": t, "start": t}, "price": price,
        "proration": false, "quantity": quantity, "subscription": null, "tax_rates": [], "test_clock": null,
        "unit_amount": unit, "unit_amount_decimal": unit.to_string()
    });
    form::apply_metadata(&mut ii, &p.v);
    s.insert(ii.clone());
    Ok(Json(s.out(ii, &p.v)))
}

pub async fn create(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let customer_id = form::req_str(&p.v, "customer")?;
    let c = s.get("customer", &customer_id, "customer")?;
    let id = s.new_id("in");
    let t = now();
    let collection = form::opt_str(&p.v, "collection_method").unwrap_or_else(|| "charge_automatically".into());
    let due_date = form::opt_int(&p.v, "days_until_due")?
        .map(|d| json!(t + d * 86400))
        .or(form::opt_int(&p.v, "due_date")?.map(|d| json!(d)))
        .unwrap_or(Value::Null);
    let mut inv = json!({
        "id": id, "object": "invoice", "account_country": "FR", "account_name": "Tiers-lieu (sandbox)",
        "account_tax_ids": null, "amount_due": 0, "amount_overpaid": 0, "amount_paid": 0, "amount_remaining": 0, "amount_shipping": 0,
        "application": null, "application_fee_amount": null, "attempt_count": 0, "attempted": false,
        "automatically_finalizes_at": null, "auto_advance": form::opt_bool(&p.v, "auto_advance")?.unwrap_or(false),
        "automatic_tax": {"enabled": false, "liability": null, "status": null}, "billing_reason": "manual",
        "charge": null, "collection_method": collection, "created": t,
        "currency": form::opt_str(&p.v, "currency").unwrap_or_else(|| "eur".into()),
        "custom_fields": null, "customer": customer_id, "customer_account": null, "customer_address": c["address"], "customer_email": c["email"],
        "customer_name": c["name"], "customer_phone": c["phone"], "customer_shipping": null,
        "customer_tax_exempt": "none", "customer_tax_ids": [], "default_payment_method": form::opt_str(&p.v, "default_payment_method"),
        "default_source": null, "default_tax_rates": [], "description": form::opt_str(&p.v, "description"),
        "discount": null, "discounts": [], "due_date": due_date, "effective_at": null, "ending_balance": null,
        "footer": form::opt_str(&p.v, "footer"), "from_invoice": null, "hosted_invoice_url": null, "invoice_pdf": null, "issuer": {"type": "self"},
        "last_finalization_error": null, "latest_revision": null, "lines": {}, "livemode": false, "metadata": {}, "next_payment_attempt": null,
        "number": null, "on_behalf_of": null, "paid": false, "parent": null, "paid_out_of_band": false, "payment_intent": null,
        "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
        "period_end": t, "period_start": t, "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0,
        "quote": null, "receipt_number": null, "rendering": null, "shipping_cost": null, "shipping_details": null, "starting_balance": 0, "statement_descriptor": null, "status": "draft",
        "status_transitions": {"finalized_at": null, "marked_uncollectible_at": null, "paid_at": null, "voided_at": null},
        "subscription": null, "subtotal": 0, "subtotal_excluding_tax": 0, "tax": null, "test_clock": null, "total": 0,
        "total_discount_amounts": [], "total_excluding_tax": 0, "total_pretax_credit_amounts": [], "total_tax_amounts": [], "total_taxes": [], "transfer_data": null,
        "webhooks_delivered_at": t
    });
    if let Some(cur) = inv["currency"].as_str().map(str::to_lowercase) {
        inv["currency"] = json!(cur);
    }
    form::apply_metadata(&mut inv, &p.v);
    if form::opt_str(&p.v, "pending_invoice_items_behavior").as_deref() != Some("exclude") {
        let pending: Vec<Value> = s
            .all("invoiceitem")
            .into_iter()
            .filter(|ii| ii["customer"] == customer_id.as_str() && ii["invoice"].is_null())
            .collect();
        for mut ii in pending {
            ii["invoice"] = json!(id);
            if let Some(cur) = ii["currency"].as_str() {
                inv["currency"] = json!(cur);
            }
            s.put(ii);
        }
    }
    s.insert(inv.clone());
    s.event("invoice.created", &inv, None, &p.req);
    Ok(Json(s.out(inv, &p.v)))
}

pub async fn retrieve(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("invoice", &id, "id")?, &p.v)))
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let before = s.get("invoice", &id, "id")?;
    let mut inv = before.clone();
    for k in ["description", "footer", "default_payment_method"] {
        if let Some(v) = form::opt_str(&p.v, k) {
            inv[k] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(a) = form::opt_bool(&p.v, "auto_advance")? {
        inv["auto_advance"] = json!(a);
    }
    form::apply_metadata(&mut inv, &p.v);
    if inv != before {
        s.put(inv.clone());
        s.event("invoice.updated", &inv, Some(previous_attributes(&before, &inv)), &p.req);
    }
    Ok(Json(s.out(inv, &p.v)))
}

pub async fn delete(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let inv = s.get("invoice", &id, "id")?;
    if inv["status"] != "draft" {
        return Err(ApiError::state("invoice_not_editable", "You can only delete draft invoices.".into()));
    }
    for mut ii in s.all("invoiceitem").into_iter().filter(|ii| ii["invoice"] == id.as_str()) {
        ii["invoice"] = Value::Null;
        s.put(ii);
    }
    s.remove("invoice", &id);
    s.event("invoice.deleted", &inv, None, &p.req);
    Ok(Json(json!({"id": id, "object": "invoice", "deleted": true})))
}

pub async fn list(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let customer = form::opt_str(&p.v, "customer");
    let status = form::opt_str(&p.v, "status");
    let page = s.list("invoice", "/v1/invoices", &p.v, |x| {
        customer.as_ref().is_none_or(|c| x["customer"] == c.as_str())
            && status.as_ref().is_none_or(|c| x["status"] == c.as_str())
    })?;
    Ok(Json(s.out(page, &p.v)))
}

pub async fn lines(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    let inv = s.render(s.get("invoice", &id, "id")?);
    let mut page = inv["lines"].clone();
    if let Some(m) = page.as_object_mut() {
        m.remove("total_count");
    }
    Ok(Json(s.out(page, &p.v)))
}

fn finalize_in(s: &mut Store, inv: &mut Value, req: &ReqInfo) -> Result<(), ApiError> {
    if inv["status"] != "draft" {
        return Err(ApiError::state(
            "invoice_not_editable",
            "This invoice is already finalized, you can't re-finalize a non-draft invoice.".to_string(),
        ));
    }
    let c = s.get("customer", inv["customer"].as_str().unwrap_or_default(), "customer")?;
    s.invoice_counter += 1;
    let t = now();
    inv["number"] = json!(format!("{}-{:04}", c["invoice_prefix"].as_str().unwrap_or("SANDBOX"), s.invoice_counter));
    inv["status"] = json!("open");
    inv["effective_at"] = json!(t);
    inv["status_transitions"]["finalized_at"] = json!(t);
    let slug = s.random(40);
    inv["hosted_invoice_url"] = json!(format!("https://invoice.stripe.com/i/acct_sandbox/test_{slug}"));
    inv["invoice_pdf"] = json!(format!("https://pay.stripe.com/invoice/acct_sandbox/test_{slug}/pdf"));
    s.put(inv.clone());
    let rendered = s.render(inv.clone());
    if rendered["amount_due"] == 0 {
        inv["status"] = json!("paid");
        inv["paid"] = json!(true);
        inv["status_transitions"]["paid_at"] = json!(t);
        s.put(inv.clone());
        s.event("invoice.finalized", inv, None, req);
        s.event("invoice.paid", inv, None, req);
        return Ok(());
    }
    s.event("invoice.finalized", inv, None, req);
    Ok(())
}

pub async fn finalize(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut inv = s.get("invoice", &id, "id")?;
    finalize_in(&mut s, &mut inv, &p.req)?;
    Ok(Json(s.out(inv, &p.v)))
}

pub async fn pay(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut inv = s.get("invoice", &id, "id")?;
    if inv["status"] == "draft" {
        finalize_in(&mut s, &mut inv, &p.req)?;
    }
    if inv["status"] != "open" {
        return Err(ApiError::state(
            "invoice_payment_intent_requires_action",
            format!("Invoice is already {}", inv["status"].as_str().unwrap_or_default()),
        ));
    }
    let t = now();
    let amount = s.render(inv.clone())["amount_due"].as_i64().unwrap_or(0);
    if form::opt_bool(&p.v, "paid_out_of_band")? == Some(true) {
        inv["paid_out_of_band"] = json!(true);
    } else {
        let customer = s.get("customer", inv["customer"].as_str().unwrap_or_default(), "customer")?;
        let attached = s
            .all("payment_method")
            .into_iter()
            .rev()
            .find(|pm| pm["customer"] == customer["id"])
            .map(|pm| pm["id"].clone());
        let pm = form::opt_str(&p.v, "payment_method").map(Value::String)
            .or_else(|| inv["default_payment_method"].as_str().map(|x| json!(x)))
            .or_else(|| customer["invoice_settings"]["default_payment_method"].as_str().map(|x| json!(x)))
            .or(attached)
            .ok_or_else(|| ApiError::state("invoice_no_payment_method", "This customer has no attached payment method or default payment method. Attach one, or pass `payment_method` or `paid_out_of_band=true`.".into()))?;
        let mut pi = objects::payment_intent(&mut s, amount, inv["currency"].as_str().unwrap_or("eur"));
        pi["customer"] = customer["id"].clone();
        pi["invoice"] = json!(id);
        pi["description"] = json!(format!("Invoice {}", inv["number"].as_str().unwrap_or_default()));
        pi["payment_method"] = pm;
        pi["status"] = json!("requires_confirmation");
        s.insert(pi.clone());
        inv["payment_intent"] = pi["id"].clone();
        inv["attempted"] = json!(true);
        inv["attempt_count"] = json!(inv["attempt_count"].as_i64().unwrap_or(0) + 1);
        s.put(inv.clone());
        if let Err(e) = payments::confirm_in(&mut s, &mut pi, &p.req) {
            inv["charge"] = pi["latest_charge"].clone();
            s.put(inv.clone());
            s.event("invoice.payment_failed", &inv, None, &p.req);
            return Err(e);
        }
        inv["charge"] = pi["latest_charge"].clone();
    }
    inv["status"] = json!("paid");
    inv["paid"] = json!(true);
    inv["amount_paid"] = json!(amount);
    inv["status_transitions"]["paid_at"] = json!(t);
    s.put(inv.clone());
    s.event("invoice.paid", &inv, None, &p.req);
    s.event("invoice.payment_succeeded", &inv, None, &p.req);
    Ok(Json(s.out(inv, &p.v)))
}

async fn transition(app: App, id: String, p: Params, to: &str, stamp: &str, event: &str) -> ApiResult {
    let mut s = app.lock();
    let mut inv = s.get("invoice", &id, "id")?;
    if inv["status"] != "open" {
        return Err(ApiError::state(
            "invoice_not_editable",
            format!(
                "You can only {} open invoices; this invoice is {}.",
                if to == "void" { "void" } else { "mark uncollectible" },
                inv["status"].as_str().unwrap_or_default()
            ),
        ));
    }
    inv["status"] = json!(to);
    inv["status_transitions"][stamp] = json!(now());
    s.put(inv.clone());
    s.event(event, &inv, None, &p.req);
    Ok(Json(s.out(inv, &p.v)))
}

pub async fn void(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    transition(app, id, p, "void", "voided_at", "invoice.voided").await
}

pub async fn mark_uncollectible(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    transition(app, id, p, "uncollectible", "marked_uncollectible_at", "invoice.marked_uncollectible").await
}
