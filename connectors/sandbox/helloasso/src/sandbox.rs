//! `/_sandbox/...` routes (never faulted): inspection (`GET /_sandbox/state`, `GET /_sandbox/webhooks`),
//! token control (`PUT /_sandbox/config`, `POST /_sandbox/expire-tokens`), the association's
//! back-office notification URL (`PUT`/`DELETE /_sandbox/notification-url`, unsigned), and
//! triggers of what HelloAsso's own site would cause: someone pays (`POST /_sandbox/payments`),
//! a payment is refunded (`POST /_sandbox/refunds`), staff publish a form (`POST /_sandbox/forms`),
//! a payer pays a checkout intent (`POST /_sandbox/checkout-intents/{id}/pay`).

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use chrono::Utc;
use serde_json::{Value, json};

use crate::model::{FieldDef, Form, Registration, Tier};
use crate::ops::{Purchase, purchase};
use crate::routes::checkout::{self, payer_from};
use crate::routes::detail::refund_and_notify;
use crate::seed::{answers_of, payer_of};
use crate::{App, notify, render};

fn fail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

fn body_json(body: &[u8]) -> Result<Value, Response> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")))
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/webhooks", get(webhooks))
        .route("/_sandbox/config", put(config).get(get_config))
        .route("/_sandbox/expire-tokens", post(expire_tokens))
        .route("/_sandbox/notification-url", put(set_association_url).delete(delete_association_url))
        .route("/_sandbox/payments", post(pay))
        .route("/_sandbox/refunds", post(refund))
        .route("/_sandbox/forms", post(create_form))
        .route("/_sandbox/checkout-intents/{id}/pay", post(pay_checkout))
        .with_state(app)
}

async fn state(State(app): State<App>) -> Json<Value> {
    let store = app.store.lock().expect("store lock");
    let mut by_state = serde_json::Map::new();
    for p in store.payments.values() {
        let n = by_state.get(&p.state).and_then(Value::as_u64).unwrap_or(0);
        by_state.insert(p.state.clone(), json!(n + 1));
    }
    let forms: Vec<Value> = store
        .forms
        .iter()
        .map(|f| {
            json!({"formType": f.form_type, "formSlug": f.slug, "title": f.title, "state": f.state,
            "tiers": f.tiers.iter().map(|t| json!({"id": t.id, "label": t.label, "price": t.price,
                "customFields": t.custom_fields.iter().map(|c| &c.label).collect::<Vec<_>>()})).collect::<Vec<_>>()})
        })
        .collect();
    let last: Vec<Value> = store.orders.values().rev().take(20).map(|o| render::order(&store, o, true)).collect();
    Json(json!({
        "organization": store.org,
        "forms": forms,
        "orders": store.orders.len(),
        "payments": store.payments.len(),
        "paymentsByState": by_state,
        "lastOrders": last,
        "registrations": store.registrations,
        "accessTokens": store.access_tokens.len(),
        "accessTokenTtlSecs": store.access_token_ttl_secs,
        "refreshTokenTtlSecs": store.refresh_token_ttl_secs,
    }))
}

async fn webhooks(State(app): State<App>) -> Json<Value> {
    Json(json!(app.emitter.log()))
}

async fn get_config(State(app): State<App>) -> Json<Value> {
    let store = app.store.lock().expect("store lock");
    Json(
        json!({"accessTokenTtlSecs": store.access_token_ttl_secs, "refreshTokenTtlSecs": store.refresh_token_ttl_secs}),
    )
}

/// `{"accessTokenTtlSecs": n, "refreshTokenTtlSecs": m}` for tokens issued from now on.
async fn config(State(app): State<App>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut store = app.store.lock().expect("store lock");
    if let Some(n) = v.get("accessTokenTtlSecs").and_then(Value::as_i64) {
        store.access_token_ttl_secs = n.max(1);
    }
    if let Some(n) = v.get("refreshTokenTtlSecs").and_then(Value::as_i64) {
        store.refresh_token_ttl_secs = n.max(1);
    }
    Json(
        json!({"accessTokenTtlSecs": store.access_token_ttl_secs, "refreshTokenTtlSecs": store.refresh_token_ttl_secs}),
    )
    .into_response()
}

/// Makes every access token issued so far expired (refresh tokens stay valid).
async fn expire_tokens(State(app): State<App>) -> Json<Value> {
    let mut store = app.store.lock().expect("store lock");
    let past = Utc::now() - chrono::Duration::seconds(1);
    for t in store.access_tokens.values_mut() {
        t.expires_at = past;
    }
    Json(json!({"expired": store.access_tokens.len()}))
}

/// `{"url": "..."}`: the association's URL from "Mon Compte > Intégrations et API" (all types, unsigned).
async fn set_association_url(State(app): State<App>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(url) = v.get("url").and_then(Value::as_str).filter(|u| !u.is_empty()) else {
        return fail(StatusCode::BAD_REQUEST, "url is required");
    };
    let mut store = app.store.lock().expect("store lock");
    store.registrations.retain(|r| r.signature_key.is_some());
    let slug = store.org.slug.clone();
    store.registrations.push(Registration {
        url: url.into(),
        notification_type: None,
        organization: Some(slug),
        signature_key: None,
    });
    Json(json!({"url": url})).into_response()
}

async fn delete_association_url(State(app): State<App>) -> StatusCode {
    app.store.lock().expect("store lock").registrations.retain(|r| r.signature_key.is_some());
    StatusCode::NO_CONTENT
}

/// The payer pays a checkout intent on HelloAsso's page: `{"payer"? {…}, "state"? (default
/// Authorized)}`; sends Payment and Order notifications with the intent's metadata.
async fn pay_checkout(State(app): State<App>, Path(id): Path<i64>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let state = v.get("state").and_then(Value::as_str).unwrap_or("Authorized");
    checkout::pay(&app, id, v.get("payer").map(payer_from), state)
}

/// Someone pays on a form: `{"formType"?, "formSlug"?, "tierId"? | "tierLabel"?, "person"? (seed
/// index) | "payer"? {email, firstName, lastName, …}, "amount"? (cents), "customFields"? {label:
/// answer}, "state"? (PaymentState, default Authorized), "beneficiaries"? [{firstName, lastName,
/// customFields?}] (one item each, at the tier's amount: a family membership; without it one item
/// for the payer)}`. Creates the order and payment, sends the Payment and Order notifications,
/// answers `{"order": …, "payment": …}`.
async fn pay(State(app): State<App>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut store = app.store.lock().expect("store lock");
    let form_type = s("formType").unwrap_or_else(|| "Membership".into());
    let Some(form) = store
        .forms
        .iter()
        .find(|f| f.form_type.eq_ignore_ascii_case(&form_type) && s("formSlug").is_none_or(|slug| slug == f.slug))
    else {
        return fail(StatusCode::NOT_FOUND, "no such form");
    };
    let tier = form.tiers.iter().find(|t| {
        v.get("tierId").and_then(Value::as_i64).is_none_or(|id| id == t.id)
            && s("tierLabel").is_none_or(|l| l.eq_ignore_ascii_case(&t.label))
    });
    let Some(tier_id) = tier.map(|t| t.id) else { return fail(StatusCode::NOT_FOUND, "no such tier") };
    let (form_type, form_slug) = (form.form_type.clone(), form.slug.clone());
    let (payer, mut answers) = match (v.get("payer"), v.get("person").and_then(Value::as_u64)) {
        (Some(p), _) => (payer_from(p), Vec::new()),
        (None, Some(i)) => {
            let p = hub_sandbox_core::seed::person(i as usize);
            (payer_of(&p), answers_of(&p))
        }
        (None, None) => {
            let p = hub_sandbox_core::seed::person(store.next_person);
            store.next_person += 1;
            (payer_of(&p), answers_of(&p))
        }
    };
    if let Some(given) = v.get("customFields").and_then(Value::as_object) {
        for (label, answer) in given {
            answers.retain(|(l, _)| l != label);
            answers.push((label.clone(), answer.as_str().map(str::to_string).unwrap_or_else(|| answer.to_string())));
        }
    }
    let purchase_ = Purchase {
        form_type,
        form_slug,
        tier_id,
        payer,
        amount: v.get("amount").and_then(Value::as_i64),
        answers,
        payment_state: s("state").unwrap_or_else(|| "Authorized".into()),
        at: Utc::now(),
        beneficiaries: v
            .get("beneficiaries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(beneficiary)
            .collect(),
    };
    match purchase(&mut store, purchase_) {
        Ok((order_id, payment_id)) => {
            notify::payment(&app, &store, payment_id);
            notify::order(&app, &store, order_id);
            let o = &store.orders[&order_id];
            let p = &store.payments[&payment_id];
            Json(json!({"order": render::order(&store, o, true), "payment": render::payment(&store, o, p, false)}))
                .into_response()
        }
        Err(e) => fail(StatusCode::BAD_REQUEST, &e),
    }
}

/// `{"firstName", "lastName", "customFields"?: {label: answer}}` of `/_sandbox/payments`.
fn beneficiary(v: &Value) -> crate::ops::Beneficiary {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let answers = v
        .get("customFields")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(label, a)| (label.clone(), a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string())))
        .collect();
    crate::ops::Beneficiary { first_name: s("firstName"), last_name: s("lastName"), answers }
}

/// A payment is refunded from the back office: `{"paymentId", "amount"? (0: all), "cancelOrder"?}`;
/// sends the Payment notification; answers the RefundOperationModel (or the API's 404/409).
async fn refund(State(app): State<App>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(id) = v.get("paymentId").and_then(Value::as_i64) else {
        return fail(StatusCode::BAD_REQUEST, "paymentId is required");
    };
    let amount = v.get("amount").and_then(Value::as_i64).unwrap_or(0);
    let cancel = v.get("cancelOrder").and_then(Value::as_bool).unwrap_or(false);
    refund_and_notify(&app, id, amount, cancel, true, Some("Remboursement depuis l'espace association".into()))
}

/// Staff publish a form: `{"formType"? (default Event), "title", "formSlug"?, "state"?,
/// "tiers"? [{"label", "price", "tierType"?}], "customFields"? [label…]}`; sends the Form notification.
async fn create_form(State(app): State<App>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(title) = s("title") else { return fail(StatusCode::BAD_REQUEST, "title is required") };
    let form_type = s("formType").unwrap_or_else(|| "Event".into());
    let slug = s("formSlug").unwrap_or_else(|| hub_sandbox_core::seed::ascii_slug(&title));
    let mut store = app.store.lock().expect("store lock");
    if store.form(&form_type, &slug).is_some() {
        return fail(StatusCode::CONFLICT, "a form with this slug exists");
    }
    let default_tier_type = match form_type.as_str() {
        "Membership" => "Membership",
        "Donation" => "Donation",
        "Event" => "Registration",
        _ => "Payment",
    };
    let labels: Vec<String> = v
        .get("customFields")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let tier_specs: Vec<Value> = v
        .get("tiers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_else(|| vec![json!({"label": "Tarif unique", "price": 1000})]);
    let mut tiers = Vec::new();
    for t in tier_specs {
        let fields = labels
            .iter()
            .map(|l| FieldDef {
                id: store.id(),
                label: l.clone(),
                field_type: "TextInput".into(),
                values: vec![],
                required: false,
            })
            .collect();
        let price = t.get("price").and_then(Value::as_i64).unwrap_or(0);
        tiers.push(Tier {
            id: store.id(),
            label: t.get("label").and_then(Value::as_str).unwrap_or("Tarif").into(),
            description: String::new(),
            tier_type: t.get("tierType").and_then(Value::as_str).unwrap_or(default_tier_type).into(),
            price,
            min_amount: if price == 0 { Some(100) } else { None },
            custom_fields: fields,
        });
    }
    let now = Utc::now();
    store.forms.push(Form {
        form_type: form_type.clone(),
        slug: slug.clone(),
        title,
        description: s("description").unwrap_or_default(),
        state: s("state").unwrap_or_else(|| "Public".into()),
        tiers,
        start: None,
        end: None,
        created: now,
        updated: now,
    });
    notify::form(&app, &store, &form_type, &slug);
    let f = store.form(&form_type, &slug).expect("just added");
    (StatusCode::CREATED, Json(render::form_public(&store, f))).into_response()
}
