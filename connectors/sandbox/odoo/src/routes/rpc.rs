//! The classic external API: `common`, `object` and `db` services over XML-RPC
//! (`POST /xmlrpc/2/<service>`, integer fault codes; legacy `POST /xmlrpc/<service>`, string
//! fault codes) and JSON-RPC (`POST /jsonrpc`, `params = {service, method, args}`, errors in a
//! 200 body). Both go through [`dispatch`].

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State as AxState},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::Db;
use crate::error::{OResult, OdooError};
use crate::orm;
use crate::store::{API_KEY, CallLog, DATABASE, LOGIN, PASSWORD, SERVER_SERIE, State, UID, now_str};
use crate::xmlrpc;

pub fn version() -> Value {
    let major: i64 = SERVER_SERIE.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(17);
    json!({"server_version": SERVER_SERIE, "server_version_info": [major, 0, 0, "final", 0, ""],
        "server_serie": SERVER_SERIE, "protocol_version": 1})
}

fn check_db(db: &Value) -> OResult<()> {
    match db.as_str() {
        Some(DATABASE) => Ok(()),
        other => Err(OdooError::value(format!("FATAL:  database \"{}\" does not exist", other.unwrap_or_default()))),
    }
}

/// `true` when `secret` is the demo password or API key.
pub fn secret_ok(secret: &Value) -> bool {
    matches!(secret.as_str(), Some(PASSWORD) | Some(API_KEY))
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Null)
}

/// Runs `service.method(*args)` as Odoo's `dispatch_rpc` does.
pub fn dispatch(
    state: &mut State,
    transport: &'static str,
    service: &str,
    method: &str,
    args: &[Value],
) -> OResult<Value> {
    let (model, result) = match (service, method) {
        ("common", "version") => (None, Ok(version())),
        ("common", "about") => (None, Ok(json!("See http://openerp.com"))),
        ("common", "login" | "authenticate") => {
            let r = check_db(&arg(args, 0)).map(|_| {
                if arg(args, 1) == json!(LOGIN) && secret_ok(&arg(args, 2)) { json!(UID) } else { json!(false) }
            });
            (None, r)
        }
        ("db", "list") => (None, Ok(json!([DATABASE]))),
        ("db", "server_version") => (None, Ok(json!(SERVER_SERIE))),
        ("db", "db_exist") => (None, Ok(json!(arg(args, 0) == json!(DATABASE)))),
        ("object", "execute_kw" | "execute") => {
            let model = arg(args, 3).as_str().map(str::to_string);
            (model, object(state, method, args))
        }
        (service, method) => {
            (None, Err(OdooError::new(crate::error::Exc::KeyError, format!("No such method {service}.{method}"))))
        }
    };
    state.calls.push(CallLog {
        transport,
        service: service.to_string(),
        model,
        method: if service == "object" {
            arg(args, 4).as_str().unwrap_or_default().to_string()
        } else {
            method.to_string()
        },
        ok: result.is_ok(),
        at: now_str(),
    });
    result
}

fn object(state: &mut State, method: &str, args: &[Value]) -> OResult<Value> {
    if args.len() < 5 {
        return Err(OdooError::type_error(format!("{method}() takes at least 5 arguments ({} given)", args.len())));
    }
    check_db(&args[0])?;
    if args[1].as_i64() != Some(UID) || !secret_ok(&args[2]) {
        return Err(OdooError::access_denied());
    }
    let model = args[3].as_str().ok_or_else(|| OdooError::type_error("model must be a string"))?;
    let name = args[4].as_str().ok_or_else(|| OdooError::type_error("method must be a string"))?;
    let call = if method == "execute_kw" {
        let positional = match args.get(5) {
            Some(Value::Array(a)) => a.clone(),
            None | Some(Value::Null) => vec![],
            Some(other) => return Err(OdooError::type_error(format!("args must be a list, not {other}"))),
        };
        let kwargs = match args.get(6) {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(other) => return Err(OdooError::type_error(format!("kwargs must be a dict, not {other}"))),
        };
        orm::bind_rpc(model, name, &positional, &kwargs)?
    } else {
        orm::bind_rpc(model, name, &args[5..], &Map::new())?
    };
    orm::execute(state, &call)
}

fn xml_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn xmlrpc_common(db: &Db, service: &str, body: &[u8], legacy: bool) -> Response {
    let text = String::from_utf8_lossy(body);
    let outcome = match xmlrpc::parse_call(&text) {
        Ok((method, params)) => dispatch(&mut db.lock(), "xmlrpc", service, &method, &params),
        Err(e) => Err(OdooError::value(format!("invalid XML-RPC request: {e}"))),
    };
    match outcome {
        Ok(v) => xml_response(xmlrpc::response(&v)),
        Err(e) => {
            let (code, message) = if legacy { e.xmlrpc_legacy_fault() } else { e.xmlrpc_fault() };
            xml_response(xmlrpc::fault(&code, &message))
        }
    }
}

/// `POST /xmlrpc/2/<service>`.
pub async fn xmlrpc2(AxState(db): AxState<Db>, Path(service): Path<String>, body: Bytes) -> Response {
    xmlrpc_common(&db, &service, &body, false)
}

/// `POST /xmlrpc/<service>` (legacy string fault codes).
pub async fn xmlrpc1(AxState(db): AxState<Db>, Path(service): Path<String>, body: Bytes) -> Response {
    xmlrpc_common(&db, &service, &body, true)
}

/// `POST /jsonrpc`.
pub async fn jsonrpc(AxState(db): AxState<Db>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "<p>Invalid JSON data</p>").into_response();
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let params = req.get("params").and_then(Value::as_object).cloned().unwrap_or_default();
    let service = params.get("service").and_then(Value::as_str).unwrap_or_default();
    let method = params.get("method").and_then(Value::as_str).unwrap_or_default();
    let args = params.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
    let outcome = if params.contains_key("service") && params.contains_key("method") {
        dispatch(&mut db.lock(), "jsonrpc", service, method, &args)
    } else {
        Err(OdooError::type_error("jsonrpc() missing required arguments: 'service', 'method' and 'args'"))
    };
    Json(match outcome {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => json!({"jsonrpc": "2.0", "id": id,
            "error": {"code": 200, "message": "Odoo Server Error", "data": e.serialized()}}),
    })
    .into_response()
}
