//! Push channels against the sandbox: watch, the `sync` then `exists` notifications verified with
//! the channel token (good, wrong, missing), the hint read back as the calendar's changes, renewal
//! and stop.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue};
use chrono::{Duration, Utc};
use common::*;
use hub_connector_google_calendar::{GoogleCalendarConnector, needs_renewal};
use hub_connector_sdk::{Connector, ConnectorError, WebhookRequest};
use serde_json::json;

/// A loopback endpoint standing for the hub's `/hooks/{instance}`: keeps each request's headers.
async fn receiver() -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let hits: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let store = hits.clone();
    let app = axum::Router::new().route(
        "/hooks/gcal-test",
        axum::routing::post(move |headers: HeaderMap| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(headers);
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/gcal-test", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, hits)
}

async fn wait_for(hits: &Arc<Mutex<Vec<HeaderMap>>>, n: usize) -> Vec<HeaderMap> {
    for _ in 0..200 {
        if hits.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let got = hits.lock().unwrap().clone();
    assert!(got.len() >= n, "expected {n} notifications, got {}", got.len());
    got
}

fn request(headers: &HeaderMap) -> WebhookRequest<'_> {
    WebhookRequest { headers, body: b"", remote_addr: None, received_at: Utc::now() }
}

#[tokio::test]
async fn a_watched_calendar_pushes_hints_that_read_back_its_changes() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (address, hits) = receiver().await;
    let channel = conn.watch(&calendar(HYPATIA), &address, None).await.unwrap();
    assert_eq!(channel.calendar_id, calendar(HYPATIA));
    let expires = channel.expiration.expect("an expiration");
    assert!(expires > Utc::now() + Duration::days(6), "Google's default week: {expires}");
    assert!(!needs_renewal(&channel, Utc::now()));
    assert!(needs_renewal(&channel, expires - Duration::minutes(30)));

    let first = wait_for(&hits, 1).await;
    let decoder = conn.webhook().expect("a decoder");
    decoder.verify(&request(&first[0])).unwrap();
    let sync = decoder.decode(&request(&first[0])).unwrap();
    assert_eq!(sync.event_type, "sync");
    assert!(sync.event_id.starts_with(&format!("{}:1:", channel.id)), "{}", sync.event_id);
    assert!(conn.records_for_event(&sync).await.unwrap().is_empty(), "the handshake carries no change");

    let added =
        sb.staff_add(HYPATIA, staff_event("Réunion du bureau", "2026-11-10T18:00:00", "2026-11-10T20:00:00")).await;
    let all = wait_for(&hits, 2).await;
    decoder.verify(&request(&all[1])).unwrap();
    let hint = decoder.decode(&request(&all[1])).unwrap();
    assert_eq!(hint.event_type, "exists");
    assert_ne!(hint.event_id, sync.event_id, "each message is its own inbox entry");
    // no sync token in memory yet: the whole calendar, the new event included
    let records = conn.records_for_event(&hint).await.unwrap();
    assert!(records.iter().any(|r| r.data["event_id"] == added["id"]));
    assert!(records.len() > 1);
    // from now on only what changed
    sb.staff_cancel(HYPATIA, added["id"].as_str().unwrap()).await;
    let all = wait_for(&hits, 3).await;
    let hint = decoder.decode(&request(&all[2])).unwrap();
    let records = conn.records_for_event(&hint).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(records[0].deleted);
    // an expired sync token: the hint reads the whole calendar again
    sb.trigger(&format!("/_sandbox/calendars/{}/expire-sync-tokens", calendar(HYPATIA).replace('@', "%40")), json!({}))
        .await;
    let again = conn.records_for_event(&hint).await.unwrap();
    assert_eq!(again.len(), sb.stored(HYPATIA).await.len(), "a full resync of that calendar");
    assert!(conn.records_for_event(&hint).await.unwrap().is_empty(), "then incremental again");

    let renewed = conn.renew(&channel, &address, Some(Duration::hours(2))).await.unwrap();
    assert_ne!(renewed.id, channel.id);
    assert!(renewed.expiration.is_some_and(|at| at < Utc::now() + Duration::hours(3)));
    let channels: serde_json::Value =
        sb.client.get(format!("{}/_sandbox/channels", sb.base())).send().await.unwrap().json().await.unwrap();
    let stopped =
        |id: &str| channels.as_array().unwrap().iter().find(|c| c["channel"]["id"] == id).unwrap()["stopped"].clone();
    assert_eq!(stopped(&channel.id), true, "the old channel is stopped");
    assert_eq!(stopped(&renewed.id), false);
    conn.stop(&renewed).await.unwrap();
    conn.stop(&renewed).await.unwrap();
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    let (address, hits) = receiver().await;
    conn.watch(&calendar(STUDIO), &address, None).await.unwrap();
    let good = wait_for(&hits, 1).await.remove(0);
    let decoder = conn.webhook().unwrap();
    decoder.verify(&request(&good)).unwrap();

    let mut wrong = good.clone();
    wrong.insert("x-goog-channel-token", HeaderValue::from_static("channel-secret-for-tests-0123456780"));
    assert!(matches!(decoder.verify(&request(&wrong)), Err(ConnectorError::Signature(_))));
    let mut missing = good.clone();
    missing.remove("x-goog-channel-token");
    let err = decoder.verify(&request(&missing)).unwrap_err();
    assert!(matches!(&err, ConnectorError::Signature(m) if m.contains("missing")), "{err}");

    let mut settings = sb.settings();
    settings.channel_token = None;
    let unset = GoogleCalendarConnector::new(settings).unwrap();
    assert!(matches!(unset.webhook().unwrap().verify(&request(&good)), Err(ConnectorError::Signature(_))));
    assert!(matches!(unset.watch(&calendar(STUDIO), &address, None).await, Err(ConnectorError::Invalid(_))));

    let mut elsewhere = good.clone();
    let uri = "https://www.googleapis.com/calendar/v3/calendars/someone%40example.org/events?alt=json";
    elsewhere.insert("x-goog-resource-uri", HeaderValue::from_static(uri));
    assert!(
        matches!(decoder.decode(&request(&elsewhere)), Err(ConnectorError::Invalid(m)) if m.contains("not configured"))
    );
    let mut odd = good.clone();
    odd.insert("x-goog-resource-state", HeaderValue::from_static("teleported"));
    assert!(matches!(decoder.decode(&request(&odd)), Err(ConnectorError::Invalid(_))));
}
