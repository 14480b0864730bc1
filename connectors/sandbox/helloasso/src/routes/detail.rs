//! Single records and actions: `GET /v5/orders/{id}`, `POST /v5/orders/{id}/cancel`,
//! `GET /v5/payments/{id}`, `POST /v5/payments/{id}/refund`, `GET /v5/items/{id}`,
//! `GET /v5/organizations/{slug}/forms/{formType}/{formSlug}/public`.

use axum::{
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde_json::json;

use crate::ops::{RefundError, refund as do_refund};
use crate::routes::check_org;
use crate::wire::{Params, bad_request, error, not_found, ok};
use crate::{App, notify, render};

fn id_of(text: &str) -> Result<i64, Response> {
    text.parse().map_err(|_| bad_request(&format!("The value '{text}' is not valid.")))
}

/// `GET /v5/orders/{orderId}`: OrderDetail, custom fields included.
pub async fn order(State(app): State<App>, Path(id): Path<String>) -> Response {
    let store = app.store.lock().expect("store lock");
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    match store.orders.get(&id) {
        Some(o) => ok(render::order(&store, o, true)),
        None => not_found("Order"),
    }
}

/// `POST /v5/orders/{orderId}/cancel`: cancels future instalments (none here); 200, no body.
pub async fn cancel(State(app): State<App>, Path(id): Path<String>) -> Response {
    let mut store = app.store.lock().expect("store lock");
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    match store.orders.get_mut(&id) {
        Some(o) => {
            o.updated = Utc::now();
            StatusCode::OK.into_response()
        }
        None => not_found("Order"),
    }
}

/// `GET /v5/payments/{paymentId}`: PaymentDetail.
pub async fn payment(State(app): State<App>, Path(id): Path<String>) -> Response {
    let store = app.store.lock().expect("store lock");
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let Some(p) = store.payments.get(&id) else { return not_found("Payment") };
    match store.orders.get(&p.order_id) {
        Some(o) => ok(render::payment(&store, o, p, false)),
        None => not_found("Payment"),
    }
}

/// Refunds and notifies; shared with the `/_sandbox/refunds` trigger. Returns RefundOperationModel.
pub fn refund_and_notify(
    app: &App,
    payment_id: i64,
    amount: i64,
    cancel_order: bool,
    send_refund_mail: bool,
    comment: Option<String>,
) -> Response {
    let mut store = app.store.lock().expect("store lock");
    let now = Utc::now();
    match do_refund(&mut store, payment_id, amount, cancel_order, send_refund_mail, comment, now) {
        Ok(refund_id) => {
            let p = &store.payments[&payment_id];
            let r = p.refunds.iter().find(|r| r.id == refund_id).expect("just added");
            let body = json!({
                "id": r.id,
                "amount": r.amount,
                "cancelOrder": r.cancel_order,
                "creationDate": crate::wire::date_time(r.created),
                "state": r.status,
                "sendRefundMail": r.send_refund_mail,
                "paymentId": payment_id,
            });
            notify::payment(app, &store, payment_id);
            ok(body)
        }
        Err(RefundError::NotFound) => not_found("Payment"),
        Err(RefundError::Conflict(m)) => error(StatusCode::CONFLICT, "Conflict", &m),
    }
}

/// `POST /v5/payments/{paymentId}/refund?amount=&cancelOrder=&sendRefundMail=&comment=`.
pub async fn refund(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref().unwrap_or(""));
    let parsed = (|| {
        Ok::<_, Response>((
            id_of(&id)?,
            p.int("amount")?.unwrap_or(0),
            p.bool("cancelOrder")?.unwrap_or(false),
            p.bool("sendRefundMail")?.unwrap_or(true),
        ))
    })();
    match parsed {
        Ok((id, amount, cancel_order, mail)) => {
            refund_and_notify(&app, id, amount, cancel_order, mail, p.get("comment").map(str::to_string))
        }
        Err(e) => e,
    }
}

/// `GET /v5/items/{itemId}?withDetails=`: ItemDetail.
pub async fn item(State(app): State<App>, Path(id): Path<String>, RawQuery(q): RawQuery) -> Response {
    let p = Params::parse(q.as_deref().unwrap_or(""));
    let store = app.store.lock().expect("store lock");
    let (id, details) = match (id_of(&id), p.bool("withDetails")) {
        (Ok(id), Ok(d)) => (id, d.unwrap_or(false)),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let found = store
        .item_orders
        .get(&id)
        .and_then(|oid| store.orders.get(oid))
        .and_then(|o| o.items.iter().find(|i| i.id == id).map(|i| (o, i)));
    match found {
        Some((o, i)) => ok(render::item(&store, o, i, details)),
        None => not_found("Item"),
    }
}

/// `GET /v5/organizations/{slug}/forms/{formType}/{formSlug}/public`: FormPublicModel.
pub async fn form_public(
    State(app): State<App>,
    Path((slug, form_type, form_slug)): Path<(String, String, String)>,
) -> Response {
    let store = app.store.lock().expect("store lock");
    if let Err(e) = check_org(&store, &slug) {
        return e;
    }
    match store.form(&form_type, &form_slug) {
        Some(f) => ok(render::form_public(&store, f)),
        None => not_found("Form"),
    }
}
