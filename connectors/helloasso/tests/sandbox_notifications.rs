//! End to end: the sandbox sends signed notifications to a receiver here; the connector verifies
//! them, decodes them and reads the order back.

mod common;

use std::time::Duration;

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use chrono::Utc;
use common::Sandbox;
use hmac::{Hmac, KeyInit, Mac};
use hub_connector_helloasso::HelloAssoConnector;
use hub_connector_sdk::{Connector, ConnectorError, InboundEvent, SourceRecord, WebhookRequest};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

type Received = (HeaderMap, Bytes);

async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel::<Received>();
    async fn hook(State(tx): State<mpsc::UnboundedSender<Received>>, headers: HeaderMap, body: Bytes) -> &'static str {
        let _ = tx.send((headers, body));
        "ok"
    }
    let app = Router::new().route("/hook", post(hook)).with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

/// The next notification of `event_type` (others are skipped); a guard stops a test that would hang.
async fn next_of(rx: &mut mpsc::UnboundedReceiver<Received>, event_type: &str) -> Received {
    loop {
        let received = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("a notification arrives")
            .expect("the receiver is running");
        let body: Value = serde_json::from_slice(&received.1).unwrap();
        if body["eventType"] == event_type {
            return received;
        }
    }
}

async fn handle(connector: &HelloAssoConnector, received: &Received) -> (InboundEvent, Vec<SourceRecord>) {
    let request =
        WebhookRequest { headers: &received.0, body: &received.1, remote_addr: None, received_at: Utc::now() };
    let decoder = connector.webhook().unwrap();
    decoder.verify(&request).expect("the sandbox's signature verifies");
    let event = decoder.decode(&request).expect("the notification decodes");
    let records = connector.records_for_event(&event).await.expect("the order reads back");
    (event, records)
}

#[tokio::test]
async fn signed_notifications_lead_to_records_read_back_from_the_api() {
    let sandbox = Sandbox::start().await;
    let (url, mut rx) = receiver().await;
    let registered =
        sandbox.put("/v5/partners/me/api-notifications", json!({"url": url}), Some(&sandbox.bearer().await)).await;
    let key = registered["signatureKey"].as_str().expect("a signature key").to_string();
    let mut settings = sandbox.settings();
    settings.signature_key = Some(key.clone());
    let connector = HelloAssoConnector::new(settings).unwrap();

    let paid = sandbox
        .trigger(
            "/_sandbox/payments",
            json!({"formType": "Membership", "tierLabel": "Individuelle",
                   "payer": {"email": "zoe.lefevre@exemple.fr", "firstName": "Zoé", "lastName": "Lefèvre"},
                   "customFields": {"Date de naissance": "03/02/1991", "Commune": "Saint-Étienne"}}),
        )
        .await;
    let order_id = paid["order"]["id"].as_i64().unwrap();
    let payment_id = paid["payment"]["id"].as_i64().unwrap();

    let (event, records) = handle(&connector, &next_of(&mut rx, "Order").await).await;
    assert_eq!(event.event_type, "Order");
    assert!(event.event_id.starts_with(&format!("Order:{order_id}:")), "{}", event.event_id);
    let membership = records.iter().find(|r| r.stream == "memberships").expect("a membership record");
    assert_eq!(membership.data["orderId"], order_id);
    assert_eq!(membership.data["status"], "active");
    assert_eq!(membership.data["customFields"]["Commune"], "Saint-Étienne");
    assert_eq!(membership.data["customFields"]["Date de naissance"], "03/02/1991");
    let payer = records.iter().find(|r| r.external_id == format!("order-{order_id}-payer")).expect("the payer");
    assert_eq!(payer.data["firstName"], "Zoé");
    assert_eq!(payer.data["email"], "zoe.lefevre@exemple.fr");
    assert!(records.iter().any(|r| r.external_id == format!("payment-{payment_id}")));

    // The read-back gives the same records as the streams.
    let (streamed, _) = common::read_all(&connector, "memberships", None).await;
    assert!(streamed.contains(membership), "the stream has the same record");

    // The Payment notification of the order's own payment is skipped by next_of (it came first);
    // the refund's Payment notification reads back a refunded membership.
    sandbox.trigger("/_sandbox/refunds", json!({"paymentId": payment_id})).await;
    let (event, records) = handle(&connector, &next_of(&mut rx, "Payment").await).await;
    let (event, records) = if event.event_id.contains(":Refunded:") {
        (event, records)
    } else {
        handle(&connector, &next_of(&mut rx, "Payment").await).await
    };
    assert!(event.event_id.starts_with(&format!("Payment:{payment_id}:Refunded:")), "{}", event.event_id);
    let membership = records.iter().find(|r| r.stream == "memberships").expect("a membership record");
    assert_eq!(membership.data["status"], "refunded");
    assert_eq!(membership.data["paymentState"], "Refunded");
    let payment = records.iter().find(|r| r.external_id == format!("payment-{payment_id}")).unwrap();
    assert_eq!(payment.data["state"], "Refunded");
}

#[tokio::test]
async fn a_forged_order_notification_creates_nothing() {
    let sandbox = Sandbox::start().await;
    let key = sandbox.cred("notification_signature_key");
    let mut settings = sandbox.settings();
    settings.signature_key = Some(key.clone());
    let connector = HelloAssoConnector::new(settings).unwrap();

    let body = json!({"eventType": "Order", "data": {"id": 987654321, "payer": {"email": "forged@example.org",
        "firstName": "Faux", "lastName": "Membre"}, "items": [{"id": 1, "type": "Membership", "state": "Processed"}],
        "payments": [{"id": 2, "state": "Authorized"}]}})
    .to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let mut headers = HeaderMap::new();
    headers.insert("x-ha-signature", hex::encode(mac.finalize().into_bytes()).parse().unwrap());
    let request =
        WebhookRequest { headers: &headers, body: body.as_bytes(), remote_addr: None, received_at: Utc::now() };
    let decoder = connector.webhook().unwrap();
    decoder.verify(&request).expect("the signature is valid");
    let event = decoder.decode(&request).unwrap();
    assert!(event.records.is_empty(), "the body itself yields nothing");
    let err = connector.records_for_event(&event).await.unwrap_err();
    assert!(!err.is_retryable(), "a missing order is permanent: {err:?}");
    assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains("987654321") && m.contains("404")), "{err:?}");
}
