//! `create`, `write` and `unlink` on the in-memory tables: field checks and value coercion (Odoo's
//! error wording), defaults, required fields, one2many commands (`[0,0,{..}]`, `[1,id,{..}]`,
//! `[2,id]`, `[3,id]`, `[4,id]`, `[5]`, `[6,0,ids]`) and cascades. Business side effects
//! (membership lines, states, invoice numbers) live in `membership.rs`.

use serde_json::{Map, Value, json};

use crate::error::{Exc, OResult, OdooError};
use crate::fields::{FType, FieldDef, Kind, ModelDef, model_def};
use crate::membership;
use crate::store::{State, falsy, now_str, today};

fn defaults(model: &str) -> Map<String, Value> {
    let d = match model {
        "res.partner" => json!({"active": true, "type": "contact", "is_company": false, "free_member": false,
            "membership_amount": 0.0, "membership_state": "none", "company_id": 1, "lang": "fr_FR"}),
        "membership.membership_line" => json!({"company_id": 1, "state": "none", "date": today().to_string()}),
        "product.template" => json!({"active": true, "membership": false, "list_price": 0.0, "company_id": 1}),
        "product.product" => json!({"active": true}),
        "account.move" => {
            json!({"move_type": "entry", "state": "draft", "name": "/", "currency_id": 1, "company_id": 1,
            "date": today().to_string(), "payment_state": "not_paid"})
        }
        "account.move.line" => json!({"quantity": 1.0, "price_unit": 0.0}),
        "res.currency" | "res.users" => json!({"active": true}),
        _ => json!({}),
    };
    d.as_object().cloned().unwrap_or_default()
}

fn mandatory(model: &ModelDef, field: &FieldDef) -> OdooError {
    OdooError::new(
        Exc::ValidationError,
        format!(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({})\nField: {} ({})\n",
            model.description, model.name, field.string, field.name
        ),
    )
}

fn restricted(model: &ModelDef, field: &str) -> OdooError {
    OdooError::new(
        Exc::ValidationError,
        format!(
            "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({}), Constraint: {}_{}_fkey\n",
            model.description,
            model.name,
            model.name.replace('.', "_"),
            field
        ),
    )
}

/// Checks and converts one value for `field`.
fn coerce(state: &State, model: &ModelDef, field: &FieldDef, v: &Value) -> OResult<Value> {
    if matches!(v, Value::Null | Value::Bool(false)) && field.ftype != FType::Boolean {
        return Ok(json!(false));
    }
    let wrong = || OdooError::value(format!("Wrong value for {}.{}: {v}", model.name, field.name));
    Ok(match field.ftype {
        FType::Char | FType::Html => match v {
            Value::String(s) => {
                json!(s.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect::<String>())
            }
            Value::Number(n) => json!(n.to_string()),
            _ => return Err(wrong()),
        },
        FType::Integer => json!(v.as_f64().ok_or_else(wrong)? as i64),
        FType::Float | FType::Monetary => json!(v.as_f64().ok_or_else(wrong)?),
        FType::Boolean => json!(!falsy(v) && v != &json!(0)),
        FType::Date => {
            let s = v.as_str().ok_or_else(wrong)?;
            let d = s.get(..10).unwrap_or(s);
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| OdooError::value(format!("time data {s:?} does not match format '%Y-%m-%d'")))?;
            json!(d)
        }
        FType::Datetime => {
            let s = v.as_str().ok_or_else(wrong)?;
            let full = if s.len() == 10 { format!("{s} 00:00:00") } else { s.get(..19).unwrap_or(s).replace('T', " ") };
            chrono::NaiveDateTime::parse_from_str(&full, "%Y-%m-%d %H:%M:%S")
                .map_err(|_| OdooError::value(format!("time data {s:?} does not match format '%Y-%m-%d %H:%M:%S'")))?;
            json!(full)
        }
        FType::Selection(options) => {
            let s = v.as_str().ok_or_else(wrong)?;
            if !options.iter().any(|(k, _)| *k == s) {
                return Err(OdooError::value(format!("Wrong value for {}.{}: {s:?}", model.name, field.name)));
            }
            json!(s)
        }
        FType::Many2one(comodel) => {
            let id = match v {
                Value::Array(a) => a.first().and_then(Value::as_i64),
                _ => v.as_i64(),
            }
            .ok_or_else(wrong)?;
            if !state.exists(comodel, id) {
                return Err(OdooError::new(
                    Exc::ValidationError,
                    format!(
                        "The operation cannot be completed: the record {comodel}({id},) referenced by {}.{} does not exist.",
                        model.name, field.name
                    ),
                ));
            }
            json!(id)
        }
        FType::One2many(..) => return Err(wrong()),
    })
}

/// Splits `vals` into coerced stored values and one2many commands, checking field names.
/// Coerced stored values, and the one2many fields with their commands.
type Prepared = (Map<String, Value>, Vec<(FieldDef, Value)>);

fn prepare(state: &State, model: &ModelDef, vals: &Value) -> OResult<Prepared> {
    let vals = vals.as_object().ok_or_else(|| OdooError::type_error(format!("vals must be a dict, not {vals}")))?;
    let (mut plain, mut x2many) = (Map::new(), Vec::new());
    for (k, v) in vals {
        let field =
            model.field(k).ok_or_else(|| OdooError::value(format!("Invalid field '{k}' on model '{}'", model.name)))?;
        match (field.ftype, field.kind) {
            (FType::One2many(..), _) => x2many.push((field.clone(), v.clone())),
            (_, Kind::Plain) => {
                plain.insert(k.clone(), coerce(state, model, field, v)?);
            }
            // Related fields of product.product write through to the template.
            (_, Kind::Virtual) if model.name == "product.product" && !["id", "display_name"].contains(&k.as_str()) => {
                plain.insert(format!("tmpl:{k}"), v.clone());
            }
            _ => {} // computed fields: Odoo ignores the value
        }
    }
    Ok((plain, x2many))
}

/// `create` of one record.
pub fn create(state: &mut State, model: &'static ModelDef, vals: &Value) -> OResult<i64> {
    let (plain, x2many) = prepare(state, model, vals)?;
    let mut rec = defaults(model.name);
    let mut related = Map::new();
    for (k, v) in plain {
        match k.strip_prefix("tmpl:") {
            Some(f) => {
                related.insert(f.to_string(), v);
            }
            None => {
                rec.insert(k, v);
            }
        }
    }
    if model.name == "product.product" && falsy(rec.get("product_tmpl_id").unwrap_or(&json!(false))) {
        let tmpl = model_def("product.template").expect("known model");
        let tid = create(state, tmpl, &Value::Object(related.clone()))?;
        // create() of a template already made its variant.
        return Ok(state.value(tmpl, tid, "product_variant_id").as_i64().unwrap_or_default());
    }
    for field in model.fields.iter().filter(|f| f.required && f.kind == Kind::Plain) {
        if falsy(rec.get(field.name).unwrap_or(&json!(false))) && field.ftype != FType::Float {
            return Err(mandatory(model, field));
        }
        if field.ftype == FType::Float && !rec.contains_key(field.name) {
            return Err(mandatory(model, field));
        }
    }
    membership::check_constraints(model.name, &rec)?;
    let at = now_str();
    let id = state.insert_raw(model.name, rec, &at);
    for (field, cmds) in x2many {
        apply_commands(state, &field, id, &cmds)?;
    }
    membership::after_create(state, model.name, id)?;
    Ok(id)
}

/// `write` on existing records.
pub fn write(state: &mut State, model: &'static ModelDef, ids: &[i64], vals: &Value) -> OResult<bool> {
    check_exist(state, model, ids)?;
    let (plain, x2many) = prepare(state, model, vals)?;
    let at = now_str();
    for &id in ids {
        let mut merged = state.rec(model.name, id).cloned().unwrap_or_default();
        for (k, v) in &plain {
            if !k.starts_with("tmpl:") {
                merged.insert(k.clone(), v.clone());
            }
        }
        for field in model.fields.iter().filter(|f| f.required && f.kind == Kind::Plain) {
            if falsy(merged.get(field.name).unwrap_or(&json!(false))) && field.ftype != FType::Float {
                return Err(mandatory(model, field));
            }
        }
        membership::check_constraints(model.name, &merged)?;
    }
    for &id in ids {
        for (k, v) in &plain {
            match k.strip_prefix("tmpl:") {
                Some(f) => {
                    if let Some(t) = state.get_id(model.name, id, "product_tmpl_id") {
                        let tmpl = model_def("product.template").expect("known model");
                        write(state, tmpl, &[t], &json!({ f: v }))?;
                    }
                }
                None => {
                    state.set(model.name, id, k, v.clone(), &at);
                }
            }
        }
        // A write always moves write_date, even when the values are the same.
        state.set(model.name, id, "write_date", json!(at), &at);
        for (field, cmds) in &x2many {
            apply_commands(state, field, id, cmds)?;
        }
        membership::after_write(state, model.name, id, &plain)?;
    }
    Ok(true)
}

pub fn check_exist(state: &State, model: &ModelDef, ids: &[i64]) -> OResult<()> {
    let missing: Vec<String> = ids.iter().filter(|i| !state.exists(model.name, **i)).map(i64::to_string).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(OdooError::new(
        Exc::MissingError,
        format!(
            "Record does not exist or has been deleted.\n(Record: {}({},), User: {})",
            model.name,
            missing.join(", "),
            crate::store::UID
        ),
    ))
}

/// `unlink`, with Odoo's cascades and restrictions.
pub fn unlink(state: &mut State, model: &'static ModelDef, ids: &[i64]) -> OResult<bool> {
    check_exist(state, model, ids)?;
    for &id in ids {
        if model.name == "account.move" && state.get_str(model.name, id, "state").as_deref() == Some("posted") {
            return Err(OdooError::user("You cannot delete an entry which has been posted once."));
        }
        if model.name == "res.partner"
            && state.table("account.move").rows.values().any(|r| r.get("partner_id") == Some(&json!(id)))
        {
            return Err(restricted(model_def("account.move").expect("known model"), "partner_id"));
        }
    }
    for &id in ids {
        state.remove_row(model.name, id);
        let cascades: &[(&str, &str)] = match model.name {
            "res.partner" => &[("membership.membership_line", "partner")],
            "account.move" => &[("account.move.line", "move_id")],
            "account.move.line" => &[("membership.membership_line", "account_invoice_line")],
            "product.template" => &[("product.product", "product_tmpl_id")],
            _ => &[],
        };
        for (comodel, inverse) in cascades {
            let children = state.children(comodel, inverse, id);
            if !children.is_empty() {
                unlink(state, model_def(comodel).expect("known model"), &children)?;
            }
        }
        if model.name == "res.partner" {
            let at = now_str();
            for child in state.children("res.partner", "parent_id", id) {
                state.set("res.partner", child, "parent_id", json!(false), &at);
            }
        }
    }
    Ok(true)
}

/// One2many commands on `field` of record `id`.
fn apply_commands(state: &mut State, field: &FieldDef, id: i64, cmds: &Value) -> OResult<()> {
    let FType::One2many(comodel, inverse) = field.ftype else { return Ok(()) };
    let comodel = model_def(comodel).expect("known model");
    let bad = || OdooError::value(format!("Invalid one2many commands for {}: {cmds}", field.name));
    let at = now_str();
    for cmd in cmds.as_array().ok_or_else(bad)? {
        let c = cmd.as_array().ok_or_else(bad)?;
        let code = c.first().and_then(Value::as_i64).ok_or_else(bad)?;
        let target = c.get(1).and_then(Value::as_i64).unwrap_or(0);
        match code {
            0 => {
                let mut vals = c.get(2).and_then(Value::as_object).cloned().ok_or_else(bad)?;
                vals.insert(inverse.to_string(), json!(id));
                create(state, comodel, &Value::Object(vals))?;
            }
            1 => {
                write(state, comodel, &[target], c.get(2).ok_or_else(bad)?)?;
            }
            2 => {
                unlink(state, comodel, &[target])?;
            }
            3 => {
                state.set(comodel.name, target, inverse, json!(false), &at);
            }
            4 => {
                check_exist(state, comodel, &[target])?;
                state.set(comodel.name, target, inverse, json!(id), &at);
            }
            5 | 6 => {
                for child in state.children(comodel.name, inverse, id) {
                    state.set(comodel.name, child, inverse, json!(false), &at);
                }
                if code == 6 {
                    for t in c.get(2).and_then(Value::as_array).ok_or_else(bad)? {
                        let t = t.as_i64().ok_or_else(bad)?;
                        check_exist(state, comodel, &[t])?;
                        state.set(comodel.name, t, inverse, json!(id), &at);
                    }
                }
            }
            _ => return Err(bad()),
        }
    }
    Ok(())
}
