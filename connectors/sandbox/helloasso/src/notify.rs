//! Notifications as HelloAsso sends them: `POST` of `{"data": …, "eventType": "Order"|"Payment"|"Form",
//! "metadata"?: …}` to every registered URL whose type matches (or that takes every type), partner
//! URLs signed with header `x-ha-signature` = lowercase hex HMAC-SHA256 of the raw body keyed with
//! the registration's `signatureKey` (UTF-8 bytes); the association's back-office URL is unsigned.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::App;
use crate::model::Store;
use crate::render;

/// Lowercase hex HMAC-SHA256 of `body` keyed with `key`.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Sends `{"data", "eventType", "metadata"?}` to every matching registration.
pub fn send(app: &App, store: &Store, event_type: &str, data: Value, metadata: Option<Value>) {
    let mut body = json!({"data": data, "eventType": event_type});
    if let Some(m) = metadata {
        body["metadata"] = m;
    }
    let body = body.to_string();
    for reg in &store.registrations {
        let type_matches = reg.notification_type.as_deref().is_none_or(|t| t == event_type);
        let org_matches = reg.organization.as_deref().is_none_or(|o| o == store.org.slug);
        if !(type_matches && org_matches) {
            continue;
        }
        let mut headers = vec![("content-type".to_string(), "application/json; charset=utf-8".to_string())];
        if let Some(key) = &reg.signature_key {
            headers.push(("x-ha-signature".to_string(), sign(key, body.as_bytes())));
        }
        app.emitter.emit(&reg.url, event_type, headers, body.clone());
    }
}

/// The metadata a partner sent with the checkout intent of an order, echoed in its notifications.
fn metadata(store: &Store, o: &crate::model::Order) -> Option<Value> {
    o.checkout_intent_id.and_then(|id| store.checkout_intents.get(&id)).and_then(|c| c.metadata.clone())
}

/// The Order notification of an order.
pub fn order(app: &App, store: &Store, order_id: i64) {
    if let Some(o) = store.orders.get(&order_id) {
        send(app, store, "Order", render::order(store, o, true), metadata(store, o));
    }
}

/// The Payment notification of a payment.
pub fn payment(app: &App, store: &Store, payment_id: i64) {
    let Some(p) = store.payments.get(&payment_id) else { return };
    if let Some(o) = store.orders.get(&p.order_id) {
        send(app, store, "Payment", render::payment(store, o, p, true), metadata(store, o));
    }
}

/// The Form notification of a form.
pub fn form(app: &App, store: &Store, form_type: &str, slug: &str) {
    if let Some(f) = store.form(form_type, slug) {
        send(app, store, "Form", render::form_public(store, f), None);
    }
}
