//! The `bookings` stream against the Cal.com sandbox: a full read over many pages covers every
//! booking once, an incremental read after a change returns only what changed, reschedules give
//! two linked records, seats show on one record, and the SDK's compliance kit passes.

mod common;

use std::collections::HashSet;

use common::{Sandbox, find, read_all, slot};
use hub_connector_calcom::{CalcomConnector, CalcomSettings};
use hub_connector_sdk::{Connector, ConnectorError, testkit};
use serde_json::{Value, json};

#[tokio::test]
async fn a_full_read_pages_through_every_booking_once() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(7);
    let (records, cursor, pages) = read_all(&conn, None).await;
    let stored = sb.bookings().await;
    assert!(stored.len() > 40, "the seed holds weeks of bookings: {}", stored.len());
    assert!(pages > stored.len() / 7, "{pages} pages of 7 for {} bookings", stored.len());
    let uids: HashSet<&str> = records.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(uids.len(), records.len(), "no booking twice in one pass");
    let expected: HashSet<&str> = stored.iter().map(|b| b["uid"].as_str().unwrap()).collect();
    assert_eq!(uids, expected, "cancelled and past bookings too");
    for record in &records {
        let stored = stored.iter().find(|b| b["uid"] == record.external_id.as_str()).unwrap();
        assert_eq!(&record.data["booking"], stored, "the vendor JSON, untouched");
        assert_eq!(record.data["status"], stored["status"]);
        assert!(record.updated_at.is_some());
        assert!(record.data["attendee_email"].as_str().is_some_and(|e| e.contains('@')));
        assert!(record.data["start"].as_str().unwrap().ends_with('Z'));
        assert!(record.data["event_type_slug"].is_string() && record.data["event_type_id"].is_u64());
    }
    // The seed's reschedules: each moved-away booking points to a record that points back.
    let moved: Vec<_> = records.iter().filter(|r| r.data["rescheduled"] == true).collect();
    assert!(!moved.is_empty(), "the seed holds reschedules");
    for old in moved {
        assert_eq!(old.data["status"], "cancelled");
        assert!(!old.deleted, "a moved booking is not a cancellation");
        let new = find(&records, old.data["rescheduled_to_uid"].as_str().unwrap());
        assert_eq!(new.data["rescheduled_from_uid"], old.external_id.as_str());
    }
    assert!(records.iter().any(|r| r.deleted && r.data["status"] == "cancelled"), "plain cancellations");

    // Nothing changed: the next pass returns nothing.
    let (again, _, _) = read_all(&conn, cursor).await;
    assert!(again.is_empty(), "{:?}", again.iter().map(|r| &r.external_id).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_incremental_read_after_an_update_sees_only_the_changed_booking() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(10);
    let (_, cursor, _) = read_all(&conn, None).await;
    let victim = sb
        .bookings()
        .await
        .into_iter()
        .find(|b| b["status"] == "accepted" && b["attendees"][0].get("seatUid").is_none());
    let uid = victim.unwrap()["uid"].as_str().unwrap().to_string();
    sb.post(&format!("/v2/bookings/{uid}/cancel"), json!({"cancellationReason": "Salle en travaux"})).await;

    let (changed, cursor, _) = read_all(&conn, cursor).await;
    assert_eq!(changed.len(), 1, "{:?}", changed.iter().map(|r| &r.external_id).collect::<Vec<_>>());
    let record = &changed[0];
    assert_eq!(record.external_id, uid);
    assert_eq!(record.data["status"], "cancelled");
    assert_eq!(record.data["booking"]["cancellationReason"], "Salle en travaux");
    assert!(record.deleted);

    // A new booking, then nothing more.
    let new = sb.book("atelier-bois", &slot(1, 9), "Maëlle Lefèvre", "maelle.lefevre@exemple.fr").await;
    let (changed, cursor, _) = read_all(&conn, cursor).await;
    assert_eq!(changed.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), vec![new.as_str()]);
    assert_eq!(changed[0].data["attendee_name"], "Maëlle Lefèvre");
    let (nothing, _, _) = read_all(&conn, cursor).await;
    assert!(nothing.is_empty());
}

#[tokio::test]
async fn a_reschedule_gives_the_new_booking_and_the_moved_one_linked() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(25);
    let (_, cursor, _) = read_all(&conn, None).await;
    let old = sb.book("salle-hypatia", &slot(2, 9), "Inès Moreau", "ines.moreau@exemple.fr").await;
    let moved = sb
        .post(&format!("/v2/bookings/{old}/reschedule"), json!({"start": slot(3, 14), "reschedulingReason": "Grève"}))
        .await;
    let new = moved["data"]["uid"].as_str().unwrap().to_string();
    assert_ne!(new, old, "Cal.com gives the moved booking a new uid");

    let (changed, cursor, _) = read_all(&conn, cursor).await;
    assert_eq!(changed.len(), 2);
    let (o, n) = (find(&changed, &old), find(&changed, &new));
    assert_eq!(
        (o.data["status"].as_str(), o.data["rescheduled"].as_bool(), o.deleted),
        (Some("cancelled"), Some(true), false)
    );
    assert_eq!(o.data["rescheduled_to_uid"], new.as_str());
    assert_eq!(n.data["status"], "accepted");
    assert_eq!(n.data["rescheduled_from_uid"], old.as_str());
    assert_eq!(n.data["start"], slot(3, 14));
    assert_eq!(n.data["attendee_email"], "ines.moreau@exemple.fr");

    // Cancelling the new one later is a real cancellation.
    sb.post(&format!("/v2/bookings/{new}/cancel"), json!({"cancellationReason": "Finalement non"})).await;
    let (changed, _, _) = read_all(&conn, cursor).await;
    assert_eq!(changed.len(), 1);
    assert_eq!((changed[0].external_id.as_str(), changed[0].deleted), (new.as_str(), true));
    assert_eq!(changed[0].data["rescheduled"], false);
}

#[tokio::test]
async fn the_seats_of_a_slot_are_one_booking() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    let (_, cursor, _) = read_all(&conn, None).await;
    let cowork = sb.event_type_id("coworking").await;
    let start = slot(4, 8);
    let mut uids = Vec::new();
    for person in [3, 4, 5] {
        let answer = sb
            .trigger("/_sandbox/bookings", json!({"start": start, "eventTypeId": cowork, "seedPerson": person}))
            .await;
        uids.push(answer["data"]["uid"].as_str().unwrap().to_string());
    }
    assert!(uids.iter().all(|u| u == &uids[0]), "one booking per slot");
    let (changed, _, _) = read_all(&conn, cursor).await;
    assert_eq!(changed.len(), 1);
    let seats = &changed[0].data["seats"];
    assert_eq!(seats["count"], 3);
    assert_eq!(changed[0].data["attendee_count"], 3);
    let seat_uids: HashSet<&str> =
        seats["attendees"].as_array().unwrap().iter().map(|a| a["seat_uid"].as_str().unwrap()).collect();
    assert_eq!(seat_uids.len(), 3);
}

#[tokio::test]
async fn check_and_the_compliance_kit() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(9);
    let report = conn.check().await.unwrap();
    assert!(report.ok);
    assert!(report.detail.contains("API key accepted") && report.detail.contains("2024-08-13"), "{}", report.detail);
    let wrong = CalcomConnector::new(CalcomSettings { api_key: "cal_test_wrong".into(), ..sb.settings(9) }).unwrap();
    assert!(matches!(wrong.check().await, Err(ConnectorError::Auth(_))));
    assert!(matches!(wrong.read("bookings", None).await, Err(ConnectorError::Auth(_))));

    assert!(testkit::pagination_ends(&conn, "bookings", 100).await.unwrap() > 40);
    // The window never moves back (within a dense window the offset grows instead).
    let at = |c: &hub_connector_sdk::Cursor| {
        c.0.get("updatedAfter").and_then(Value::as_str).map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap())
    };
    testkit::cursor_moves_forward(&conn, "bookings", 100, |a, b| at(b) >= at(a)).await.unwrap();
    testkit::maps_http_errors(
        |base| {
            Box::new(
                CalcomConnector::new(CalcomSettings { base_url: base, ..CalcomSettings::new("t", "cal_test_k") })
                    .unwrap(),
            )
        },
        "bookings",
    )
    .await
    .unwrap();
    assert!(matches!(conn.read("event-types", None).await, Err(ConnectorError::Unsupported(_))));
    assert_eq!(conn.streams()[0].entity, hub_connector_sdk::EntityKind::Booking);
}
