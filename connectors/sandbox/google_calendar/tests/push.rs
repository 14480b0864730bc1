//! Push notifications: the watch-request example opens a channel (checked against
//! `schemas.Channel`), the receiver gets `sync` then `exists` messages whose headers are those of
//! the push-notification example; Google signs nothing, so the receiver authenticates them the way
//! NOTES.md says (channel id + secret token + resource id). Duplicates under fault injection;
//! channels.stop ends the messages.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const EXPIRATION_FORMAT: &str = "%a, %d %b %Y %H:%M:%S GMT";

fn event(i: usize) -> Value {
    json!({"summary": format!("Réservation {i}"), "start": {"date": "2026-06-01"}, "end": {"date": "2026-06-02"}})
}

/// The receiver-side check from NOTES.md: the message belongs to a channel we opened.
fn authentic(hit: &[(String, String)], channel: &Value) -> bool {
    header(hit, "X-Goog-Channel-ID") == channel["id"].as_str()
        && header(hit, "X-Goog-Channel-Token") == channel["token"].as_str()
        && header(hit, "X-Goog-Resource-ID") == channel["resourceId"].as_str()
}

#[tokio::test]
async fn watch_example_then_sync_and_exists_messages() {
    let sb = start().await;
    let cal = sb.calendar();
    let doc = discovery();
    let shape = examples().into_iter().find(|(n, _)| n.starts_with("push-notification")).expect("example").1;
    let watches: Vec<_> = examples().into_iter().filter(|(n, _)| n.starts_with("events-watch")).collect();
    assert!(!watches.is_empty());
    for (name, mut req) in watches {
        let receiver = Receiver::start().await;
        req["address"] = json!(receiver.url);
        let resp = sb.send(Method::POST, &format!("/calendars/{cal}/events/watch"), &req).await;
        assert_eq!(resp.status(), 200, "{name}");
        let channel: Value = resp.json().await.expect("json");
        assert_schema(&doc, "Channel", &channel);
        assert_eq!(channel["kind"], "api#channel");
        assert_eq!(channel["id"], req["id"]);
        assert_eq!(channel["token"], req["token"]);
        let expiration: i64 = channel["expiration"].as_str().expect("string int64").parse().expect("ms");
        assert!(expiration > chrono::Utc::now().timestamp_millis(), "a live channel");

        let first = &receiver.wait_for(1).await[0];
        let expected: Vec<String> =
            shape["headers_first_message"].as_object().expect("headers").keys().map(|k| k.to_lowercase()).collect();
        for k in &expected {
            assert!(header(&first.0, k).is_some(), "{k} missing in {:?}", first.0);
        }
        let sent_goog: Vec<&String> = first.0.iter().map(|(k, _)| k).filter(|k| k.starts_with("x-goog-")).collect();
        assert_eq!(sent_goog.len(), expected.len(), "no other X-Goog headers: {sent_goog:?}");
        assert!(first.1.is_empty(), "empty body");
        assert_eq!(
            header(&first.0, "X-Goog-Resource-State"),
            shape["headers_first_message"]["X-Goog-Resource-State"].as_str()
        );
        assert_eq!(
            header(&first.0, "X-Goog-Message-Number"),
            shape["headers_first_message"]["X-Goog-Message-Number"].as_str()
        );
        assert_eq!(header(&first.0, "X-Goog-Resource-URI"), channel["resourceUri"].as_str());
        assert!(authentic(&first.0, &channel));
        // the expiration header uses the example's date format, and says the channel's expiration
        let example_exp = shape["headers_first_message"]["X-Goog-Channel-Expiration"].as_str().expect("exp");
        assert!(chrono::NaiveDateTime::parse_from_str(example_exp, EXPIRATION_FORMAT).is_ok());
        let sent = chrono::NaiveDateTime::parse_from_str(
            header(&first.0, "X-Goog-Channel-Expiration").expect("exp"),
            EXPIRATION_FORMAT,
        )
        .expect("same format as the example");
        assert_eq!(sent.and_utc().timestamp(), expiration / 1000);

        // a client change, then a staff change: `exists`, numbered on
        assert_eq!(sb.send(Method::POST, &format!("/calendars/{cal}/events"), &event(1)).await.status(), 200);
        let staff = sb
            .http
            .post(sb.url(&format!("/_sandbox/calendars/{cal}/events")))
            .json(&event(2))
            .send()
            .await
            .expect("staff");
        assert_eq!(staff.status(), 201);
        let hits = receiver.wait_for(3).await;
        let mut numbers: Vec<u64> =
            hits.iter().map(|h| header(&h.0, "X-Goog-Message-Number").expect("n").parse().expect("u64")).collect();
        numbers.sort();
        assert_eq!(numbers, [1, 2, 3]);
        for h in &hits[1..] {
            assert_eq!(header(&h.0, "X-Goog-Resource-State"), Some("exists"));
            assert!(authentic(&h.0, &channel));
        }
        let forged = vec![("x-goog-channel-id".to_string(), channel["id"].as_str().expect("id").to_string())];
        assert!(!authentic(&forged, &channel), "a message without the token is rejected by the receiver check");

        // stop: no more messages (the sandbox's own count stays put), and stopping twice → 404
        let stop = json!({"id": channel["id"], "resourceId": channel["resourceId"]});
        assert_eq!(sb.send(Method::POST, "/channels/stop", &stop).await.status(), 204);
        assert_eq!(sb.send(Method::POST, &format!("/calendars/{cal}/events"), &event(3)).await.status(), 200);
        let channels: Value =
            sb.http.get(sb.url("/_sandbox/channels")).send().await.expect("channels").json().await.expect("json");
        let mine =
            channels.as_array().expect("array").iter().find(|c| c["channel"]["id"] == channel["id"]).expect("channel");
        assert_eq!(mine["messages"], json!(3));
        assert_eq!(mine["stopped"], json!(true));
        let again = sb.send(Method::POST, "/channels/stop", &stop).await;
        assert_eq!(again.status(), 404);
        assert_google_error(&again.json().await.expect("json"), 404, "notFound");
    }
}

#[tokio::test]
async fn duplicate_notifications_under_fault_injection() {
    let sb = start().await;
    let cal = sb.calendar();
    let receiver = Receiver::start().await;
    let req = json!({"id": "dup-channel-1", "type": "web_hook", "address": receiver.url, "token": "secret-token"});
    let channel: Value =
        sb.send(Method::POST, &format!("/calendars/{cal}/events/watch"), &req).await.json().await.expect("json");
    receiver.wait_for(1).await;
    let r = sb
        .http
        .put(sb.url("/_sandbox/faults"))
        .json(&json!({"duplicate_webhook_rate": 1.0}))
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
    assert_eq!(sb.send(Method::POST, &format!("/calendars/{cal}/events"), &event(1)).await.status(), 200);
    let hits = receiver.wait_for(3).await;
    let twos: Vec<_> = hits.iter().filter(|h| header(&h.0, "X-Goog-Message-Number") == Some("2")).collect();
    assert_eq!(twos.len(), 2, "the same message delivered twice");
    assert!(twos.iter().all(|h| authentic(&h.0, &channel)));
    let log: Value = sb.http.get(sb.url("/_sandbox/webhooks")).send().await.expect("log").json().await.expect("json");
    let log = log.as_array().expect("array");
    assert!(log.iter().any(|w| w["duplicate"] == true && w["event"] == "exists"), "{log:?}");

    // watch refusals
    let dup_id = sb.send(Method::POST, &format!("/calendars/{cal}/events/watch"), &req).await;
    assert_eq!(dup_id.status(), 400);
    assert_google_error(&dup_id.json().await.expect("json"), 400, "channelIdNotUnique");
    let bad_type = json!({"id": "other", "type": "carrier_pigeon", "address": receiver.url});
    let r = sb.send(Method::POST, &format!("/calendars/{cal}/events/watch"), &bad_type).await;
    assert_eq!(r.status(), 400);
}
