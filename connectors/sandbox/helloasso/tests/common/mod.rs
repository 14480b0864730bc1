//! Test helpers: start the sandbox on port 0, get a token, call the API, receive notifications.
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::Value;

pub const SLUG: &str = "tiers-lieu-la-fabrique";

pub struct Sandbox {
    pub started: Started,
    pub http: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_helloasso::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, http: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        self.started.running.url(path)
    }

    pub fn cred(&self, key: &str) -> String {
        self.started.credentials[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
    }

    /// `POST /oauth2/token` with form fields; returns (status, body).
    pub async fn token_raw(&self, fields: &[(&str, &str)]) -> (u16, Value) {
        let resp = self.http.post(self.url("/oauth2/token")).form(fields).send().await.expect("token call");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("token body is JSON"))
    }

    /// A fresh token response via client_credentials.
    pub async fn token(&self) -> Value {
        let (id, secret) = (self.cred("client_id"), self.cred("client_secret"));
        let (status, body) = self
            .token_raw(&[("client_id", &id), ("client_secret", &secret), ("grant_type", "client_credentials")])
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn access_token(&self) -> String {
        self.token().await["access_token"].as_str().expect("access_token").to_string()
    }

    pub async fn get_with(&self, token: &str, path: &str) -> (u16, Value) {
        let resp = self.http.get(self.url(path)).bearer_auth(token).send().await.expect("GET");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON body") })
    }

    /// GET with a fresh token, asserting 200.
    pub async fn get(&self, path: &str) -> Value {
        let token = self.access_token().await;
        let (status, body) = self.get_with(&token, path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let token = self.access_token().await;
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("call");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON body") })
    }

    /// A `/_sandbox` call (no auth).
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let resp = self.http.request(method, self.url(path)).json(&body).send().await.expect("control call");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON body") })
    }
}

impl Sandbox {
    /// Polls `GET /_sandbox/webhooks` until `pred` holds (the emitter logs a delivery once the
    /// receiver has answered, just after the receiver saw it); bounded so a bug fails, not hangs.
    pub async fn wait_log(&self, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..600 {
            let (_, log) = self.control(reqwest::Method::GET, "/_sandbox/webhooks", Value::Null).await;
            let log = log.as_array().cloned().unwrap_or_default();
            if pred(&log) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the webhook log never showed {what}");
    }
}

/// One notification as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("notification body is JSON")
    }
}

/// A local HTTP receiver recording every POST (any path).
pub struct Receiver {
    pub addr: SocketAddr,
    pub got: Arc<Mutex<Vec<Received>>>,
}

async fn record(
    State(got): State<Arc<Mutex<Vec<Received>>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let signature = headers.get("x-ha-signature").and_then(|v| v.to_str().ok()).map(str::to_string);
    got.lock().unwrap().push(Received { path: uri.path().to_string(), signature, body: body.to_vec() });
    "ok"
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let app = Router::new().fallback(post(record)).with_state(got.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, got }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until `pred` holds on what was received (polling; panics after a generous bound so a
    /// broken sandbox fails instead of hanging — not a timing assertion).
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..600 {
            {
                let got = self.got.lock().unwrap();
                if pred(&got) {
                    return got.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never received {what}: {:?}", self.got.lock().unwrap().iter().map(|r| r.json()).collect::<Vec<_>>());
    }
}

/// The vendor's examples folder.
pub fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/helloasso/examples")
}

/// Fields the examples show but the OpenAPI models (additionalProperties: false) lack; removed
/// before schema validation (documented in lib.rs).
pub const EXAMPLE_ONLY_FIELDS: [&str; 3] = ["isAnonymous", "isAmountHidden", "formName"];

pub fn strip_example_only(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !EXAMPLE_ONLY_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_example_only(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_example_only).collect()),
        other => other.clone(),
    }
}

/// Every key path of `example` exists in `ours` with the same JSON type (arrays: every element of
/// the example against the first of ours). Returns the mismatches.
pub fn shape_mismatches(example: &Value, ours: &Value, path: &str, out: &mut Vec<String>) {
    match (example, ours) {
        (Value::Object(e), Value::Object(o)) => {
            for (k, ev) in e {
                match o.get(k) {
                    Some(ov) => shape_mismatches(ev, ov, &format!("{path}/{k}"), out),
                    None => out.push(format!("{path}/{k} missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(o)) => {
            if !e.is_empty() {
                match o.first() {
                    Some(first) => e.iter().for_each(|ev| shape_mismatches(ev, first, &format!("{path}[]"), out)),
                    None => out.push(format!("{path} is empty in ours")),
                }
            }
        }
        (Value::Null, _) => {}
        (e, o) => {
            let kind = |v: &Value| match v {
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
                Value::Null => "null",
            };
            if kind(e) != kind(o) {
                out.push(format!("{path}: example {} vs ours {}", kind(e), kind(o)));
            }
        }
    }
}
