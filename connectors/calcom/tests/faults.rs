//! Failures, classified for the queue: the sandbox's injected 500s, 429s and timeouts are
//! retryable (with the wait Cal.com asks for), a refused key is Auth, and canned answers cover what
//! the sandbox cannot produce (malformed JSON, a 429 with only Cal.com's reset header, 404s that
//! are not Cal.com's, an error wrapped in a 200).

mod common;

use std::time::Duration;

use common::{Sandbox, slot};
use hub_connector_calcom::{CalcomConnector, CalcomSettings, webhook::hint};
use hub_connector_sdk::{
    Connector, ConnectorError, InboundEvent,
    testkit::{CannedResponse, canned_server, serve_fn},
};
use serde_json::json;

fn event_for(uid: &str) -> InboundEvent {
    InboundEvent {
        event_id: format!("BOOKING_CREATED:{uid}:0"),
        event_type: "BOOKING_CREATED".into(),
        records: vec![hint(uid, "BOOKING_CREATED")],
    }
}

fn canned(base: String) -> CalcomConnector {
    CalcomConnector::new(CalcomSettings { base_url: base, ..CalcomSettings::new("calcom-canned", "cal_test_k") })
        .unwrap()
}

#[tokio::test]
async fn injected_faults_are_retryable() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(20);
    let uid = sb.book("studio-son", &slot(1, 11), "Théo Lambert", "theo.lambert@exemple.fr").await;

    sb.set_faults(json!({"error_rate": 1.0})).await;
    for err in
        [conn.read("bookings", None).await.unwrap_err(), conn.records_for_event(&event_for(&uid)).await.unwrap_err()]
    {
        assert!(matches!(&err, ConnectorError::Transient { .. }), "{err}");
        assert!(err.is_retryable());
    }
    assert!(conn.check().await.unwrap_err().is_retryable());

    sb.set_faults(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    for err in
        [conn.read("bookings", None).await.unwrap_err(), conn.records_for_event(&event_for(&uid)).await.unwrap_err()]
    {
        assert!(matches!(&err, ConnectorError::RateLimited { .. }), "{err}");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    }

    sb.set_faults(json!({"timeout_rate": 1.0})).await;
    let quick =
        CalcomConnector::new(CalcomSettings { timeout: Duration::from_millis(500), ..sb.settings(20) }).unwrap();
    let err = quick.read("bookings", None).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Transient { detail, .. } if detail.contains("GET /v2/bookings")), "{err}");

    // Once the faults stop, the same calls succeed.
    sb.set_faults(json!({})).await;
    assert_eq!(conn.records_for_event(&event_for(&uid)).await.unwrap().len(), 1);
    assert!(conn.read("bookings", None).await.unwrap().has_more);
}

#[tokio::test]
async fn a_refused_key_is_auth_everywhere() {
    let sb = Sandbox::start().await;
    let wrong = CalcomConnector::new(CalcomSettings { api_key: "cal_live_revoked".into(), ..sb.settings(20) }).unwrap();
    for err in [
        wrong.check().await.unwrap_err(),
        wrong.read("bookings", None).await.unwrap_err(),
        wrong.records_for_event(&event_for("abc123")).await.unwrap_err(),
    ] {
        assert!(matches!(&err, ConnectorError::Auth(m) if m.contains("401")), "{err}");
        assert!(!err.is_retryable());
        assert!(!err.to_string().contains("cal_live_revoked"), "the key never shows: {err}");
    }
}

#[tokio::test]
async fn canned_answers_cover_the_rest() {
    // Malformed JSON, on the list and on a read-back.
    let base = canned_server(vec![CannedResponse::json(200, "{\"status\":\"success\",\"data\":[")]).await.unwrap();
    let err = canned(base.clone()).read("bookings", None).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Invalid(m) if m.contains("malformed JSON") && m.contains("line 1")),
        "{err}"
    );
    assert!(
        canned(base).records_for_event(&event_for("abc")).await.unwrap_err().to_string().contains("malformed JSON")
    );

    // A 429 with only Cal.com's reset header.
    let base = canned_server(vec![
        CannedResponse::json(429, r#"{"message":"ThrottlerException: Too Many Requests"}"#)
            .header("x-ratelimit-reset-default", "12"),
    ])
    .await
    .unwrap();
    let err = canned(base).read("bookings", None).await.unwrap_err();
    assert_eq!((err.class(), err.retry_after()), ("rate_limited", Some(Duration::from_secs(12))));

    // 503 transient, 403 auth, 400 invalid (Cal.com's error body), a 200 wrapping an error.
    for (status, class) in [(503, "transient"), (403, "auth"), (400, "invalid")] {
        let body = json!({"status": "error", "error": {"code": "X", "message": "nope"}}).to_string();
        let base = canned_server(vec![CannedResponse::json(status, body)]).await.unwrap();
        assert_eq!(canned(base).read("bookings", None).await.unwrap_err().class(), class, "{status}");
    }
    let base = canned_server(vec![CannedResponse::json(200, r#"{"status":"error","error":{"message":"bad filter"}}"#)])
        .await
        .unwrap();
    assert!(canned(base).read("bookings", None).await.unwrap_err().to_string().contains("bad filter"));

    // 404s: Cal.com's "no such booking" is no record; someone else's 404 is a configuration error.
    let base = serve_fn(|path| {
        if path.starts_with("/v2/bookings/gone") {
            let body = json!({"status": "error", "timestamp": "2026-11-29T10:00:00.000Z", "path": path,
                "error": {"code": "NotFoundException", "message": "Booking with uid=gone not found",
                          "details": {"message": "Booking with uid=gone not found", "error": "Not Found", "statusCode": 404}}});
            CannedResponse::json(404, body.to_string())
        } else {
            CannedResponse::json(404, "<html>Not Found</html>").header("content-type", "text/html")
        }
    })
    .await
    .unwrap();
    assert!(canned(base.clone()).records_for_event(&event_for("gone")).await.unwrap().is_empty());
    let err = canned(base.clone()).records_for_event(&event_for("elsewhere")).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains("base_url")), "{err}");
    assert_eq!(canned(base).read("bookings", None).await.unwrap_err().class(), "invalid");

    // A list answered out of order is refused rather than skipping bookings.
    let booking = |uid: &str, updated: &str| {
        json!({"uid": uid, "status": "accepted", "start": "2026-12-01T09:00:00Z",
        "end": "2026-12-01T10:00:00Z", "updatedAt": updated, "attendees": []})
    };
    let body = json!({"status": "success", "data": [booking("b1", "2026-11-02T00:00:00Z"), booking("b2", "2026-11-01T00:00:00Z")],
                      "pagination": {"hasNextPage": false}});
    let base = canned_server(vec![CannedResponse::json(200, body.to_string())]).await.unwrap();
    let err = canned(base).read("bookings", None).await.unwrap_err();
    assert!(err.to_string().contains("not sorted"), "{err}");
}

#[tokio::test]
async fn the_query_carries_the_key_the_version_the_sort_and_the_window() {
    use axum::{
        Router,
        http::{HeaderMap, Uri},
    };
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String, String)>::new()));
    let log = seen.clone();
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let log = log.clone();
        async move {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            log.lock().unwrap().push((uri.to_string(), header("authorization"), header("cal-api-version")));
            let data = json!([{"uid": "b1", "status": "accepted", "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T10:00:00Z",
                               "updatedAt": "2026-11-20T10:00:00.123Z", "attendees": []}]);
            axum::Json(json!({"status": "success", "data": data, "pagination": {"hasNextPage": false}}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let conn = canned(base);
    let first = conn.read("bookings", None).await.unwrap();
    assert_eq!(first.records.len(), 1);
    let second = conn.read("bookings", first.next_cursor.as_ref()).await.unwrap();
    assert!(second.records.is_empty(), "the same version is not emitted twice");
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls[0].0, "/v2/bookings?take=100&sortUpdatedAt=asc");
    assert_eq!(calls[1].0, "/v2/bookings?take=100&sortUpdatedAt=asc&afterUpdatedAt=2026-11-20T09%3A59%3A00.123Z");
    for (_, authorization, version) in &calls {
        assert_eq!((authorization.as_str(), version.as_str()), ("Bearer cal_test_k", "2024-08-13"));
    }
}
