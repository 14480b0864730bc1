//! Fault injection through the core's `/_sandbox/faults`: 500s, then 429s with Retry-After, then
//! back to normal; inspection routes are never faulted.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn errors_rate_limits_then_normal() {
    let sb = start().await;
    let path = format!("/calendars/{}/events", sb.calendar());
    assert_eq!(sb.get(&path).await.status(), 200);

    let r = sb.http.put(sb.url("/_sandbox/faults")).json(&json!({"error_rate": 1.0})).send().await.expect("faults");
    assert_eq!(r.status(), 200);
    assert_eq!(sb.get(&path).await.status(), 500);
    let token =
        sb.http.post(sb.cred("token_url")).form(&[("grant_type", "refresh_token")]).send().await.expect("token");
    assert_eq!(token.status(), 500, "the OAuth endpoints are faulted too");
    let state = sb.http.get(sb.url("/_sandbox/state")).send().await.expect("state");
    assert_eq!(state.status(), 200, "inspection is never faulted");
    let state: Value = state.json().await.expect("json");
    assert_eq!(state["calendars"].as_array().expect("calendars").len(), 7);

    let r = sb
        .http
        .put(sb.url("/_sandbox/faults"))
        .json(&json!({"rate_limit_rate": 1.0, "retry_after_secs": 7}))
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
    let limited = sb.get(&path).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");

    let r = sb.http.put(sb.url("/_sandbox/faults")).json(&json!({})).send().await.expect("faults");
    assert_eq!(r.status(), 200);
    assert_eq!(sb.get(&path).await.status(), 200);
}
