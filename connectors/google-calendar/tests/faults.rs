//! Faults become retryable errors: the sandbox's injected 500s and 429s, Google's 403
//! `userRateLimitExceeded`, a stale etag answered by one re-read (412), and the compliance kit's
//! 401/429 checks.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::*;
use hub_connector_google_calendar::{GoogleCalendarConnector, GoogleCalendarSettings};
use hub_connector_sdk::{
    ChangeOp, Connector, ConnectorError,
    testkit::{self, CannedResponse, serve_fn},
};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn server_errors_and_rate_limits_are_retryable() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    assert!(conn.check().await.unwrap().ok, "a token in cache first");
    sb.set_faults(json!({"error_rate": 1.0})).await;
    let err = conn.read("events", None).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err}");
    let change =
        booking(ChangeOp::Created, Uuid::now_v7(), HYPATIA, "2026-11-05T10:00:00Z", "2026-11-05T11:00:00Z", None);
    assert!(conn.write(&change).await.unwrap_err().is_retryable());
    sb.set_faults(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    let err = conn.read("events", None).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)), "{err}");
    assert!(matches!(err, ConnectorError::RateLimited { .. }));
    sb.set_faults(json!({})).await;
    sb.set_config(json!({"userRateLimit": {"requests": 0, "windowSecs": 60}})).await;
    let err = conn.read("events", None).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::RateLimited { detail, .. } if detail.contains("userRateLimitExceeded")),
        "{err}"
    );
    sb.set_config(json!({"userRateLimit": null})).await;
    assert!(conn.read("events", None).await.is_ok(), "back to normal");
}

#[tokio::test]
async fn a_token_endpoint_fault_is_retryable_too() {
    let sb = Sandbox::start().await;
    sb.set_faults(json!({"error_rate": 1.0})).await;
    let err = sb.connector().check().await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

fn settings_on(base: &str) -> GoogleCalendarSettings {
    let mut s = GoogleCalendarSettings::new("gcal-canned", "client", "secret");
    s.base_url = base.to_string();
    s.token_url = format!("{base}/token");
    s.refresh_token = Some("1//refresh".into());
    s.calendars.insert(HYPATIA.into(), "room@group.calendar.google.com".into());
    s
}

#[tokio::test]
async fn the_compliance_kit_maps_401_and_429() {
    testkit::maps_http_errors(
        |base| Box::new(GoogleCalendarConnector::new(settings_on(&base)).unwrap()) as Box<dyn Connector>,
        "events",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_stale_etag_is_read_again_once() {
    let event = |etag: &str, summary: &str| {
        json!({"id": "evt00001", "etag": etag, "status": "confirmed", "summary": summary, "updated": "2026-11-01T10:00:00.000Z",
            "start": {"dateTime": "2026-11-05T10:00:00+01:00"}, "end": {"dateTime": "2026-11-05T11:00:00+01:00"},
            "extendedProperties": {"private": {"hub_booking_id": "x"}}})
        .to_string()
    };
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = calls.clone();
    let base = serve_fn(move |path| {
        let mut calls = log.lock().unwrap();
        calls.push(path.to_string());
        let on_event = calls.iter().filter(|p| p.contains("/events/evt00001")).count();
        if path.starts_with("/token") {
            return CannedResponse::json(200, r#"{"access_token":"at","expires_in":3599,"token_type":"Bearer"}"#);
        }
        match on_event {
            1 => CannedResponse::json(200, event("\"1\"", "Ancien")),
            2 => CannedResponse::json(
                412,
                r#"{"error":{"errors":[{"reason":"conditionNotMet"}],"code":412,"message":"Precondition Failed"}}"#,
            ),
            3 => CannedResponse::json(200, event("\"2\"", "Changé par l'accueil")),
            _ => CannedResponse::json(200, event("\"3\"", "Atelier couture")),
        }
    })
    .await
    .unwrap();
    let conn = GoogleCalendarConnector::new(settings_on(&base)).unwrap();
    let mut change = booking(
        ChangeOp::Updated,
        Uuid::now_v7(),
        HYPATIA,
        "2026-11-05T10:00:00+01:00",
        "2026-11-05T11:00:00+01:00",
        None,
    );
    change.external_id = Some("room@group.calendar.google.com/evt00001".into());
    let out = conn.write(&change).await.unwrap();
    assert_eq!(out.external_id, "room@group.calendar.google.com/evt00001");
    let on_event = calls.lock().unwrap().iter().filter(|p| p.contains("/events/evt00001")).count();
    assert_eq!(on_event, 4, "GET, PATCH (412), GET, PATCH");
}
