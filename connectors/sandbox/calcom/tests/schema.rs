//! Every kind of success response the sandbox gives is valid against the schema named for it in
//! openapi-v2-trimmed.json; error bodies have the shape of examples/api.error-response.

mod common;

use common::{Sandbox, shape_diff, slot};
use hub_sandbox_core::schema::{assert_valid, load_spec};
use reqwest::Method;
use serde_json::{Value, json};

const S: &str = "/components/schemas/";

fn spec() -> Value {
    load_spec("calcom/openapi-v2-trimmed.json")
}

#[tokio::test]
async fn booking_responses_match_the_spec() {
    let spec = spec();
    let sb = Sandbox::start().await;
    // A future booking, so that `upcoming` is never empty whatever today's date.
    let studio = sb.event_type_id("studio-son").await;
    let future = json!({"start": slot(0, 16), "eventTypeId": studio, "attendee": {"name": "Noël Garnier", "email": "noel@exemple.fr", "timeZone": "Europe/Paris"}});
    assert_eq!(sb.post("/v2/bookings", future).await.0, 201);

    // Lists: default page, a small page, filtered pages (seeded bookings include seated, cancelled,
    // rescheduled and pending ones).
    for query in
        ["", "?take=7&skip=7", "?status=cancelled", "?status=upcoming,unconfirmed&sortStart=desc", "?status=past"]
    {
        let (status, v) = sb.get(&format!("/v2/bookings{query}")).await;
        assert_eq!(status, 200, "{v}");
        assert_valid(&spec, &format!("{S}GetBookingsOutput_2024_08_13"), &v);
        assert!(!v["data"].as_array().unwrap().is_empty(), "{query}: seeded bookings expected");
    }
    let (_, all) = sb.get("/v2/bookings?take=250").await;
    let data = all["data"].as_array().unwrap();
    for b in data {
        assert_valid(&spec, &format!("{S}GetBookingOutput_2024_08_13"), &json!({"status": "success", "data": b}));
    }
    assert!(data.iter().any(|b| b["attendees"][0]["seatUid"].is_string()), "a seated booking");
    assert!(data.iter().any(|b| b["rescheduledToUid"].is_string()), "a rescheduled booking");
    assert!(data.iter().any(|b| b["status"] == "pending"), "a pending booking");

    // Create, get, reschedule, cancel, mark-absent.
    let room = sb.event_type_id("salle-hypatia").await;
    let body = json!({"start": slot(1, 10), "eventTypeId": room,
                      "attendee": {"name": "Zoé Lefèvre", "email": "zoe@exemple.fr", "timeZone": "Europe/Paris", "language": "fr"}});
    let (status, created) = sb.post("/v2/bookings", body).await;
    assert_eq!(status, 201, "{created}");
    assert_valid(&spec, &format!("{S}CreateBookingOutput_2024_08_13"), &created);
    let uid = created["data"]["uid"].as_str().unwrap().to_string();
    let (status, got) = sb.get(&format!("/v2/bookings/{uid}")).await;
    assert_eq!(status, 200);
    assert_valid(&spec, &format!("{S}GetBookingOutput_2024_08_13"), &got);
    let (status, marked) = sb
        .post(
            &format!("/v2/bookings/{uid}/mark-absent"),
            json!({"host": false, "attendees": [{"email": "zoe@exemple.fr", "absent": true}]}),
        )
        .await;
    assert_eq!(status, 200, "{marked}");
    assert_valid(&spec, &format!("{S}MarkAbsentBookingOutput_2024_08_13"), &marked);
    let (status, moved) = sb.post(&format!("/v2/bookings/{uid}/reschedule"), json!({"start": slot(2, 10)})).await;
    assert_eq!(status, 201, "{moved}");
    assert_valid(&spec, &format!("{S}RescheduleBookingOutput_2024_08_13"), &moved);
    let new_uid = moved["data"]["uid"].as_str().unwrap().to_string();
    let (status, cancelled) =
        sb.post(&format!("/v2/bookings/{new_uid}/cancel"), json!({"cancellationReason": "test"})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_valid(&spec, &format!("{S}CancelBookingOutput_2024_08_13"), &cancelled);

    // Seated create (coworking) and confirm/decline of pending bookings.
    let cowork = sb.event_type_id("coworking").await;
    let (status, seat) = sb
        .post("/v2/bookings", json!({"start": slot(3, 9), "eventTypeId": cowork, "attendee": {"name": "Théo Morel", "email": "theo@exemple.fr", "timeZone": "Europe/Paris"}}))
        .await;
    assert_eq!(status, 201, "{seat}");
    assert_valid(&spec, &format!("{S}GetBookingOutput_2024_08_13"), &seat);
    let seat_uid = seat["data"]["attendees"][0]["seatUid"].as_str().unwrap();
    let (status, by_seat) = sb.get(&format!("/v2/bookings/by-seat/{seat_uid}")).await;
    assert_eq!(status, 200, "{by_seat}");
    assert_eq!(by_seat["data"]["uid"], seat["data"]["uid"]);
    assert_valid(&spec, &format!("{S}GetBookingOutput_2024_08_13"), &by_seat);
    let fetes = sb.event_type_id("salle-des-fetes").await;
    for (i, action) in ["confirm", "decline"].iter().enumerate() {
        let (_, pending) = sb
            .post("/v2/bookings", json!({"start": slot(4 + i as i64, 14), "eventTypeId": fetes, "attendee": {"name": "Inès Benali", "email": "ines@exemple.fr", "timeZone": "Europe/Paris"}}))
            .await;
        assert_eq!(pending["data"]["status"], "pending");
        let uid = pending["data"]["uid"].as_str().unwrap();
        let (status, v) = sb.post(&format!("/v2/bookings/{uid}/{action}"), json!({"reason": "complet"})).await;
        assert_eq!(status, 200, "{v}");
        assert_valid(&spec, &format!("{S}GetBookingOutput_2024_08_13"), &v);
    }
}

/// Validates an event-type response. The spec's `locations` and `bookingFields` item `oneOf`s cannot
/// single out a branch (their `type`s are documented in descriptions, not enums, and
/// `OutputOrganizersDefaultAppLocation_2024_06_14` accepts any `{type}`), so each item is checked
/// against the branch its `type` names and the object with those arrays emptied.
fn assert_event_types(spec: &Value, pointer: &str, response: &Value) {
    let mut copy = response.clone();
    let items: Vec<&mut Value> = match &mut copy["data"] {
        Value::Array(list) => list.iter_mut().collect(),
        one => vec![one],
    };
    for et in items {
        for loc in et["locations"].as_array().unwrap() {
            let branch = match loc["type"].as_str().unwrap() {
                "address" => "OutputAddressLocation_2024_06_14",
                "link" => "OutputLinkLocation_2024_06_14",
                "phone" => "OutputPhoneLocation_2024_06_14",
                other => panic!("unexpected location type {other}"),
            };
            assert_valid(spec, &format!("{S}{branch}"), loc);
        }
        for field in et["bookingFields"].as_array().unwrap() {
            let branch = match field["type"].as_str().unwrap() {
                "name" => "NameDefaultFieldOutput_2024_06_14",
                "email" => "EmailDefaultFieldOutput_2024_06_14",
                other => panic!("unexpected booking field type {other}"),
            };
            assert_valid(spec, &format!("{S}{branch}"), field);
        }
        et["locations"] = json!([]);
        et["bookingFields"] = json!([]);
    }
    assert_valid(spec, pointer, &copy);
}

#[tokio::test]
async fn event_type_responses_match_the_spec() {
    let spec = spec();
    let sb = Sandbox::start().await;
    let (status, list) = sb.get("/v2/event-types").await;
    assert_eq!(status, 200, "{list}");
    assert_event_types(&spec, &format!("{S}GetEventTypesOutput_2024_06_14"), &list);
    assert!(list["data"].as_array().unwrap().len() >= 7);
    let id = list["data"][0]["id"].as_u64().unwrap();
    let (_, one) = sb.get(&format!("/v2/event-types/{id}")).await;
    assert_event_types(&spec, &format!("{S}GetEventTypeOutput_2024_06_14"), &one);
    let (status, created) = sb
        .post("/v2/event-types", json!({"lengthInMinutes": 90, "title": "Atelier couture", "slug": "atelier-couture",
                                        "seats": {"seatsPerTimeSlot": 6, "showAttendeeInfo": false, "showAvailabilityCount": true}}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_event_types(&spec, &format!("{S}CreateEventTypeOutput_2024_06_14"), &created);
    let new_id = created["data"]["id"].as_u64().unwrap();
    let (status, patched) = sb
        .call(
            Method::PATCH,
            &format!("/v2/event-types/{new_id}"),
            Some(json!({"title": "Atelier couture & retouches"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["data"]["title"], "Atelier couture & retouches");
    assert_event_types(&spec, &format!("{S}UpdateEventTypeOutput_2024_06_14"), &patched);
    let (status, deleted) = sb.call(Method::DELETE, &format!("/v2/event-types/{new_id}"), None).await;
    assert_eq!(status, 200);
    assert_valid(&spec, &format!("{S}DeleteEventTypeOutput_2024_06_14"), &deleted);
    let (status, _) = sb.get(&format!("/v2/event-types/{new_id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn webhook_subscription_responses_match_the_spec() {
    let spec = spec();
    let sb = Sandbox::start().await;
    let body = json!({"subscriberUrl": "https://hub.example.org/hooks/calcom", "triggers": ["BOOKING_CREATED"], "active": true});
    let (status, created) = sb.post("/v2/webhooks", body.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_valid(&spec, &format!("{S}UserWebhookOutputResponseDto"), &created);
    assert_eq!(created["data"]["secret"], sb.secret(), "default secret");
    let id = created["data"]["id"].as_u64().unwrap();
    let (_, list) = sb.get("/v2/webhooks?take=10&skip=0").await;
    assert_valid(&spec, &format!("{S}UserWebhooksOutputResponseDto"), &list);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, one) = sb.get(&format!("/v2/webhooks/{id}")).await;
    assert_valid(&spec, &format!("{S}UserWebhookOutputResponseDto"), &one);
    let (_, patched) = sb.call(Method::PATCH, &format!("/v2/webhooks/{id}"), Some(json!({"active": false}))).await;
    assert_eq!(patched["data"]["active"], false);
    assert_valid(&spec, &format!("{S}UserWebhookOutputResponseDto"), &patched);
    let (_, deleted) = sb.call(Method::DELETE, &format!("/v2/webhooks/{id}"), None).await;
    assert_valid(&spec, &format!("{S}UserWebhookOutputResponseDto"), &deleted);
    let (status, _) = sb.get(&format!("/v2/webhooks/{id}")).await;
    assert_eq!(status, 404);

    let et = sb.event_type_id("studio-son").await;
    let base = format!("/v2/event-types/{et}/webhooks");
    let (status, created) = sb.post(&base, body).await;
    assert_eq!(status, 201, "{created}");
    assert_valid(&spec, &format!("{S}EventTypeWebhookOutputResponseDto"), &created);
    let wid = created["data"]["id"].as_u64().unwrap();
    let (_, list) = sb.get(&base).await;
    assert_valid(&spec, &format!("{S}EventTypeWebhooksOutputResponseDto"), &list);
    for method in [Method::GET, Method::PATCH] {
        let body = (method == Method::PATCH).then(|| json!({"triggers": ["BOOKING_CANCELLED"]}));
        let (status, v) = sb.call(method, &format!("{base}/{wid}"), body).await;
        assert_eq!(status, 200, "{v}");
        assert_valid(&spec, &format!("{S}EventTypeWebhookOutputResponseDto"), &v);
    }
    let (_, all_gone) = sb.call(Method::DELETE, &base, None).await;
    assert_valid(&spec, &format!("{S}DeleteManyWebhooksOutputResponseDto"), &all_gone);
    let (_, list) = sb.get(&base).await;
    assert!(list["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn error_bodies_have_the_vendor_shape() {
    let sb = Sandbox::start().await;
    let text = std::fs::read_to_string(common::examples_dir().join("api.error-response.CONSTRUCTED.json")).unwrap();
    let example: Value = serde_json::from_str(&text).unwrap();
    let cases: Vec<(Method, &str, Option<Value>, u16)> = vec![
        (Method::GET, "/v2/bookings/booking_uid_123", None, 404),
        (Method::POST, "/v2/bookings", Some(json!({"attendee": {"name": "x", "timeZone": "Europe/Paris"}})), 400),
        (Method::GET, "/v2/bookings?take=zero", None, 400),
        (Method::GET, "/v2/event-types/999999", None, 404),
        (
            Method::POST,
            "/v2/webhooks",
            Some(json!({"subscriberUrl": "https://x.example", "triggers": ["NOPE"], "active": true})),
            400,
        ),
        (Method::GET, "/v2/nothing-here", None, 404),
    ];
    for (method, path, body, expected) in cases {
        let (status, v) = sb.call(method.clone(), path, body).await;
        assert_eq!(status, expected, "{method} {path}: {v}");
        let diff = shape_diff(&example, &v, "", &[]);
        assert!(diff.is_empty(), "{method} {path}: {diff:?}\n{v}");
        assert_eq!(v["error"]["details"]["statusCode"], expected);
        assert_eq!(v["path"], path.split('?').next().unwrap());
    }
    let (_, v) = sb.get("/v2/bookings/booking_uid_123").await;
    assert_eq!(v["error"]["message"], example["error"]["message"]);
}

#[tokio::test]
async fn schedules_have_the_example_shape() {
    let sb = Sandbox::start().await;
    let text =
        std::fs::read_to_string(common::examples_dir().join("api.GET_v2_schedules.response.CONSTRUCTED.json")).unwrap();
    let example: Value = serde_json::from_str(&text).unwrap();
    let (status, v) = sb.get("/v2/schedules").await;
    assert_eq!(status, 200);
    assert!(shape_diff(&example, &v, "", &[]).is_empty(), "{:?}", shape_diff(&example, &v, "", &[]));
    let (_, d) = sb.get("/v2/schedules/default").await;
    assert_eq!(d["data"]["isDefault"], true);
    let id = d["data"]["id"].as_u64().unwrap();
    let (_, one) = sb.get(&format!("/v2/schedules/{id}")).await;
    assert_eq!(one["data"], d["data"]);
}
