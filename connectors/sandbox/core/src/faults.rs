//! Fault injection: rates of 500s, 429s (with Retry-After), timeouts, added latency, and webhook
//! duplication / reordering; read by the fault middleware on every vendor route and by the emitter.

use std::sync::{Arc, RwLock};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What goes wrong, and how often (rates are probabilities in 0..=1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Answer 500 instead of handling the request.
    pub error_rate: f64,
    /// Answer 429 with `Retry-After: retry_after_secs`.
    pub rate_limit_rate: f64,
    pub retry_after_secs: u64,
    /// Never answer (the client's timeout fires).
    pub timeout_rate: f64,
    /// Added to every answer.
    pub latency_ms: u64,
    /// Send an emitted webhook twice.
    pub duplicate_webhook_rate: f64,
    /// Hold an emitted webhook back so later ones overtake it (delay in ms, 0: in order).
    pub reorder_webhooks_ms: u64,
}

/// Shared, changeable at run time.
#[derive(Debug, Clone, Default)]
pub struct FaultHandle(Arc<RwLock<Faults>>);

impl FaultHandle {
    pub fn new(faults: Faults) -> FaultHandle {
        FaultHandle(Arc::new(RwLock::new(faults)))
    }
    pub fn get(&self) -> Faults {
        self.0.read().expect("faults lock").clone()
    }
    pub fn set(&self, faults: Faults) {
        *self.0.write().expect("faults lock") = faults;
    }
}

fn hit(rate: f64) -> bool {
    rate > 0.0 && fastrand::f64() < rate
}

/// Middleware applying the faults to a vendor route.
pub async fn inject(State(handle): State<FaultHandle>, req: Request, next: Next) -> Response {
    let f = handle.get();
    if f.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(f.latency_ms)).await;
    }
    if hit(f.timeout_rate) {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    if hit(f.error_rate) {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": "sandbox: injected server error"})))
            .into_response();
    }
    if hit(f.rate_limit_rate) {
        let mut resp =
            (StatusCode::TOO_MANY_REQUESTS, Json(json!({"error": "sandbox: injected rate limit"}))).into_response();
        if let Ok(v) = HeaderValue::from_str(&f.retry_after_secs.max(1).to_string()) {
            resp.headers_mut().insert("retry-after", v);
        }
        return resp;
    }
    next.run(req).await
}

pub async fn get_faults(State(handle): State<FaultHandle>) -> Json<Faults> {
    Json(handle.get())
}

pub async fn put_faults(State(handle): State<FaultHandle>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            handle.set(f.clone());
            Json(f).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": format!("invalid faults: {e}")}))).into_response(),
    }
}
