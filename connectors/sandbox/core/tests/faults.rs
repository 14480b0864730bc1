//! The core's fault injection on a real server: latency, timeouts, 500s and 429s, set at run time
//! through `/_sandbox/faults`, never applied to the control routes themselves.

use std::time::{Duration, Instant};

use axum::{Router, routing::get};
use hub_sandbox_core::{FaultHandle, Faults, serve};

async fn start() -> hub_sandbox_core::RunningSandbox {
    let vendor = Router::new().route("/thing", get(|| async { "ok" }));
    serve("test", vendor, Router::new(), FaultHandle::new(Faults::default()), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn set(client: &reqwest::Client, s: &hub_sandbox_core::RunningSandbox, faults: serde_json::Value) {
    let resp = client.put(s.url("/_sandbox/faults")).json(&faults).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn latency_timeouts_errors_and_rate_limits_are_injected_then_cleared() {
    let s = start().await;
    let client = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap();
    assert_eq!(client.get(s.url("/thing")).send().await.unwrap().status(), 200);

    set(&client, &s, serde_json::json!({"latency_ms": 150})).await;
    let started = Instant::now();
    assert_eq!(client.get(s.url("/thing")).send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(150), "the answer waited the added latency");

    set(&client, &s, serde_json::json!({"timeout_rate": 1.0})).await;
    let err = client.get(s.url("/thing")).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        client.get(s.url("/_sandbox/faults")).send().await.unwrap().status(),
        200,
        "control routes never faulted"
    );

    set(&client, &s, serde_json::json!({"error_rate": 1.0})).await;
    assert_eq!(client.get(s.url("/thing")).send().await.unwrap().status(), 500);
    set(&client, &s, serde_json::json!({"rate_limit_rate": 1.0, "retry_after_secs": 9})).await;
    let resp = client.get(s.url("/thing")).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "9");

    let bad = client.put(s.url("/_sandbox/faults")).body(r#"{"eror_rate": 1}"#).send().await.unwrap();
    assert_eq!(bad.status(), 400, "an unknown fault is refused");
    set(&client, &s, serde_json::json!({})).await;
    assert_eq!(client.get(s.url("/thing")).send().await.unwrap().status(), 200);
}
