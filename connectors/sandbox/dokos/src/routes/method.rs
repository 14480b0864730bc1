//! `/api/method/{dotted.path}`: the whitelisted functions a client uses — `login`, `logout`,
//! `frappe.auth.get_logged_user`, `frappe.ping`, and `frappe.client.{get_list, get_count, get,
//! get_value, insert, submit, cancel, delete}`. Answers `{"message": ...}` (`{}` when the function
//! returns None). Arguments come from the query string and the body (JSON or form).

use std::collections::HashMap;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use crate::{
    App,
    auth::{self, Who},
    docops,
    errors::FrappeError,
    query, routes,
    store::{Doc, s},
};

pub fn router(prefix: &str) -> Router<App> {
    Router::new().route(&format!("{prefix}/method/{{*method}}"), get(call).post(call))
}

type Res = Result<Response, FrappeError>;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A JSON-valued argument given either as JSON text or as a JSON value.
fn json_arg(args: &Doc, key: &str) -> Option<Value> {
    match args.get(key)? {
        Value::String(raw) => serde_json::from_str(raw).ok().or_else(|| Some(Value::String(raw.clone()))),
        other => Some(other.clone()),
    }
}

fn message(v: Value) -> Response {
    Json(json!({ "message": v })).into_response()
}

async fn call(
    State(app): State<App>,
    Path(method): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Res {
    let mut args: Doc = q.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    args.extend(routes::body_map(&headers, &body)?);
    let method = method.trim_end_matches('/');
    if method == "login" {
        return login(&app, &args);
    }
    let who = auth::authenticate(&headers, &app)?;
    let doctype = args.get("doctype").map(text).unwrap_or_default();
    match method {
        "frappe.auth.get_logged_user" => Ok(message(json!(who.name()))),
        "frappe.ping" => Ok(message(json!("pong"))),
        "logout" => {
            if let Some(sid) = headers.get("cookie").and_then(|c| c.to_str().ok()).and_then(|c| {
                c.split(';')
                    .filter_map(|p| p.trim().split_once('='))
                    .find(|(k, _)| *k == "sid")
                    .map(|(_, v)| v.to_string())
            }) {
                app.state.lock().expect("state lock").sessions.remove(&sid);
            }
            Ok(Json(json!({})).into_response())
        }
        "frappe.client.get_list" | "frappe.client.get_count" => {
            who.require(&doctype)?;
            let mut params: HashMap<String, String> = HashMap::new();
            for (k, v) in &args {
                params.insert(k.clone(), if v.is_string() { text(v) } else { v.to_string() });
            }
            let st = app.state.lock().expect("state lock");
            if method.ends_with("get_count") {
                let meta = docops::meta_of(&doctype)?;
                Ok(message(json!(query::matching(&st, meta, &params)?.len())))
            } else {
                Ok(message(query::list(&st, &doctype, &params)?))
            }
        }
        "frappe.client.get" => {
            who.require(&doctype)?;
            let name = args.get("name").map(text).unwrap_or_default();
            let st = app.state.lock().expect("state lock");
            docops::meta_of(&doctype)?;
            let doc = st.get(&doctype, &name).cloned().ok_or_else(|| FrappeError::not_found(&doctype, &name))?;
            Ok(message(routes::present(doc)))
        }
        "frappe.client.get_value" => get_value(&app, &who, &doctype, &args),
        "frappe.client.insert" | "frappe.client.submit" => {
            let doc = match json_arg(&args, "doc") {
                Some(Value::Object(doc)) => doc,
                _ => return Err(FrappeError::validation("ValidationError", "doc must be a JSON object".into())),
            };
            let doctype = s(&doc, "doctype").to_string();
            let user = who.require(&doctype)?.to_string();
            let saved = if method.ends_with("insert") {
                app.apply(|st| docops::insert(st, &doctype, &doc, &user))?
            } else {
                let name = s(&doc, "name").to_string();
                let mut values = doc.clone();
                values.insert("docstatus".into(), json!(1));
                app.apply(|st| docops::update(st, &doctype, &name, &values, &user))?
            };
            Ok(message(routes::present(saved)))
        }
        "frappe.client.cancel" | "frappe.client.delete" => {
            let user = who.require(&doctype)?.to_string();
            let name = args.get("name").map(text).unwrap_or_default();
            if method.ends_with("cancel") {
                let values = Doc::from_iter([("docstatus".to_string(), json!(2))]);
                app.apply(|st| docops::update(st, &doctype, &name, &values, &user))?;
            } else {
                app.apply(|st| docops::delete(st, &doctype, &name, &user))?;
            }
            Ok(Json(json!({})).into_response())
        }
        other => {
            let module = other.rsplit_once('.').map(|(m, _)| m).unwrap_or(other);
            Err(FrappeError::validation(
                "ValidationError",
                format!("Failed to get method for command {other} with No module named '{module}'"),
            ))
        }
    }
}

fn get_value(app: &App, who: &Who, doctype: &str, args: &Doc) -> Res {
    who.require(doctype)?;
    let meta = docops::meta_of(doctype)?;
    let fields: Vec<String> = match json_arg(args, "fieldname") {
        Some(Value::Array(items)) => items.iter().map(text).collect(),
        Some(v) => vec![text(&v)],
        None => vec!["name".into()],
    };
    let st = app.state.lock().expect("state lock");
    let doc = match json_arg(args, "filters") {
        Some(Value::String(name)) => st.get(doctype, &name),
        Some(filters) => {
            let params = HashMap::from([("filters".to_string(), filters.to_string())]);
            let mut docs = query::matching(&st, meta, &params)?;
            docs.sort_by(|a, b| s(b, "modified").cmp(s(a, "modified")));
            docs.first().copied()
        }
        None => None,
    };
    let Some(doc) = doc else { return Ok(Json(json!({})).into_response()) };
    let mut out = Doc::new();
    for f in fields {
        if !meta.has_column(&f) {
            return Err(FrappeError::unknown_column(&f, "field list"));
        }
        out.insert(f.clone(), doc.get(&f).cloned().unwrap_or(Value::Null));
    }
    Ok(message(Value::Object(out)))
}

fn login(app: &App, args: &Doc) -> Res {
    let usr = args.get("usr").map(text).unwrap_or_default();
    let pwd = args.get("pwd").map(text).unwrap_or_default();
    if usr != auth::API_USER || pwd != auth::API_PASSWORD {
        let mut e = FrappeError::validation("AuthenticationError", "Invalid login credentials".into());
        e.status = 401;
        return Err(e);
    }
    let mut st = app.state.lock().expect("state lock");
    let sid = st.random_token(56);
    st.sessions.insert(sid.clone(), usr);
    let mut resp = Json(json!({
        "message": "Logged In",
        "home_page": "/app",
        "full_name": auth::API_USER_FULL_NAME,
        "dashboard_route": "/sites",
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("sid={sid}; Path=/; HttpOnly; SameSite=Lax")) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}
