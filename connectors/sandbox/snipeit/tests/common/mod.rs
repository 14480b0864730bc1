//! Shared test helpers: start a sandbox on port 0 and talk to it over real HTTP.
#![allow(dead_code)]

use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::Value;

pub const SPEC: &str = "snipe-it/snipe-it-rest-api.readme-openapi-3.1.json";

pub struct Sb {
    pub started: Started,
    pub http: reqwest::Client,
    pub token: String,
}

pub async fn start() -> Sb {
    let started = hub_snipeit_start().await;
    let token = started.credentials["token"].as_str().expect("token").to_string();
    Sb { started, http: reqwest::Client::new(), token }
}

async fn hub_snipeit_start() -> Started {
    hub_sandbox_snipeit::start(SandboxOptions::default()).await.expect("sandbox starts")
}

impl Sb {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.started.credentials["base_url"].as_str().expect("base_url"))
    }
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
    }
    /// `(status, body)` of an authenticated call with an optional JSON body.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.api(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json body"))
    }
    pub async fn get(&self, path: &str) -> Value {
        let (s, v) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(s, 200, "{path}: {v}");
        v
    }
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.call(reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(s, 200, "{path}: {v}");
        v
    }
    pub async fn put(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.call(reqwest::Method::PUT, path, Some(body)).await;
        assert_eq!(s, 200, "{path}: {v}");
        v
    }
    pub async fn delete(&self, path: &str) -> Value {
        let (s, v) = self.call(reqwest::Method::DELETE, path, None).await;
        assert_eq!(s, 200, "{path}: {v}");
        v
    }
    pub async fn sandbox_put(&self, path: &str, body: Value) -> Value {
        let resp = self.http.put(self.url(path)).json(&body).send().await.expect("request");
        assert!(resp.status().is_success(), "{path}");
        resp.json().await.expect("json")
    }
    /// First asset whose tag is `tag`.
    pub async fn asset_by_tag(&self, tag: &str) -> Value {
        self.get(&format!("/hardware/bytag/{tag}")).await
    }
    /// An asset that is ready to deploy (not assigned, deployable).
    pub async fn rtd_asset(&self, skip: usize) -> Value {
        let list = self.get("/hardware?status=RTD&sort=id&order=asc").await;
        list["rows"][skip].clone()
    }
}
