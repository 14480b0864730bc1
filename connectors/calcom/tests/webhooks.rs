//! Webhooks from the Cal.com sandbox, received on a local server as the hub would: signatures
//! (good, forged, missing, wrong secret), decoding into hints, and the read-back that trusts neither
//! the trigger nor the body (wrong triggers, seated slots, claimed statuses, unknown bookings, PING).

mod common;

use common::{Receiver, Sandbox, find, slot};
use hub_connector_calcom::{
    CalcomConnector, CalcomSettings,
    webhook::{SIGNATURE_HEADER, hint, sign},
};
use hub_connector_sdk::{Connector, ConnectorError, InboundEvent, WebhookRequest};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

const TRIGGERS: [&str; 7] = [
    "BOOKING_CREATED",
    "BOOKING_REQUESTED",
    "BOOKING_RESCHEDULED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "MEETING_STARTED",
    "MEETING_ENDED",
];

fn signed_request<'a>(headers: &'a mut HeaderMap, secret: &str, body: &'a [u8]) -> WebhookRequest<'a> {
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sign(secret, body)).unwrap());
    WebhookRequest { headers, body, remote_addr: None, received_at: chrono::Utc::now() }
}

/// Verifies and decodes a delivery the way the hub's hook endpoint does.
fn intake(conn: &CalcomConnector, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
    let decoder = conn.webhook().expect("Cal.com pushes webhooks");
    decoder.verify(request)?;
    decoder.decode(request)
}

#[tokio::test]
async fn a_real_delivery_verifies_and_forgeries_do_not() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(&rx.url, &TRIGGERS).await;
    let conn = sb.connector(50);
    let uid = sb.book("studio-son", &slot(1, 10), "Léa Girard", "lea.girard@exemple.fr").await;
    let delivery = rx.wait_for(1).await.remove(0);
    assert_eq!(delivery.json()["triggerEvent"], "BOOKING_CREATED");

    let event = intake(&conn, &delivery.request()).expect("a genuine delivery is accepted");
    assert_eq!(event.event_type, "BOOKING_CREATED");
    assert!(event.event_id.starts_with(&format!("BOOKING_CREATED:{uid}:")), "{}", event.event_id);
    assert_eq!(event.records.len(), 1);
    assert_eq!(event.records[0].external_id, uid);
    let records = conn.records_for_event(&event).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].data["status"], "accepted");
    assert_eq!(records[0].data["attendee_email"], "lea.girard@exemple.fr");

    // The same bytes with one status changed.
    let forged_body = String::from_utf8(delivery.body.to_vec()).unwrap().replace("\"ACCEPTED\"", "\"CANCELLED\"");
    assert_ne!(forged_body.as_bytes(), &delivery.body[..]);
    let forged = WebhookRequest { body: forged_body.as_bytes(), ..delivery.request() };
    assert!(matches!(intake(&conn, &forged), Err(ConnectorError::Signature(_))));
    // No header.
    let mut bare = delivery.headers.clone();
    bare.remove(SIGNATURE_HEADER);
    let missing = WebhookRequest { headers: &bare, ..delivery.request() };
    assert!(matches!(intake(&conn, &missing), Err(ConnectorError::Signature(m)) if m.contains("missing")));
    // Another secret on our side.
    let other =
        CalcomConnector::new(CalcomSettings { webhook_secret: Some("not-the-one".into()), ..sb.settings(50) }).unwrap();
    assert!(matches!(intake(&other, &delivery.request()), Err(ConnectorError::Signature(_))));
    // None at all.
    let unset = CalcomConnector::new(CalcomSettings { webhook_secret: None, ..sb.settings(50) }).unwrap();
    assert!(matches!(intake(&unset, &delivery.request()), Err(ConnectorError::Signature(_))));
}

#[tokio::test]
async fn the_read_back_ignores_the_status_the_body_claims() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    let uid = sb.book("salle-hypatia", &slot(2, 9), "Noémie Roux", "noemie.roux@exemple.fr").await;
    // A correctly signed body (the secret is right) that lies about the booking.
    let body = json!({"triggerEvent": "BOOKING_CANCELLED", "createdAt": "2026-11-29T10:00:00.000Z",
                      "payload": {"uid": uid, "status": "CANCELLED", "title": "Annulée !", "startTime": "2020-01-01T00:00:00Z"}})
    .to_string();
    let mut headers = HeaderMap::new();
    let request = signed_request(&mut headers, &sb.cred("webhook_secret"), body.as_bytes());
    let event = intake(&conn, &request).unwrap();
    assert_eq!(event.event_type, "BOOKING_CANCELLED");
    let records = conn.records_for_event(&event).await.unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!((r.data["status"].as_str(), r.deleted), (Some("accepted"), false), "the API's state, not the body's");
    assert_eq!(r.data["start"], slot(2, 9));
    assert!(r.data["title"].as_str().unwrap().contains("Noémie Roux"));
}

#[tokio::test]
async fn an_api_reschedule_sent_as_booking_requested_reads_back_as_a_move() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    let conn = sb.connector(50);
    let old = sb.book("salle-des-fetes", &slot(3, 15), "Chloé Fabre", "chloe.fabre@exemple.fr").await;
    sb.post(&format!("/v2/bookings/{old}/confirm"), json!({})).await;
    sb.subscribe(&rx.url, &TRIGGERS).await;
    let moved = sb.post(&format!("/v2/bookings/{old}/reschedule"), json!({"start": slot(4, 15)})).await;
    let new = moved["data"]["uid"].as_str().unwrap().to_string();
    let delivery = rx.wait_for(1).await.remove(0);
    // Cal.com's quirk (cal.diy#21169), reproduced by the sandbox: the wrong trigger.
    assert_eq!(delivery.json()["triggerEvent"], "BOOKING_REQUESTED");

    let event = intake(&conn, &delivery.request()).unwrap();
    let records = conn.records_for_event(&event).await.unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    let (n, o) = (find(&records, &new), find(&records, &old));
    assert_eq!(n.data["rescheduled_from_uid"], old.as_str());
    assert_eq!(n.data["status"], "pending", "the new slot waits for confirmation again");
    assert_eq!(n.data["start"], slot(4, 15));
    assert_eq!((o.data["status"].as_str(), o.data["rescheduled"].as_bool()), (Some("cancelled"), Some(true)));
    assert_eq!(o.data["rescheduled_to_uid"], new.as_str());
    assert!(!o.deleted && !n.deleted);

    // A hint naming only the old booking still reads the new one (linked by the API).
    let only_old =
        InboundEvent { event_id: "x".into(), event_type: "BOOKING_RESCHEDULED".into(), records: vec![hint(&old, "x")] };
    let records = conn.records_for_event(&only_old).await.unwrap();
    let uids: Vec<&str> = records.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(uids, vec![old.as_str(), new.as_str()]);
}

#[tokio::test]
async fn one_webhook_for_a_seated_slot_reads_back_every_seat() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(&rx.url, &TRIGGERS).await;
    let conn = sb.connector(50);
    let cowork = sb.event_type_id("coworking").await;
    let start = slot(5, 8);
    for person in [10, 11, 12] {
        sb.trigger("/_sandbox/bookings", json!({"start": start, "eventTypeId": cowork, "seedPerson": person})).await;
    }
    let delivery = rx.wait_for(1).await.remove(0);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.all().len(), 1, "Cal.com's quirk (#13079): later seats fire nothing");
    let body = delivery.json();
    assert_eq!(body["payload"]["attendees"].as_array().unwrap().len(), 1, "the body knows one seat");

    let event = intake(&conn, &delivery.request()).unwrap();
    let records = conn.records_for_event(&event).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].data["seats"]["count"], 3, "the API knows them all");
}

#[tokio::test]
async fn meetings_unknown_bookings_and_ping() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(&rx.url, &TRIGGERS).await;
    let conn = sb.connector(50);
    let uid = sb.book("atelier-bois", &slot(6, 10), "Jérôme Blanc", "jerome.blanc@exemple.fr").await;
    sb.trigger(&format!("/_sandbox/bookings/{uid}/meeting-ended"), json!({})).await;
    let deliveries = rx.wait_for(2).await;
    let ended = deliveries.iter().find(|d| d.json()["triggerEvent"] == "MEETING_ENDED").expect("MEETING_ENDED");
    assert!(ended.json().get("payload").is_none(), "a flat body");
    let event = intake(&conn, &ended.request()).unwrap();
    assert_eq!(event.event_type, "MEETING_ENDED");
    let records = conn.records_for_event(&event).await.unwrap();
    assert_eq!(records.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), vec![uid.as_str()]);

    let secret = sb.cred("webhook_secret");
    let decode = |body: Value| {
        let bytes = body.to_string().into_bytes();
        let mut headers = HeaderMap::new();
        intake(&conn, &signed_request(&mut headers, &secret, &bytes)).unwrap()
    };
    // A booking the API does not know: no record, no error.
    let ghost = decode(json!({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "n0tAB00k1ngUid0000000x"}}));
    assert_eq!(ghost.records.len(), 1);
    assert!(conn.records_for_event(&ghost).await.unwrap().is_empty());
    // An unknown trigger naming a booking: just the read-back.
    let future = decode(json!({"triggerEvent": "BOOKING_TELEPORTED", "payload": {"uid": uid, "status": "REJECTED"}}));
    let records = conn.records_for_event(&future).await.unwrap();
    assert_eq!((records.len(), records[0].data["status"].as_str()), (1, Some("accepted")));
    // PING: nothing, even naming a booking.
    let ping = decode(json!({"triggerEvent": "PING", "payload": {"type": "Test", "uid": uid}}));
    assert!(ping.records.is_empty());
    assert!(conn.records_for_event(&ping).await.unwrap().is_empty());
    let ping_stored = InboundEvent { records: vec![hint(&uid, "PING")], ..ping };
    assert!(conn.records_for_event(&ping_stored).await.unwrap().is_empty());
    // A stored event whose hint was tampered with never reaches a request path.
    let bad = InboundEvent {
        event_id: "y".into(),
        event_type: "BOOKING_CREATED".into(),
        records: vec![hint("../v2/webhooks", "x")],
    };
    assert!(matches!(conn.records_for_event(&bad).await, Err(ConnectorError::Invalid(_))));
}

#[tokio::test]
async fn repeated_deliveries_share_their_event_id() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(&rx.url, &TRIGGERS).await;
    sb.set_faults(json!({"duplicate_webhook_rate": 1.0})).await;
    let conn = sb.connector(50);
    let uid = sb.book("salle-olympe-de-gouges", &slot(7, 9), "Anaïs Perrin", "anais.perrin@exemple.fr").await;
    sb.post(&format!("/v2/bookings/{uid}/cancel"), json!({"cancellationReason": "Doublon"})).await;
    let deliveries = rx.wait_for(4).await;
    let mut ids: Vec<(String, String)> = deliveries
        .iter()
        .map(|d| {
            let e = intake(&conn, &d.request()).unwrap();
            (e.event_type, e.event_id)
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "two events, each delivered twice: {ids:?}");
    assert!(ids.iter().all(|(_, id)| id.contains(&uid)));
}
