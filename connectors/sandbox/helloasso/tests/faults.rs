//! Fault injection on the vendor routes (500, 429 with Retry-After), never on /_sandbox routes.
mod common;

use common::{SLUG, Sandbox};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn injected_errors_and_rate_limits_then_back_to_normal() {
    let sb = Sandbox::start().await;
    let token = sb.access_token().await;
    let path = format!("/v5/organizations/{SLUG}/orders");
    assert_eq!(sb.get_with(&token, &path).await.0, 200);

    let (status, _) = sb.control(Method::PUT, "/_sandbox/faults", json!({"error_rate": 1.0})).await;
    assert_eq!(status, 200);
    assert_eq!(sb.get_with(&token, &path).await.0, 500);
    let resp =
        sb.http.post(sb.url("/oauth2/token")).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 500, "the token endpoint is a vendor route too");
    let (status, state) = sb.control(Method::GET, "/_sandbox/state", json!({})).await;
    assert_eq!(status, 200, "inspection is never faulted");
    assert!(state["orders"].as_u64().unwrap() > 0);

    let (status, _) =
        sb.control(Method::PUT, "/_sandbox/faults", json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    assert_eq!(status, 200);
    let resp = sb.http.get(sb.url(&path)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("7"));

    let (status, _) = sb.control(Method::PUT, "/_sandbox/faults", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(sb.get_with(&token, &path).await.0, 200);
}
