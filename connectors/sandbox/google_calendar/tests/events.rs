//! Calendars and events: every success body checked against the discovery `schemas` (Calendar,
//! CalendarList, CalendarListEntry, Event, Events), CRUD with etags (412 / 304), cancelled events,
//! client ids (409), validation errors, extended properties, recurrence expansion and time zones,
//! and the events-insert example accepted and echoed.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn event_body(summary: &str) -> Value {
    json!({
        "summary": summary,
        "location": "Salle Hypatia",
        "start": {"dateTime": "2026-03-10T14:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-03-10T16:00:00+01:00", "timeZone": "Europe/Paris"},
        "extendedProperties": {"private": {"hubBookingId": "bk-42", "source": "hub"}},
        "attendees": [{"email": "zoe.lefevre1@exemple.fr", "displayName": "Zoé Lefèvre"}],
    })
}

#[tokio::test]
async fn calendar_list_and_calendars_match_the_discovery_schemas() {
    let sb = start().await;
    let doc = discovery();
    let list = sb.json("/users/me/calendarList").await;
    assert_schema(&doc, "CalendarList", &list);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 7, "primary + one per seed room");
    assert_eq!(items.iter().filter(|c| c["primary"] == true).count(), 1);
    assert!(list["nextSyncToken"].is_string());
    let page = sb.json("/users/me/calendarList?maxResults=3").await;
    assert_eq!(page["items"].as_array().expect("items").len(), 3);
    let next = page["nextPageToken"].as_str().expect("next page");
    let page2 = sb.json(&format!("/users/me/calendarList?maxResults=3&pageToken={next}")).await;
    assert_ne!(page2["items"][0]["id"], page["items"][0]["id"]);
    for entry in items {
        assert_schema(&doc, "CalendarListEntry", entry);
        let id = enc(entry["id"].as_str().expect("id"));
        assert_schema(&doc, "Calendar", &sb.json(&format!("/calendars/{id}")).await);
    }
    assert_eq!(sb.json("/calendars/primary").await["id"], json!(hub_sandbox_google_calendar::DEMO_ACCOUNT));

    let created =
        sb.send(Method::POST, "/calendars", &json!({"summary": "Fablab — machines", "timeZone": "Europe/Paris"})).await;
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.expect("json");
    assert_schema(&doc, "Calendar", &created);
    let id = enc(created["id"].as_str().expect("id"));
    let patched: Value = sb
        .send(Method::PATCH, &format!("/calendars/{id}"), &json!({"description": "Réservations"}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(patched["description"], "Réservations");
    assert_eq!(sb.json("/users/me/calendarList").await["items"].as_array().expect("items").len(), 8);
    assert_eq!(sb.send(Method::DELETE, &format!("/calendars/{id}"), &json!({})).await.status(), 204);
    assert_eq!(sb.get(&format!("/calendars/{id}")).await.status(), 404);

    let missing = sb.send(Method::POST, "/calendars", &json!({"timeZone": "Europe/Paris"})).await;
    assert_eq!(missing.status(), 400);
    assert_google_error(&missing.json().await.expect("json"), 400, "required");
    let nf = sb.get("/calendars/nobody%40example.com").await;
    assert_eq!(nf.status(), 404);
    assert_google_error(&nf.json().await.expect("json"), 404, "notFound");
}

#[tokio::test]
async fn event_crud_with_etags_and_cancellation() {
    let sb = start().await;
    let doc = discovery();
    let cal = sb.calendar();
    let created = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &event_body("Atelier couture")).await;
    assert_eq!(created.status(), 200);
    let ev: Value = created.json().await.expect("json");
    assert_schema(&doc, "Event", &ev);
    let id = ev["id"].as_str().expect("id").to_string();
    assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)), "base32hex id {id}");
    assert_eq!(ev["status"], "confirmed");
    assert_eq!(ev["extendedProperties"]["private"]["hubBookingId"], "bk-42");
    assert_eq!(ev["iCalUID"], json!(format!("{id}@google.com")));
    assert_eq!(ev["attendees"][0]["responseStatus"], "needsAction");
    let etag = ev["etag"].as_str().expect("etag").to_string();
    let path = format!("/calendars/{cal}/events/{id}");

    let got = sb.json(&path).await;
    assert_schema(&doc, "Event", &got);
    assert_eq!(got["summary"], "Atelier couture");
    let not_modified =
        sb.http.get(sb.api(&path)).bearer_auth(&sb.token).header("If-None-Match", &etag).send().await.expect("get");
    assert_eq!(not_modified.status(), 304);

    // patch with the current etag: merged, updated moves, etag changes
    let patched = sb
        .http
        .patch(sb.api(&path))
        .bearer_auth(&sb.token)
        .header("If-Match", &etag)
        .json(&json!({"summary": "Atelier couture (complet)", "extendedProperties": {"private": {"seats": "0"}}}))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), 200);
    let p: Value = patched.json().await.expect("json");
    assert_schema(&doc, "Event", &p);
    assert_eq!(p["summary"], "Atelier couture (complet)");
    assert_eq!(p["location"], "Salle Hypatia", "patch keeps other fields");
    assert_eq!(p["extendedProperties"]["private"], json!({"hubBookingId": "bk-42", "source": "hub", "seats": "0"}));
    assert_ne!(p["etag"], json!(etag));
    assert!(p["updated"].as_str() > ev["updated"].as_str());
    assert_eq!(p["created"], ev["created"]);

    // stale etag → 412
    let stale = sb
        .http
        .put(sb.api(&path))
        .bearer_auth(&sb.token)
        .header("If-Match", &etag)
        .json(&event_body("x"))
        .send()
        .await
        .expect("put");
    assert_eq!(stale.status(), 412);
    assert_google_error(&stale.json().await.expect("json"), 412, "conditionNotMet");

    // update replaces
    let mut body = event_body("Atelier couture — reporté");
    body["start"] = json!({"dateTime": "2026-03-11T14:00:00+01:00", "timeZone": "Europe/Paris"});
    body["end"] = json!({"dateTime": "2026-03-11T15:00:00+01:00", "timeZone": "Europe/Paris"});
    body.as_object_mut().expect("obj").remove("location");
    let u: Value = sb
        .http
        .put(sb.api(&path))
        .bearer_auth(&sb.token)
        .header("If-Match", p["etag"].as_str().expect("etag"))
        .json(&body)
        .send()
        .await
        .expect("put")
        .json()
        .await
        .expect("json");
    assert_schema(&doc, "Event", &u);
    assert!(u["location"].is_null());
    assert_eq!(u["sequence"], json!(1), "moving an event bumps the sequence");

    // delete → cancelled, hidden by default, shown with showDeleted; second delete → 410
    assert_eq!(sb.send(Method::DELETE, &path, &json!({})).await.status(), 204);
    let again = sb.send(Method::DELETE, &path, &json!({})).await;
    assert_eq!(again.status(), 410);
    assert_google_error(&again.json().await.expect("json"), 410, "deleted");
    let q = "privateExtendedProperty=hubBookingId%3Dbk-42";
    let hidden = sb.json(&format!("/calendars/{cal}/events?{q}")).await;
    assert_eq!(hidden["items"].as_array().expect("items").len(), 0);
    let shown = sb.json(&format!("/calendars/{cal}/events?{q}&showDeleted=true")).await;
    assert_schema(&doc, "Events", &shown);
    assert_eq!(shown["items"][0]["status"], "cancelled");
    assert_eq!(sb.json(&path).await["status"], "cancelled");
}

#[tokio::test]
async fn client_ids_validation_and_not_found() {
    let sb = start().await;
    let cal = sb.calendar();
    let mut body = event_body("Avec identifiant");
    body["id"] = json!("hubbooking0042");
    let first = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &body).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.json::<Value>().await.expect("json")["id"], "hubbooking0042");
    let dup = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &body).await;
    assert_eq!(dup.status(), 409);
    assert_google_error(&dup.json().await.expect("json"), 409, "duplicate");
    body["id"] = json!("Not_Base32!");
    let bad = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &body).await;
    assert_eq!(bad.status(), 400);
    assert_google_error(&bad.json().await.expect("json"), 400, "invalid");

    let no_end = json!({"summary": "x", "start": {"dateTime": "2026-03-10T14:00:00+01:00"}});
    let r = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &no_end).await;
    assert_eq!(r.status(), 400);
    assert_google_error(&r.json().await.expect("json"), 400, "required");
    let backwards = json!({"summary": "x", "start": {"dateTime": "2026-03-10T14:00:00+01:00"}, "end": {"dateTime": "2026-03-10T13:00:00+01:00"}});
    let r = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &backwards).await;
    assert_eq!(r.status(), 400);
    assert_google_error(&r.json().await.expect("json"), 400, "timeRangeEmpty");
    let no_zone = json!({"summary": "x", "recurrence": ["RRULE:FREQ=DAILY;COUNT=2"], "start": {"dateTime": "2026-03-10T14:00:00+01:00"}, "end": {"dateTime": "2026-03-10T15:00:00+01:00"}});
    let r = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &no_zone).await;
    assert_eq!(r.status(), 400);
    assert_google_error(&r.json().await.expect("json"), 400, "required");
    let garbage = sb
        .http
        .post(sb.api(&format!("/calendars/{cal}/events")))
        .bearer_auth(&sb.token)
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(garbage.status(), 400);
    assert_google_error(&garbage.json().await.expect("json"), 400, "parseError");
    let nf = sb.get(&format!("/calendars/{cal}/events/abcdefghij")).await;
    assert_eq!(nf.status(), 404);
    assert_google_error(&nf.json().await.expect("json"), 404, "notFound");
}

#[tokio::test]
async fn insert_examples_are_accepted_and_expanded() {
    let sb = start().await;
    let doc = discovery();
    let cal = sb.calendar();
    let inserts: Vec<_> = examples().into_iter().filter(|(n, _)| n.starts_with("events-insert")).collect();
    assert!(!inserts.is_empty());
    for (name, req) in inserts {
        let resp = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &req).await;
        assert_eq!(resp.status(), 200, "{name}");
        let ev: Value = resp.json().await.expect("json");
        assert_schema(&doc, "Event", &ev);
        for (k, v) in req.as_object().expect("object") {
            if k == "attendees" {
                for (sent, got) in v.as_array().expect("array").iter().zip(ev[k].as_array().expect("array")) {
                    assert_eq!(sent["email"], got["email"], "{name}");
                }
            } else {
                assert_eq!(&ev[k], v, "{name}: field {k} echoed");
            }
        }
        // the example's RRULE, expanded in its own time zone
        let id = ev["id"].as_str().expect("id");
        let start = ev["start"]["dateTime"].as_str().expect("start");
        let day = &start[..10];
        let q = format!(
            "iCalUID={}&singleEvents=true&orderBy=startTime",
            ev["iCalUID"].as_str().expect("uid").replace('@', "%40")
        );
        let list = sb.json(&format!("/calendars/{cal}/events?{q}")).await;
        assert_schema(&doc, "Events", &list);
        let items = list["items"].as_array().expect("items");
        let count: usize = req["recurrence"][0]
            .as_str()
            .and_then(|r| r.split("COUNT=").nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(1);
        assert_eq!(items.len(), count, "{name}: {list:#}");
        assert_eq!(items[0]["recurringEventId"], json!(id));
        assert_eq!(items[0]["start"]["dateTime"], json!(start));
        assert_eq!(items[0]["originalStartTime"], items[0]["start"]);
        assert!(items[0]["id"].as_str().expect("id").starts_with(&format!("{id}_{}", day.replace('-', ""))));
        let inst = sb.json(&format!("/calendars/{cal}/events/{}", items[count - 1]["id"].as_str().expect("id"))).await;
        assert_eq!(inst["recurringEventId"], json!(id));
        let instances = sb.json(&format!("/calendars/{cal}/events/{id}/instances")).await;
        assert_schema(&doc, "Events", &instances);
        assert_eq!(instances["items"].as_array().expect("items").len(), count);
        // without singleEvents, the master only
        let masters = sb
            .json(&format!(
                "/calendars/{cal}/events?iCalUID={}",
                ev["iCalUID"].as_str().expect("uid").replace('@', "%40")
            ))
            .await;
        assert_eq!(masters["items"].as_array().expect("items").len(), 1);
        assert_eq!(masters["items"][0]["recurrence"], req["recurrence"]);
    }
}

#[tokio::test]
async fn weekly_rules_all_day_events_and_time_zones() {
    let sb = start().await;
    let cal = sb.calendar();
    // weekly on Tuesday and Thursday across the end of daylight saving time (25 Oct 2026)
    let body = json!({
        "summary": "Permanence",
        "start": {"dateTime": "2026-10-20T09:30:00+02:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-10-20T11:00:00+02:00", "timeZone": "Europe/Paris"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20261105T235959Z", "EXDATE;TZID=Europe/Paris:20261022T093000"],
    });
    let ev: Value = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &body).await.json().await.expect("json");
    let list = sb.json(&format!("/calendars/{cal}/events/{}/instances", ev["id"].as_str().expect("id"))).await;
    let starts: Vec<&str> =
        list["items"].as_array().expect("items").iter().map(|i| i["start"]["dateTime"].as_str().expect("dt")).collect();
    assert_eq!(
        starts,
        [
            "2026-10-20T09:30:00+02:00",
            "2026-10-27T09:30:00+01:00",
            "2026-10-29T09:30:00+01:00",
            "2026-11-03T09:30:00+01:00",
            "2026-11-05T09:30:00+01:00"
        ]
    );
    // timeZone parameter re-expresses the times
    let utc =
        sb.json(&format!("/calendars/{cal}/events/{}/instances?timeZone=UTC", ev["id"].as_str().expect("id"))).await;
    assert_eq!(utc["timeZone"], "UTC");
    assert_eq!(utc["items"][1]["start"]["dateTime"], "2026-10-27T08:30:00+00:00");

    // all-day event, found by a window that overlaps it, not by one that ends at its start
    let all_day = json!({"summary": "Fermeture", "start": {"date": "2026-12-24"}, "end": {"date": "2026-12-26"}});
    let r: Value =
        sb.send(Method::POST, &format!("/calendars/{cal}/events"), &all_day).await.json().await.expect("json");
    assert_schema(&discovery(), "Event", &r);
    let hit = sb
        .json(&format!("/calendars/{cal}/events?timeMin=2026-12-25T10:00:00Z&timeMax=2026-12-25T11:00:00Z&q=fermeture"))
        .await;
    assert_eq!(hit["items"].as_array().expect("items").len(), 1);
    let miss = sb
        .json(&format!("/calendars/{cal}/events?timeMin=2026-12-20T00:00:00Z&timeMax=2026-12-23T22:00:00Z&q=fermeture"))
        .await;
    assert_eq!(miss["items"].as_array().expect("items").len(), 0);
}

#[tokio::test]
async fn list_errors_reproduce_the_examples() {
    let sb = start().await;
    let cal = sb.calendar();
    let ex = examples().into_iter().find(|(n, _)| n.starts_with("error-400-timeRangeEmpty")).expect("example").1;
    let resp =
        sb.get(&format!("/calendars/{cal}/events?timeMin=2026-03-10T00:00:00Z&timeMax=2026-03-09T00:00:00Z")).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_google_error(&body, 400, "timeRangeEmpty");
    assert_eq!(body["error"]["errors"], ex["error"]["errors"]);
    assert_eq!(body["error"]["message"], ex["error"]["message"]);
    assert_eq!(body["error"]["code"], ex["error"]["code"]);

    let bad_order = sb.get(&format!("/calendars/{cal}/events?orderBy=startTime")).await;
    assert_eq!(bad_order.status(), 400);
    assert_google_error(&bad_order.json().await.expect("json"), 400, "badRequest");

    // the quota example: 403 usageLimits / userRateLimitExceeded once over the per-user quota
    let ex = examples().into_iter().find(|(n, _)| n.starts_with("error-403-userRateLimit")).expect("example").1;
    let r = sb
        .http
        .put(sb.url("/_sandbox/config"))
        .json(&json!({"userRateLimit": {"requests": 2, "windowSecs": 86400}}))
        .send()
        .await
        .expect("config");
    assert_eq!(r.status(), 200);
    assert_eq!(sb.get(&format!("/calendars/{cal}")).await.status(), 200);
    assert_eq!(sb.get(&format!("/calendars/{cal}")).await.status(), 200);
    let over = sb.get(&format!("/calendars/{cal}")).await;
    assert_eq!(over.status(), 403);
    let body: Value = over.json().await.expect("json");
    assert_google_error(&body, 403, "userRateLimitExceeded");
    assert_eq!(body["error"]["errors"], ex["error"]["errors"]);
    assert_eq!(body["error"]["message"], ex["error"]["message"]);
    sb.http.put(sb.url("/_sandbox/config")).json(&json!({"userRateLimit": null})).send().await.expect("config");
    assert_eq!(sb.get(&format!("/calendars/{cal}")).await.status(), 200);
}

#[tokio::test]
async fn daily_interval_until_and_switching_to_all_day() {
    let sb = start().await;
    let cal = sb.calendar();
    let body = json!({
        "summary": "Arrosage du jardin partagé",
        "start": {"date": "2026-03-02"}, "end": {"date": "2026-03-03"},
        "recurrence": ["RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20260309"],
    });
    let ev: Value = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &body).await.json().await.expect("json");
    let id = ev["id"].as_str().expect("id");
    let list = sb.json(&format!("/calendars/{cal}/events/{id}/instances")).await;
    let days: Vec<&str> =
        list["items"].as_array().expect("items").iter().map(|i| i["start"]["date"].as_str().expect("date")).collect();
    assert_eq!(days, ["2026-03-02", "2026-03-04", "2026-03-06", "2026-03-08"]);
    assert_eq!(list["items"][1]["id"], json!(format!("{id}_20260304")));

    // a timed event patched into an all-day one
    let timed = event_body("Journée d'étude");
    let t: Value = sb.send(Method::POST, &format!("/calendars/{cal}/events"), &timed).await.json().await.expect("json");
    let path = format!("/calendars/{cal}/events/{}", t["id"].as_str().expect("id"));
    let patch = json!({"start": {"date": "2026-03-12"}, "end": {"date": "2026-03-13"}});
    let r = sb.send(Method::PATCH, &path, &patch).await;
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.expect("json");
    assert_schema(&discovery(), "Event", &p);
    assert!(p["start"]["dateTime"].is_null() && p["start"]["date"] == "2026-03-12", "{p}");
}

#[tokio::test]
async fn seeded_calendars_hold_a_month_of_valid_french_events() {
    let sb = start().await;
    let doc = discovery();
    let list = sb.json("/users/me/calendarList").await;
    let mut total = 0;
    for entry in list["items"].as_array().expect("items") {
        let id = enc(entry["id"].as_str().expect("id"));
        let events =
            sb.json(&format!("/calendars/{id}/events?singleEvents=true&orderBy=startTime&maxResults=2500")).await;
        assert_schema(&doc, "Events", &events);
        assert_eq!(events["timeZone"], "Europe/Paris");
        let items = events["items"].as_array().expect("items");
        for ev in items {
            assert_schema(&doc, "Event", ev);
        }
        if entry["primary"] != true {
            let starts: Vec<chrono::DateTime<chrono::FixedOffset>> = items
                .iter()
                .map(|e| {
                    chrono::DateTime::parse_from_rfc3339(e["start"]["dateTime"].as_str().expect("timed"))
                        .expect("rfc3339")
                })
                .collect();
            assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{id}: orderBy=startTime");
        }
        total += items.len();
        if entry["primary"] != true {
            assert!(items.iter().any(|e| e["recurringEventId"].is_string()), "{id}: a weekly series, expanded");
        }
    }
    assert!(total > 100, "about a month of bookings per room: {total}");
    let first_room = sb.json(&format!("/calendars/{}/events", sb.calendar())).await;
    let accented = first_room["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|e| e["attendees"].as_array().cloned().unwrap_or_default())
        .any(|a| a["displayName"].as_str().is_some_and(|n| !n.is_ascii()));
    assert!(accented, "attendees come from the French data set");
    let primary = sb.json("/calendars/primary/events?q=portes%20ouvertes").await;
    assert!(primary["items"][0]["start"]["date"].is_string(), "an all-day event in the primary calendar");
}

#[tokio::test]
async fn unseeded_sandbox_has_only_an_empty_primary_calendar() {
    let opts = hub_sandbox_core::SandboxOptions { seed: false, ..Default::default() };
    let started = hub_sandbox_google_calendar::start(opts).await.expect("starts");
    let http = reqwest::Client::new();
    let token: Value = refresh(&http, &started.credentials).await.json().await.expect("json");
    let bearer = token["access_token"].as_str().expect("token");
    let cal = enc(started.credentials["calendar_id"].as_str().expect("calendar_id"));
    let get = |path: String| http.get(started.running.url(&format!("/calendar/v3{path}"))).bearer_auth(bearer).send();
    let list: Value = get("/users/me/calendarList".into()).await.expect("list").json().await.expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    assert_eq!(list["items"][0]["primary"], true);
    let events: Value = get(format!("/calendars/{cal}/events")).await.expect("events").json().await.expect("json");
    assert_schema(&discovery(), "Events", &events);
    assert_eq!(events["items"].as_array().expect("items").len(), 0);
    assert!(events["nextSyncToken"].is_string());
}
