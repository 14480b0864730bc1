//! `/_sandbox/...` (never faulted, no auth): inspection and the vendor-side events staff would
//! cause from the Dokos desk.
//! - `GET /_sandbox/state` — document counts per DocType and the demo credentials.
//! - `GET /_sandbox/docs/{DocType}` — every document of a DocType (full, with child rows).
//! - `GET /_sandbox/webhooks` — the emitter's delivery log.
//! - `POST /_sandbox/docs/{DocType}` — staff create a document in the desk (as `Administrator`;
//!   webhooks fire), e.g. an Event or an Item Booking; body = field values.
//! - `PUT /_sandbox/docs/{DocType}/{name}` — staff edit / submit (`docstatus: 1`) / cancel
//!   (`docstatus: 2`) a document.
//! - `POST /_sandbox/payments` `{"invoice": "ACC-SINV-...", "amount": 30.0}` — a payment is
//!   reconciled against a submitted Sales Invoice (amount defaults to the outstanding amount):
//!   `outstanding_amount` and `status` change, `modified` moves, `on_update_after_submit` fires.

use axum::{
    Json, Router,
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use serde_json::{Value, json};

use crate::{
    App, compute,
    docops::{self, Change},
    errors::FrappeError,
    store::{Doc, f, round2},
};

pub fn router() -> Router<App> {
    Router::new()
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/webhooks", get(webhooks))
        .route("/_sandbox/docs/{doctype}", get(docs).post(desk_create))
        .route("/_sandbox/docs/{doctype}/{*name}", put(desk_update))
        .route("/_sandbox/payments", post(payment))
}

const DESK_USER: &str = "Administrator";

async fn state(State(app): State<App>) -> Json<Value> {
    let st = app.state.lock().expect("state lock");
    Json(json!({ "counts": st.counts(), "credentials": app.credentials(), "site_time_zone": "Europe/Paris" }))
}

async fn webhooks(State(app): State<App>) -> Json<Value> {
    Json(serde_json::to_value(app.emitter.log()).unwrap_or(Value::Null))
}

async fn docs(State(app): State<App>, Path(doctype): Path<String>) -> Result<Json<Value>, FrappeError> {
    docops::meta_of(&doctype)?;
    let st = app.state.lock().expect("state lock");
    let docs: Vec<Value> =
        st.table(&doctype).into_iter().flat_map(|t| t.values().cloned().map(Value::Object)).collect();
    Ok(Json(json!({ "data": docs })))
}

async fn desk_create(State(app): State<App>, Path(doctype): Path<String>, Json(body): Json<Doc>) -> Response {
    match app.apply(|st| docops::insert(st, &doctype, &body, DESK_USER)) {
        Ok(doc) => Json(json!({ "data": doc })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn desk_update(
    State(app): State<App>,
    Path((doctype, name)): Path<(String, String)>,
    Json(body): Json<Doc>,
) -> Response {
    match app.apply(|st| docops::update(st, &doctype, &name, &body, DESK_USER)) {
        Ok(doc) => Json(json!({ "data": doc })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn payment(State(app): State<App>, Json(body): Json<Doc>) -> Response {
    let name = body.get("invoice").and_then(Value::as_str).unwrap_or_default().to_string();
    let result = app.apply(|st| {
        let mut doc =
            st.get("Sales Invoice", &name).cloned().ok_or_else(|| FrappeError::not_found("Sales Invoice", &name))?;
        if f(&doc, "docstatus") != 1.0 {
            return Err(FrappeError::validation(
                "ValidationError",
                format!("Sales Invoice {name} must be submitted to receive a payment"),
            ));
        }
        let outstanding = f(&doc, "outstanding_amount");
        let amount = body.get("amount").and_then(Value::as_f64).unwrap_or(outstanding);
        doc.insert("outstanding_amount".into(), json!(round2(outstanding - amount).max(0.0)));
        let status = compute::invoice_status(&doc, st.today());
        doc.insert("status".into(), json!(status));
        doc.insert("modified".into(), json!(st.now_str()));
        doc.insert("modified_by".into(), json!(DESK_USER));
        st.put("Sales Invoice", doc.clone());
        Ok(Change { doctype: "Sales Invoice".into(), events: vec!["on_update_after_submit", "on_change"], doc })
    });
    match result {
        Ok(doc) => Json(json!({ "data": doc })).into_response(),
        Err(e) => e.into_response(),
    }
}
