//! Shared test helpers: start the sandbox, get an access token the OAuth way, a small validator
//! for the discovery document's `schemas` (types, property names, formats, `$ref` by schema id),
//! the examples folder, and a loopback receiver for push notifications.
#![allow(dead_code)]

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};

pub struct Sandbox {
    pub started: Started,
    pub http: reqwest::Client,
    pub token: String,
}

impl Sandbox {
    pub fn cred(&self, key: &str) -> String {
        self.started.credentials[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
    }
    pub fn url(&self, path: &str) -> String {
        self.started.running.url(path)
    }
    pub fn api(&self, path: &str) -> String {
        self.url(&format!("/calendar/v3{path}"))
    }
    pub fn calendar(&self) -> String {
        enc(&self.cred("calendar_id"))
    }
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.api(path)).bearer_auth(&self.token).send().await.expect("request")
    }
    pub async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> reqwest::Response {
        self.http.request(method, self.api(path)).bearer_auth(&self.token).json(body).send().await.expect("request")
    }
    pub async fn json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.expect("json")
    }
}

pub fn enc(s: &str) -> String {
    s.replace('@', "%40")
}

pub async fn refresh(http: &reqwest::Client, creds: &Value) -> reqwest::Response {
    http.post(creds["token_url"].as_str().expect("token_url"))
        .form(&[
            ("client_id", creds["client_id"].as_str().expect("client_id")),
            ("client_secret", creds["client_secret"].as_str().expect("client_secret")),
            ("refresh_token", creds["refresh_token"].as_str().expect("refresh_token")),
            ("grant_type", "refresh_token"),
        ])
        .send()
        .await
        .expect("token request")
}

pub async fn start() -> Sandbox {
    let started = hub_sandbox_google_calendar::start(SandboxOptions::default()).await.expect("sandbox starts");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let resp = refresh(&http, &started.credentials).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token json");
    let token = body["access_token"].as_str().expect("access_token").to_string();
    Sandbox { started, http, token }
}

pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/google-calendar")
}

pub fn discovery() -> Value {
    hub_sandbox_core::schema::load_spec("google-calendar/calendar.v3.discovery.json")
}

/// Every example file, as (file name, JSON).
pub fn examples() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(spec_dir().join("examples"))
        .expect("examples dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read example");
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                serde_json::from_str(&text).expect("example json"),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty());
    out
}

fn check_node(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        match doc["schemas"].get(r) {
            Some(s) => return check_node(doc, s, value, path, errors),
            None => return errors.push(format!("{path}: unknown $ref {r}")),
        }
    }
    let ty = schema["type"].as_str().unwrap_or("any");
    match ty {
        "object" => {
            let Some(obj) = value.as_object() else {
                return errors.push(format!("{path}: expected object, got {value}"));
            };
            for (k, v) in obj {
                let sub = format!("{path}/{k}");
                if let Some(s) = schema["properties"].get(k) {
                    check_node(doc, s, v, &sub, errors);
                } else if let Some(s) = schema.get("additionalProperties") {
                    check_node(doc, s, v, &sub, errors);
                } else {
                    errors.push(format!("{sub}: property not in the schema"));
                }
            }
        }
        "array" => {
            let Some(items) = value.as_array() else {
                return errors.push(format!("{path}: expected array, got {value}"));
            };
            for (i, v) in items.iter().enumerate() {
                check_node(doc, &schema["items"], v, &format!("{path}/{i}"), errors);
            }
        }
        "string" => {
            let Some(s) = value.as_str() else { return errors.push(format!("{path}: expected string, got {value}")) };
            let ok = match schema["format"].as_str() {
                Some("int64" | "uint64") => s.parse::<i128>().is_ok(),
                Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
                _ => true,
            };
            if !ok {
                errors.push(format!("{path}: {s:?} is not a {}", schema["format"]));
            }
            if let Some(allowed) = schema["enum"].as_array()
                && !allowed.iter().any(|a| a == s)
            {
                errors.push(format!("{path}: {s:?} not in enum"));
            }
        }
        "integer" if !(value.is_i64() || value.is_u64()) => {
            errors.push(format!("{path}: expected integer, got {value}"))
        }
        "number" if !value.is_number() => errors.push(format!("{path}: expected number, got {value}")),
        "boolean" if !value.is_boolean() => errors.push(format!("{path}: expected boolean, got {value}")),
        _ => {}
    }
}

/// Validates `value` against `schemas.<name>` of the discovery document.
pub fn check(doc: &Value, name: &str, value: &Value) -> Result<(), Vec<String>> {
    let Some(schema) = doc["schemas"].get(name) else { return Err(vec![format!("no schema {name}")]) };
    let mut errors = Vec::new();
    check_node(doc, schema, value, "", &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

pub fn assert_schema(doc: &Value, name: &str, value: &Value) {
    if let Err(e) = check(doc, name, value) {
        panic!("does not match schemas.{name}:\n  {}\nvalue: {value:#}", e.join("\n  "));
    }
}

/// Google's error body: the shape of the examples' `error-*.json`.
pub fn assert_google_error(body: &Value, code: u16, reason: &str) {
    let err = &body["error"];
    assert_eq!(err["code"], json!(code), "{body}");
    assert!(err["message"].is_string(), "{body}");
    let items = err["errors"].as_array().unwrap_or_else(|| panic!("errors array: {body}"));
    assert!(!items.is_empty());
    for item in items {
        for k in item.as_object().expect("error item").keys() {
            assert!(["domain", "reason", "message", "locationType", "location"].contains(&k.as_str()), "{k} in {body}");
        }
        // the discovery's `Error` schema (domain, reason) must hold on each item's own fields
        let mut core = item.clone();
        core.as_object_mut().expect("object").retain(|k, _| k == "domain" || k == "reason");
        assert_schema(&discovery(), "Error", &core);
    }
    assert_eq!(items[0]["reason"], json!(reason), "{body}");
    for k in err.as_object().expect("error object").keys() {
        assert!(["errors", "code", "message", "status"].contains(&k.as_str()), "{k} in {body}");
    }
}

/// One received message: headers (lower-cased names) and body.
pub type Hit = (Vec<(String, String)>, String);

/// A loopback server recording every POST it receives (headers lower-cased, body).
#[derive(Clone, Default)]
pub struct Receiver {
    pub hits: Arc<Mutex<Vec<Hit>>>,
    pub url: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let store = hits.clone();
        let app = axum::Router::new().route(
            "/notifications",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let store = store.clone();
                async move {
                    let h = headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or_default().to_string()))
                        .collect();
                    store.lock().expect("lock").push((h, body));
                    axum::http::StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/notifications", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { hits, url }
    }

    /// Waits (generously) until at least `n` messages arrived, then returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        for _ in 0..400 {
            if self.hits.lock().expect("lock").len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let hits = self.hits.lock().expect("lock").clone();
        assert!(hits.len() >= n, "expected {n} notifications, got {}", hits.len());
        hits
    }
}

pub fn header<'a>(hit: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hit.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}
