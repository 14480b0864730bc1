//! The `events` stream against the sandbox: a full pass, then incremental passes that pick up what
//! staff add or delete directly in Google Calendar, a 410 Gone answered by a full resync, paging
//! across calendars, and the compliance kit.

mod common;

use common::*;
use hub_connector_google_calendar::{GoogleCalendarConnector, SyncCursor};
use hub_connector_sdk::{Connector, Cursor, testkit};
use serde_json::json;

#[tokio::test]
async fn a_full_pass_then_staff_changes_come_incrementally() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (first, cursor) = read_pass(&conn, None).await;
    let stored = sb.stored(HYPATIA).await.len() + sb.stored(STUDIO).await.len();
    assert_eq!(first.len(), stored, "every event of both calendars");
    assert!(first.iter().all(|r| r.stream == "events" && !r.deleted));
    assert!(first.iter().any(|r| r.data["resource"] == HYPATIA) && first.iter().any(|r| r.data["resource"] == STUDIO));
    assert!(first.iter().any(|r| r.data["recurrence"].is_array()), "series come as masters with their RRULE");
    let state = SyncCursor::parse(Some(&cursor)).unwrap();
    assert_eq!(state.sync_tokens.len(), 2);
    assert_eq!((state.calendar, state.page_token), (None, None));

    let (quiet, cursor) = read_pass(&conn, Some(cursor)).await;
    assert!(quiet.is_empty(), "nothing changed: {quiet:?}");

    let added = sb
        .staff_add(
            HYPATIA,
            json!({
                "summary": "Fermeture — travaux", "visibility": "private",
                "start": {"dateTime": "2026-11-03T09:00:00", "timeZone": "Europe/Paris"},
                "end": {"dateTime": "2026-11-03T12:00:00", "timeZone": "Europe/Paris"},
            }),
        )
        .await;
    let (changes, cursor) = read_pass(&conn, Some(cursor)).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    let r = &changes[0];
    let id = added["id"].as_str().unwrap();
    assert_eq!(r.external_id, format!("{}/{id}", calendar(HYPATIA)));
    assert_eq!(r.data["resource"], HYPATIA);
    assert_eq!(r.data["booking_status"], "blocked");
    assert_eq!(r.data["hub_origin"], false);
    assert_eq!(r.data["title"], "Occupé", "a private event shows no details");
    assert_eq!(r.data["starts_at"], "2026-11-03T08:00:00Z");
    assert_eq!(r.data["ends_at"], "2026-11-03T11:00:00Z");
    assert_eq!(r.data["event"]["summary"], "Fermeture — travaux", "the event JSON untouched");
    assert!(r.updated_at.is_some());

    sb.staff_cancel(HYPATIA, id).await;
    let (changes, _) = read_pass(&conn, Some(cursor)).await;
    assert_eq!(changes.len(), 1);
    assert!(changes[0].deleted, "a deletion comes as a deleted record");
    assert_eq!(changes[0].external_id, r.external_id);
    assert_eq!(changes[0].data["booking_status"], "cancelled");
}

#[tokio::test]
async fn an_expired_sync_token_means_a_full_resync() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (first, cursor) = read_pass(&conn, None).await;
    let before = SyncCursor::parse(Some(&cursor)).unwrap();
    sb.trigger(&format!("/_sandbox/calendars/{}/expire-sync-tokens", calendar(STUDIO).replace('@', "%40")), json!({}))
        .await;
    let (again, cursor) = read_pass(&conn, Some(cursor)).await;
    let studio = first.iter().filter(|r| r.data["resource"] == STUDIO).count();
    assert_eq!(again.len(), studio, "the studio's events all come again, Hypatia's do not");
    assert!(again.iter().all(|r| r.data["resource"] == STUDIO));
    let after = SyncCursor::parse(Some(&cursor)).unwrap();
    assert_ne!(after.sync_tokens[&calendar(STUDIO)], before.sync_tokens[&calendar(STUDIO)], "a fresh token");
    let (quiet, _) = read_pass(&conn, Some(cursor)).await;
    assert!(quiet.is_empty(), "incremental again");
}

#[tokio::test]
async fn pages_walk_each_calendar_then_the_next() {
    let sb = Sandbox::start().await;
    let mut settings = sb.settings();
    settings.page_size = 7;
    let conn = GoogleCalendarConnector::new(settings).unwrap();
    let total = sb.stored(HYPATIA).await.len() + sb.stored(STUDIO).await.len();
    let pages = testkit::pagination_ends(&conn, "events", 100).await.unwrap();
    assert_eq!(pages, total);
    let first = conn.read("events", None).await.unwrap();
    assert!(first.has_more);
    let mid = SyncCursor::parse(first.next_cursor.as_ref()).unwrap();
    assert_eq!(mid.calendar.as_deref(), Some(calendar(HYPATIA).as_str()));
    assert!(mid.page_token.is_some());
    let forward = |a: &Cursor, b: &Cursor| a != b;
    testkit::cursor_moves_forward(&conn, "events", 100, forward).await.unwrap();
}

#[tokio::test]
async fn a_new_calendar_starts_full_and_a_removed_one_is_forgotten() {
    let sb = Sandbox::start().await;
    let mut settings = sb.settings();
    settings.calendars.remove(STUDIO);
    let (_, cursor) = read_pass(&GoogleCalendarConnector::new(settings.clone()).unwrap(), None).await;
    settings.calendars.insert("atelier-bois".into(), calendar("atelier-bois"));
    let conn = GoogleCalendarConnector::new(settings.clone()).unwrap();
    let (records, cursor) = read_pass(&conn, Some(cursor)).await;
    assert_eq!(records.len(), sb.stored("atelier-bois").await.len(), "only the new calendar, in full");
    settings.calendars.remove("atelier-bois");
    let (records, cursor) = read_pass(&GoogleCalendarConnector::new(settings).unwrap(), Some(cursor)).await;
    assert!(records.is_empty());
    assert_eq!(SyncCursor::parse(Some(&cursor)).unwrap().sync_tokens.len(), 1);
    let bad = conn.read("events", Some(&Cursor(json!({"syncTokens": "nope"})))).await.unwrap_err();
    assert!(!bad.is_retryable(), "{bad}");
    assert!(conn.read("other", None).await.is_err());
}

#[tokio::test]
async fn an_all_day_closure_across_the_dst_change() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (_, cursor) = read_pass(&conn, None).await;
    sb.staff_add(STUDIO, json!({"summary": "Fermé", "start": {"date": "2026-10-25"}, "end": {"date": "2026-10-26"}}))
        .await;
    let (changes, _) = read_pass(&conn, Some(cursor)).await;
    let r = &changes[0];
    assert_eq!(r.data["all_day"], true);
    assert_eq!(r.data["starts_at"], "2026-10-24T22:00:00Z");
    assert_eq!(r.data["ends_at"], "2026-10-25T23:00:00Z");
    assert_eq!(r.data["title"], "Fermé");
}
