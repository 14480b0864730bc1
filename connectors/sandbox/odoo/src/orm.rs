//! The ORM methods callable from outside (`search`, `search_count`, `search_read`, `read`,
//! `create`, `write`, `unlink`, `fields_get`, `name_search`, `name_get`, `exists`,
//! `check_access_rights`, `res.users.context_get`, `res.partner.create_membership_invoice`,
//! `account.move.action_post/button_cancel/button_draft`, the Register Payment wizard's
//! `account.payment.register.create` (context `active_model`/`active_ids`) and
//! `action_create_payments`), their Python signatures (to bind the
//! positional arguments of `execute_kw` and the named ones of JSON-2) and their results.

use serde_json::{Map, Value, json};

use crate::error::{Exc, OResult, OdooError};
use crate::fields::{FType, Kind, ModelDef, model_def};
use crate::store::{State, UID};
use crate::{domain, membership, write};

/// A method's Python signature: whether it runs on records (`ids` first) and its parameter names.
struct Sig {
    name: &'static str,
    record: bool,
    params: &'static [&'static str],
    /// Only on this model (None: every model).
    only: Option<&'static str>,
}

const SIGS: &[Sig] = &[
    Sig { name: "search", record: false, params: &["domain", "offset", "limit", "order"], only: None },
    Sig { name: "search_count", record: false, params: &["domain", "limit"], only: None },
    Sig { name: "search_read", record: false, params: &["domain", "fields", "offset", "limit", "order"], only: None },
    Sig { name: "read", record: true, params: &["fields", "load"], only: None },
    Sig { name: "create", record: false, params: &["vals_list"], only: None },
    Sig { name: "write", record: true, params: &["vals"], only: None },
    Sig { name: "unlink", record: true, params: &[], only: None },
    Sig { name: "exists", record: true, params: &[], only: None },
    Sig { name: "fields_get", record: false, params: &["allfields", "attributes"], only: None },
    Sig { name: "name_search", record: false, params: &["name", "args", "operator", "limit"], only: None },
    Sig { name: "name_get", record: true, params: &[], only: None },
    Sig { name: "check_access_rights", record: false, params: &["operation", "raise_exception"], only: None },
    Sig { name: "context_get", record: false, params: &[], only: Some("res.users") },
    Sig { name: "create_membership_invoice", record: true, params: &["product", "amount"], only: Some("res.partner") },
    Sig { name: "action_post", record: true, params: &[], only: Some("account.move") },
    Sig { name: "button_cancel", record: true, params: &[], only: Some("account.move") },
    Sig { name: "button_draft", record: true, params: &[], only: Some("account.move") },
    Sig { name: "action_create_payments", record: true, params: &[], only: Some("account.payment.register") },
];

/// A bound call: model, method, record ids (record methods), named arguments and context.
pub struct Call {
    pub model: &'static ModelDef,
    pub method: String,
    pub ids: Vec<i64>,
    pub args: Map<String, Value>,
    pub context: Map<String, Value>,
    /// JSON-2 returns recordsets as id lists even for a single `create`.
    pub json2: bool,
}

fn lookup(model: &str, method: &str, json2: bool) -> OResult<(&'static ModelDef, &'static Sig)> {
    let m = model_def(model).ok_or_else(|| {
        if json2 {
            OdooError::new(Exc::NotFound, format!("the model {model:?} does not exist"))
        } else {
            OdooError::new(Exc::KeyError, format!("'{model}'"))
        }
    })?;
    if method.starts_with('_') {
        return Err(OdooError::new(
            Exc::AccessError,
            format!("Private methods (such as {model}.{method}) cannot be called remotely."),
        ));
    }
    let sig = SIGS.iter().find(|s| s.name == method && s.only.is_none_or(|o| o == model)).ok_or_else(|| {
        if json2 {
            OdooError::new(Exc::NotFound, format!("the method {model}.{method} does not exist"))
        } else {
            OdooError::new(Exc::AttributeError, format!("The method '{model}.{method}' does not exist"))
        }
    })?;
    Ok((m, sig))
}

fn ids_of(v: &Value) -> OResult<Vec<i64>> {
    match v {
        Value::Number(n) => n.as_i64().map(|i| vec![i]).ok_or_else(|| OdooError::value(format!("Invalid ids {v}"))),
        Value::Array(a) => {
            a.iter().map(|x| x.as_i64().ok_or_else(|| OdooError::value(format!("Invalid ids {v}")))).collect()
        }
        Value::Bool(false) | Value::Null => Ok(vec![]),
        _ => Err(OdooError::value(format!("Invalid ids {v}"))),
    }
}

/// Binds `execute_kw`'s positional `args` and keyword `kwargs`.
pub fn bind_rpc(model: &str, method: &str, args: &[Value], kwargs: &Map<String, Value>) -> OResult<Call> {
    let (m, sig) = lookup(model, method, false)?;
    let mut rest = args;
    let mut ids = vec![];
    if sig.record {
        let first = rest.first().ok_or_else(|| {
            OdooError::type_error(format!("{method}() missing 1 required positional argument: 'self'"))
        })?;
        ids = ids_of(first)?;
        rest = &rest[1..];
    }
    if rest.len() > sig.params.len() {
        return Err(OdooError::type_error(format!(
            "{method}() takes {} positional arguments but {} were given",
            sig.params.len() + 1,
            rest.len() + 1
        )));
    }
    let mut named = Map::new();
    for (p, v) in sig.params.iter().zip(rest) {
        named.insert(p.to_string(), v.clone());
    }
    let mut context = Map::new();
    for (k, v) in kwargs {
        if k == "context" {
            context = v.as_object().cloned().unwrap_or_default();
            continue;
        }
        let k = if method == "name_search" && k == "domain" { "args" } else { k.as_str() };
        if !sig.params.contains(&k) {
            return Err(OdooError::type_error(format!("{method}() got an unexpected keyword argument '{k}'")));
        }
        if named.insert(k.to_string(), v.clone()).is_some() {
            return Err(OdooError::type_error(format!("{method}() got multiple values for argument '{k}'")));
        }
    }
    Ok(Call { model: m, method: method.to_string(), ids, args: named, context, json2: false })
}

/// Binds a JSON-2 body (all arguments named, plus `ids` and `context`).
pub fn bind_json2(model: &str, method: &str, body: &Map<String, Value>) -> OResult<Call> {
    let (m, sig) = lookup(model, method, true)?;
    let ids = ids_of(body.get("ids").unwrap_or(&Value::Null))?;
    if !sig.record && !ids.is_empty() {
        return Err(OdooError::type_error(format!("cannot call {model}.{method} with ids")));
    }
    let context = body.get("context").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut named = Map::new();
    for (k, v) in body {
        if k == "ids" || k == "context" {
            continue;
        }
        // The JSON-2 draft's own `write` example sends `vals_list`: accepted as `[vals]` (see lib.rs).
        let (k, v) = match (method, k.as_str(), v) {
            ("write", "vals_list", Value::Array(a)) if a.len() == 1 => ("vals", a[0].clone()),
            ("name_search", "domain", _) => ("args", v.clone()),
            _ => (k.as_str(), v.clone()),
        };
        if !sig.params.contains(&k) {
            return Err(OdooError::type_error(format!("{method}() got an unexpected keyword argument '{k}'")));
        }
        named.insert(k.to_string(), v);
    }
    Ok(Call { model: m, method: method.to_string(), ids, args: named, context, json2: true })
}

fn arg<'a>(call: &'a Call, name: &str) -> Option<&'a Value> {
    call.args.get(name).filter(|v| !v.is_null())
}

fn usize_arg(call: &Call, name: &str) -> OResult<Option<usize>> {
    match arg(call, name) {
        None | Some(Value::Bool(false)) => Ok(None),
        Some(v) => v.as_u64().map(|n| Some(n as usize)).ok_or_else(|| OdooError::value(format!("Invalid {name}: {v}"))),
    }
}

fn field_list(call: &Call) -> OResult<Vec<String>> {
    let fields: Vec<String> = match arg(call, "fields") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => vec![],
    };
    if fields.is_empty() {
        return Ok(call.model.fields.iter().filter(|f| f.name != "id").map(|f| f.name.to_string()).collect());
    }
    for f in &fields {
        if call.model.field(f).is_none() {
            return Err(OdooError::value(format!("Invalid field '{f}' on model '{}'", call.model.name)));
        }
    }
    Ok(fields)
}

fn read_records(state: &State, call: &Call, ids: &[i64]) -> OResult<Value> {
    write::check_exist(state, call.model, ids)?;
    let fields = field_list(call)?;
    let classic = match call.args.get("load") {
        None => true,
        Some(v) => v == &json!("_classic_read"),
    };
    let rows = ids
        .iter()
        .map(|&id| {
            let mut row = Map::new();
            row.insert("id".into(), json!(id));
            for f in &fields {
                row.insert(f.clone(), state.read_value(call.model, id, f, classic));
            }
            Value::Object(row)
        })
        .collect();
    Ok(Value::Array(rows))
}

fn searched(state: &State, call: &Call, domain_key: &str) -> OResult<Vec<i64>> {
    let active_test = call.context.get("active_test") != Some(&json!(false));
    let order = arg(call, "order").and_then(Value::as_str).filter(|o| !o.is_empty());
    let empty = json!([]);
    let mut ids = domain::search(state, call.model, arg(call, domain_key).unwrap_or(&empty), active_test, order)?;
    let offset = usize_arg(call, "offset")?.unwrap_or(0);
    ids = ids.into_iter().skip(offset).collect();
    if let Some(limit) = usize_arg(call, "limit")?.filter(|l| *l > 0) {
        ids.truncate(limit);
    }
    Ok(ids)
}

fn fields_get(call: &Call) -> Value {
    let only: Option<Vec<&str>> =
        arg(call, "allfields").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect());
    let attrs: Option<Vec<&str>> =
        arg(call, "attributes").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect());
    let mut out = Map::new();
    for f in &call.model.fields {
        if only.as_ref().is_some_and(|o| !o.is_empty() && !o.contains(&f.name)) {
            continue;
        }
        let o2m = matches!(f.ftype, FType::One2many(..));
        let mut d = json!({
            "type": f.ftype.type_name(),
            "string": f.string,
            "help": f.help,
            "readonly": f.kind != Kind::Plain && !o2m && !(call.model.name == "product.product" && f.kind == Kind::Virtual && !["id", "display_name"].contains(&f.name)),
            "required": f.required,
            "store": f.kind != Kind::Virtual || f.name == "id",
            "searchable": true,
            "sortable": f.kind != Kind::Virtual || f.name == "id",
        });
        match f.ftype {
            FType::Many2one(c) => d["relation"] = json!(c),
            FType::One2many(c, inv) => {
                d["relation"] = json!(c);
                d["relation_field"] = json!(inv);
            }
            FType::Selection(opts) => {
                d["selection"] = json!(opts.iter().map(|(k, l)| json!([k, l])).collect::<Vec<_>>())
            }
            _ => {}
        }
        if let (Some(attrs), Value::Object(map)) = (&attrs, &mut d) {
            map.retain(|k, _| attrs.contains(&k.as_str()));
        }
        out.insert(f.name.to_string(), d);
    }
    Value::Object(out)
}

/// Runs a bound call; computed fields are recomputed once, when it ends.
pub fn execute(state: &mut State, call: &Call) -> OResult<Value> {
    crate::compute::in_one_flush(state, |state| execute_now(state, call))
}

fn execute_now(state: &mut State, call: &Call) -> OResult<Value> {
    let model = call.model;
    match call.method.as_str() {
        "search" => Ok(json!(searched(state, call, "domain")?)),
        "search_count" => {
            let active_test = call.context.get("active_test") != Some(&json!(false));
            let empty = json!([]);
            let n = domain::search(state, model, arg(call, "domain").unwrap_or(&empty), active_test, Some("id"))?.len();
            Ok(json!(usize_arg(call, "limit")?.filter(|l| *l > 0).map_or(n, |l| n.min(l))))
        }
        "search_read" => {
            let ids = searched(state, call, "domain")?;
            read_records(state, call, &ids)
        }
        "read" => read_records(state, call, &call.ids),
        "create" if model.name == "account.payment.register" => membership::payment_wizard(state, call),
        "create" => {
            let vals = arg(call, "vals_list")
                .ok_or_else(|| OdooError::type_error("create() missing 1 required positional argument: 'vals_list'"))?;
            match vals {
                Value::Array(list) => {
                    let mut ids = Vec::new();
                    for v in list {
                        ids.push(write::create(state, model, v)?);
                    }
                    Ok(json!(ids))
                }
                single => {
                    let id = write::create(state, model, single)?;
                    Ok(if call.json2 { json!([id]) } else { json!(id) })
                }
            }
        }
        "write" => {
            let vals = arg(call, "vals")
                .ok_or_else(|| OdooError::type_error("write() missing 1 required positional argument: 'vals'"))?;
            Ok(json!(write::write(state, model, &call.ids, vals)?))
        }
        "unlink" => Ok(json!(write::unlink(state, model, &call.ids)?)),
        "exists" => Ok(json!(call.ids.iter().filter(|i| state.exists(model.name, **i)).collect::<Vec<_>>())),
        "fields_get" => Ok(fields_get(call)),
        "name_search" => {
            let name = arg(call, "name").and_then(Value::as_str).unwrap_or("");
            let op = arg(call, "operator").and_then(Value::as_str).unwrap_or("ilike");
            let mut dom = arg(call, "args").and_then(Value::as_array).cloned().unwrap_or_default();
            if !name.is_empty() {
                dom.push(json!(["name", op, name]));
            }
            let active_test = call.context.get("active_test") != Some(&json!(false));
            let mut ids = domain::search(state, model, &Value::Array(dom), active_test, None)?;
            ids.truncate(usize_arg(call, "limit")?.unwrap_or(100));
            Ok(json!(ids.iter().map(|i| json!([i, state.display_name(model.name, *i)])).collect::<Vec<_>>()))
        }
        "name_get" => {
            write::check_exist(state, model, &call.ids)?;
            Ok(json!(call.ids.iter().map(|i| json!([i, state.display_name(model.name, *i)])).collect::<Vec<_>>()))
        }
        "check_access_rights" => Ok(json!(true)),
        "context_get" => Ok(json!({"lang": "fr_FR", "tz": "Europe/Paris", "uid": UID})),
        "create_membership_invoice" => {
            write::check_exist(state, model, &call.ids)?;
            let product = arg(call, "product").cloned().unwrap_or(Value::Null);
            let amount = arg(call, "amount").cloned().unwrap_or(Value::Null);
            Ok(json!(membership::create_membership_invoice(state, &call.ids, &product, &amount)?))
        }
        "action_create_payments" => {
            write::check_exist(state, model, &call.ids)?;
            membership::create_payments(state, &call.ids)?;
            Ok(json!(true))
        }
        "action_post" | "button_cancel" | "button_draft" => {
            write::check_exist(state, model, &call.ids)?;
            membership::move_action(state, &call.ids, &call.method)?;
            Ok(if call.method == "action_post" { json!(false) } else { json!(true) })
        }
        other => {
            Err(OdooError::new(Exc::AttributeError, format!("The method '{}.{other}' does not exist", model.name)))
        }
    }
}
