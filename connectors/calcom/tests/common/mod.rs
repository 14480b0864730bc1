//! Shared by the sandbox tests: a started Cal.com sandbox, connectors on it, calls made the way a
//! person or Cal.com's web app would (independently of the connector), a local webhook receiver.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use chrono::Utc;
use hub_connector_calcom::{CalcomConnector, CalcomSettings};
use hub_connector_sdk::{Connector, Cursor, SourceRecord, WebhookRequest};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};

pub const USERNAME: &str = "la-fabrique-des-communs";

pub struct Sandbox {
    pub started: Started,
    pub client: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_calcom::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, client: reqwest::Client::new() }
    }

    pub fn cred(&self, key: &str) -> String {
        self.started.credentials[key].as_str().expect("credential present").to_string()
    }

    pub fn base(&self) -> String {
        self.cred("base_url")
    }

    pub fn settings(&self, page_size: u32) -> CalcomSettings {
        CalcomSettings {
            base_url: self.base(),
            webhook_secret: Some(self.cred("webhook_secret")),
            page_size,
            ..CalcomSettings::new("calcom-test", self.cred("api_key"))
        }
    }

    pub fn connector(&self, page_size: u32) -> CalcomConnector {
        CalcomConnector::new(self.settings(page_size)).expect("valid settings")
    }

    /// A call to the sandbox's API v2 with the demo key, as a script of the organizer would do.
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base()))
            .bearer_auth(self.cred("api_key"))
            .header("cal-api-version", "2024-08-13");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON answer"))
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.api(reqwest::Method::POST, path, Some(body)).await;
        assert!((200..300).contains(&status), "{path}: {status} {answer}");
        answer
    }

    /// A `/_sandbox/...` trigger (someone acting in Cal.com's web app).
    pub async fn trigger(&self, path: &str, body: Value) -> Value {
        let response = self.client.post(format!("{}{path}", self.base())).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    pub async fn set_faults(&self, faults: Value) {
        let response = self.client.put(format!("{}/_sandbox/faults", self.base())).json(&faults).send().await.unwrap();
        assert!(response.status().is_success(), "faults: {}", response.status());
    }

    /// Every booking as the sandbox stores it (v2 shape).
    pub async fn bookings(&self) -> Vec<Value> {
        let state: Value =
            self.client.get(format!("{}/_sandbox/state", self.base())).send().await.unwrap().json().await.unwrap();
        state["bookings"].as_array().expect("bookings").clone()
    }

    pub async fn event_type_id(&self, slug: &str) -> u64 {
        let url = format!("{}/v2/event-types?username={USERNAME}&eventSlug={slug}", self.base());
        let answer: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        answer["data"][0]["id"].as_u64().unwrap_or_else(|| panic!("event type {slug}: {answer}"))
    }

    /// Books `slug` at `start` through API v2; returns the booking's uid.
    pub async fn book(&self, slug: &str, start: &str, name: &str, email: &str) -> String {
        let body = json!({"start": start, "eventTypeId": self.event_type_id(slug).await,
                          "attendee": {"name": name, "email": email, "timeZone": "Europe/Paris", "language": "fr"}});
        let answer = self.post("/v2/bookings", body).await;
        answer["data"]["uid"].as_str().expect("uid").to_string()
    }

    /// Subscribes `url` to `triggers` with the sandbox's secret.
    pub async fn subscribe(&self, url: &str, triggers: &[&str]) {
        let body =
            json!({"subscriberUrl": url, "triggers": triggers, "active": true, "secret": self.cred("webhook_secret")});
        self.post("/v2/webhooks", body).await;
    }
}

/// `hour`:00 UTC on the day `days` days from now (future slots, after the seeded ones).
pub fn slot(days: i64, hour: u32) -> String {
    let day = Utc::now().date_naive() + chrono::Duration::days(days + 60);
    format!("{}T{hour:02}:00:00Z", day.format("%Y-%m-%d"))
}

/// Reads `stream` from `cursor` until `has_more` is false; returns the records, the last cursor
/// and the number of pages.
pub async fn read_all(conn: &CalcomConnector, cursor: Option<Cursor>) -> (Vec<SourceRecord>, Option<Cursor>, usize) {
    let mut cursor = cursor;
    let mut records = Vec::new();
    for pages in 1..=1000 {
        let page = conn.read("bookings", cursor.as_ref()).await.expect("page reads");
        records.extend(page.records);
        if page.next_cursor.is_some() {
            cursor = page.next_cursor;
        }
        if !page.has_more {
            return (records, cursor, pages);
        }
    }
    panic!("bookings: pagination did not end");
}

pub fn find<'a>(records: &'a [SourceRecord], uid: &str) -> &'a SourceRecord {
    records.iter().find(|r| r.external_id == uid).unwrap_or_else(|| panic!("no record {uid}"))
}

/// One received delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub fn request(&self) -> WebhookRequest<'_> {
        WebhookRequest { headers: &self.headers, body: &self.body, remote_addr: None, received_at: Utc::now() }
    }
}

/// A local webhook receiver (the hub's place in these tests).
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Delivery>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let app = Router::new()
            .route(
                "/hooks/calcom",
                post(|State(got): State<Arc<Mutex<Vec<Delivery>>>>, headers: HeaderMap, body: Bytes| async move {
                    got.lock().unwrap().push(Delivery { headers, body });
                    "accepted"
                }),
            )
            .with_state(got.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hooks/calcom", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, got, _task: task }
    }

    /// Waits until at least `n` deliveries arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        for _ in 0..400 {
            {
                let got = self.got.lock().unwrap();
                if got.len() >= n {
                    return got.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("expected {n} deliveries, got {}", self.got.lock().unwrap().len());
    }

    pub fn all(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }
}
