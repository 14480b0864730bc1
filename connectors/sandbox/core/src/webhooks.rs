//! Emits a vendor's webhooks (signed by the vendor module) to subscriber URLs, in the background,
//! with the faults' duplicates and reordering, and keeps a log for `/_sandbox/...` inspection.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use serde::Serialize;

use crate::faults::FaultHandle;

/// One delivery attempt, as logged.
#[derive(Debug, Clone, Serialize)]
pub struct EmittedWebhook {
    pub url: String,
    pub event: String,
    pub body: String,
    /// The receiver's status, or `None` when it could not be reached.
    pub status: Option<u16>,
    pub duplicate: bool,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Sends webhooks; clones share the log.
#[derive(Clone)]
pub struct WebhookEmitter {
    client: reqwest::Client,
    faults: FaultHandle,
    log: Arc<Mutex<Vec<EmittedWebhook>>>,
}

impl WebhookEmitter {
    pub fn new(faults: FaultHandle) -> WebhookEmitter {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a plain HTTP client builds");
        WebhookEmitter { client, faults, log: Arc::default() }
    }

    /// The log so far (oldest first).
    pub fn log(&self) -> Vec<EmittedWebhook> {
        self.log.lock().expect("log lock").clone()
    }

    /// Posts `body` with `headers` to `url` in the background (never blocks the API call that
    /// caused it); may send it twice or late, as the faults say. Vendors do not retry here.
    pub fn emit(&self, url: &str, event: &str, headers: Vec<(String, String)>, body: String) {
        let faults = self.faults.get();
        let copies =
            if faults.duplicate_webhook_rate > 0.0 && fastrand::f64() < faults.duplicate_webhook_rate { 2 } else { 1 };
        let delay = if faults.reorder_webhooks_ms > 0 && fastrand::bool() {
            Duration::from_millis(faults.reorder_webhooks_ms)
        } else {
            Duration::ZERO
        };
        for copy in 0..copies {
            let (this, url, event, headers, body) =
                (self.clone(), url.to_string(), event.to_string(), headers.clone(), body.clone());
            tokio::spawn(async move {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut req = this.client.post(&url).body(body.clone());
                for (k, v) in &headers {
                    req = req.header(k.as_str(), v.as_str());
                }
                let status = req.send().await.ok().map(|r| r.status().as_u16());
                this.log.lock().expect("log lock").push(EmittedWebhook {
                    url,
                    event,
                    body,
                    status,
                    duplicate: copy > 0,
                    at: chrono::Utc::now(),
                });
            });
        }
    }
}
