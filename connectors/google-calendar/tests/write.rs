//! Writing bookings against the sandbox: insert, update, cancel, a retried insert that does not
//! duplicate, a move to another room, the DST end, and the hub's writes recognised when read back.

mod common;

use common::*;
use hub_connector_sdk::{ChangeOp, Connector, ConnectorError, EntityKind};
use serde_json::json;
use uuid::Uuid;

const START: &str = "2026-11-05T14:00:00+01:00";
const END: &str = "2026-11-05T16:00:00+01:00";

#[tokio::test]
async fn insert_update_cancel_and_the_echo_is_recognised() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (_, cursor) = read_pass(&conn, None).await;
    let id = Uuid::now_v7();
    let created = conn.write(&booking(ChangeOp::Created, id, HYPATIA, START, END, None)).await.unwrap();
    let events = sb.events_of_booking(HYPATIA, id).await;
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(created.external_id, format!("{}/{}", calendar(HYPATIA), ev["id"].as_str().unwrap()));
    assert!(created.remote_updated_at.is_some());
    assert_eq!(ev["summary"], "Atelier couture");
    assert_eq!(ev["start"], json!({"dateTime": "2026-11-05T14:00:00+01:00", "timeZone": "Europe/Paris"}));
    assert_eq!(ev["status"], "confirmed");

    let (echo, cursor) = read_pass(&conn, Some(cursor)).await;
    assert_eq!(echo.len(), 1);
    assert_eq!(echo[0].external_id, created.external_id);
    assert_eq!(echo[0].data["hub_origin"], true, "the hub's own write coming back");
    assert_eq!(echo[0].data["hub_booking_id"], id.to_string());
    assert_eq!(echo[0].data["booking_status"], "confirmed");

    let mut moved =
        booking(ChangeOp::Updated, id, HYPATIA, START, "2026-11-05T17:00:00+01:00", Some(&created.external_id));
    moved.fields["title"] = json!("Atelier couture (prolongé)");
    let updated = conn.write(&moved).await.unwrap();
    assert_eq!(updated.external_id, created.external_id);
    let ev = &sb.events_of_booking(HYPATIA, id).await[0];
    assert_eq!(ev["end"]["dateTime"], "2026-11-05T17:00:00+01:00");
    assert_eq!(ev["summary"], "Atelier couture (prolongé)");
    let etag = ev["etag"].clone();
    conn.write(&moved).await.unwrap();
    assert_eq!(sb.events_of_booking(HYPATIA, id).await[0]["etag"], etag, "an unchanged booking sends nothing");

    let (echo, cursor) = read_pass(&conn, Some(cursor)).await;
    assert_eq!((echo.len(), echo[0].data["hub_origin"].as_bool()), (1, Some(true)));

    sb.staff_patch(HYPATIA, ev["id"].as_str().unwrap(), json!({"summary": "Atelier déplacé par l'accueil"})).await;
    let (staff_change, cursor) = read_pass(&conn, Some(cursor)).await;
    assert_eq!(staff_change[0].data["hub_origin"], false, "a staff edit of a hub event is a real change");
    assert_eq!(staff_change[0].data["hub_booking_id"], id.to_string());

    let mut cancel = moved.clone();
    cancel.fields["status"] = json!("cancelled");
    let cancelled = conn.write(&cancel).await.unwrap();
    assert_eq!(cancelled.external_id, created.external_id);
    assert_eq!(sb.events_of_booking(HYPATIA, id).await[0]["status"], "cancelled");
    let deleted = hub_connector_sdk::CanonicalChange { op: ChangeOp::Deleted, ..cancel.clone() };
    let again = conn.write(&deleted).await.unwrap();
    assert_eq!(again.external_id, created.external_id, "cancelling twice is harmless");
    let (echo, _) = read_pass(&conn, Some(cursor)).await;
    assert_eq!(echo.len(), 1);
    assert!(echo[0].deleted);
    assert_eq!(echo[0].data["hub_origin"], true, "the cancellation is the hub's own too");
}

#[tokio::test]
async fn a_retried_insert_does_not_duplicate() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let id = Uuid::now_v7();
    let change = booking(ChangeOp::Created, id, STUDIO, START, END, None);
    let first = conn.write(&change).await.unwrap();
    // the hub crashed before storing the link: the same Created comes again, without external id
    let second = sb.connector().write(&change).await.unwrap();
    assert_eq!(first.external_id, second.external_id);
    assert_eq!(sb.events_of_booking(STUDIO, id).await.len(), 1);
    // a cancelled booking coming back to life reuses its event
    let cancel = hub_connector_sdk::CanonicalChange { op: ChangeOp::Deleted, ..change.clone() };
    conn.write(&cancel).await.unwrap();
    let revived = conn.write(&change).await.unwrap();
    assert_eq!(revived.external_id, first.external_id);
    let events = sb.events_of_booking(STUDIO, id).await;
    assert_eq!((events.len(), events[0]["status"].as_str()), (1, Some("confirmed")));
}

#[tokio::test]
async fn a_booking_across_the_dst_end_keeps_its_three_hours() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (_, cursor) = read_pass(&conn, None).await;
    let id = Uuid::now_v7();
    // 01:30 CEST to 03:30 CET on Sunday 25 October 2026: three hours, one of them repeated
    let change = booking(ChangeOp::Created, id, HYPATIA, "2026-10-24T23:30:00Z", "2026-10-25T02:30:00Z", None);
    conn.write(&change).await.unwrap();
    let ev = &sb.events_of_booking(HYPATIA, id).await[0];
    assert_eq!(ev["start"], json!({"dateTime": "2026-10-25T01:30:00+02:00", "timeZone": "Europe/Paris"}));
    assert_eq!(ev["end"], json!({"dateTime": "2026-10-25T03:30:00+01:00", "timeZone": "Europe/Paris"}));
    let (echo, _) = read_pass(&conn, Some(cursor)).await;
    let r = &echo[0];
    assert_eq!(r.data["starts_at"], "2026-10-24T23:30:00Z");
    assert_eq!(r.data["ends_at"], "2026-10-25T02:30:00Z");
    assert_eq!(r.data["starts_at_local"], "2026-10-25T01:30:00+02:00");
    assert_eq!(r.data["ends_at_local"], "2026-10-25T03:30:00+01:00");
    assert_eq!(r.data["hub_origin"], true);
}

#[tokio::test]
async fn a_booking_moved_to_another_room_moves_its_event() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let id = Uuid::now_v7();
    let created = conn.write(&booking(ChangeOp::Created, id, HYPATIA, START, END, None)).await.unwrap();
    let moved =
        conn.write(&booking(ChangeOp::Updated, id, STUDIO, START, END, Some(&created.external_id))).await.unwrap();
    assert!(moved.external_id.starts_with(&calendar(STUDIO)), "{}", moved.external_id);
    assert_eq!(sb.events_of_booking(HYPATIA, id).await[0]["status"], "cancelled");
    assert_eq!(sb.events_of_booking(STUDIO, id).await[0]["status"], "confirmed");
    let nowhere =
        conn.write(&booking(ChangeOp::Updated, id, "salle-inconnue", START, END, Some(&moved.external_id))).await;
    assert!(matches!(nowhere, Err(ConnectorError::Unsupported(_))), "{nowhere:?}");
    assert_eq!(sb.events_of_booking(STUDIO, id).await[0]["status"], "cancelled", "the old event is cancelled");
}

#[tokio::test]
async fn refusals_name_the_problem() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let never = booking(ChangeOp::Deleted, Uuid::now_v7(), HYPATIA, START, END, None);
    assert!(matches!(conn.write(&never).await, Err(ConnectorError::Unsupported(_))));
    let mut bad = booking(ChangeOp::Created, Uuid::now_v7(), HYPATIA, START, END, None);
    bad.fields["ends_at"] = json!("demain");
    assert!(matches!(conn.write(&bad).await, Err(ConnectorError::Invalid(m)) if m.contains("ends_at")));
    let person = hub_connector_sdk::CanonicalChange { entity_kind: EntityKind::Person, ..bad };
    assert!(matches!(conn.write(&person).await, Err(ConnectorError::Unsupported(_))));
}
