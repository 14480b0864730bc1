//! Auth refusals (Frappe statuses and bodies) and fault injection through `/_sandbox/faults`.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn wrong_missing_or_malformed_credentials_are_refused() {
    let sb = start(true).await;
    let anon = reqwest::Client::new();
    let customers = url(&sb, "/api/resource/Customer");
    let cases: Vec<(Option<&str>, u16, &str)> = vec![
        (Some("token 5e1a8f2c9d3b7a4:wrong-secret"), 401, "AuthenticationError"),
        (Some("token no-colon"), 401, "AuthenticationError"),
        (Some("Basic !!!not-base64!!!"), 400, "InvalidAuthorizationToken"),
        (Some("Bearer whatever"), 401, "AuthenticationError"),
        (None, 403, "PermissionError"),
    ];
    for (header, status, exc_type) in cases {
        let mut req = anon.get(&customers);
        if let Some(h) = header {
            req = req.header("Authorization", h);
        }
        let (got, body) = send(req).await;
        assert_eq!((got, body["exc_type"].as_str().unwrap()), (status, exc_type), "{header:?}: {body}");
        assert_error_shape(&body);
    }
    // Writes are refused too, and nothing is created.
    let (status, _) = send(anon.post(&customers).json(&json!({"customer_name": "Intrus"}))).await;
    assert_eq!(status, 403);
    let (_, found) =
        send(client(&sb).get(&customers).query(&[("filters", r#"[["customer_name","=","Intrus"]]"#)])).await;
    assert_eq!(found["data"], json!([]));
    // Case-insensitive scheme keyword, as Frappe lowercases it.
    let c = &sb.credentials;
    let token = format!("TOKEN {}:{}", c["api_key"].as_str().unwrap(), c["api_secret"].as_str().unwrap());
    let (status, _) = send(anon.get(&customers).header("Authorization", token)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn injected_faults_then_back_to_normal() {
    let sb = start(false).await;
    let c = client(&sb);
    let faults = url(&sb, "/_sandbox/faults");
    let customers = url(&sb, "/api/resource/Customer");
    let put = |v: Value| c.put(&faults).json(&v).send();
    assert!(put(json!({"error_rate": 1.0})).await.unwrap().status().is_success());
    assert_eq!(c.get(&customers).send().await.unwrap().status().as_u16(), 500);
    // Inspection routes are never faulted.
    assert_eq!(c.get(url(&sb, "/_sandbox/state")).send().await.unwrap().status().as_u16(), 200);
    assert!(put(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await.unwrap().status().is_success());
    let resp = c.get(&customers).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert!(put(json!({})).await.unwrap().status().is_success());
    let (status, body) = send(c.get(&customers)).await;
    assert_eq!((status, body), (200, json!({"data": []})));
}

#[tokio::test]
async fn state_and_credentials() {
    let sb = start(true).await;
    for key in ["base_url", "api_key", "api_secret"] {
        assert!(sb.credentials[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }
    let (status, state) = send(reqwest::Client::new().get(url(&sb, "/_sandbox/state"))).await;
    assert_eq!(status, 200);
    assert_eq!(state["credentials"], sb.credentials);
    assert!(state["counts"]["Customer"].as_u64().unwrap() >= 300);
    assert!(state["counts"]["Contact"].as_u64().unwrap() >= 300);
    for doctype in ["Subscription", "Item Booking", "Event", "Sales Invoice"] {
        assert!(state["counts"][doctype].as_u64().unwrap() > 10, "{doctype}: {state}");
    }
    // Deterministic: a second site has the same documents.
    let other = start(true).await;
    let (_, a) =
        send(client(&sb).get(url(&sb, "/api/resource/Subscription?fields=[\"name\",\"customer\",\"status\"]&limit=0")))
            .await;
    let (_, b) = send(
        client(&other).get(url(&other, "/api/resource/Subscription?fields=[\"name\",\"customer\",\"status\"]&limit=0")),
    )
    .await;
    assert_eq!(a, b);
    // Empty site when seed is off.
    let empty = start(false).await;
    let (_, state) = send(reqwest::Client::new().get(url(&empty, "/_sandbox/state"))).await;
    assert_eq!(state["counts"], json!({}));
}
