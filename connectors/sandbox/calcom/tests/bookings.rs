//! Booking behaviour: state changes are visible in later reads and lists, filters and pagination
//! agree with each other, invalid requests are refused, and the `/_sandbox` triggers act like
//! Cal.com's web app (BOOKING_RESCHEDULED from the UI, MEETING_ENDED, booking page).

mod common;

use std::collections::HashSet;

use common::{Receiver, Sandbox, slot};
use serde_json::{Value, json};

fn uids(v: &Value) -> Vec<String> {
    v["data"].as_array().unwrap().iter().map(|b| b["uid"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn pages_cover_the_list_once_and_filters_agree() {
    let sb = Sandbox::start().await;
    let (_, all) = sb.get("/v2/bookings?take=1000").await;
    let total = all["pagination"]["totalItems"].as_u64().unwrap() as usize;
    assert_eq!(all["data"].as_array().unwrap().len(), total);
    assert!(total > 40, "a month of bookings: {total}");
    let mut seen = HashSet::new();
    let mut skip = 0;
    loop {
        let (_, page) = sb.get(&format!("/v2/bookings?take=13&skip={skip}")).await;
        let p = &page["pagination"];
        assert_eq!(p["totalItems"].as_u64().unwrap() as usize, total);
        assert_eq!(p["returnedItems"].as_u64().unwrap() as usize, page["data"].as_array().unwrap().len());
        assert_eq!(p["currentPage"].as_u64().unwrap() as usize, skip / 13 + 1);
        assert_eq!(p["totalPages"].as_u64().unwrap() as usize, total.div_ceil(13));
        for uid in uids(&page) {
            assert!(seen.insert(uid), "no booking twice");
        }
        skip += 13;
        assert_eq!(p["hasNextPage"], skip < total);
        assert_eq!(p["remainingItems"].as_u64().unwrap() as usize, total.saturating_sub(skip));
        if skip >= total {
            break;
        }
    }
    assert_eq!(seen.len(), total);

    let (_, cancelled) = sb.get("/v2/bookings?status=cancelled&take=1000").await;
    assert!(
        cancelled["data"].as_array().unwrap().iter().all(|b| b["status"] == "cancelled" || b["status"] == "rejected")
    );
    let (_, unconfirmed) = sb.get("/v2/bookings?status=unconfirmed&take=1000").await;
    assert!(unconfirmed["data"].as_array().unwrap().iter().all(|b| b["status"] == "pending"));
    let someone = all["data"][3]["attendees"][0]["email"].as_str().unwrap().to_string();
    let (_, theirs) = sb.get(&format!("/v2/bookings?attendeeEmail={someone}&take=1000")).await;
    let expected = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["attendees"].as_array().unwrap().iter().any(|a| a["email"] == someone.as_str()))
        .count();
    assert_eq!(theirs["data"].as_array().unwrap().len(), expected);
    let (_, desc) = sb.get("/v2/bookings?take=1000&sortStart=desc").await;
    let starts: Vec<&str> = desc["data"].as_array().unwrap().iter().map(|b| b["start"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "sorted desc");
    let et = all["data"][0]["eventTypeId"].as_u64().unwrap();
    let (_, of_et) = sb.get(&format!("/v2/bookings?eventTypeIds={et}&take=1000")).await;
    assert!(of_et["data"].as_array().unwrap().iter().all(|b| b["eventTypeId"] == et));
    assert_eq!(sb.get("/v2/bookings?status=whatever").await.0, 400);
}

#[tokio::test]
async fn writes_are_visible_and_invalid_ones_refused() {
    let sb = Sandbox::start().await;
    let room = sb.event_type_id("atelier-bois").await;
    let attendee = json!({"name": "Valérie Poirier", "email": "valerie@exemple.fr", "timeZone": "Europe/Paris"});
    let (s, created) = sb
        .post(
            "/v2/bookings",
            json!({"start": slot(60, 10), "eventTypeId": room, "attendee": attendee, "lengthInMinutes": 120}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["data"]["duration"], 120);
    let uid = created["data"]["uid"].as_str().unwrap().to_string();
    // Double booking, bad length, bad time zone, unknown event type, missing attendee.
    for (body, expected) in [
        (json!({"start": slot(60, 10), "eventTypeId": room, "attendee": attendee}), 400),
        (json!({"start": slot(61, 10), "eventTypeId": room, "attendee": attendee, "lengthInMinutes": 45}), 400),
        (
            json!({"start": slot(61, 10), "eventTypeId": room, "attendee": {"name": "x", "email": "x@exemple.fr", "timeZone": "Mars/Olympus"}}),
            400,
        ),
        (json!({"start": slot(61, 10), "eventTypeId": 4242, "attendee": attendee}), 404),
        (json!({"start": slot(61, 10), "eventTypeId": room}), 400),
        (json!({"start": "demain", "eventTypeId": room, "attendee": attendee}), 400),
    ] {
        let (s, v) = sb.post("/v2/bookings", body.clone()).await;
        assert_eq!(s, expected, "{body} → {v}");
    }
    // By slug + username works too.
    let (s, by_slug) = sb
        .post("/v2/bookings", json!({"start": slot(62, 10), "eventTypeSlug": "atelier-bois", "username": "la-fabrique-des-communs", "attendee": attendee}))
        .await;
    assert_eq!(s, 201, "{by_slug}");
    assert_eq!(by_slug["data"]["eventTypeId"], room);
    // Cancel: visible in get and in the cancelled list; cancelling again is refused.
    let (_, c) = sb.post(&format!("/v2/bookings/{uid}/cancel"), json!({"cancellationReason": "Grève"})).await;
    assert_eq!(c["data"]["status"], "cancelled");
    assert!(c["data"]["updatedAt"].as_str().unwrap() >= created["data"]["updatedAt"].as_str().unwrap());
    let (_, got) = sb.get(&format!("/v2/bookings/{uid}")).await;
    assert_eq!(got["data"]["cancellationReason"], "Grève");
    let (_, list) = sb.get(&format!("/v2/bookings?status=cancelled&bookingUid={uid}")).await;
    assert_eq!(uids(&list), vec![uid.clone()]);
    assert_eq!(sb.post(&format!("/v2/bookings/{uid}/cancel"), json!({})).await.0, 400);
    assert_eq!(sb.post(&format!("/v2/bookings/{uid}/reschedule"), json!({"start": slot(63, 10)})).await.0, 400);
    // The slot is free again.
    let (s, _) =
        sb.post("/v2/bookings", json!({"start": slot(60, 10), "eventTypeId": room, "attendee": attendee})).await;
    assert_eq!(s, 201);
    // Confirming a booking that is not pending is refused.
    let uid2 = by_slug["data"]["uid"].as_str().unwrap();
    assert_eq!(sb.post(&format!("/v2/bookings/{uid2}/confirm"), json!({})).await.0, 400);
    // A seat can be cancelled alone.
    let cowork = sb.event_type_id("coworking").await;
    let mut seat_uids = Vec::new();
    for email in ["a@exemple.fr", "b@exemple.fr"] {
        let (_, v) = sb.post("/v2/bookings", json!({"start": slot(64, 9), "eventTypeId": cowork, "attendee": {"name": email, "email": email, "timeZone": "Europe/Paris"}})).await;
        seat_uids.push((
            v["data"]["uid"].as_str().unwrap().to_string(),
            v["data"]["attendees"].as_array().unwrap().last().unwrap()["seatUid"].as_str().unwrap().to_string(),
        ));
    }
    let (booking, seat) = &seat_uids[1];
    let (s, v) = sb.post(&format!("/v2/bookings/{booking}/cancel"), json!({"seatUid": seat})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["status"], "accepted");
    assert_eq!(v["data"]["attendees"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn sandbox_triggers_act_like_the_web_app() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(
        &rx.url,
        &["BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED", "MEETING_ENDED"],
        json!({}),
    )
    .await;
    let fetes = sb.event_type_id("salle-des-fetes").await;
    let (s, booked) = sb
        .sandbox_post(
            "/_sandbox/bookings",
            json!({"eventTypeSlug": "salle-des-fetes", "start": slot(70, 15), "seedPerson": 12}),
        )
        .await;
    assert_eq!(s, 201, "{booked}");
    let person = hub_sandbox_core::seed::person(12);
    assert_eq!(booked["data"]["attendees"][0]["email"], person.email.as_str());
    assert_eq!(booked["data"]["eventTypeId"], fetes);
    assert_eq!(booked["data"]["status"], "pending");
    let uid = booked["data"]["uid"].as_str().unwrap().to_string();
    sb.post(&format!("/v2/bookings/{uid}/confirm"), json!({})).await;
    // From the web app a reschedule is a BOOKING_RESCHEDULED, even where the API sends BOOKING_REQUESTED.
    let (s, moved) = sb
        .sandbox_post(
            &format!("/_sandbox/bookings/{uid}/reschedule"),
            json!({"start": slot(71, 15), "reschedulingReason": "Pluie"}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    let new_uid = moved["data"]["uid"].as_str().unwrap().to_string();
    assert_eq!(moved["data"]["rescheduledFromUid"], uid.as_str());
    assert_eq!(moved["data"]["rescheduledByEmail"], person.email.as_str());
    let (s, ended) = sb.sandbox_post(&format!("/_sandbox/bookings/{new_uid}/meeting-ended"), json!({})).await;
    assert_eq!(s, 200, "{ended}");
    let (s, gone) = sb
        .sandbox_post(&format!("/_sandbox/bookings/{new_uid}/cancel"), json!({"cancellationReason": "Finalement non"}))
        .await;
    assert_eq!(s, 200, "{gone}");
    assert_eq!(gone["data"]["cancelledByEmail"], person.email.as_str());
    rx.wait_for(5).await;
    for t in ["BOOKING_REQUESTED", "BOOKING_CREATED", "BOOKING_RESCHEDULED", "MEETING_ENDED", "BOOKING_CANCELLED"] {
        assert_eq!(rx.of(t).len(), 1, "{t}");
    }
    let ended = rx.of("MEETING_ENDED")[0].json();
    assert_eq!(ended["uid"], new_uid.as_str());
    assert_eq!(ended["creationSource"], "WEBAPP");
    assert_eq!(sb.sandbox_post("/_sandbox/bookings/nope/meeting-ended", json!({})).await.0, 404);
    // The state shows what happened.
    let state: Value = sb.client.get(sb.url("/_sandbox/state")).send().await.unwrap().json().await.unwrap();
    let b = state["bookings"].as_array().unwrap().iter().find(|b| b["uid"] == new_uid.as_str()).unwrap();
    assert_eq!(b["status"], "cancelled");
    assert_eq!(state["webhooks"].as_array().unwrap().len(), 1);
    let log: Value = sb.client.get(sb.url("/_sandbox/webhooks")).send().await.unwrap().json().await.unwrap();
    assert!(log.as_array().unwrap().iter().any(|e| e["event"] == "MEETING_ENDED" && e["status"] == 200));
}

#[tokio::test]
async fn non_json_templates_are_sent_form_encoded() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    sb.subscribe(&rx.url, &["BOOKING_CREATED"], json!({"payloadTemplate": "event={{triggerEvent}}&uid={{uid}}"})).await;
    let room = sb.event_type_id("salle-hypatia").await;
    let (_, v) = sb.post("/v2/bookings", json!({"start": slot(80, 10), "eventTypeId": room, "attendee": {"name": "Bérénice", "email": "b@exemple.fr", "timeZone": "Europe/Paris"}})).await;
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].header("content-type"), "application/x-www-form-urlencoded");
    assert_eq!(
        String::from_utf8_lossy(&got[0].body),
        format!("event=BOOKING_CREATED&uid={}", v["data"]["uid"].as_str().unwrap())
    );
}
