//! Every file of vendor-specs/calcom/examples is used: request examples are sent and accepted,
//! response examples are reproduced in shape (every key, recursively, with a compatible type), and
//! webhook examples are reproduced in shape by a delivery of the same trigger. A new example file
//! fails this test until it is handled here.

mod common;

use common::{Receiver, Sandbox, examples_dir, produce_all, shape_diff};
use serde_json::{Value, json};

/// Booking fields present only when they apply (cancellation/reschedule linkage, the deprecated
/// `meetingUrl`, a `rating` from Cal Video, phone numbers only when given).
const BOOKING_OPTIONAL: &[&str] = &[
    "cancellationReason",
    "cancelledByEmail",
    "reschedulingReason",
    "rescheduledByEmail",
    "rescheduledFromUid",
    "rescheduledToUid",
    "meetingUrl",
    "rating",
];
/// Event-type settings present only when configured.
const EVENT_TYPE_OPTIONAL: &[&str] = &[
    "confirmationPolicy",
    "seats",
    "bookerActiveBookingsLimit",
    "bookingWindow",
    "destinationCalendar",
    "calVideoSettings",
    "disableCancelling",
    "disableRescheduling",
];
/// Webhook fields only sent for video-conferencing locations (the seeded places are addresses).
const VIDEO_ONLY: &[&str] = &["videoCallData", "conferenceData"];
/// Example triggers the sandbox does not produce (see the crate doc).
const NOT_SIMULATED: &[&str] = &["BOOKING_PAID", "BOOKING_NO_SHOW_UPDATED", "FORM_SUBMITTED", "OOO_CREATED"];

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(examples_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_shape(name: &str, example: &Value, ours: &Value, skip: &[&str]) {
    let diff = shape_diff(example, ours, "", skip);
    assert!(diff.is_empty(), "{name}: {diff:#?}\nours: {ours:#}");
}

#[tokio::test]
async fn every_example_is_accepted_or_reproduced() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    let deliveries: Vec<Value> = produce_all(&sb, &rx, "examples").await.iter().map(|d| d.json()).collect();
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    let mut checked = 0;
    for name in &names {
        let example = load(name);
        match name.as_str() {
            "api.POST_v2_bookings.request.CONSTRUCTED.json" => {
                // Ids are the server's: the example's event type is created first and its id used.
                let (s, et) = sb
                    .post(
                        "/v2/event-types",
                        json!({"lengthInMinutes": 30, "title": "My event type", "slug": "my-event-type"}),
                    )
                    .await;
                assert_eq!(s, 201, "{et}");
                let mut body = example.clone();
                body["eventTypeId"] = et["data"]["id"].clone();
                let (s, v) = sb.post("/v2/bookings", body).await;
                assert_eq!(s, 201, "{name}: {v}");
                assert_eq!(v["data"]["attendees"][0]["email"], example["attendee"]["email"]);
                assert_eq!(v["data"]["guests"], example["guests"]);
                assert_eq!(v["data"]["duration"], 30);
                assert_eq!(v["data"]["start"], example["start"]);
            }
            "api.POST_v2_bookings_uid_cancel.request.CONSTRUCTED.json" => {
                let (_, list) = sb.get("/v2/bookings?status=upcoming&take=1").await;
                let uid = list["data"][0]["uid"].as_str().unwrap();
                let (s, v) = sb.post(&format!("/v2/bookings/{uid}/cancel"), example.clone()).await;
                assert_eq!(s, 200, "{name}: {v}");
                assert_eq!(v["data"]["status"], "cancelled");
                assert_eq!(v["data"]["cancellationReason"], example["cancellationReason"]);
            }
            "api.POST_v2_webhooks.request.CONSTRUCTED.json" => {
                let (s, v) = sb.post("/v2/webhooks", example.clone()).await;
                assert_eq!(s, 201, "{name}: {v}");
                let response = load("api.POST_v2_webhooks.response.CONSTRUCTED.json");
                assert_shape("api.POST_v2_webhooks.response", &response, &v, &[]);
                for key in ["payloadTemplate", "triggers", "subscriberUrl", "active", "secret"] {
                    assert_eq!(v["data"][key], response["data"][key], "{key}");
                }
            }
            "api.POST_v2_webhooks.response.CONSTRUCTED.json" => {} // checked with its request
            "api.GET_v2_bookings.response.CONSTRUCTED.json" => {
                let (_, v) = sb.get("/v2/bookings?take=10&skip=10").await;
                assert_shape(name, &example, &v, BOOKING_OPTIONAL);
                assert_eq!(v["pagination"]["currentPage"], 2);
            }
            "api.GET_v2_bookings_uid.response.docs.json" => {
                let (_, list) = sb.get("/v2/bookings?take=250").await;
                let with_guests = list["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|b| b["guests"].as_array().is_some_and(|g| !g.is_empty()));
                let uid = with_guests.expect("a booking with guests")["uid"].as_str().unwrap();
                let (_, v) = sb.get(&format!("/v2/bookings/{uid}")).await;
                assert_shape(name, &example, &v, BOOKING_OPTIONAL);
                // And the optional linkage fields do appear where they apply.
                let all = list["data"].as_array().unwrap();
                for key in [
                    "cancellationReason",
                    "cancelledByEmail",
                    "reschedulingReason",
                    "rescheduledFromUid",
                    "rescheduledToUid",
                ] {
                    assert!(all.iter().any(|b| b[key].is_string()), "{key} somewhere");
                }
            }
            "api.GET_v2_event-types.response.CONSTRUCTED.json" => {
                let (_, v) = sb.get("/v2/event-types").await;
                for i in 0..v["data"].as_array().unwrap().len() {
                    let ours = json!({"status": v["status"], "data": [v["data"][i]]});
                    assert_shape(name, &example, &ours, EVENT_TYPE_OPTIONAL);
                }
                let data = v["data"].as_array().unwrap();
                assert!(data.iter().any(|e| e["confirmationPolicy"].is_object()));
                assert!(data.iter().any(|e| e["seats"].is_object()));
            }
            "api.GET_v2_schedules.response.CONSTRUCTED.json" => {
                let (_, v) = sb.get("/v2/schedules").await;
                assert_shape(name, &example, &v, &[]);
            }
            "api.error-response.CONSTRUCTED.json" => {
                let path = example["path"].as_str().unwrap();
                let (s, v) = sb.get(path).await;
                assert_eq!(s, 404);
                assert_shape(name, &example, &v, &[]);
                assert_eq!(v["error"], example["error"]);
            }
            "webhook.custom-payload-template.json" => {
                let tpl = Receiver::start().await;
                sb.subscribe(&tpl.url, &["BOOKING_CREATED"], json!({"payloadTemplate": example.to_string()})).await;
                let room = sb.event_type_id("studio-son").await;
                let (s, _) = sb
                    .post("/v2/bookings", json!({"start": common::slot(50, 10), "eventTypeId": room, "attendee": {"name": "Yaël Nguyen", "email": "yael@exemple.fr", "timeZone": "Europe/Paris"}}))
                    .await;
                assert_eq!(s, 201);
                let got = tpl.wait_for(1).await[0].json();
                let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
                assert_eq!(keys(&got), keys(&example));
                assert_eq!(got["type"], "studio-son");
                assert_eq!(got["booker"], "Yaël Nguyen");
                assert!(!got.to_string().contains("{{"), "{got}");
            }
            n if n.starts_with("webhook.") => {
                let trigger = example["triggerEvent"].as_str().unwrap();
                if NOT_SIMULATED.contains(&trigger) {
                    assert!(deliveries.iter().all(|d| d["triggerEvent"] != trigger));
                    continue;
                }
                let ours = deliveries
                    .iter()
                    .find(|d| d["triggerEvent"] == trigger)
                    .unwrap_or_else(|| panic!("{name}: no {trigger}"));
                assert_shape(name, &example, ours, VIDEO_ONLY);
            }
            other => panic!("example {other} is not handled by this test"),
        }
        checked += 1;
    }
    assert!(checked >= 16, "{checked}");
}
