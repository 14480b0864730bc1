//! Shared test support: a real hub on port 0 with a fresh database (SQLite, or PostgreSQL when
//! `HUB_TEST_DATABASE_URL` is set), an HTTP client and signed-event helpers.
#![allow(dead_code)]

pub mod booking;
pub mod equipment;
pub mod membership;
pub mod outbound;
pub mod programme;
pub mod receiver;
pub mod tools;

use std::time::{Duration, Instant};

use hub::{
    app::{App, RunningApp},
    bench::{bench_config, signed_member_event},
    config::Config,
    testing::FreshDatabase,
};
use hub_connector_sdk::standard_webhooks::WebhookSecret;
use serde_json::Value;

pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

pub struct TestHub {
    pub app: Option<RunningApp>,
    pub db: FreshDatabase,
    pub config: Config,
    pub client: reqwest::Client,
}

/// A fresh database and a config for it; `tweak` adjusts the config before the hub starts.
pub async fn test_config(tweak: impl FnOnce(&mut Config)) -> (FreshDatabase, Config) {
    let db = FreshDatabase::from_env().await.expect("fresh test database");
    let mut config = bench_config(&db.url, &db.dir, "").expect("test config");
    config.queue.poll_interval_ms = 20;
    config.queue.backoff_base_ms = 10;
    config.queue.backoff_max_secs = 1;
    config.queue.lease_secs = 2;
    config.queue.shutdown_timeout_secs = 5;
    tweak(&mut config);
    (db, config)
}

pub async fn spawn_hub_with(tweak: impl FnOnce(&mut Config)) -> TestHub {
    let (db, config) = test_config(tweak).await;
    let app = App::build(config.clone()).await.expect("hub builds").spawn().await.expect("hub starts");
    TestHub { app: Some(app), db, config, client: reqwest::Client::new() }
}

pub async fn spawn_hub() -> TestHub {
    spawn_hub_with(|_| {}).await
}

impl TestHub {
    pub fn app(&self) -> &RunningApp {
        self.app.as_ref().expect("hub running")
    }

    pub fn url(&self, path: &str) -> String {
        self.app().url(path)
    }

    pub fn store(&self) -> &hub::store::Store {
        &self.app().store
    }

    /// Another hub process on the same database.
    pub async fn spawn_sibling(&self) -> RunningApp {
        App::build(self.config.clone()).await.expect("sibling builds").spawn().await.expect("sibling starts")
    }

    pub async fn post_event(&self, instance: &str, headers: &[(&str, String)], body: &str) -> (u16, Value) {
        let mut req = self
            .client
            .post(self.url(&format!("/hooks/{instance}")))
            .body(body.to_string())
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Posts member event `n`, signed; returns (status, body, webhook-id).
    pub async fn post_member(&self, n: usize) -> (u16, Value, String) {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let (id, headers, body) = signed_member_event(n, &secret);
        let (status, json) = self.post_event("members_form", &headers, &body).await;
        (status, json, id)
    }

    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let resp = self.client.get(self.url(path)).bearer_auth(ADMIN_TOKEN).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self.client.post(self.url(path)).bearer_auth(ADMIN_TOKEN).json(&body).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Job counts by status.
    pub async fn job_count(&self, status: &str) -> i64 {
        self.store().job_counts().await.unwrap().into_iter().find(|(s, _)| s == status).map(|(_, n)| n).unwrap_or(0)
    }

    pub async fn inbox_total(&self) -> i64 {
        self.store().inbox_counts().await.unwrap().into_iter().map(|(_, n)| n).sum()
    }

    pub async fn shutdown(mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await.expect("clean stop");
        }
        self.db.drop_database().await;
    }
}

/// Posts signed member event `n` to the hub at `base` (e.g. `http://127.0.0.1:PORT`); its status.
pub async fn post_member_to(client: &reqwest::Client, base: &str, n: usize) -> u16 {
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let (_, headers, body) = signed_member_event(n, &secret);
    let mut req = client.post(format!("{base}/hooks/members_form")).body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await.expect("request").status().as_u16()
}

/// A `hub serve` child process on a free port (or on `HUB_HTTP__BIND` when `env` sets it);
/// returns it with its base URL once it answers.
pub async fn spawn_hub_process(config_path: &std::path::Path, env: &[(&str, &str)]) -> (std::process::Child, String) {
    let port = match env.iter().find(|(k, _)| *k == "HUB_HTTP__BIND") {
        Some((_, bind)) => bind.parse::<std::net::SocketAddr>().expect("HUB_HTTP__BIND is an address").port(),
        None => std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(),
    };
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hub"));
    cmd.args(["--config", config_path.to_str().unwrap(), "serve"])
        .env_remove("HUB_TEST_DATABASE_URL")
        .env("HUB_LOG", "warn")
        .env("HUB_HTTP__BIND", format!("127.0.0.1:{port}"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("the hub binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    eventually("the hub process answers", || async { client.get(format!("{base}/healthz")).send().await.is_ok() })
        .await;
    (child, base)
}

/// Polls `check` until it is true or 20 s pass.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(Duration::from_secs(20), what, check).await
}

/// Polls `check` until it is true or `limit` passes (for waits that include lease expiries).
pub async fn eventually_within<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for: {what}");
}
