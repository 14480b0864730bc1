//! Events and their delivery: every state change records an `evt_…` (listed by `GET /v1/events`)
//! and posts it to each enabled webhook endpoint subscribed to its type (or to `*`), signed the
//! way Stripe signs: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::state::{Store, now};

/// The API version stamped on events and answered in `Stripe-Version` (the spec's version).
pub const API_VERSION: &str = "2020-08-27";

/// The request that caused an event (`event.request`).
#[derive(Debug, Clone, Default)]
pub struct ReqInfo {
    pub id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// `t=…,v1=…` for `body` signed with `secret` at `t`.
pub fn signature_header(secret: &str, t: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

impl Store {
    /// Records an event about `object` (rendered as it is now) and delivers it.
    pub fn event(&mut self, kind: &str, object: &Value, previous: Option<Value>, req: &ReqInfo) -> Value {
        let mut data = json!({ "object": self.render(object.clone()) });
        if let Some(prev) = previous {
            data["previous_attributes"] = prev;
        }
        let endpoints: Vec<Value> = self
            .all("webhook_endpoint")
            .into_iter()
            .filter(|we| {
                we["status"] == "enabled"
                    && we["enabled_events"].as_array().is_some_and(|e| e.iter().any(|t| t == "*" || t == kind))
            })
            .collect();
        let id = self.new_id("evt");
        let event = json!({
            "id": id,
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "data": data,
            "livemode": false,
            "pending_webhooks": endpoints.len(),
            "request": { "id": req.id, "idempotency_key": req.idempotency_key },
            "type": kind,
        });
        self.insert(event.clone());
        let body = serde_json::to_string(&event).unwrap_or_default();
        for we in endpoints {
            let we_id = we["id"].as_str().unwrap_or_default();
            let Some(secret) = self.secrets.get(we_id) else { continue };
            let headers = vec![
                ("content-type".to_string(), "application/json; charset=utf-8".to_string()),
                ("stripe-signature".to_string(), signature_header(secret, now(), &body)),
                ("user-agent".to_string(), "Stripe/1.0 (+https://stripe.com/docs/webhooks)".to_string()),
            ];
            self.emitter.emit(we["url"].as_str().unwrap_or_default(), kind, headers, body.clone());
        }
        event
    }
}

/// `previous_attributes` for `*.updated`: the old values of the top-level fields that changed.
pub fn previous_attributes(before: &Value, after: &Value) -> Value {
    let mut prev = serde_json::Map::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (k, old) in b {
            if a.get(k) != Some(old) {
                prev.insert(k.clone(), old.clone());
            }
        }
    }
    Value::Object(prev)
}
