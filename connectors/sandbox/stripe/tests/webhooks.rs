//! Webhook deliveries: registered Stripe's way (`POST /v1/webhook_endpoints`, whose answer holds
//! the secret) and through `PUT /_sandbox/webhook_url` (the credentials' `webhook_secret`);
//! `Stripe-Signature` verified with an HMAC computed here from the NOTES' description; duplicates
//! when `duplicate_webhook_rate` is 1.0; the emitter log at `/_sandbox/webhooks`.

mod common;

use serde_json::{Value, json};

/// Checks `t=…,v1=…` against `secret` and the raw body; returns the event.
fn verify(secret: &str, header: &str, body: &str) -> Value {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = Some(x.to_string()),
            Some(("v1", x)) => v1.push(x.to_string()),
            _ => {}
        }
    }
    let t = t.expect("t= in Stripe-Signature");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().expect("unix time");
    assert!(age.abs() <= 300, "within the SDKs' default tolerance");
    let expected = common::expected_v1(secret, &t, body);
    assert!(v1.contains(&expected), "signature {header} does not match {expected}");
    serde_json::from_str(body).expect("JSON body")
}

/// The emitter's log once it holds `n` deliveries (it is written after the receiver answered).
async fn log_of(sb: &common::Sb, n: usize) -> Vec<Value> {
    for _ in 0..600 {
        let log: Value = sb.http.get(sb.url("/_sandbox/webhooks")).send().await.unwrap().json().await.unwrap();
        if log.as_array().unwrap().len() >= n {
            return log.as_array().unwrap().clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the webhook log never reached {n} entries");
}

fn signature(h: &axum::http::HeaderMap) -> String {
    h.get("stripe-signature").expect("Stripe-Signature header").to_str().unwrap().to_string()
}

#[tokio::test]
async fn registered_endpoints_receive_signed_events() {
    let sb = common::start().await;
    let rx = common::receiver().await;
    let we = sb
        .post(
            "/v1/webhook_endpoints",
            json!({"url": rx.url, "enabled_events": ["customer.created", "payment_intent.succeeded"]}),
        )
        .await;
    let (status, _, refused) = sb
        .call(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            &json!({"url": rx.url, "enabled_events": ["customer.created", "membre.paye"]}),
            &[],
        )
        .await;
    assert_eq!(
        (status, refused["error"]["param"].as_str()),
        (400, Some("enabled_events[1]")),
        "unknown event types are refused"
    );
    let secret = we["secret"].as_str().expect("the secret is answered at creation").to_string();
    assert!(secret.starts_with("whsec_"));
    assert!(
        sb.get(&format!("/v1/webhook_endpoints/{}", we["id"].as_str().unwrap())).await.get("secret").is_none(),
        "and only then"
    );
    let c = sb.post("/v1/customers", json!({"email": "yael.garnier@exemple.fr"})).await;
    sb.post(
        "/v1/payment_intents",
        json!({"amount": "2000", "currency": "eur", "payment_method": "pm_card_visa", "confirm": "true"}),
    )
    .await;
    let got = rx.wait_for(|d| d.len() >= 2).await;
    let mut types = Vec::new();
    for (headers, body) in &got {
        let event = verify(&secret, &signature(headers), body);
        assert_eq!(event["object"], "event");
        types.push(event["type"].as_str().unwrap().to_string());
        if event["type"] == "customer.created" {
            assert_eq!(event["data"]["object"]["id"], c["id"]);
            assert_eq!(event["pending_webhooks"], 1);
        }
        // The event is also listed by the API.
        assert_eq!(sb.get(&format!("/v1/events/{}", event["id"].as_str().unwrap())).await["type"], event["type"]);
    }
    types.sort();
    assert_eq!(types, vec!["customer.created", "payment_intent.succeeded"], "only the subscribed types");
    // A tampered body fails the independent check.
    let (headers, body) = &got[0];
    let tampered = body.replace("event", "evenement");
    assert!(std::panic::catch_unwind(|| verify(&secret, &signature(headers), &tampered)).is_err());
    let log = log_of(&sb, 2).await;
    assert!(log.iter().all(|w| w["status"] == 200), "{log:?}");
}

#[tokio::test]
async fn the_demo_endpoint_uses_the_credentials_secret_and_duplicates_on_demand() {
    let sb = common::start().await;
    let rx = common::receiver().await;
    let secret = sb.started.credentials["webhook_secret"].as_str().unwrap().to_string();
    let put = sb.http.put(sb.url("/_sandbox/webhook_url")).json(&json!({"url": rx.url})).send().await.unwrap();
    assert_eq!(put.status(), 200);
    sb.http.put(sb.url("/_sandbox/faults")).json(&json!({"duplicate_webhook_rate": 1.0})).send().await.unwrap();
    sb.post("/v1/products", json!({"name": "Fablab — accès machine"})).await;
    let got = rx.wait_for(|d| d.len() >= 2).await;
    let events: Vec<Value> = got.iter().map(|(h, b)| verify(&secret, &signature(h), b)).collect();
    assert_eq!(events[0]["id"], events[1]["id"], "the same event twice");
    assert_eq!(events[0]["type"], "product.created");
    let log = log_of(&sb, 2).await;
    assert!(log.iter().any(|w| w["duplicate"] == true), "{log:?}");
}
