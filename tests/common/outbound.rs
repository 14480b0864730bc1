//! Helpers of the outbound-webhook tests: fast retries with loopback allowed, endpoints created
//! through the admin API, signed member changes, and the official Standard Webhooks library.

use chrono::Utc;
use hub::config::Config;
use hub_connector_sdk::standard_webhooks::{WebhookSecret, sign};
use serde_json::{Value, json};

use super::{ADMIN_TOKEN, SECRET, TestHub};

/// Fast retries and loopback allowed (receivers live on 127.0.0.1).
pub fn fast_webhooks(c: &mut Config) {
    c.webhooks.allow_networks = vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
    c.webhooks.poll_interval_ms = 20;
    c.webhooks.retry_schedule_secs = vec![0, 1, 1, 1, 1, 1];
    c.webhooks.jitter = 0.0;
    c.webhooks.request_timeout_secs = 2;
    c.webhooks.lease_secs = 3;
}

pub async fn create_endpoint(hub: &TestHub, url: &str, types: &[&str]) -> (String, String) {
    let (status, body) = hub
        .admin_post("/api/v1/webhook-endpoints", json!({"url": url, "event_types": types, "description": "test"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().expect("the secret is shown once").to_string();
    assert!(secret.starts_with("whsec_"));
    (body["id"].as_str().unwrap().to_string(), secret)
}

/// Posts a signed change of member `m-{n}` with this phone number.
pub async fn post_member_phone(hub: &TestHub, n: usize, phone: &str) {
    let body = json!({"type": "member.updated", "data": {"id": format!("m-{n}"),
        "email": format!("member{n}@example.org"), "first_name": "Camille", "last_name": "Martin", "phone": phone}})
    .to_string();
    let id = format!("msg_phone_{}", uuid::Uuid::new_v4().simple());
    let ts = Utc::now().timestamp();
    let sig = sign(&WebhookSecret::parse(SECRET).unwrap(), &id, ts, body.as_bytes());
    let headers = [("webhook-id", id), ("webhook-timestamp", ts.to_string()), ("webhook-signature", sig)];
    assert_eq!(hub.post_event("members_form", &headers, &body).await.0, 202);
}

pub async fn admin_json(hub: &TestHub, method: reqwest::Method, path: &str) -> (u16, Value) {
    let resp = hub.client.request(method, hub.url(path)).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub const PY_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fidelity/standard_webhooks.py");

/// The Python with the official `standardwebhooks` library (.ci/run sets HUB_TEST_PYTHON).
pub fn python() -> Option<String> {
    match std::env::var("HUB_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but HUB_TEST_PYTHON is not set"),
        _ => None,
    }
}

pub fn official_verify(py: &str, secret: &str, headers: Value, body: &str) -> bool {
    use std::{
        io::Write,
        process::{Command, Stdio},
    };
    let mut child = Command::new(py)
        .args([PY_SCRIPT, "verify", secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    child.stdin.take().unwrap().write_all(json!({"headers": headers, "body": body}).to_string().as_bytes()).unwrap();
    child.wait().unwrap().success()
}
