//! `/v1/customers`: create, retrieve, update (`customer.updated` with `previous_attributes`),
//! delete (`deleted: true`, `customer.deleted`), list (`email` filter) and search (`email:'…'`,
//! `name:'…'`, `metadata['k']:'v'` clauses joined by AND).

use axum::{
    Json,
    extract::{Path, State},
};
use serde_json::{Value, json};

use crate::{
    error::{ApiError, ApiResult},
    form,
    http::Params,
    objects,
    state::{App, Store, now},
    webhooks::previous_attributes,
};

/// Applies the writable fields of `p` to a customer.
pub fn apply(c: &mut Value, p: &Value) {
    for k in ["email", "name", "phone", "description"] {
        if let Some(v) = form::opt_str(p, k) {
            c[k] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(a) = p.get("address") {
        c["address"] = if a.as_str() == Some("") { Value::Null } else { objects::address(Some(a)) };
    }
    if let Some(Value::Array(l)) = p.get("preferred_locales") {
        c["preferred_locales"] = json!(l);
    }
    if let Some(pm) = p.get("invoice_settings").and_then(|i| i.get("default_payment_method")) {
        c["invoice_settings"]["default_payment_method"] = pm.clone();
    }
    form::apply_metadata(c, p);
}

/// Creates a customer (and its `customer.created` event).
pub fn create_in(s: &mut Store, p: &Params) -> Value {
    let mut c = objects::customer(s, now());
    apply(&mut c, &p.v);
    s.insert(c.clone());
    s.event("customer.created", &c, None, &p.req);
    c
}

pub async fn create(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let c = create_in(&mut s, &p);
    Ok(Json(s.out(c, &p.v)))
}

pub async fn retrieve(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    match s.objects.get(&id) {
        Some(v) if v["object"] == "customer" => Ok(Json(s.out(v.clone(), &p.v))),
        _ if s.deleted.contains(&id) => Ok(Json(json!({"id": id, "object": "customer", "deleted": true}))),
        _ => Err(ApiError::no_such("customer", &id, "id")),
    }
}

pub async fn update(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let before = s.get("customer", &id, "id")?;
    let mut c = before.clone();
    apply(&mut c, &p.v);
    if c != before {
        s.put(c.clone());
        s.event("customer.updated", &c, Some(previous_attributes(&before, &c)), &p.req);
    }
    Ok(Json(s.out(c, &p.v)))
}

pub async fn delete(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let c = s.get("customer", &id, "id")?;
    s.remove("customer", &id);
    s.deleted.insert(id.clone());
    s.event("customer.deleted", &c, None, &p.req);
    Ok(Json(json!({"id": id, "object": "customer", "deleted": true})))
}

pub async fn list(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let email = form::opt_str(&p.v, "email");
    let page =
        s.list("customer", "/v1/customers", &p.v, |c| email.as_ref().is_none_or(|e| c["email"] == e.as_str()))?;
    Ok(Json(s.out(page, &p.v)))
}

/// One `field:'value'` clause of Stripe's search language (exact match; `~` is substring).
fn clause_matches(c: &Value, clause: &str) -> Option<bool> {
    let (field, value, contains) = if let Some((f, v)) = clause.split_once(":") {
        (f.trim(), v.trim(), false)
    } else {
        let (f, v) = clause.split_once('~')?;
        (f.trim(), v.trim(), true)
    };
    let value = value.trim_matches(|ch| ch == '\'' || ch == '"');
    let actual = if let Some(key) = field.strip_prefix("metadata[").and_then(|r| r.strip_suffix(']')) {
        c["metadata"][key.trim_matches(|ch| ch == '\'' || ch == '"')].as_str().map(str::to_string)
    } else {
        c.get(field)?.as_str().map(str::to_string)
    };
    let actual = actual.unwrap_or_default();
    Some(if contains { actual.to_lowercase().contains(&value.to_lowercase()) } else { actual == value })
}

pub async fn search(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let query = form::req_str(&p.v, "query")?;
    let limit = form::opt_int(&p.v, "limit")?.unwrap_or(10).clamp(1, 100) as usize;
    let clauses: Vec<&str> = query.split(" AND ").collect();
    let mut hits = Vec::new();
    for c in s.all("customer").into_iter().rev() {
        let mut all = true;
        for clause in &clauses {
            match clause_matches(&c, clause) {
                Some(true) => {}
                Some(false) => all = false,
                None => {
                    return Err(ApiError::invalid_request(
                        format!("Invalid search query: {query}"),
                        Some("query"),
                        Some("parameter_invalid_string"),
                    ));
                }
            }
        }
        if all {
            hits.push(c);
        }
    }
    let start: usize = form::opt_str(&p.v, "page").and_then(|pg| pg.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = hits.iter().skip(start).take(limit).cloned().collect();
    let next = start + page.len();
    let has_more = next < hits.len();
    Ok(Json(json!({
        "object": "search_result", "data": page, "has_more": has_more,
        "next_page": if has_more { json!(next.to_string()) } else { Value::Null },
        "url": "/v1/customers/search"
    })))
}
