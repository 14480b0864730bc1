//! Sandbox-only routes (never faulted): `GET /_sandbox/state` (counts), `GET /_sandbox/records/<model>`
//! (every record as `read` shows it, archived included), `GET /_sandbox/calls` (the calls clients
//! made), `POST /_sandbox/invoices/<id>/pay` (a member pays an invoice, as staff would register it in
//! Odoo's UI), `POST /_sandbox/memberships` (staff sell a membership in Odoo's UI: invoice, posted,
//! paid unless `"paid": false`) and `POST /_sandbox/cron/membership` (the daily recomputation).

use axum::{
    Json,
    extract::{Path, State as AxState},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::Db;
use crate::error::OdooError;
use crate::fields::{model_def, models};
use crate::store::{API_KEY, DATABASE, LOGIN};
use crate::{compute, membership, write};

pub async fn state(AxState(db): AxState<Db>) -> Json<Value> {
    let s = db.lock();
    let counts: Map<String, Value> =
        models().iter().map(|m| (m.name.to_string(), json!(s.table(m.name).rows.len()))).collect();
    Json(json!({"database": DATABASE, "login": LOGIN, "api_key": API_KEY, "counts": counts,
        "invoice_sequences": s.sequences, "calls": s.calls.len()}))
}

pub async fn records(AxState(db): AxState<Db>, Path(model): Path<String>) -> Response {
    let Some(m) = model_def(&model) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": format!("unknown model {model}")}))).into_response();
    };
    let s = db.lock();
    let rows: Vec<Value> = s
        .ids(m.name)
        .into_iter()
        .map(|id| {
            let mut row = Map::new();
            row.insert("id".into(), json!(id));
            for f in m.fields.iter().filter(|f| f.name != "id") {
                row.insert(f.name.to_string(), s.read_value(m, id, f.name, true));
            }
            Value::Object(row)
        })
        .collect();
    Json(Value::Array(rows)).into_response()
}

pub async fn calls(AxState(db): AxState<Db>) -> Json<Value> {
    Json(json!(db.lock().calls))
}

pub async fn pay(AxState(db): AxState<Db>, Path(id): Path<i64>) -> Response {
    let mut s = db.lock();
    match membership::register_payment(&mut s, id) {
        Ok(()) => {
            let m = model_def("account.move").expect("known model");
            let mut row = Map::new();
            row.insert("id".into(), json!(id));
            for f in ["name", "state", "payment_state", "amount_residual", "partner_id", "write_date"] {
                row.insert(f.into(), s.read_value(m, id, f, true));
            }
            Json(Value::Object(row)).into_response()
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": e.message}))).into_response(),
    }
}

/// Body: `{"partner_id": 42, "product_id": 3 (default: the first membership product), "amount": 20.0
/// (default: the product's price), "paid": true}`.
pub async fn sell_membership(AxState(db): AxState<Db>, Json(body): Json<Value>) -> Response {
    let mut s = db.lock();
    let outcome = (|| {
        let partner =
            body["partner_id"].as_i64().ok_or_else(|| OdooError::value("partner_id (an integer) is required"))?;
        write::check_exist(&s, model_def("res.partner").expect("known model"), &[partner])?;
        let product = match body["product_id"].as_i64() {
            Some(p) => p,
            None => {
                let pp = model_def("product.product").expect("known model");
                s.ids("product.product")
                    .into_iter()
                    .find(|p| s.value(pp, *p, "membership") == json!(true))
                    .ok_or_else(|| OdooError::user("no membership product"))?
            }
        };
        let moves = membership::create_membership_invoice(&mut s, &[partner], &json!(product), &body["amount"])?;
        membership::move_action(&mut s, &moves, "action_post")?;
        if body["paid"] != json!(false) {
            membership::register_payment(&mut s, moves[0])?;
        }
        let lines: Vec<i64> = s
            .children("account.move.line", "move_id", moves[0])
            .into_iter()
            .flat_map(|l| s.children("membership.membership_line", "account_invoice_line", l))
            .collect();
        Ok::<_, OdooError>(json!({"invoice_id": moves[0], "membership_line_ids": lines,
            "membership_state": s.get("res.partner", partner, "membership_state")}))
    })();
    match outcome {
        Ok(v) => Json(v).into_response(),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": e.message}))).into_response(),
    }
}

pub async fn cron(AxState(db): AxState<Db>) -> Json<Value> {
    let mut s = db.lock();
    compute::recompute(&mut s);
    Json(json!({"ok": true}))
}
