//! Webhook delivery the Cal.com way: every active subscription (user-level, or on the booking's
//! event type) listing the trigger gets a POST of `{triggerEvent, createdAt, payload}` (flat body for
//! MEETING_STARTED/MEETING_ENDED), or of its rendered `payloadTemplate` (JSON re-serialized, else
//! sent form-encoded), with `X-Cal-Signature-256: hex(HMAC-SHA256(secret, body))` and
//! `x-cal-webhook-version: 2021-10-20`. Sent through the core emitter (duplicates, reordering).

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::state::{Ctx, Subscription};

/// A webhook to send, computed under the state lock and sent after it is released.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub trigger: &'static str,
    pub event_type_id: u64,
    /// The `payload` (or, for the flat triggers, the whole body).
    pub payload: Value,
}

/// Triggers whose body has no `payload` wrapper.
const FLAT: &[&str] = &["MEETING_STARTED", "MEETING_ENDED"];

/// Lower-case hex HMAC-SHA256 of `body` keyed by `secret`.
pub fn sign(secret: &str, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, part| match v {
        Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
        Value::Object(map) => map.get(part),
        _ => None,
    })
}

/// The header value: the HMAC, or `no-secret-provided` for a subscription whose secret is empty.
fn signature(secret: &str, body: &str) -> String {
    if secret.is_empty() { "no-secret-provided".to_string() } else { sign(secret, body) }
}

/// Replaces `{{a.b.0.c}}` placeholders with the payload's values (strings unquoted, others as JSON;
/// unknown variables become empty).
pub fn render_template(template: &str, vars: &Value) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        match lookup(vars, after[..close].trim()) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Body and content type for one subscription.
fn body_for(sub: &Subscription, out: &Outgoing, created_at: &str) -> (String, &'static str) {
    if FLAT.contains(&out.trigger) {
        return (out.payload.to_string(), "application/json");
    }
    if let Some(template) = sub.payload_template.as_deref().filter(|t| !t.is_empty()) {
        let mut vars = out.payload.clone();
        vars["triggerEvent"] = json!(out.trigger);
        vars["createdAt"] = json!(created_at);
        let rendered = render_template(template, &vars);
        return match serde_json::from_str::<Value>(&rendered) {
            Ok(v) => (v.to_string(), "application/json"),
            Err(_) => (rendered, "application/x-www-form-urlencoded"),
        };
    }
    let body = json!({"triggerEvent": out.trigger, "createdAt": created_at, "payload": out.payload});
    (body.to_string(), "application/json")
}

/// Sends each outgoing webhook to every matching subscription.
pub fn dispatch(ctx: &Ctx, outgoing: Vec<Outgoing>) {
    let subs: Vec<Subscription> = ctx.lock().webhooks.clone();
    for out in outgoing {
        let created_at = crate::output::iso_ms(chrono::Utc::now());
        for sub in subs.iter().filter(|s| {
            s.active
                && s.triggers.iter().any(|t| t == out.trigger)
                && s.event_type_id.is_none_or(|id| id == out.event_type_id)
        }) {
            let (body, content_type) = body_for(sub, &out, &created_at);
            let headers = vec![
                ("content-type".to_string(), content_type.to_string()),
                ("x-cal-signature-256".to_string(), signature(&sub.secret, &body)),
                ("x-cal-webhook-version".to_string(), "2021-10-20".to_string()),
            ];
            ctx.emitter.emit(&sub.subscriber_url, out.trigger, headers, body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_nested_paths_and_leave_unknowns_empty() {
        let vars =
            json!({"type": "salle-hypatia", "organizer": {"name": "Zoé"}, "attendees": [{"name": "Noël"}], "n": 3});
        assert_eq!(
            render_template(
                "{{type}}|{{organizer.name}}|{{attendees.0.name}}|{{ n }}|{{nope}}|{{attendees.5.name}}",
                &vars
            ),
            "salle-hypatia|Zoé|Noël|3||"
        );
        assert_eq!(render_template("no placeholders {{unclosed", &vars), "no placeholders {{unclosed");
    }

    #[test]
    fn empty_secrets_are_announced_not_signed() {
        assert_eq!(signature("", "{}"), "no-secret-provided");
        assert_eq!(signature("k", "{}").len(), 64);
    }
}
