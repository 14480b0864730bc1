//! Shared test helpers: start the sandbox on port 0, talk Stripe's wire format (form bodies with
//! bracket notation, Bearer key), and the spec's response schema pointers.
#![allow(dead_code)]

use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::Value;

pub struct Sb {
    pub started: Started,
    pub http: reqwest::Client,
    pub key: String,
}

pub async fn start() -> Sb {
    let started = hub_sandbox_stripe::start(SandboxOptions::default()).await.expect("sandbox starts");
    let key = started.credentials["api_key"].as_str().expect("api_key").to_string();
    Sb { started, http: reqwest::Client::new(), key }
}

/// Flattens JSON params into Stripe's bracket pairs (`a[b][0][c]=v`).
pub fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}[{k}]") };
                flatten(&key, x, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => out.push((prefix.to_string(), String::new())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

pub fn pairs(params: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten("", params, &mut out);
    out
}

impl Sb {
    pub fn url(&self, path: &str) -> String {
        self.started.running.url(path)
    }

    /// A raw call: (status, headers, JSON body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        params: &Value,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.request(method.clone(), self.url(path)).bearer_auth(&self.key);
        if method == reqwest::Method::GET || method == reqwest::Method::DELETE {
            req = req.query(&pairs(params));
        } else {
            req = req.form(&pairs(params));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("sandbox answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// A call that must answer 200; returns the body.
    pub async fn ok(&self, method: reqwest::Method, path: &str, params: Value) -> Value {
        let (status, _, body) = self.call(method.clone(), path, &params, &[]).await;
        assert_eq!(status, 200, "{method} {path}: {body:#}");
        body
    }

    pub async fn post(&self, path: &str, params: Value) -> Value {
        self.ok(reqwest::Method::POST, path, params).await
    }

    pub async fn get(&self, path: &str) -> Value {
        self.ok(reqwest::Method::GET, path, Value::Null).await
    }

    pub async fn get_with(&self, path: &str, params: Value) -> Value {
        self.ok(reqwest::Method::GET, path, params).await
    }

    /// Events of `kind` so far (newest first).
    pub async fn events(&self, kind: &str) -> Vec<Value> {
        let page = self.get_with("/v1/events", serde_json::json!({"type": kind, "limit": "100"})).await;
        page["data"].as_array().cloned().unwrap_or_default()
    }
}

fn response_key(path: &str, method: &str) -> String {
    let clean: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("response_200_{method}{clean}")
}

/// The schema of the 200 answer of `method path` in the 2022 spec
/// (`/paths/<path>/<method>/responses/200/content/application~1json/schema`), copied by [`spec`]
/// under `/components/schemas/response_200_<method>_<path>` because `{…}` in a path cannot be
/// part of a `$ref` URI.
pub fn ok_schema(path: &str, method: &str) -> String {
    format!("/components/schemas/{}", response_key(path, method))
}

pub const ERROR_SCHEMA: &str = "/components/schemas/error";

/// The 2022 spec. OpenAPI 3.0 `nullable: true` beside an `anyOf` (Stripe's way of writing
/// "an id, an expanded object, or null") is rewritten here to an extra `{"type": "null"}`
/// branch, and beside an `enum` it adds `null` to the enum: the core's normalisation only
/// handles `nullable` with `type`, `$ref`, `allOf`, `oneOf`, and keeps enums as they are.
pub fn spec() -> Value {
    fn fix(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.get("nullable") == Some(&Value::Bool(true))
                    && let Some(Value::Array(branches)) = m.get_mut("anyOf")
                {
                    branches.push(serde_json::json!({"type": "null"}));
                    m.remove("nullable");
                }
                if m.get("nullable") == Some(&Value::Bool(true))
                    && let Some(Value::Array(allowed)) = m.get_mut("enum")
                    && !allowed.contains(&Value::Null)
                {
                    allowed.push(Value::Null);
                }
                m.values_mut().for_each(fix);
            }
            Value::Array(items) => items.iter_mut().for_each(fix),
            _ => {}
        }
    }
    let mut spec = hub_sandbox_core::schema::load_spec("stripe/openapi-spec3-2022-04-12-trimmed.json");
    fix(&mut spec);
    let mut copies = Vec::new();
    for (path, ops) in spec["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().into_iter().flatten() {
            if let Some(schema) = op.pointer("/responses/200/content/application~1json/schema") {
                copies.push((response_key(path, method), schema.clone()));
            }
        }
    }
    for (key, schema) in copies {
        spec["components"]["schemas"][key] = schema;
    }
    spec
}

/// `hex(HMAC-SHA256(secret, "{t}.{body}"))`, written here independently of the sandbox.
pub fn expected_v1(secret: &str, t: &str, body: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A local receiver of webhooks: (headers, body) of each delivery.
pub struct Receiver {
    pub url: String,
    pub got: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
}

pub async fn receiver() -> Receiver {
    use axum::{Router, extract::State, http::HeaderMap, routing::post};
    type Got = std::sync::Arc<std::sync::Mutex<Vec<(HeaderMap, String)>>>;
    let got: Got = Default::default();
    async fn hook(State(got): State<Got>, headers: HeaderMap, body: String) -> &'static str {
        got.lock().unwrap().push((headers, body));
        "ok"
    }
    let app = Router::new().route("/hook", post(hook)).with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver { url: format!("http://{addr}/hook"), got }
}

impl Receiver {
    /// Waits (polling, generous bound) until `pred` holds over the deliveries; returns them.
    pub async fn wait_for(
        &self,
        pred: impl Fn(&[(axum::http::HeaderMap, String)]) -> bool,
    ) -> Vec<(axum::http::HeaderMap, String)> {
        for _ in 0..600 {
            {
                let got = self.got.lock().unwrap();
                if pred(&got) {
                    return got.clone();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "webhooks never arrived: {:?}",
            self.got.lock().unwrap().iter().map(|(_, b)| b.chars().take(120).collect::<String>()).collect::<Vec<_>>()
        );
    }
}
