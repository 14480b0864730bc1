//! `frappe.client.get_list` / `frappe.get_list` semantics over the in-memory documents: `fields`,
//! `filters` / `or_filters` (list of `[field, op, value]` or `[doctype, field, op, value]`, or a
//! dict), `order_by`, `limit_start`, `limit_page_length` (alias `limit`, default 20, 0 = all),
//! `as_dict`. Child-table filters (`[["Dynamic Link","link_name","=","X"]]`) match a row.

use std::{cmp::Ordering, collections::HashMap};

use serde_json::{Value, json};

use crate::{
    doctypes::{self, Meta},
    errors::FrappeError,
    store::{Doc, State},
};

#[derive(Debug, Clone)]
struct Cond {
    /// A child DocType when the filter names one other than the parent.
    child: Option<String>,
    field: String,
    op: String,
    value: Value,
}

fn invalid(message: String) -> FrappeError {
    FrappeError::validation("ValidationError", message)
}

/// Strips `` `tabCustomer`.`name` `` / `Customer.name` down to the field name.
fn clean_field(raw: &str) -> String {
    let raw = raw.trim();
    let last = raw.rsplit('.').next().unwrap_or(raw);
    last.trim_matches('`').trim().to_string()
}

fn parse_json_param(name: &str, raw: &str) -> Result<Value, FrappeError> {
    serde_json::from_str(raw).or_else(|_| {
        // Frappe also accepts a bare field name / comma list for `fields`.
        if name == "fields" {
            Ok(Value::Array(raw.split(',').map(|f| json!(f.trim())).collect()))
        } else {
            Err(invalid(format!("Invalid JSON in {name}: {raw}")))
        }
    })
}

fn parse_filters(meta: &Meta, raw: &Value) -> Result<Vec<Cond>, FrappeError> {
    let mut out = Vec::new();
    match raw {
        Value::Null => {}
        Value::Object(map) => {
            for (field, v) in map {
                let (op, value) = match v {
                    Value::Array(pair) if pair.len() == 2 && pair[0].is_string() => {
                        (pair[0].as_str().unwrap_or("=").to_string(), pair[1].clone())
                    }
                    other => ("=".to_string(), other.clone()),
                };
                out.push(Cond { child: None, field: clean_field(field), op, value });
            }
        }
        Value::Array(items) => {
            for item in items {
                let Some(parts) = item.as_array() else {
                    return Err(invalid(format!("Invalid filter: {item}")));
                };
                let (doctype, rest) = match parts.len() {
                    3 => (None, &parts[..]),
                    4 | 5 => (parts[0].as_str(), &parts[1..4]),
                    _ => return Err(invalid(format!("Invalid filter: {item}"))),
                };
                let child = doctype.filter(|d| *d != meta.name).map(str::to_string);
                let field = clean_field(rest[0].as_str().unwrap_or_default());
                let op = rest[1].as_str().unwrap_or("=").to_string();
                out.push(Cond { child, field, op, value: rest[2].clone() });
            }
        }
        other => return Err(invalid(format!("Invalid filters: {other}"))),
    }
    for c in &out {
        let op = c.op.to_lowercase();
        const OPS: &[&str] = &["=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is", "between"];
        if !OPS.contains(&op.as_str()) {
            return Err(invalid(format!("Operator must be one of {}", OPS.join(", "))));
        }
        if c.child.is_none() && !meta.has_column(&c.field) {
            return Err(FrappeError::unknown_column(&format!("{}.{}", meta.name, c.field), "where clause"));
        }
    }
    Ok(out)
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(*b as i64 as f64),
        _ => None,
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// SQL-like comparison (numbers when either side is a number, else strings; NULL as '' / 0).
fn compare(a: &Value, b: &Value) -> Ordering {
    if (a.is_number() || b.is_number()) && !(a.is_null() && b.is_string()) {
        let (x, y) = (as_num(a).unwrap_or(0.0), as_num(b).unwrap_or(0.0));
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    as_text(a).cmp(&as_text(b))
}

/// MariaDB `LIKE` (case-insensitive, `%` and `_`).
fn like(text: &str, pattern: &str) -> bool {
    fn rec(t: &[char], p: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|i| rec(&t[i..], &p[1..])),
            Some('_') => !t.is_empty() && rec(&t[1..], &p[1..]),
            Some(c) => t.first() == Some(c) && rec(&t[1..], &p[1..]),
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    rec(&t, &p)
}

fn list_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::String(s) => s.split(',').map(|x| json!(x.trim())).collect(),
        other => vec![other.clone()],
    }
}

fn test(actual: &Value, op: &str, value: &Value) -> bool {
    match op.to_lowercase().as_str() {
        "=" => compare(actual, value) == Ordering::Equal,
        "!=" => compare(actual, value) != Ordering::Equal,
        ">" => compare(actual, value) == Ordering::Greater,
        "<" => compare(actual, value) == Ordering::Less,
        ">=" => compare(actual, value) != Ordering::Less,
        "<=" => compare(actual, value) != Ordering::Greater,
        "like" => like(&as_text(actual), &as_text(value)),
        "not like" => !like(&as_text(actual), &as_text(value)),
        "in" => list_of(value).iter().any(|v| compare(actual, v) == Ordering::Equal),
        "not in" => !list_of(value).iter().any(|v| compare(actual, v) == Ordering::Equal),
        "is" => {
            let set = !(actual.is_null() || actual == "");
            if as_text(value) == "set" { set } else { !set }
        }
        "between" => {
            let bounds = list_of(value);
            bounds.len() == 2
                && compare(actual, &bounds[0]) != Ordering::Less
                && compare(actual, &bounds[1]) != Ordering::Greater
        }
        _ => false,
    }
}

/// Whether `doc` satisfies all `conds` (child conditions on one DocType must hold on one row).
fn matches_all(meta: &Meta, doc: &Doc, conds: &[Cond]) -> bool {
    let mut by_child: HashMap<&str, Vec<&Cond>> = HashMap::new();
    for c in conds {
        match &c.child {
            None => {
                if !test(doc.get(&c.field).unwrap_or(&Value::Null), &c.op, &c.value) {
                    return false;
                }
            }
            Some(child) => by_child.entry(child.as_str()).or_default().push(c),
        }
    }
    by_child.into_iter().all(|(child, cs)| {
        child_rows(meta, doc, child)
            .iter()
            .any(|row| cs.iter().all(|c| test(row.get(&c.field).unwrap_or(&Value::Null), &c.op, &c.value)))
    })
}

fn matches_any(meta: &Meta, doc: &Doc, conds: &[Cond]) -> bool {
    conds.is_empty() || conds.iter().any(|c| matches_all(meta, doc, std::slice::from_ref(c)))
}

fn child_rows<'a>(meta: &Meta, doc: &'a Doc, child: &str) -> Vec<&'a Doc> {
    meta.tables()
        .filter(|(_, c)| *c == child)
        .flat_map(|(t, _)| doc.get(t).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object))
        .collect()
}

fn param<'a>(q: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    q.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// Documents matching `filters` and `or_filters` of `q`.
pub fn matching<'a>(st: &'a State, meta: &Meta, q: &HashMap<String, String>) -> Result<Vec<&'a Doc>, FrappeError> {
    let filters = match param(q, "filters") {
        Some(raw) => parse_filters(meta, &parse_json_param("filters", raw)?)?,
        None => vec![],
    };
    let or_filters = match param(q, "or_filters") {
        Some(raw) => parse_filters(meta, &parse_json_param("or_filters", raw)?)?,
        None => vec![],
    };
    Ok(st
        .table(meta.name)
        .into_iter()
        .flat_map(|t| t.values())
        .filter(|d| matches_all(meta, d, &filters) && matches_any(meta, d, &or_filters))
        .collect())
}

/// The `{"data": [...]}` rows of a list request.
pub fn list(st: &State, doctype: &str, q: &HashMap<String, String>) -> Result<Value, FrappeError> {
    let meta = doctypes::meta(doctype).ok_or_else(|| FrappeError::doctype_not_found(doctype))?;
    let mut fields: Vec<String> = match param(q, "fields") {
        Some(raw) => match parse_json_param("fields", raw)? {
            Value::Array(items) => items.iter().map(|v| as_text(v).trim().to_string()).collect(),
            Value::String(s) => vec![s],
            other => return Err(invalid(format!("Invalid fields: {other}"))),
        },
        None => vec!["name".into()],
    };
    if fields.iter().any(|f| f == "*" || f.ends_with(".*")) {
        fields = doctypes::STANDARD.iter().map(|s| s.to_string()).collect();
        fields.extend(meta.fields.iter().filter(|f| doctypes::is_column(f.1)).map(|f| f.0.to_string()));
    }
    // (output key, field) — `field as alias` is accepted.
    let mut columns = Vec::new();
    for raw in &fields {
        let (field, key) = match raw.split_once(" as ") {
            Some((f, alias)) => (clean_field(f), alias.trim().trim_matches('`').to_string()),
            None => (clean_field(raw), clean_field(raw)),
        };
        if !meta.has_column(&field) {
            return Err(FrappeError::unknown_column(&format!("tab{}.{field}", meta.name), "field list"));
        }
        columns.push((key, field));
    }
    let mut docs = matching(st, meta, q)?;
    let order = param(q, "order_by").unwrap_or("modified desc");
    let mut keys = Vec::new();
    for part in order.split(',') {
        let mut words = part.split_whitespace();
        let field = clean_field(words.next().unwrap_or("modified"));
        let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
        if !meta.has_column(&field) {
            return Err(FrappeError::unknown_column(&format!("tab{}.{field}", meta.name), "order clause"));
        }
        keys.push((field, desc));
    }
    docs.sort_by(|a, b| {
        for (field, desc) in &keys {
            let o = compare(a.get(field).unwrap_or(&Value::Null), b.get(field).unwrap_or(&Value::Null));
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        Ordering::Equal
    });
    let num = |k: &str| -> Result<Option<usize>, FrappeError> {
        match param(q, k) {
            None => Ok(None),
            Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| invalid(format!("{k} must be an integer"))),
        }
    };
    let start = num("limit_start")?.unwrap_or(0);
    let length = match num("limit_page_length")? {
        Some(n) => n,
        None => num("limit")?.unwrap_or(20),
    };
    let as_dict = !matches!(param(q, "as_dict"), Some("0" | "false" | "False"));
    let rows = docs.into_iter().skip(start).take(if length == 0 { usize::MAX } else { length }).map(|d| {
        if as_dict {
            Value::Object(columns.iter().map(|(k, f)| (k.clone(), d.get(f).cloned().unwrap_or(Value::Null))).collect())
        } else {
            Value::Array(columns.iter().map(|(_, f)| d.get(f).cloned().unwrap_or(Value::Null)).collect())
        }
    });
    Ok(Value::Array(rows.collect()))
}
