//! The booking flow end to end against the Cal.com, Google Calendar and Mattermost sandboxes, on
//! SQLite (or PostgreSQL with `HUB_TEST_DATABASE_URL`): Google's consent through the hub's
//! redirect, a booking across the October daylight-saving change posted in its room's channel and
//! written in its room's calendar, a reschedule (a new Cal.com uid) replying in the same thread
//! and moving the same event, a cancellation striking the post and cancelling the event.

mod common;

use chrono::{DateTime, Utc};
use common::booking::{Booking, HYPATIA_CALENDAR, wait_for};
use hub_connector_sdk::EntityKind;
use serde_json::Value;

/// The canonical booking whose `uid` is `uid`: (entity id, fields).
async fn booking_with_uid(b: &Booking, uid: &str) -> Option<(String, Value)> {
    let rows = b.hub.store().list_entities(EntityKind::Booking, 10_000).await.unwrap();
    rows.into_iter().find(|r| r.fields.0["uid"] == uid).map(|r| (r.id.to_string(), r.fields.0))
}

fn instant(event: &Value, end: &str) -> DateTime<Utc> {
    let text = event[end]["dateTime"].as_str().unwrap_or_else(|| panic!("{end} of {event}"));
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_calcom_webhook_is_refused_and_stores_nothing() {
    let b = Booking::start().await;
    let before = b.hub.store().inbox_counts().await.unwrap();
    let body = r#"{"triggerEvent":"BOOKING_CREATED","createdAt":"2027-10-01T10:00:00Z","payload":{"uid":"forged123"}}"#;
    for signature in [None, Some("00".repeat(32)), Some("no-secret-provided".to_string())] {
        let mut req =
            b.hub.client.post(b.hub.url("/hooks/calcom_main")).body(body).header("content-type", "application/json");
        if let Some(sig) = &signature {
            req = req.header("x-cal-signature-256", sig);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "signature {signature:?}");
        let problem: serde_json::Value = resp.json().await.unwrap();
        assert!(problem["code"].is_string() && problem["detail"].is_string(), "{problem}");
    }
    assert_eq!(b.hub.store().inbox_counts().await.unwrap(), before, "nothing stored");
    assert!(b.hub.store().list_entities(EntityKind::Booking, 10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_lands_in_its_channel_and_calendar_and_follows_reschedule_and_cancellation() {
    let b = Booking::start().await;
    let stored = b.hub.store().refresh_token("google_main").await.unwrap().expect("refresh token stored");
    assert!(stored.0.starts_with("v1:"), "the refresh token is stored encrypted");

    // 31 October 2027, the last Sunday of October: clocks go back at 01:00 UTC (03:00 CEST → 02:00 CET).
    let uid = b.tools.book("salle-hypatia", "2027-10-31T00:30:00Z").await;
    let (id, fields) = wait_for(30, "the canonical booking", || booking_with_uid(&b, &uid)).await;
    assert_eq!(fields["resource"], "salle-hypatia");
    assert_eq!(fields["status"], "confirmed");
    assert_eq!(fields["origin_uid"], uid.as_str());
    let start: DateTime<Utc> = "2027-10-31T00:30:00Z".parse().unwrap();
    let end: DateTime<Utc> = fields["ends_at"].as_str().unwrap().parse().unwrap();

    let event = wait_for(30, "the Google event", || async {
        b.tools.hub_events(HYPATIA_CALENDAR, &id).await.into_iter().next()
    })
    .await;
    assert_eq!((instant(&event, "start"), instant(&event, "end")), (start, end));
    assert_eq!(event["start"]["timeZone"], "Europe/Paris");
    assert_eq!(event["status"], "confirmed");
    let roots = wait_for(30, "the Mattermost post", || async {
        let posts = b.tools.posts_about("salle-hypatia", &id).await;
        (!posts.is_empty()).then_some(posts)
    })
    .await;
    assert_eq!(roots.len(), 1, "{roots:?}");
    let text = roots[0]["message"].as_str().unwrap();
    // 00:30 UTC is 02:30 CEST, still before the change.
    assert!(text.starts_with("Nouvelle réservation — Salle Hypatia : "), "{text}");
    assert!(text.contains("du dimanche 31 octobre 2027 à 2 h 30"), "{text}");
    assert!(!text.contains('@'), "no e-mail in the default template: {text}");

    // The attendee moves it: Cal.com makes a new booking (new uid) and cancels the old one.
    let moved = b.tools.reschedule(&uid, "2027-10-31T09:00:00Z").await;
    assert_ne!(moved, uid);
    let (same, fields) = wait_for(30, "the booking moved", || booking_with_uid(&b, &moved)).await;
    assert_eq!(same, id, "a reschedule is the same canonical booking");
    assert_eq!(fields["origin_uid"], uid.as_str());
    let new_start: DateTime<Utc> = "2027-10-31T09:00:00Z".parse().unwrap();
    wait_for(30, "the Google event moved", || async {
        let events = b.tools.hub_events(HYPATIA_CALENDAR, &id).await;
        (events.len() == 1 && instant(&events[0], "start") == new_start).then_some(())
    })
    .await;
    let posts = wait_for(30, "the reply in the thread", || async {
        let posts = b.tools.posts_about("salle-hypatia", &id).await;
        (posts.len() >= 2).then_some(posts)
    })
    .await;
    let roots: Vec<&Value> = posts.iter().filter(|p| p["root_id"] == "").collect();
    assert_eq!(roots.len(), 1, "never a second top-level post: {posts:?}");
    let reply = posts.iter().find(|p| p["root_id"] != "").unwrap()["message"].as_str().unwrap().to_string();
    assert!(reply.contains("10 h 00"), "the reply says the new time (10:00 CET): {reply}");

    // Staff close the room every Monday, directly in Google Calendar: read back (the hub's own
    // event is recognised and skipped), a blocking booking, in the ICS feed with its RRULE.
    let closure = serde_json::json!({"summary": "Fermeture hebdomadaire",
        "start": {"dateTime": "2027-11-01T08:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2027-11-01T18:00:00+01:00", "timeZone": "Europe/Paris"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO"]});
    // Through a push channel the hub opened once Google was authorized: no sync asked.
    wait_for(30, "the push channels", || async {
        let channels = b.tools.channels().await;
        channels.iter().any(|c| c.to_string().contains(HYPATIA_CALENDAR)).then_some(())
    })
    .await;
    b.tools.staff_add_event(HYPATIA_CALENDAR, closure).await;
    let block = wait_for(30, "the closure as a blocking booking, pushed by Google", || async {
        let rows = b.hub.store().list_entities(EntityKind::Booking, 10_000).await.unwrap();
        rows.into_iter().find(|r| r.fields.0["title"] == "Fermeture hebdomadaire").map(|r| r.fields.0)
    })
    .await;
    assert_eq!((block["status"].as_str(), block["resource"].as_str()), (Some("blocked"), Some("salle-hypatia")));
    let rows = b.hub.store().list_entities(EntityKind::Booking, 10_000).await.unwrap();
    let at_new_start = rows.iter().filter(|r| r.fields.0["starts_at"] == "2027-10-31T09:00:00Z").count();
    assert_eq!(at_new_start, 1, "the hub's own Google event did not come back as a second booking");
    // Staff also block the room over the booking: the block's post in the channel warns of it.
    let works = serde_json::json!({"summary": "Travaux électriques",
        "start": {"dateTime": "2027-10-31T10:30:00+01:00"}, "end": {"dateTime": "2027-10-31T11:30:00+01:00"}});
    b.tools.staff_add_event(HYPATIA_CALENDAR, works).await;
    b.hub.sync("google_main").await;
    let warning = wait_for(30, "the conflict posted", || async {
        let posts = b.tools.posts_in("salle-hypatia").await;
        posts.into_iter().find_map(|p| {
            let text = p["message"].as_str()?.to_string();
            (text.contains("Travaux électriques") && text.contains("Conflit")).then_some(text)
        })
    })
    .await;
    assert!(warning.contains("⚠️ Conflit : chevauche ") && warning.contains("à 10 h 00"), "{warning}");
    let ics = b.hub.client.get(b.hub.url("/calendar/salle-hypatia.ics")).send().await.unwrap().text().await.unwrap();
    assert!(ics.contains(&format!("UID:{id}")), "{ics}");
    assert!(ics.contains("DTSTART;TZID=Europe/Paris:20271031T100000"), "{ics}");
    assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO") && ics.contains("Fermeture hebdomadaire"), "{ics}");
    assert!(ics.contains("BEGIN:VTIMEZONE"), "{ics}");
    let private = b.hub.client.get(b.hub.url("/calendar/atelier-bois.ics")).send().await.unwrap();
    assert_eq!(private.status(), 200);
    let unknown = b.hub.client.get(b.hub.url("/calendar/nulle-part.ics")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    // Cancelled: the root is struck through, a reply says so, the event leaves the calendar.
    b.tools.cancel(&moved).await;
    wait_for(30, "the Google event cancelled", || async {
        let events = b.tools.hub_events(HYPATIA_CALENDAR, &id).await;
        (events.len() == 1 && events[0]["status"] == "cancelled").then_some(())
    })
    .await;
    let posts = wait_for(30, "the cancellation in Mattermost", || async {
        let posts = b.tools.posts_about("salle-hypatia", &id).await;
        posts
            .iter()
            .any(|p| p["root_id"] == "" && p["message"].as_str().unwrap().starts_with("Annulé"))
            .then_some(posts)
    })
    .await;
    assert_eq!(posts.iter().filter(|p| p["root_id"] == "").count(), 1);
    assert!(booking_with_uid(&b, &moved).await.is_none(), "the canonical booking is cancelled (deleted)");
    let ics = b.hub.client.get(b.hub.url("/calendar/salle-hypatia.ics")).send().await.unwrap().text().await.unwrap();
    assert!(!ics.contains(&format!("UID:{id}")), "a cancelled booking leaves the feed: {ics}");
    let live = b.hub.store().list_entities(EntityKind::Booking, 10_000).await.unwrap();
    assert!(live.iter().all(|r| r.fields.0["origin_uid"] != uid.as_str()), "one booking for the whole chain");
}
