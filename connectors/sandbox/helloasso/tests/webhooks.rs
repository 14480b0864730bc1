//! Notifications: signed as NOTES.md §6 describes (x-ha-signature = lowercase hex HMAC-SHA256 of
//! the raw body keyed with the registration's signatureKey), checked here with an HMAC written
//! from RFC 2104 over plain SHA-256; routing by type/organization; duplicates under faults.
mod common;

use common::{Received, Receiver, SLUG, Sandbox};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// RFC 2104 HMAC with SHA-256 (block size 64), lowercase hex — independent of the sandbox's code.
fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&ipad).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(&opad).chain_update(inner).finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_test_hmac_matches_rfc_4231_case_2() {
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

fn verify(r: &Received, key: &str) {
    let sig = r.signature.as_deref().unwrap_or_else(|| panic!("signed: {:?}", r.json()));
    assert_eq!(sig.len(), 64);
    assert_eq!(sig, sig.to_lowercase());
    assert_eq!(sig, hmac_sha256_hex(key.as_bytes(), &r.body), "signature of {}", String::from_utf8_lossy(&r.body));
}

fn events(r: &[Received], path: &str) -> Vec<String> {
    r.iter().filter(|x| x.path == path).map(|x| x.json()["eventType"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_payment_notifies_every_matching_url_each_signed_with_its_own_key() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    let (_, all) =
        sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": rx.url("/all")}))).await;
    assert_eq!(all["signatureKey"], sb.cred("notification_signature_key"), "untyped partner URL: the credentials' key");
    let (_, payments) = sb
        .send(
            Method::PUT,
            &format!("/v5/partners/me/api-notifications/organizations/{SLUG}"),
            Some(json!({"url": rx.url("/payments"), "notificationType": "Payment"})),
        )
        .await;
    assert_eq!(payments["apiNotificationType"], "Payment");
    let payments_key = payments["signatureKey"].as_str().unwrap().to_string();
    assert_ne!(payments_key, sb.cred("notification_signature_key"));
    let (status, _) = sb.control(Method::PUT, "/_sandbox/notification-url", json!({"url": rx.url("/asso")})).await;
    assert_eq!(status, 200);

    let (status, paid) = sb
        .control(
            Method::POST,
            "/_sandbox/payments",
            json!({"formType": "Membership", "tierLabel": "Famille", "person": 7,
                "customFields": {"Commune": "Brest"}}),
        )
        .await;
    assert_eq!(status, 200, "{paid}");
    let got = rx
        .wait_for("2 + 1 + 2 notifications", |r| {
            events(r, "/all").len() >= 2 && !events(r, "/payments").is_empty() && events(r, "/asso").len() >= 2
        })
        .await;
    let mut all_events = events(&got, "/all");
    all_events.sort();
    assert_eq!(all_events, ["Order", "Payment"]);
    assert_eq!(events(&got, "/payments"), ["Payment"], "a Payment-only URL gets no Order");
    for r in &got {
        match r.path.as_str() {
            "/all" => verify(r, &sb.cred("notification_signature_key")),
            "/payments" => verify(r, &payments_key),
            "/asso" => assert!(r.signature.is_none(), "HelloAsso signs partner URLs only"),
            other => panic!("unexpected path {other}"),
        }
    }
    let order = got.iter().map(|r| r.json()).find(|n| n["eventType"] == "Order").unwrap();
    let p = hub_sandbox_core::seed::person(7);
    assert_eq!(order["data"]["id"], paid["order"]["id"]);
    assert_eq!(order["data"]["payer"]["email"], p.email.as_str());
    assert_eq!(order["data"]["items"][0]["name"], "Famille");
    assert_eq!(order["data"]["items"][0]["amount"], 3500);
    let fields = order["data"]["items"][0]["customFields"].as_array().unwrap();
    let answer = |name: &str| fields.iter().find(|f| f["name"] == name).map(|f| f["answer"].clone());
    assert_eq!(answer("Commune"), Some(json!("Brest")));
    assert_eq!(answer("Date de naissance"), Some(json!(p.birth_date.format("%d/%m/%Y").to_string())));
    let payment = got.iter().map(|r| r.json()).find(|n| n["eventType"] == "Payment").unwrap();
    assert_eq!(payment["data"]["order"]["formName"], "Adhésion 2026");

    // The order the notification announced can be read back from the API.
    let read = sb.get(&format!("/v5/orders/{}", order["data"]["id"])).await;
    assert_eq!(read["payer"], order["data"]["payer"]);
    let log = sb.wait_log("5 deliveries", |l| l.len() >= 5).await;
    assert!(log.iter().all(|w| w["status"] == 200 && w["duplicate"] == false), "{log:?}");
}

#[tokio::test]
async fn refunds_and_new_forms_notify_and_deleted_urls_stop_receiving() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": rx.url("/all")}))).await;
    let (_, paid) =
        sb.control(Method::POST, "/_sandbox/payments", json!({"formType": "Donation", "amount": 4200})).await;
    let pid = paid["payment"]["id"].as_i64().unwrap();
    let (status, refund) = sb.control(Method::POST, "/_sandbox/refunds", json!({"paymentId": pid})).await;
    assert_eq!(status, 200, "{refund}");
    assert_eq!(refund["amount"], 4200);
    let got = rx
        .wait_for("the refund's Payment notification", |r| {
            r.iter().any(|x| x.json()["eventType"] == "Payment" && x.json()["data"]["state"] == "Refunded")
        })
        .await;
    let n = got.iter().map(|r| r.json()).find(|n| n["data"]["state"] == "Refunded").unwrap();
    assert_eq!(n["data"]["id"], pid);
    assert_eq!(n["data"]["refundOperations"][0]["amount"], 4200);
    let key = sb.cred("notification_signature_key");
    got.iter().for_each(|r| verify(r, &key));

    let (status, form) =
        sb.control(Method::POST, "/_sandbox/forms", json!({"title": "Soirée jeux", "formSlug": "soiree-jeux"})).await;
    assert_eq!(status, 201, "{form}");
    let got = rx.wait_for("the Form notification", |r| r.iter().any(|x| x.json()["eventType"] == "Form")).await;
    let f: Value = got.iter().map(|r| r.json()).find(|n| n["eventType"] == "Form").unwrap();
    assert_eq!(f["data"]["formSlug"], "soiree-jeux");
    assert_eq!(f["data"]["formType"], "Event");
    let public = sb.get(&format!("/v5/organizations/{SLUG}/forms/Event/soiree-jeux/public")).await;
    assert_eq!(public["title"], "Soirée jeux");

    let (status, _) = sb.send(Method::DELETE, "/v5/partners/me/api-notifications", None).await;
    assert_eq!(status, 200);
    assert!(sb.get("/v5/partners/me").await["urlNotificationList"].as_array().unwrap().is_empty());
    let before = events(&rx.got.lock().unwrap(), "/all").len();
    let (_, unseen) = sb.control(Method::POST, "/_sandbox/payments", json!({})).await;
    // A marker URL registered afterwards: once it has heard of a later payment, the earlier one
    // would have reached /all too had it been sent there.
    sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": rx.url("/marker")}))).await;
    let (_, later) = sb.control(Method::POST, "/_sandbox/payments", json!({})).await;
    let got = rx
        .wait_for("the marker's notifications", |r| {
            r.iter().filter(|x| x.path == "/marker" && x.json()["data"]["id"] == later["order"]["id"]).count() == 1
        })
        .await;
    assert_eq!(events(&got, "/all").len(), before, "the deleted URL received nothing more");
    assert!(!got.iter().any(|x| x.json()["data"]["id"] == unseen["order"]["id"]), "sent while no URL was registered");
}

#[tokio::test]
async fn duplicate_webhook_rate_delivers_each_notification_twice_with_the_same_signature() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": rx.url("/all")}))).await;
    let (status, _) = sb.control(Method::PUT, "/_sandbox/faults", json!({"duplicate_webhook_rate": 1.0})).await;
    assert_eq!(status, 200);
    let (_, paid) = sb.control(Method::POST, "/_sandbox/payments", json!({"formType": "Event"})).await;
    let got = rx.wait_for("4 deliveries", |r| r.len() >= 4).await;
    let order_copies: Vec<&Received> = got
        .iter()
        .filter(|r| r.json()["eventType"] == "Order" && r.json()["data"]["id"] == paid["order"]["id"])
        .collect();
    assert_eq!(order_copies.len(), 2, "the Order notification came twice");
    assert_eq!(order_copies[0].body, order_copies[1].body);
    assert_eq!(order_copies[0].signature, order_copies[1].signature);
    verify(order_copies[0], &sb.cred("notification_signature_key"));
    sb.wait_log("a duplicate", |l| l.iter().any(|w| w["duplicate"] == true)).await;
}
