//! Authentication refusal, fault injection (`/_sandbox/faults`) and Snipe-IT's own `throttle:api`
//! limiter (`/_sandbox/throttle`).

mod common;

use serde_json::{Value, json};

#[tokio::test]
async fn missing_or_wrong_tokens_are_refused_like_the_vendor() {
    let sb = common::start().await;
    let expected = json!({"status": "error", "messages": "An Error has occured! Unauthenticated.", "payload": null});
    let none = sb.http.get(sb.url("/api/v1/hardware")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.json::<Value>().await.unwrap(), expected);
    for bad in ["Bearer nope", "Basic YWRtaW46YWRtaW4=", "Bearer"] {
        let r = sb.http.post(sb.url("/api/v1/hardware/1/checkout")).header("Authorization", bad).send().await.unwrap();
        assert_eq!(r.status(), 401, "{bad}");
        assert_eq!(r.json::<Value>().await.unwrap(), expected);
    }
    let ok = sb.api(reqwest::Method::GET, "/users/me").send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(sb.started.credentials["base_url"], sb.started.running.base_url.as_str());
}

#[tokio::test]
async fn injected_faults_then_back_to_normal() {
    let sb = common::start().await;
    sb.sandbox_put("/_sandbox/faults", json!({"error_rate": 1.0})).await;
    let r = sb.api(reqwest::Method::GET, "/hardware").send().await.unwrap();
    assert_eq!(r.status(), 500);
    sb.sandbox_put("/_sandbox/faults", json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    let r = sb.api(reqwest::Method::GET, "/hardware").send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    // Inspection routes are never faulted.
    let state = sb.http.get(sb.url("/_sandbox/state")).send().await.unwrap();
    assert_eq!(state.status(), 200);
    sb.sandbox_put("/_sandbox/faults", json!({})).await;
    let r = sb.api(reqwest::Method::GET, "/hardware").send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_api_throttle_answers_429_with_laravel_headers() {
    let sb = common::start().await;
    let t: Value = sb.http.get(sb.url("/_sandbox/throttle")).send().await.unwrap().json().await.unwrap();
    assert_eq!(t, json!({"per_minute": 120, "window_secs": 60}), "Snipe-IT's default API_THROTTLE_PER_MINUTE");
    let first = sb.api(reqwest::Method::GET, "/statuslabels").send().await.unwrap();
    assert_eq!(first.headers()["x-ratelimit-limit"], "120");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "119");

    // A one-hour window keeps the test independent of the machine's speed.
    sb.sandbox_put("/_sandbox/throttle", json!({"per_minute": 3, "window_secs": 3600})).await;
    for remaining in ["2", "1", "0"] {
        let r = sb.api(reqwest::Method::GET, "/statuslabels").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        assert_eq!(r.headers()["x-ratelimit-remaining"], remaining);
    }
    let r = sb.api(reqwest::Method::GET, "/statuslabels").send().await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    assert!(r.headers().contains_key("x-ratelimit-reset"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "error");
    // Refused (unauthenticated) calls do not count, and the limit is per token.
    let anon = sb.http.get(sb.url("/api/v1/statuslabels")).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    sb.sandbox_put("/_sandbox/throttle", json!({"per_minute": 120})).await;
    let r = sb.api(reqwest::Method::GET, "/statuslabels").send().await.unwrap();
    assert_eq!(r.status(), 200);
}
