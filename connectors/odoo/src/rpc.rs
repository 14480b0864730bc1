//! One way to call the ORM on every protocol: [`Rpc::execute`] takes a model, a method, the record
//! ids (for record methods) and the method's arguments by name, in signature order. JSON-2 sends
//! them as a JSON object (`ids`, the named arguments, `context`); XML-RPC and JSON-RPC send
//! `execute_kw(db, uid, key, model, method, [ids?, args…], {context})` after `authenticate`
//! (the uid is cached). Errors are classified the same way whatever the transport.

use hub_connector_sdk::{
    ConnectorError,
    http::{HttpClient, json},
};
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::{OdooProtocol, xmlrpc};

/// ORM methods that change nothing, so a transient failure may be retried on the spot.
const READ_ONLY: &[&str] =
    &["search_read", "search", "search_count", "read", "fields_get", "name_search", "name_get", "exists"];
/// Extra tries of a read-only call.
const READ_RETRIES: u32 = 3;
/// The longest pause between two tries of a read-only call.
const MAX_READ_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The longest message an error carries from Odoo, in characters.
const MESSAGE_CHARS: usize = 300;

pub(crate) struct Rpc {
    http: HttpClient,
    protocol: OdooProtocol,
    database: String,
    login: String,
    api_key: String,
    uid: Mutex<Option<i64>>,
}

fn cut(text: &str) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(MESSAGE_CHARS).collect();
    if text.chars().count() > MESSAGE_CHARS {
        out.push('…');
    }
    out
}

/// An Odoo application error by exception name (`odoo.exceptions.AccessDenied`, …).
fn by_name(name: &str, message: &str) -> ConnectorError {
    let short = name.rsplit('.').next().unwrap_or(name);
    let message = cut(message);
    match short {
        "AccessDenied" | "AccessError" => ConnectorError::Auth(format!("Odoo {short}: {message}")),
        _ => ConnectorError::Invalid(format!("Odoo {short}: {message}")),
    }
}

/// An XML-RPC fault of `/xmlrpc/2` (integer codes: 3 AccessDenied, 4 AccessError, 2 UserError, 1 other).
fn fault(code: &Value, text: &str) -> ConnectorError {
    // Code 1 carries a whole traceback: its last line is the exception.
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(text);
    match code.as_i64() {
        Some(3) => ConnectorError::Auth(format!("Odoo AccessDenied: {}", cut(line))),
        Some(4) => ConnectorError::Auth(format!("Odoo AccessError: {}", cut(line))),
        Some(2) => ConnectorError::Invalid(format!("Odoo UserError: {}", cut(text))),
        _ => ConnectorError::Invalid(format!("Odoo error (fault {code}): {}", cut(line))),
    }
}

impl Rpc {
    pub(crate) fn new(
        http: HttpClient,
        protocol: OdooProtocol,
        database: String,
        login: String,
        api_key: String,
    ) -> Rpc {
        Rpc { http, protocol, database, login, api_key, uid: Mutex::new(None) }
    }

    /// XML-RPC: one call to `/xmlrpc/2/{service}`.
    async fn xmlrpc(&self, service: &str, method: &str, params: &[Value]) -> Result<Value, ConnectorError> {
        let body = xmlrpc::call(method, params);
        let request = self
            .http
            .post(&format!("xmlrpc/2/{service}"))
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(body);
        let response = self.http.send(request).await?;
        let text =
            response.text().await.map_err(|e| ConnectorError::transient(format!("reading the XML-RPC answer: {e}")))?;
        match xmlrpc::parse_response(&text) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err((code, text))) => Err(fault(&code, &text)),
            Err(e) => Err(ConnectorError::Invalid(format!("malformed XML-RPC answer: {e}"))),
        }
    }

    /// JSON-RPC: one call to `/jsonrpc` (errors come back as a 200 with an `error` member).
    async fn jsonrpc(&self, service: &str, method: &str, args: &[Value]) -> Result<Value, ConnectorError> {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": service, "method": method, "args": args}});
        let answer: Value = self.http.json(self.http.post("jsonrpc").json(&body)).await?;
        if let Some(error) = answer.get("error") {
            let data = error.get("data").cloned().unwrap_or(Value::Null);
            let name = data.get("name").and_then(Value::as_str).unwrap_or("unknown");
            let message = data
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| error.get("message").and_then(Value::as_str))
                .unwrap_or_default();
            return Err(by_name(name, message));
        }
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| ConnectorError::Invalid("JSON-RPC answer with neither result nor error".into()))
    }

    async fn classic(&self, service: &str, method: &str, args: &[Value]) -> Result<Value, ConnectorError> {
        match self.protocol {
            OdooProtocol::XmlRpc => self.xmlrpc(service, method, args).await,
            _ => self.jsonrpc(service, method, args).await,
        }
    }

    /// `common.authenticate` (never cached): the uid, or Auth when Odoo answers `false`.
    pub(crate) async fn authenticate(&self) -> Result<i64, ConnectorError> {
        let args = [json!(self.database), json!(self.login), json!(self.api_key), json!({})];
        let answer = self.classic("common", "authenticate", &args).await?;
        answer.as_i64().ok_or_else(|| {
            ConnectorError::Auth(format!(
                "Odoo refused the login {:?} with this API key on database {:?}",
                self.login, self.database
            ))
        })
    }

    async fn uid(&self) -> Result<i64, ConnectorError> {
        let mut cached = self.uid.lock().await;
        if let Some(uid) = *cached {
            return Ok(uid);
        }
        let uid = self.authenticate().await?;
        *cached = Some(uid);
        Ok(uid)
    }

    /// Calls `model.method`: `ids` for record methods, `args` by name in signature order. A
    /// read-only method failing with a retryable error (5xx, timeout, 429) is tried again here, up
    /// to [`READ_RETRIES`] times with a short backoff (or the server's `Retry-After`, capped): a
    /// write made of ten calls would otherwise rarely get through a flaky link, and reads change
    /// nothing. Writes are never repeated here (whether the first one landed is unknown); the
    /// caller's next attempt finds what it left (by external id, e-mail or invoice).
    pub(crate) async fn execute(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        args: &[(&str, Value)],
        context: Option<Value>,
    ) -> Result<Value, ConnectorError> {
        let mut tries = 0;
        loop {
            let result = self.execute_once(model, method, ids, args, context.clone()).await;
            match result {
                Err(e) if e.is_retryable() && READ_ONLY.contains(&method) && tries < READ_RETRIES => {
                    let backoff = std::time::Duration::from_millis(50 << tries);
                    let wait = e.retry_after().unwrap_or(backoff).min(MAX_READ_WAIT);
                    tries += 1;
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn execute_once(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        args: &[(&str, Value)],
        context: Option<Value>,
    ) -> Result<Value, ConnectorError> {
        match self.protocol {
            OdooProtocol::Json2 => {
                let mut body = Map::new();
                if let Some(ids) = ids {
                    body.insert("ids".into(), json!(ids));
                }
                for (name, value) in args {
                    body.insert((*name).into(), value.clone());
                }
                if let Some(context) = context {
                    body.insert("context".into(), context);
                }
                let request = self
                    .http
                    .post(&format!("json/2/{model}/{method}"))
                    .header(reqwest::header::AUTHORIZATION, format!("bearer {}", self.api_key))
                    .header("X-Odoo-Database", &self.database)
                    .json(&body);
                let response = match self.http.send(request).await {
                    Ok(r) => r,
                    Err(ConnectorError::Invalid(detail)) => return Err(json2_error(&detail)),
                    Err(e) => return Err(e),
                };
                json(response).await
            }
            OdooProtocol::XmlRpc | OdooProtocol::JsonRpc => {
                let uid = self.uid().await?;
                let mut positional: Vec<Value> = ids.map(|ids| vec![json!(ids)]).unwrap_or_default();
                positional.extend(args.iter().map(|(_, v)| v.clone()));
                let mut kwargs = Map::new();
                if let Some(context) = context {
                    kwargs.insert("context".into(), context);
                }
                let call = [
                    json!(self.database),
                    json!(uid),
                    json!(self.api_key),
                    json!(model),
                    json!(method),
                    Value::Array(positional),
                    Value::Object(kwargs),
                ];
                let result = self.classic("object", "execute_kw", &call).await;
                if matches!(result, Err(ConnectorError::Auth(_))) {
                    // The key may have changed since the uid was cached: authenticate again next time.
                    *self.uid.lock().await = None;
                }
                result
            }
        }
    }
}

/// A JSON-2 4xx other than 401/403: keep Odoo's exception name and message, not its traceback.
fn json2_error(detail: &str) -> ConnectorError {
    let body = detail.split_once(": ").map(|(_, b)| b).unwrap_or(detail);
    let status = detail.split_once(": ").map(|(s, _)| s).unwrap_or("HTTP error");
    match serde_json::from_str::<Value>(body.trim_end_matches('…')) {
        Ok(v) => {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("unknown");
            let message = v.get("message").and_then(Value::as_str).unwrap_or_default();
            ConnectorError::Invalid(format!(
                "{status}: {}",
                by_name(name, message).to_string().trim_start_matches("invalid: ")
            ))
        }
        // The excerpt was cut before the end of the JSON: keep it as it is.
        Err(_) => ConnectorError::Invalid(detail.to_string()),
    }
}
