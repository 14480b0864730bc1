//! `/v1/events` (retrieve, list with `type`, `types[]`, `created[…]`) and `/v1/webhook_endpoints`
//! (create → answers its `whsec_…` `secret` once, retrieve, update, delete, list).

use axum::{
    Json,
    extract::{Path, State},
};
use serde_json::{Value, json};

use crate::{
    error::{ApiError, ApiResult},
    form,
    http::Params,
    state::{App, now},
};

pub async fn retrieve(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("event", &id, "id")?, &p.v)))
}

fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

pub async fn list(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let kind = form::opt_str(&p.v, "type");
    let kinds: Option<Vec<String>> =
        p.v.get("types")
            .and_then(|t| t.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect());
    let page = s.list("event", "/v1/events", &p.v, |e| {
        let t = e["type"].as_str().unwrap_or_default();
        kind.as_ref().is_none_or(|k| type_matches(k, t))
            && kinds.as_ref().is_none_or(|ks| ks.iter().any(|k| type_matches(k, t)))
    })?;
    Ok(Json(s.out(page, &p.v)))
}

fn events_param(p: &Value) -> Result<Option<Value>, ApiError> {
    match p.get("enabled_events") {
        None => Ok(None),
        Some(Value::Array(list)) if !list.is_empty() => {
            for (i, t) in list.iter().enumerate() {
                let known = t.as_str().is_some_and(|t| crate::event_types::EVENT_TYPES.contains(&t));
                if !known {
                    let param = format!("enabled_events[{i}]");
                    return Err(ApiError::invalid_request(
                        format!("Invalid {param}: must be one of *, account.updated, charge.succeeded, … (got {t})"),
                        Some(&param),
                        None,
                    ));
                }
            }
            Ok(Some(json!(list)))
        }
        Some(_) => Err(ApiError::invalid_request(
            "Invalid array".into(),
            Some("enabled_events"),
            Some("parameter_invalid_empty"),
        )),
    }
}

fn check_url(url: &str) -> Result<(), ApiError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(ApiError::invalid_request(
            format!("Invalid URL: {url}. URLs must begin with http:// or https://"),
            Some("url"),
            Some("url_invalid"),
        ))
    }
}

/// Registers an endpoint (its secret is kept for signing).
pub fn register(s: &mut crate::state::Store, url: &str, events: Value, secret: Option<String>) -> Value {
    let id = s.new_id("we");
    let secret = secret.unwrap_or_else(|| format!("whsec_{}", s.random(32)));
    s.secrets.insert(id.clone(), secret.clone());
    let we = json!({
        "id": id, "object": "webhook_endpoint", "api_version": null, "application": null, "created": now(),
        "description": null, "enabled_events": events, "livemode": false, "metadata": {}, "status": "enabled", "url": url
    });
    s.insert(we.clone());
    let mut shown = we;
    shown["secret"] = json!(secret);
    shown
}

pub async fn create_endpoint(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let url = form::req_str(&p.v, "url")?;
    check_url(&url)?;
    let events = events_param(&p.v)?.ok_or_else(|| ApiError::missing("enabled_events"))?;
    let mut we = register(&mut s, &url, events, None);
    for k in ["description", "api_version"] {
        if let Some(v) = form::opt_str(&p.v, k) {
            we[k] = json!(v);
        }
    }
    form::apply_metadata(&mut we, &p.v);
    let mut stored = we.clone();
    if let Some(m) = stored.as_object_mut() {
        m.remove("secret");
    }
    s.put(stored);
    Ok(Json(we))
}

pub async fn retrieve_endpoint(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("webhook_endpoint", &id, "id")?, &p.v)))
}

pub async fn update_endpoint(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let mut we = s.get("webhook_endpoint", &id, "id")?;
    if let Some(url) = form::opt_str(&p.v, "url") {
        check_url(&url)?;
        we["url"] = json!(url);
    }
    if let Some(events) = events_param(&p.v)? {
        we["enabled_events"] = events;
    }
    if let Some(d) = form::opt_str(&p.v, "description") {
        we["description"] = json!(d);
    }
    if let Some(disabled) = form::opt_bool(&p.v, "disabled")? {
        we["status"] = json!(if disabled { "disabled" } else { "enabled" });
    }
    form::apply_metadata(&mut we, &p.v);
    s.put(we.clone());
    Ok(Json(we))
}

pub async fn delete_endpoint(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut s = app.lock();
    s.get("webhook_endpoint", &id, "id")?;
    s.remove("webhook_endpoint", &id);
    s.secrets.remove(&id);
    Ok(Json(json!({"id": id, "object": "webhook_endpoint", "deleted": true})))
}

pub async fn list_endpoints(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let page = s.list("webhook_endpoint", "/v1/webhook_endpoints", &p.v, |_| true)?;
    Ok(Json(s.out(page, &p.v)))
}
