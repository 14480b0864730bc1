//! `/api/resource/{DocType}[/{name}]`: list, create, read, update, delete (Frappe `api/v1.py`).

use std::collections::HashMap;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use crate::{App, auth, docops, errors::FrappeError, query, routes};

pub fn router(prefix: &str) -> Router<App> {
    Router::new()
        .route(&format!("{prefix}/resource/{{doctype}}"), get(list).post(create))
        .route(&format!("{prefix}/resource/{{doctype}}/"), get(list).post(create))
        .route(
            &format!("{prefix}/resource/{{doctype}}/{{*name}}"),
            get(read).put(update).delete(delete).post(run_method),
        )
}

type Res = Result<Response, FrappeError>;

async fn list(
    State(app): State<App>,
    Path(doctype): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Res {
    auth::authenticate(&headers, &app)?.require(&doctype)?;
    let st = app.state.lock().expect("state lock");
    let data = query::list(&st, &doctype, &q)?;
    let data = match data {
        serde_json::Value::Array(rows) => rows
            .into_iter()
            .map(|r| match r {
                serde_json::Value::Object(m) => routes::present(m),
                other => other,
            })
            .collect(),
        other => other,
    };
    Ok(Json(json!({ "data": data })).into_response())
}

async fn create(State(app): State<App>, Path(doctype): Path<String>, headers: HeaderMap, body: Bytes) -> Res {
    let who = auth::authenticate(&headers, &app)?;
    let user = who.require(&doctype)?.to_string();
    let values = routes::doc_values(routes::body_map(&headers, &body)?)?;
    let doc = app.apply(|st| docops::insert(st, &doctype, &values, &user))?;
    Ok(Json(json!({ "data": routes::present(doc) })).into_response())
}

fn strip(name: &str) -> &str {
    name.strip_suffix('/').unwrap_or(name)
}

async fn read(
    State(app): State<App>,
    Path((doctype, name)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Res {
    if let Some(method) = q.get("run_method") {
        // Backward compatibility of `read_doc`: GET ?run_method= runs the method.
        return execute(&app, &doctype, strip(&name), method, &headers);
    }
    auth::authenticate(&headers, &app)?.require(&doctype)?;
    let st = app.state.lock().expect("state lock");
    docops::meta_of(&doctype)?;
    let doc = st.get(&doctype, strip(&name)).cloned().ok_or_else(|| FrappeError::not_found(&doctype, strip(&name)))?;
    Ok(Json(json!({ "data": routes::present(doc) })).into_response())
}

async fn update(
    State(app): State<App>,
    Path((doctype, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = auth::authenticate(&headers, &app)?.require(&doctype)?.to_string();
    let values = routes::doc_values(routes::body_map(&headers, &body)?)?;
    let doc = app.apply(|st| docops::update(st, &doctype, strip(&name), &values, &user))?;
    Ok(Json(json!({ "data": routes::present(doc) })).into_response())
}

async fn delete(State(app): State<App>, Path((doctype, name)): Path<(String, String)>, headers: HeaderMap) -> Res {
    let user = auth::authenticate(&headers, &app)?.require(&doctype)?.to_string();
    app.apply(|st| docops::delete(st, &doctype, strip(&name), &user))?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "data": "ok" }))).into_response())
}

/// `execute_doc_method`: `POST /api/resource/{DocType}/{name}` with `run_method` (query or body).
async fn run_method(
    State(app): State<App>,
    Path((doctype, name)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Res {
    let form = routes::body_map(&headers, &body)?;
    let method = q
        .get("run_method")
        .cloned()
        .or_else(|| form.get("run_method").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_default();
    execute(&app, &doctype, strip(&name), &method, &headers)
}

/// The whitelisted document methods simulated: `submit`, `cancel`, `save` (they return the doc).
fn execute(app: &App, doctype: &str, name: &str, method: &str, headers: &HeaderMap) -> Res {
    let user = auth::authenticate(headers, app)?.require(doctype)?.to_string();
    let docstatus = match method {
        "submit" => Some(1),
        "cancel" => Some(2),
        "save" => None,
        other => {
            let mut e = FrappeError::permission(doctype);
            e.message = Some((format!("Method {other} not whitelisted"), "Not Permitted"));
            e.exception = Some(format!("Method {other} not whitelisted"));
            return Err(e);
        }
    };
    let values: serde_json::Map<String, serde_json::Value> =
        docstatus.map(|d| ("docstatus".to_string(), json!(d))).into_iter().collect();
    let doc = app.apply(|st| docops::update(st, doctype, name, &values, &user))?;
    Ok(Json(json!({ "data": routes::present(doc) })).into_response())
}
