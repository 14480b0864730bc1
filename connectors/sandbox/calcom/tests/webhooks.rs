//! Webhook deliveries: signatures checked with an HMAC-SHA256 written here from NOTES §7 (only the
//! SHA-256 primitive is borrowed), envelope vs flat bodies, reschedule linkage, the default
//! secret, payload templates, event-type-level subscriptions, the documented quirks, duplicates.

mod common;

use common::{Receiver, Sandbox, produce_all, slot};
use serde_json::json;
use sha2::{Digest, Sha256};

/// HMAC (RFC 2104) over SHA-256, lower-case hex.
fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let inner_hash = Sha256::digest(&inner);
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).chain(inner_hash.iter().copied()).collect();
    Sha256::digest(&outer).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_test_hmac_is_right() {
    // RFC 4231 test case 2.
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[tokio::test]
async fn deliveries_are_signed_and_shaped_like_cal_com() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    let secret = "s3cr3t-du-hub";
    let all = produce_all(&sb, &rx, secret).await;
    for d in &all {
        let sig = d.header("x-cal-signature-256");
        assert_eq!(sig, hmac_sha256_hex(secret.as_bytes(), &d.body), "signature over the raw body");
        assert_ne!(sig, hmac_sha256_hex(b"another secret", &d.body));
        assert_eq!(d.header("content-type"), "application/json");
        assert_eq!(d.header("x-cal-webhook-version"), "2021-10-20");
        let v = d.json();
        let trigger = v["triggerEvent"].as_str().unwrap();
        if trigger.starts_with("MEETING_") {
            assert!(v.get("payload").is_none(), "{trigger} is flat");
            assert!(v["uid"].is_string() && v["attendees"].is_array());
        } else {
            assert!(v["createdAt"].as_str().unwrap().ends_with('Z'));
            assert!(v["payload"]["uid"].is_string());
        }
    }
    let by = |t: &str| all.iter().find(|d| d.json()["triggerEvent"] == t).unwrap().json();
    let created = by("BOOKING_CREATED");
    assert_eq!(created["payload"]["status"], "ACCEPTED");
    assert_eq!(created["payload"]["type"], "salle-hypatia");
    assert_eq!(created["payload"]["attendees"][0]["name"], "Héloïse Dupré");
    let moved = by("BOOKING_RESCHEDULED")["payload"].clone();
    assert_eq!(moved["rescheduleUid"], created["payload"]["uid"], "rescheduleUid is the old booking");
    assert_ne!(moved["uid"], created["payload"]["uid"], "uid is the new booking");
    let (_, old) = sb.get(&format!("/v2/bookings/{}", created["payload"]["uid"].as_str().unwrap())).await;
    assert_eq!(old["data"]["status"], "cancelled");
    assert_eq!(old["data"]["rescheduledToUid"], moved["uid"]);
    assert_eq!(by("BOOKING_CANCELLED")["payload"]["status"], "CANCELLED");
    assert_eq!(by("BOOKING_REQUESTED")["payload"]["status"], "PENDING");
    assert_eq!(by("BOOKING_REJECTED")["payload"]["rejectionReason"], "Salle réservée pour la fête de quartier");
}

#[tokio::test]
async fn default_secret_templates_and_event_type_scope() {
    let sb = Sandbox::start().await;
    let plain = Receiver::start().await;
    let templated = Receiver::start().await;
    let scoped = Receiver::start().await;
    sb.subscribe(&plain.url, &["BOOKING_CREATED"], json!({})).await;
    let template = r#"{"content":"A new event has been scheduled","type":"{{type}}","name":"{{title}}","organizer":"{{organizer.name}}","booker":"{{attendees.0.name}}"}"#;
    sb.subscribe(&templated.url, &["BOOKING_CREATED"], json!({"payloadTemplate": template, "secret": "t"})).await;
    let studio = sb.event_type_id("studio-son").await;
    let (s, v) = sb
        .post(
            &format!("/v2/event-types/{studio}/webhooks"),
            json!({"subscriberUrl": scoped.url, "triggers": ["BOOKING_CREATED"], "active": true}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let room = sb.event_type_id("salle-hypatia").await;
    for (et, week) in [(room, 20), (studio, 21)] {
        let (s, v) = sb
            .post("/v2/bookings", json!({"start": slot(week, 11), "eventTypeId": et, "attendee": {"name": "Gaëlle Kergoat", "email": "gaelle@exemple.fr", "timeZone": "Europe/Paris"}}))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let got = plain.wait_for(2).await;
    for d in &got {
        assert_eq!(d.header("x-cal-signature-256"), hmac_sha256_hex(sb.secret().as_bytes(), &d.body));
    }
    let rendered = templated.wait_for(2).await;
    let bodies: Vec<_> = rendered.iter().map(|d| d.json()).collect();
    assert!(bodies.iter().all(|b| b["content"] == "A new event has been scheduled" && b["booker"] == "Gaëlle Kergoat"));
    assert!(bodies.iter().any(|b| b["type"] == "studio-son"));
    assert!(bodies.iter().all(|b| b["organizer"] == "La Fabrique des Communs" && b.get("payload").is_none()));
    assert_eq!(rendered[0].header("x-cal-signature-256"), hmac_sha256_hex(b"t", &rendered[0].body));
    let only = scoped.wait_for(1).await;
    assert_eq!(only[0].json()["payload"]["eventTypeId"], studio);
}

#[tokio::test]
async fn documented_quirks_are_reproduced() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(
        &rx.url,
        &["BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED"],
        json!({}),
    )
    .await;
    // API reschedule of a booking needing confirmation → BOOKING_REQUESTED with the reschedule linkage.
    let fetes = sb.event_type_id("salle-des-fetes").await;
    let attendee = json!({"name": "Loïc Le Gall", "email": "loic@exemple.fr", "timeZone": "Europe/Paris"});
    let (_, p) =
        sb.post("/v2/bookings", json!({"start": slot(30, 15), "eventTypeId": fetes, "attendee": attendee})).await;
    let uid = p["data"]["uid"].as_str().unwrap().to_string();
    let (_, v) = sb.post(&format!("/v2/bookings/{uid}/confirm"), json!({})).await;
    assert_eq!(v["data"]["status"], "accepted");
    let (s, moved) = sb.post(&format!("/v2/bookings/{uid}/reschedule"), json!({"start": slot(31, 15)})).await;
    assert_eq!(s, 201, "{moved}");
    rx.wait_for(3).await;
    let requested = rx.of("BOOKING_REQUESTED");
    assert_eq!(requested.len(), 2, "creation + API reschedule");
    let re = requested
        .iter()
        .map(|d| d.json())
        .find(|v| v["payload"]["rescheduleUid"] == uid.as_str())
        .expect("reschedule as REQUESTED");
    assert_eq!(re["payload"]["uid"], moved["data"]["uid"]);
    assert!(rx.of("BOOKING_RESCHEDULED").is_empty());
    // Seated coworking: the second seat of a slot fires nothing; the booking shows both seats.
    let cowork = sb.event_type_id("coworking").await;
    let mut uids = Vec::new();
    for (name, email) in [("Aïcha Benali", "aicha@exemple.fr"), ("Rémi Fabre", "remi@exemple.fr")] {
        let (s, v) = sb
            .post("/v2/bookings", json!({"start": slot(32, 9), "eventTypeId": cowork, "attendee": {"name": name, "email": email, "timeZone": "Europe/Paris"}}))
            .await;
        assert_eq!(s, 201, "{v}");
        uids.push(v["data"]["uid"].as_str().unwrap().to_string());
    }
    assert_eq!(uids[0], uids[1], "one booking for the slot");
    let (_, seated) = sb.get(&format!("/v2/bookings/{}", uids[0])).await;
    assert_eq!(seated["data"]["attendees"].as_array().unwrap().len(), 2);
    // A sentinel after the seats: once it arrives, the first seat's webhook has too.
    let (_, _) = sb.post(&format!("/v2/bookings/{}/cancel", moved["data"]["uid"].as_str().unwrap()), json!({})).await;
    rx.wait_for(5).await;
    let seat_hooks: Vec<_> =
        rx.of("BOOKING_CREATED").iter().map(|d| d.json()).filter(|v| v["payload"]["type"] == "coworking").collect();
    assert_eq!(seat_hooks.len(), 1, "only the first seat fires");
    assert_eq!(seat_hooks[0]["payload"]["attendees"].as_array().unwrap().len(), 1);
    assert_eq!(seat_hooks[0]["payload"]["attendees"][0]["name"], "Aïcha Benali");
}

#[tokio::test]
async fn duplicates_are_delivered_when_asked() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(&rx.url, &["BOOKING_CREATED"], json!({"secret": "dup"})).await;
    let status = sb
        .client
        .put(sb.url("/_sandbox/faults"))
        .json(&json!({"duplicate_webhook_rate": 1.0}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    let room = sb.event_type_id("atelier-bois").await;
    let (s, v) = sb
        .post("/v2/bookings", json!({"start": slot(40, 10), "eventTypeId": room, "attendee": {"name": "Joël Hébert", "email": "joel@exemple.fr", "timeZone": "Europe/Paris"}}))
        .await;
    assert_eq!(s, 201, "{v}");
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].body, got[1].body, "the same delivery twice");
    for d in &got {
        assert_eq!(d.header("x-cal-signature-256"), hmac_sha256_hex(b"dup", &d.body));
    }
    let log: serde_json::Value =
        sb.client.get(sb.url("/_sandbox/webhooks")).send().await.unwrap().json().await.unwrap();
    assert!(log.as_array().unwrap().iter().any(|e| e["duplicate"] == true));
}
