//! The business rules of the `account` and ≤18.0 core `membership` add-ons that a client sees:
//! invoice lines with a membership product create `membership.membership_line`s, a line's `state`
//! follows its invoice, the partner's stored `membership_state`/`start`/`stop`/`cancel` follow its
//! lines, `create_membership_invoice`, `action_post` (numbering `INV/YYYY/NNNNN`), `button_cancel`,
//! `button_draft`, and the payment a member makes (Register Payment: the `account.payment.register`
//! wizard over RPC, or the sandbox trigger standing for Odoo's UI).

use serde_json::{Map, Value, json};

use crate::compute;
use crate::error::{OResult, OdooError};
use crate::fields::model_def;
use crate::store::{State, falsy, now_str, today};
use crate::write;

/// `product.template`'s date constraint.
pub fn check_constraints(model: &str, rec: &Map<String, Value>) -> OResult<()> {
    if model == "product.template"
        && let (Some(Value::String(from)), Some(Value::String(to))) =
            (rec.get("membership_date_from"), rec.get("membership_date_to"))
        && to < from
    {
        return Err(OdooError::new(
            crate::error::Exc::ValidationError,
            "Error! Ending Date cannot be set before Beginning Date.",
        ));
    }
    if model == "res.partner"
        && rec.get("type").and_then(Value::as_str).unwrap_or("contact") == "contact"
        && falsy(rec.get("name").unwrap_or(&json!(false)))
    {
        return Err(OdooError::new(
            crate::error::Exc::ValidationError,
            "The operation cannot be completed: Contacts require a name",
        ));
    }
    Ok(())
}

pub fn after_create(state: &mut State, model: &str, id: i64) -> OResult<()> {
    match model {
        "product.template" => {
            let at = now_str();
            let mut rec = Map::new();
            rec.insert("product_tmpl_id".into(), json!(id));
            rec.insert("active".into(), json!(true));
            state.insert_raw("product.product", rec, &at);
        }
        "account.move.line" => membership_line_for(state, id)?,
        _ => {}
    }
    compute::recompute_touched(state, model, &[id]);
    Ok(())
}

pub fn after_write(state: &mut State, model: &str, id: i64, vals: &Map<String, Value>) -> OResult<()> {
    let mut touched = compute::Touched::default();
    if model == "account.move" && vals.contains_key("partner_id") {
        let at = now_str();
        let partner = state.get("account.move", id, "partner_id");
        for line in state.children("account.move.line", "move_id", id) {
            for ml in state.children("membership.membership_line", "account_invoice_line", line) {
                // The partner who loses the line is recomputed too.
                touched.partners.extend(state.get_id("membership.membership_line", ml, "partner"));
                state.set("membership.membership_line", ml, "partner", partner.clone(), &at);
            }
        }
    }
    if model == "account.move.line" && vals.contains_key("product_id") {
        membership_line_for(state, id)?;
    }
    match model {
        "account.move" => {
            touched.moves.insert(id);
        }
        "account.move.line" => touched.moves.extend(state.get_id(model, id, "move_id")),
        "membership.membership_line" => {
            touched.membership_lines.insert(id);
        }
        "res.partner" => {
            touched.partners.insert(id);
        }
        _ => {
            compute::recompute_touched(state, model, &[id]);
            return Ok(());
        }
    }
    compute::recompute_touched_set(state, touched);
    Ok(())
}

/// `account.move.line` create/write override: a customer-invoice line with a membership product gets its membership line.
fn membership_line_for(state: &mut State, line: i64) -> OResult<()> {
    let Some(move_id) = state.get_id("account.move.line", line, "move_id") else { return Ok(()) };
    let Some(product) = state.get_id("account.move.line", line, "product_id") else { return Ok(()) };
    let pp = model_def("product.product").expect("known model");
    if state.get("account.move", move_id, "move_type") != json!("out_invoice")
        || state.value(pp, product, "membership") != json!(true)
        || !state.children("membership.membership_line", "account_invoice_line", line).is_empty()
    {
        return Ok(());
    }
    let from = state.value(pp, product, "membership_date_from");
    let to = state.value(pp, product, "membership_date_to");
    let invoice_date = state.get("account.move", move_id, "invoice_date");
    let date_from = match (&invoice_date, &from, &to) {
        (Value::String(d), Value::String(f), Value::String(t)) if d > f && d < t => invoice_date.clone(),
        _ => from,
    };
    let mut rec = Map::new();
    rec.insert("partner".into(), state.get("account.move", move_id, "partner_id"));
    rec.insert("membership_id".into(), json!(product));
    rec.insert("member_price".into(), json!(state.get_f64("account.move.line", line, "price_unit")));
    rec.insert("date".into(), json!(today().to_string()));
    rec.insert("date_from".into(), date_from);
    rec.insert("date_to".into(), to);
    rec.insert("date_cancel".into(), json!(false));
    rec.insert("account_invoice_line".into(), json!(line));
    rec.insert("company_id".into(), json!(1));
    rec.insert("state".into(), json!("none"));
    state.insert_raw("membership.membership_line", rec, &now_str());
    Ok(())
}

/// `res.partner.create_membership_invoice(product, amount)`: one draft customer invoice per partner.
pub fn create_membership_invoice(
    state: &mut State,
    partners: &[i64],
    product: &Value,
    amount: &Value,
) -> OResult<Vec<i64>> {
    let pp = model_def("product.product").expect("known model");
    let product = match product {
        Value::Array(a) => a.first().and_then(Value::as_i64),
        v => v.as_i64(),
    }
    .ok_or_else(|| OdooError::value(format!("product must be a product.product id, not {product}")))?;
    write::check_exist(state, pp, &[product])?;
    let mut moves = Vec::new();
    for &p in partners {
        if state.get("res.partner", p, "free_member") == json!(true) {
            return Err(OdooError::user("Partner is a free Member."));
        }
        let price = amount.as_f64().unwrap_or_else(|| state.value(pp, product, "list_price").as_f64().unwrap_or(0.0));
        let vals = json!({
            "move_type": "out_invoice",
            "partner_id": p,
            "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 1.0, "price_unit": price,
                "name": state.display_name("product.product", product)}]],
        });
        moves.push(write::create(state, model_def("account.move").expect("known model"), &vals)?);
    }
    Ok(moves)
}

/// `action_post`, `button_cancel`, `button_draft` on invoices.
pub fn move_action(state: &mut State, moves: &[i64], action: &str) -> OResult<()> {
    let at = now_str();
    for &mv in moves {
        let current = state.get_str("account.move", mv, "state").unwrap_or_default();
        match action {
            "action_post" => {
                if current != "draft" {
                    return Err(OdooError::user("The entry is not in draft state."));
                }
                if state.get_id("account.move", mv, "partner_id").is_none() {
                    return Err(OdooError::user(
                        "The field 'Customer' is required, please complete it to validate the Customer Invoice.",
                    ));
                }
                if state.children("account.move.line", "move_id", mv).is_empty() {
                    return Err(OdooError::user("You need to add a line before posting."));
                }
                let date = match state.get_str("account.move", mv, "invoice_date") {
                    Some(d) => d,
                    None => {
                        let d = today().to_string();
                        state.set("account.move", mv, "invoice_date", json!(d), &at);
                        d
                    }
                };
                state.set("account.move", mv, "date", json!(date), &at);
                if state.get_str("account.move", mv, "name").as_deref().unwrap_or("/") == "/" {
                    let name = next_invoice_name(state, &date);
                    state.set("account.move", mv, "name", json!(name), &at);
                }
                if state.get("account.move", mv, "invoice_date_due") == json!(false) {
                    state.set("account.move", mv, "invoice_date_due", json!(date), &at);
                }
                state.set("account.move", mv, "state", json!("posted"), &at);
            }
            "button_cancel" | "button_draft" => {
                let (target, cancel_date) = if action == "button_cancel" {
                    ("cancel", json!(today().to_string()))
                } else {
                    ("draft", json!(false))
                };
                state.set("account.move", mv, "state", json!(target), &at);
                for line in state.children("account.move.line", "move_id", mv) {
                    for ml in state.children("membership.membership_line", "account_invoice_line", line) {
                        state.set("membership.membership_line", ml, "date_cancel", cancel_date.clone(), &at);
                    }
                }
            }
            other => return Err(OdooError::value(format!("unknown invoice action {other:?}"))),
        }
    }
    compute::recompute_touched(state, "account.move", moves);
    Ok(())
}

/// The next `INV/YYYY/NNNNN` of the invoice date's year.
pub fn next_invoice_name(state: &mut State, date: &str) -> String {
    let year: i32 = date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let n = state.sequences.entry(year).or_insert(0);
    *n += 1;
    format!("INV/{year}/{n:05}")
}

/// A member pays a posted invoice in full (what Odoo's "Register Payment" does): `payment_state` → `paid`.
pub fn register_payment(state: &mut State, mv: i64) -> OResult<()> {
    write::check_exist(state, model_def("account.move").expect("known model"), &[mv])?;
    if state.get_str("account.move", mv, "state").as_deref() != Some("posted") {
        return Err(OdooError::user("You can only register payment for posted journal entries."));
    }
    state.set("account.move", mv, "payment_state", json!("paid"), &now_str());
    compute::recompute_touched(state, "account.move", &[mv]);
    Ok(())
}

/// `account.payment.register.create` with `active_model = account.move` and `active_ids` in the
/// context (how Odoo's "Register Payment" button opens the wizard): one wizard per values dict,
/// remembering the invoices. Odoo refuses the wizard on anything but posted customer entries.
pub fn payment_wizard(state: &mut State, call: &crate::orm::Call) -> OResult<Value> {
    if call.context.get("active_model").and_then(Value::as_str) != Some("account.move") {
        return Err(OdooError::user(
            "The register payment wizard should only be called on account.move or account.move.line records.",
        ));
    }
    let moves: Vec<i64> = match call.context.get("active_ids") {
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
        Some(v) => v.as_i64().into_iter().collect(),
        None => Vec::new(),
    };
    if moves.is_empty() {
        return Err(OdooError::user(
            "You can't register a payment because there is nothing left to pay on the selected journal items.",
        ));
    }
    let m = model_def("account.move").expect("known model");
    write::check_exist(state, m, &moves)?;
    for mv in &moves {
        if state.get_str("account.move", *mv, "state").as_deref() != Some("posted") {
            return Err(OdooError::user("You can only register payment for posted journal entries."));
        }
    }
    let list = match call.args.get("vals_list") {
        Some(Value::Array(list)) => list.clone(),
        Some(single) => vec![single.clone()],
        None => vec![json!({})],
    };
    let wizard = model_def("account.payment.register").expect("known model");
    let ids_text = moves.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut ids = Vec::new();
    for vals in list {
        let id = write::create(state, wizard, &vals)?;
        state.set("account.payment.register", id, "x_sandbox_move_ids", json!(ids_text), &now_str());
        ids.push(id);
    }
    Ok(if call.json2 || ids.len() > 1 { json!(ids) } else { json!(ids[0]) })
}

/// `action_create_payments`: every invoice of each wizard is paid in full (`payment_state` →
/// `paid`, the membership lines follow). An invoice already paid is left as it is.
pub fn create_payments(state: &mut State, wizards: &[i64]) -> OResult<()> {
    for w in wizards {
        let text = state.get_str("account.payment.register", *w, "x_sandbox_move_ids").unwrap_or_default();
        for mv in text.split(',').filter_map(|s| s.parse::<i64>().ok()) {
            if state.get_str("account.move", mv, "payment_state").as_deref() != Some("paid") {
                register_payment(state, mv)?;
            }
        }
    }
    Ok(())
}
