//! The place's website as the demo imagines it: a receiver of the hub's outbound webhooks, on
//! loopback, that checks each signature (Standard Webhooks) and keeps what it got.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::{Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use hub_connector_sdk::standard_webhooks::{DEFAULT_TOLERANCE, WebhookSecret, verify};

/// One event the website received.
#[derive(Debug, Clone)]
pub struct Received {
    pub event_type: String,
    pub verified: bool,
}

#[derive(Clone, Default)]
struct Shared {
    secret: Arc<Mutex<Option<WebhookSecret>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

pub struct Website {
    pub url: String,
    shared: Shared,
}

impl Website {
    pub fn set_secret(&self, whsec: &str) {
        *self.shared.secret.lock().expect("lock") = WebhookSecret::parse(whsec).ok();
    }
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = shared.secret.lock().expect("lock").clone();
    let verified = secret.is_some_and(|s| {
        verify(std::slice::from_ref(&s), &headers, &body, chrono::Utc::now(), DEFAULT_TOLERANCE).is_ok()
    });
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let event_type = json["type"].as_str().unwrap_or("?").to_string();
    shared.received.lock().expect("lock").push(Received { event_type, verified });
    if verified { StatusCode::NO_CONTENT } else { StatusCode::UNAUTHORIZED }
}

pub async fn start() -> Result<Website> {
    let shared = Shared::default();
    let app = Router::new().route("/hooks/hub", post(receive)).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks/hub", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Website { url, shared })
}
