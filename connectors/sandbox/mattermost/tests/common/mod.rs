//! Shared test helpers: start a sandbox on port 0, an authenticated client, the vendor's bundled
//! OpenAPI YAML converted to JSON (for `hub_sandbox_core::schema`), a small webhook receiver, and
//! the JSON pointer of an operation's response schema.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};

use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Map, Value};

pub async fn start() -> Started {
    hub_sandbox_mattermost::start(SandboxOptions::default()).await.expect("sandbox starts")
}

pub fn token(s: &Started) -> String {
    s.credentials["token"].as_str().expect("token").to_string()
}

/// A client sending the bot's `Authorization: Bearer` token.
pub fn client(s: &Started) -> Client {
    Client { http: reqwest::Client::new(), base: s.running.base_url.clone(), token: token(s) }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client {
    pub fn as_token(&self, token: &str) -> Client {
        Client { http: self.http.clone(), base: self.base.clone(), token: token.to_string() }
    }
    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token)
    }
    /// Sends and returns (status, JSON body).
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut rb = self.req(method, path);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}

fn yaml_to_json(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => serde_norway::to_string(&other).unwrap_or_default().trim().to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

pub fn specs_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/mattermost")
}

/// `mattermost-openapi-v4.bundled.yaml` as JSON (parsed once per test binary).
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = specs_dir().join("mattermost-openapi-v4.bundled.yaml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        yaml_to_json(serde_norway::from_str(&text).expect("the bundled spec parses as YAML"))
    })
}

/// Pointer of the JSON response schema of `method path` for `status`.
pub fn response_schema(path: &str, method: &str, status: u16) -> String {
    let escaped = path.replace('~', "~0").replace('/', "~1");
    format!("/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema")
}

/// Validates `value` against the response schema of `method path` / `status`. Path templates'
/// braces are not valid in a `$ref`, so the schema found there is validated from
/// `/components/schemas/<Name>` when it is a plain `$ref`, else copied to
/// `/components/schemas/__response` first.
pub fn assert_response(method: &str, path: &str, status: u16, value: &Value) {
    let pointer = response_schema(path, method, status);
    let schema = spec().pointer(&pointer).unwrap_or_else(|| panic!("no schema at {pointer}"));
    if let Some(target) = schema.get("$ref").and_then(Value::as_str).filter(|_| schema.as_object().unwrap().len() == 1)
    {
        let target = target.trim_start_matches('#');
        if let Err(e) = hub_sandbox_core::schema::check(spec(), target, value) {
            panic!("{method} {path} {status} ({pointer} → {target}):\n  {}\nvalue: {value:#}", e.join("\n  "));
        }
        return;
    }
    let mut doc = spec().clone();
    doc["components"]["schemas"]["__response"] = schema.clone();
    if let Err(e) = hub_sandbox_core::schema::check(&doc, "/components/schemas/__response", value) {
        panic!("{method} {path} {status} ({pointer}):\n  {}\nvalue: {value:#}", e.join("\n  "));
    }
}

/// Validates an error body: the spec's `AppError` schema plus the documented example's keys.
pub fn assert_app_error(value: &Value, status: u16) {
    hub_sandbox_core::schema::assert_valid(spec(), "/components/schemas/AppError", value);
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(specs_dir().join("examples/api-error.json")).expect("api-error example"),
    )
    .expect("example JSON");
    for (k, v) in example.as_object().expect("object") {
        let got = value.get(k).unwrap_or_else(|| panic!("error body lacks {k}: {value}"));
        assert_eq!(std::mem::discriminant(got), std::mem::discriminant(v), "type of {k} in {value}");
    }
    assert_eq!(value["status_code"], status, "{value}");
    assert!(!value["id"].as_str().unwrap_or("").is_empty(), "{value}");
}

/// What a webhook receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub content_type: String,
    pub body: String,
}

/// A receiver on 127.0.0.1:0 recording every POST; returns its URL and the record.
pub async fn receiver() -> (String, Arc<Mutex<Vec<Received>>>) {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                sink.lock().unwrap().push(Received { content_type, body });
                axum::Json(serde_json::json!({"text": "reçu"}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), got)
}

/// Waits (polling, up to a generous bound) until `got` holds at least `n` deliveries.
pub async fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    for _ in 0..600 {
        let now = got.lock().unwrap().clone();
        if now.len() >= n {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {n} deliveries, got {:?}", got.lock().unwrap());
}

/// The id of a channel of the seeded team.
pub async fn channel_id(c: &Client, name: &str) -> String {
    let (status, ch) = c.get(&format!("/api/v4/teams/name/tiers-lieu/channels/name/{name}")).await;
    assert_eq!(status, 200, "{ch}");
    ch["id"].as_str().unwrap().to_string()
}
