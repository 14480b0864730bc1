//! Frappe webhooks (`frappe/integrations/doctype/webhook/webhook.py`), registered the vendor's way:
//! `POST /api/resource/Webhook` with `webhook_doctype`, `webhook_docevent`, `request_url`,
//! optional `condition` (`doc.field == "value"` clauses joined by `and`), `webhook_headers` rows,
//! `webhook_data` rows (fieldname → key) or a `webhook_json` template (`{{ doc.field }}`,
//! `{{ doc.field | tojson }}`), `enable_security` + `webhook_secret`.
//! Body = Python `json.dumps(data)`; signature header `X-Frappe-Webhook-Signature` =
//! base64(HMAC-SHA256(secret, body)). No `Content-Type` unless configured in `webhook_headers`.
//! Deliveries always use POST (the shared emitter's method), whatever `request_method` says.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::{
    docops::Change,
    pyjson,
    store::{Doc, State, f, s},
};

/// `X-Frappe-Webhook-Signature` for `body`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Python's `str(value)` as Jinja prints it.
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Renders `{{ doc.x }}` / `{{ doc.x | tojson }}` placeholders.
pub fn render(template: &str, doc: &Doc) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expr = rest[start + 2..start + end].trim();
        let (path, filter) = match expr.split_once('|') {
            Some((p, f)) => (p.trim(), Some(f.trim())),
            None => (expr, None),
        };
        let field = path.strip_prefix("doc.").unwrap_or(path);
        let value = doc.get(field).cloned().unwrap_or(Value::Null);
        match filter {
            Some("tojson") => out.push_str(&pyjson::dumps(&value)),
            _ => out.push_str(&py_str(&value)),
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// The subset of Python conditions understood: `doc.f == "v"`, `doc.f != 1`, `doc.f` joined by `and`.
pub fn condition_holds(condition: &str, doc: &Doc) -> bool {
    condition.split(" and ").all(|clause| {
        let clause = clause.trim();
        let (lhs, op, rhs) = if let Some((l, r)) = clause.split_once("==") {
            (l, "==", Some(r))
        } else if let Some((l, r)) = clause.split_once("!=") {
            (l, "!=", Some(r))
        } else {
            (clause, "", None)
        };
        let field = lhs.trim().strip_prefix("doc.").unwrap_or(lhs.trim());
        let actual = doc.get(field).cloned().unwrap_or(Value::Null);
        let Some(rhs) = rhs else {
            return !(actual.is_null() || actual == "" || actual == 0 || actual == 0.0);
        };
        let rhs = rhs.trim();
        let expected: Value = if rhs.starts_with('\'') {
            Value::String(rhs.trim_matches('\'').to_string())
        } else {
            serde_json::from_str(rhs).unwrap_or(Value::String(rhs.to_string()))
        };
        let equal = match (&actual, &expected) {
            (a, b) if a.is_number() && b.is_number() => a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        };
        if op == "==" { equal } else { !equal }
    })
}

/// The body of one webhook for `doc` (None when the template does not render to JSON).
pub fn body_for(hook: &Doc, doc: &Doc) -> Option<String> {
    let template = s(hook, "webhook_json");
    if !template.trim().is_empty() {
        return match pyjson::reformat(&render(template, doc)) {
            Ok(body) => Some(body),
            Err(e) => {
                tracing::warn!(hook = s(hook, "name"), "webhook_json did not render to JSON: {e}");
                None
            }
        };
    }
    let rows: Vec<&Doc> =
        hook.get("webhook_data").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object).collect();
    if rows.is_empty() {
        return Some(pyjson::dumps(&Value::Object(doc.clone())));
    }
    // `{key: doc.get(fieldname)}` in row order.
    let mut body = String::from("{");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            body.push_str(", ");
        }
        pyjson::write_str(s(row, "key"), &mut body);
        body.push_str(": ");
        body.push_str(&pyjson::dumps(doc.get(s(row, "fieldname")).unwrap_or(&Value::Null)));
    }
    body.push('}');
    Some(body)
}

/// Sends every enabled webhook matching the change's DocType and events.
pub fn fire(emitter: &hub_sandbox_core::WebhookEmitter, st: &State, change: &Change) {
    let Some(hooks) = st.table("Webhook") else { return };
    for hook in hooks.values() {
        let event = s(hook, "webhook_docevent");
        if f(hook, "enabled") != 1.0 || s(hook, "webhook_doctype") != change.doctype || !change.events.contains(&event)
        {
            continue;
        }
        let condition = s(hook, "condition");
        if !condition.trim().is_empty() && !condition_holds(condition, &change.doc) {
            continue;
        }
        let Some(body) = body_for(hook, &change.doc) else { continue };
        let mut headers: Vec<(String, String)> = hook
            .get("webhook_headers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .filter(|h| !s(h, "key").is_empty())
            .map(|h| (s(h, "key").to_string(), s(h, "value").to_string()))
            .collect();
        let secret = s(hook, "webhook_secret");
        if f(hook, "enable_security") == 1.0 && !secret.is_empty() {
            headers.push(("X-Frappe-Webhook-Signature".into(), sign(secret, body.as_bytes())));
        }
        emitter.emit(s(hook, "request_url"), &format!("{}:{event}", change.doctype), headers, body);
    }
}
