//! Shared by the sandbox tests: a started HelloAsso sandbox, a connector on it, control calls.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use hub_connector_helloasso::{HelloAssoConnector, HelloAssoSettings};
use hub_connector_sdk::{Connector, Cursor, SourceRecord};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};

pub struct Sandbox {
    pub started: Started,
    pub client: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_helloasso::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, client: reqwest::Client::new() }
    }

    pub fn cred(&self, key: &str) -> String {
        self.started.credentials[key].as_str().expect("credential present").to_string()
    }

    pub fn base(&self) -> String {
        self.cred("base_url")
    }

    pub fn settings(&self) -> HelloAssoSettings {
        HelloAssoSettings::new(
            "helloasso-test",
            self.base(),
            self.cred("client_id"),
            self.cred("client_secret"),
            self.cred("organization_slug"),
        )
    }

    pub fn connector(&self) -> HelloAssoConnector {
        HelloAssoConnector::new(self.settings()).expect("valid settings")
    }

    pub async fn state(&self) -> Value {
        self.client.get(format!("{}/_sandbox/state", self.base())).send().await.unwrap().json().await.unwrap()
    }

    /// A POST to a `/_sandbox/...` trigger; panics unless it succeeds.
    pub async fn trigger(&self, path: &str, body: Value) -> Value {
        let response = self.client.post(format!("{}{path}", self.base())).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    pub async fn put(&self, path: &str, body: Value, bearer: Option<&str>) -> Value {
        let mut request = self.client.put(format!("{}{path}", self.base())).json(&body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// An access token obtained independently of the connector.
    pub async fn bearer(&self) -> String {
        let form = [
            ("grant_type", "client_credentials".to_string()),
            ("client_id", self.cred("client_id")),
            ("client_secret", self.cred("client_secret")),
        ];
        let answer: Value = self
            .client
            .post(format!("{}/oauth2/token", self.base()))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"].as_str().expect("a token").to_string()
    }

    pub async fn set_faults(&self, faults: Value) {
        self.put("/_sandbox/faults", faults, None).await;
    }
}

/// Reads `stream` from `cursor` until `has_more` is false; returns the records and the last cursor.
pub async fn read_all(
    connector: &HelloAssoConnector,
    stream: &str,
    cursor: Option<Cursor>,
) -> (Vec<SourceRecord>, Option<Cursor>) {
    let mut cursor = cursor;
    let mut records = Vec::new();
    for _ in 0..1000 {
        let page = connector.read(stream, cursor.as_ref()).await.expect("page reads");
        records.extend(page.records);
        if page.next_cursor.is_some() {
            cursor = page.next_cursor;
        }
        if !page.has_more {
            return (records, cursor);
        }
    }
    panic!("{stream}: pagination did not end");
}

pub fn empty() -> Value {
    json!({})
}
