//! A webhook receiver for the tests: a real HTTP server on 127.0.0.1:0 that records every request
//! and answers as a test scripts it, and a Standard Webhooks verifier written here from the spec
//! alone (HMAC-SHA256 over `id.timestamp.body`, base64, `v1,` prefix), independent of the hub's signer.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_string()
    }
}

/// How to answer: (status, Retry-After, delay before answering).
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply { status: 200, retry_after: None, delay: Duration::ZERO }
    }
    pub fn status(status: u16) -> Reply {
        Reply { status, retry_after: None, delay: Duration::ZERO }
    }
}

type Script = Arc<dyn Fn(&str, usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    script: Script,
}

pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// A receiver answering 200 to everything.
    pub async fn start() -> Receiver {
        Receiver::scripted(|_, _| Reply::ok()).await
    }

    /// A receiver whose answer depends on the `webhook-id` and how many times it was seen before.
    pub async fn scripted(script: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared { received: received.clone(), script: Arc::new(script) };
        let app = Router::new().route("/hook", post(receive)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url: format!("http://{addr}/hook"), received, task }
    }

    /// The same receiver reached by name (`localhost`), so the hub's resolver is exercised.
    pub fn url_by_name(&self) -> String {
        self.url.replace("127.0.0.1", "localhost")
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Requests answered with a 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.all().into_iter().filter(|r| (200..300).contains(&r.status)).collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let id = h("webhook-id");
    let seen = shared.received.lock().unwrap().iter().filter(|r| r.id == id).count();
    let reply = (shared.script)(&id, seen);
    shared.received.lock().unwrap().push(Received {
        id,
        timestamp: h("webhook-timestamp"),
        signature: h("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: reply.status,
        at: Instant::now(),
    });
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = (StatusCode::from_u16(reply.status).unwrap(), "ok").into_response();
    if let Some(ra) = reply.retry_after {
        resp.headers_mut().insert("retry-after", ra.parse().unwrap());
    }
    resp
}

/// Verifies a request with `secret` (`whsec_…`) the way the spec describes, from scratch.
pub fn verify_independently(secret: &str, r: &Received) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("whsec_ prefix")).expect("base64 key");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let fresh = r.timestamp.parse::<i64>().is_ok_and(|ts| (chrono::Utc::now().timestamp() - ts).abs() <= 300);
    fresh && r.signature.split(' ').any(|s| s == expected)
}
