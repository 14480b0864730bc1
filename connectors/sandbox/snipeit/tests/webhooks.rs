//! Snipe-IT's Slack-compatible checkout/checkin/audit notifications, delivered to a receiver run
//! by the test. Snipe-IT does not sign these posts (NOTES.md: "payloads are chat messages,
//! unsigned"), so the test checks that no signature header is invented, and that
//! `duplicate_webhook_rate = 1.0` delivers a notification twice.

mod common;

use std::sync::{Arc, Mutex};

use axum::{Router, extract::State, http::HeaderMap, routing::post};
use serde_json::{Value, json};

type Inbox = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: String) -> &'static str {
    inbox.lock().unwrap().push((headers, serde_json::from_str(&body).expect("JSON body")));
    "ok"
}

async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let app = Router::new().route("/hook", post(receive)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), inbox)
}

/// Waits (event-driven polling, generous bound) until `n` deliveries arrived.
async fn wait_for(inbox: &Inbox, n: usize) -> Vec<(HeaderMap, Value)> {
    for _ in 0..600 {
        if inbox.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    inbox.lock().unwrap().clone()
}

#[tokio::test]
async fn checkout_checkin_and_audit_notify_the_integration() {
    let sb = common::start().await;
    let (url, inbox) = receiver().await;
    sb.sandbox_put("/_sandbox/integrations", json!({"webhook_endpoint": url, "webhook_channel": "#atelier"})).await;
    let asset = sb.rtd_asset(0).await;
    let id = asset["id"].as_u64().unwrap();
    let tag = asset["asset_tag"].as_str().unwrap();
    let user = sb.get("/users/9").await;
    sb.post(
        &format!("/hardware/{id}/checkout"),
        json!({"checkout_to_type": "user", "assigned_user": 9, "note": "Tournage"}),
    )
    .await;
    let got = wait_for(&inbox, 1).await;
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers.keys().all(|k| !k.as_str().contains("signature") && !k.as_str().starts_with("x-snipe")),
        "Snipe-IT does not sign its notifications: {headers:?}"
    );
    assert_eq!(body["channel"], "#atelier");
    assert_eq!(body["username"], "Snipe-Bot");
    assert!(body["text"].as_str().unwrap().contains("Asset checked out"));
    let att = &body["attachments"][0];
    assert!(att["title"].as_str().unwrap().contains(tag));
    assert_eq!(att["text"], "Tournage");
    let to = att["fields"].as_array().unwrap().iter().find(|f| f["title"] == "To").expect("To field");
    assert!(to["value"].as_str().unwrap().contains(user["first_name"].as_str().unwrap()));

    sb.sandbox_put("/_sandbox/faults", json!({"duplicate_webhook_rate": 1.0})).await;
    sb.post(&format!("/hardware/{id}/checkin"), json!({})).await;
    let got = wait_for(&inbox, 3).await;
    assert_eq!(got.len(), 3, "the checkin notification is delivered twice");
    assert_eq!(got[1].1, got[2].1);
    assert!(got[1].1["text"].as_str().unwrap().contains("Asset checked in"));
    let mut log = Vec::new();
    for _ in 0..600 {
        let v: Value = sb.http.get(sb.url("/_sandbox/webhooks")).send().await.unwrap().json().await.unwrap();
        log = v.as_array().unwrap().clone();
        if log.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(log.len(), 3);
    assert_eq!(log.iter().filter(|w| w["duplicate"] == true).count(), 1);
    assert!(log.iter().all(|w| w["status"] == 200));

    sb.sandbox_put("/_sandbox/faults", json!({})).await;
    sb.post("/hardware/audit", json!({"asset_tag": tag})).await;
    let got = wait_for(&inbox, 4).await;
    assert!(got[3].1["text"].as_str().unwrap().contains("Audited"));
}

#[tokio::test]
async fn ui_triggers_change_state_and_notify() {
    let sb = common::start().await;
    let (url, inbox) = receiver().await;
    sb.sandbox_put("/_sandbox/integrations", json!({"webhook_endpoint": url})).await;
    let asset = sb.rtd_asset(1).await;
    let tag = asset["asset_tag"].as_str().unwrap();
    let r: Value = sb
        .http
        .post(sb.url("/_sandbox/ui/checkout"))
        .json(&json!({"asset_tag": tag, "checkout_to_type": "user", "assigned_user": 4}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "success");
    assert_eq!(sb.asset_by_tag(tag).await["assigned_to"]["id"], 4);
    assert_eq!(wait_for(&inbox, 1).await.len(), 1);
    let r = sb
        .http
        .post(sb.url("/_sandbox/ui/status"))
        .json(&json!({"asset_tag": "FAB-0001", "status_id": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sb.asset_by_tag("FAB-0001").await["status_label"]["name"], "Broken - Not Fixable");
    let state: Value = sb.http.get(sb.url("/_sandbox/state")).send().await.unwrap().json().await.unwrap();
    assert!(state["db"]["assets"].as_object().unwrap().len() >= 38);
}
