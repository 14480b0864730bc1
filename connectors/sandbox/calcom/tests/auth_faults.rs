//! Auth refusals (missing, wrong and non-Cal.com tokens → 401 with the vendor's error body) and
//! fault injection through `PUT /_sandbox/faults`.

mod common;

use common::Sandbox;
use serde_json::{Value, json};

#[tokio::test]
async fn wrong_or_missing_credentials_are_refused() {
    let sb = Sandbox::start().await;
    for path in ["/v2/bookings", "/v2/event-types", "/v2/webhooks", "/v2/schedules"] {
        let cases = [None, Some("cal_test_notthekey"), Some("garbage")];
        for token in cases {
            let mut r = sb.client.get(sb.url(path));
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            let resp = r.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 401, "{path} with {token:?}");
            let v: Value = resp.json().await.unwrap();
            assert_eq!(v["status"], "error");
            assert_eq!(v["error"]["code"], "UnauthorizedException");
            assert_eq!(v["error"]["details"]["statusCode"], 401);
            assert_eq!(v["path"], path);
        }
    }
    // Writes are refused too, and change nothing.
    let (_, before) = sb.get("/v2/bookings?take=1").await;
    let resp =
        sb.client.post(sb.url("/v2/bookings")).bearer_auth("cal_live_wrong").json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (_, after) = sb.get("/v2/bookings?take=1").await;
    assert_eq!(before["pagination"]["totalItems"], after["pagination"]["totalItems"]);
    // The right key works; the public event-type listing needs none.
    assert_eq!(sb.get("/v2/bookings").await.0, 200);
    // Cal.com's throttler headers count down within the window.
    let remaining = |r: &reqwest::Response| -> u64 {
        assert_eq!(r.headers()["x-ratelimit-limit-default"], "120");
        assert!(r.headers().contains_key("x-ratelimit-reset-default"));
        r.headers()["x-ratelimit-remaining-default"].to_str().unwrap().parse().unwrap()
    };
    let first = sb.req(reqwest::Method::GET, "/v2/schedules").send().await.unwrap();
    let second = sb.req(reqwest::Method::GET, "/v2/schedules").send().await.unwrap();
    // (Unless a new 60 s window began in between.)
    assert!(remaining(&second) < remaining(&first) || remaining(&second) == 120 - 1);
    let resp = sb.client.get(sb.url("/v2/event-types?username=la-fabrique-des-communs")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let key = sb.key();
    assert!(key.starts_with("cal_test_") || key.starts_with("cal_live_"), "{key}");
}

#[tokio::test]
async fn faults_are_injected_and_removed() {
    let sb = Sandbox::start().await;
    let put = |faults: Value| {
        let c = sb.client.clone();
        let url = sb.url("/_sandbox/faults");
        async move { c.put(url).json(&faults).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(put(json!({"error_rate": 1.0})).await, 200);
    for _ in 0..3 {
        let resp = sb.req(reqwest::Method::GET, "/v2/bookings").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 500);
    }
    // Inspection routes are never faulted.
    assert_eq!(sb.client.get(sb.url("/_sandbox/state")).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(put(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await, 200);
    let resp = sb.req(reqwest::Method::POST, "/v2/webhooks").json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers().get("retry-after").unwrap(), "7");
    assert_eq!(put(json!({})).await, 200);
    let (status, v) = sb.get("/v2/bookings?take=1").await;
    assert_eq!(status, 200, "{v}");
}
