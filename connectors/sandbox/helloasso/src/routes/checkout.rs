//! Checkout: `POST /v5/organizations/{slug}/checkout-intents` (InitCheckoutBody → `{id, redirectUrl}`),
//! `GET …/checkout-intents/{id}` (with the order once paid), and [`pay`], behind the
//! `POST /_sandbox/checkout-intents/{id}/pay` trigger: the payer pays the first term on
//! HelloAsso's page, which creates a `Checkout` order and sends Payment and Order notifications
//! carrying the intent's `metadata`. Later terms are not simulated (one payment of `initialAmount`).

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::model::{CheckoutIntent, Item, Order, Payer, Payment};
use crate::render::{self, PUBLIC_SITE};
use crate::routes::check_org;
use crate::wire::{bad_request, error, not_found, ok};
use crate::{App, notify};

fn redirect_url(slug: &str, id: i64) -> String {
    format!("{PUBLIC_SITE}/associations/{slug}/checkout/{id}")
}

/// A CheckoutPayer object → Payer (missing fields empty).
pub fn payer_from(v: &Value) -> Payer {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Payer {
        email: s("email").unwrap_or_default(),
        address: s("address"),
        city: s("city"),
        zip_code: s("zipCode"),
        country: s("country").unwrap_or_else(|| "FRA".into()),
        date_of_birth: s("dateOfBirth")
            .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(""), "%Y-%m-%d").ok()),
        first_name: s("firstName").unwrap_or_default(),
        last_name: s("lastName").unwrap_or_default(),
    }
}

/// `POST /v5/organizations/{slug}/checkout-intents`.
pub async fn create(State(app): State<App>, Path(slug): Path<String>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_request(&format!("The request body is invalid: {e}")),
    };
    let int = |k: &str| v.get(k).and_then(Value::as_i64);
    let text = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let (Some(total), Some(initial)) = (int("totalAmount"), int("initialAmount")) else {
        return bad_request("totalAmount and initialAmount are required.");
    };
    let (Some(item_name), Some(back_url), Some(error_url), Some(return_url)) =
        (text("itemName"), text("backUrl"), text("errorUrl"), text("returnUrl"))
    else {
        return bad_request("itemName, backUrl, errorUrl and returnUrl are required.");
    };
    let Some(contains_donation) = v.get("containsDonation").and_then(Value::as_bool) else {
        return bad_request("containsDonation is required.");
    };
    let terms: i64 = v
        .get("terms")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(|x| x.get("amount").and_then(Value::as_i64)).sum())
        .unwrap_or(0);
    if initial <= 0 || total != initial + terms {
        return bad_request("totalAmount must be equal to the sum of initialAmount and the terms' amounts.");
    }
    if item_name.chars().count() > 250 {
        return bad_request("itemName must not exceed 250 characters.");
    }
    let mut store = app.store.lock().expect("store lock");
    if let Err(e) = check_org(&store, &slug) {
        return e;
    }
    let id = store.id();
    let intent = CheckoutIntent {
        id,
        total_amount: total,
        initial_amount: initial,
        item_name,
        contains_donation,
        back_url,
        error_url,
        return_url,
        payer: v.get("payer").filter(|p| p.is_object()).map(payer_from),
        metadata: v.get("metadata").filter(|m| !m.is_null()).cloned(),
        order_id: None,
        created: Utc::now(),
    };
    store.checkout_intents.insert(id, intent);
    ok(json!({"id": id, "redirectUrl": redirect_url(&store.org.slug, id)}))
}

/// `GET /v5/organizations/{slug}/checkout-intents/{id}`: CheckoutIntentResponse.
pub async fn get(State(app): State<App>, Path((slug, id)): Path<(String, String)>) -> Response {
    let store = app.store.lock().expect("store lock");
    if let Err(e) = check_org(&store, &slug) {
        return e;
    }
    let Some(intent) = id.parse::<i64>().ok().and_then(|id| store.checkout_intents.get(&id)) else {
        return not_found("Checkout intent");
    };
    let mut body = json!({"id": intent.id, "redirectUrl": redirect_url(&store.org.slug, intent.id)});
    if let Some(m) = &intent.metadata {
        body["metadata"] = m.clone();
    }
    if let Some(o) = intent.order_id.and_then(|oid| store.orders.get(&oid)) {
        body["order"] = render::order(&store, o, true);
    }
    ok(body)
}

/// The payer pays the intent's first term (`state`: PaymentState, default Authorized); `payer`
/// overrides the intent's payer (else the intent's, else the next seed person).
pub fn pay(app: &App, id: i64, payer: Option<Payer>, state: &str) -> Response {
    let mut store = app.store.lock().expect("store lock");
    let Some(intent) = store.checkout_intents.get(&id).cloned() else { return not_found("Checkout intent") };
    if intent.order_id.is_some() {
        return error(StatusCode::CONFLICT, "Conflict", "This checkout intent has already been paid");
    }
    let payer = match payer.or(intent.payer.clone()) {
        Some(p) => p,
        None => {
            let p = hub_sandbox_core::seed::person(store.next_person);
            store.next_person += 1;
            crate::seed::payer_of(&p)
        }
    };
    let now = Utc::now();
    let (order_id, item_id, payment_id) = (store.id(), store.id(), store.id());
    let authorized = state == "Authorized";
    let item = Item {
        id: item_id,
        tier_id: None,
        name: intent.item_name.clone(),
        tier_type: if intent.contains_donation { "Donation" } else { "Payment" }.into(),
        tier_description: String::new(),
        price_category: "Fixed".into(),
        amount: intent.total_amount,
        initial_amount: intent.total_amount,
        state: if authorized || state == "WaitingBankValidation" { "Processed" } else { "Refused" }.into(),
        user_first_name: payer.first_name.clone(),
        user_last_name: payer.last_name.clone(),
        custom_fields: Vec::new(),
    };
    let created = now - Duration::seconds(15);
    let payment = Payment {
        id: payment_id,
        order_id,
        amount: intent.initial_amount,
        date: now,
        state: state.into(),
        means: "Card".into(),
        cash_out_state: if authorized { "MoneyIn" } else { "Unknown" }.into(),
        refunds: Vec::new(),
        created,
        updated: now,
    };
    let order = Order {
        id: order_id,
        form_type: "Checkout".into(),
        form_slug: "default".into(),
        date: now,
        payer,
        items: vec![item],
        payment_ids: vec![payment_id],
        checkout_intent_id: Some(id),
        created,
        updated: now,
    };
    store.insert(order, vec![payment]);
    if let Some(i) = store.checkout_intents.get_mut(&id) {
        i.order_id = Some(order_id);
    }
    notify::payment(app, &store, payment_id);
    notify::order(app, &store, order_id);
    let o = &store.orders[&order_id];
    let p = &store.payments[&payment_id];
    ok(json!({"order": render::order(&store, o, true), "payment": render::payment(&store, o, p, false)}))
}
