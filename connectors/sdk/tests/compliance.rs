//! The compliance kit run against a reference connector built only from the SDK (HttpClient,
//! pagination, error classification): a JSON API serving `GET /items?after=N` pages. It shows a
//! connector author how to use the kit, and proves the kit catches what it should.

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, SourceRecord, StreamInfo,
    SyncMode, WriteOutcome,
    http::{HttpClient, HttpSettings, RateLimit},
    testkit::{self, CannedResponse},
};
use serde_json::{Value, json};

struct ItemsApi {
    http: HttpClient,
}

#[async_trait]
impl Connector for ItemsApi {
    fn kind(&self) -> &'static str {
        "items"
    }
    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        Ok(CheckReport { ok: true, detail: "reference".into() })
    }
    fn streams(&self) -> Vec<StreamInfo> {
        vec![StreamInfo { name: "items".into(), entity: EntityKind::Asset, sync_mode: SyncMode::Incremental }]
    }
    async fn read(&self, _stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let after = cursor.and_then(|c| c.0.as_u64()).unwrap_or(0);
        let body: Value = self.http.json(self.http.get(&format!("items?after={after}"))).await?;
        let records = body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|item| SourceRecord {
                stream: "items".into(),
                external_id: item["id"].to_string(),
                updated_at: None,
                deleted: false,
                data: item,
            })
            .collect();
        let next = body["next"].as_u64();
        Ok(Page { records, next_cursor: next.map(|n| Cursor(json!(n))), has_more: next.is_some(), total_pages: None })
    }
    async fn write(&self, _: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        Err(ConnectorError::Unsupported("read only".into()))
    }
}

fn connector(base: String) -> Box<dyn Connector> {
    Box::new(ItemsApi { http: HttpClient::new(&HttpSettings::new(base)).unwrap() })
}

/// Pages of 10 items up to `total`; `looping` makes page 3 point back to page 2.
async fn items_server(total: u64, looping: bool) -> String {
    testkit::serve_fn(move |line| {
        let after: u64 = line.split("after=").nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let items: Vec<Value> = (after..(after + 10).min(total)).map(|i| json!({"id": i + 1})).collect();
        let next = if looping && after == 20 { Some(10) } else { (after + 10 < total).then_some(after + 10) };
        CannedResponse::json(200, json!({"items": items, "next": next}).to_string())
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_reference_connector_passes_the_kit() {
    let base = items_server(45, false).await;
    let conn = connector(base);
    assert_eq!(testkit::pagination_ends(conn.as_ref(), "items", 20).await.unwrap(), 45);
    testkit::cursor_moves_forward(conn.as_ref(), "items", 20, |a, b| b.0.as_u64() > a.0.as_u64()).await.unwrap();
    testkit::maps_http_errors(connector, "items").await.unwrap();
}

#[tokio::test]
async fn the_kit_catches_a_looping_pagination() {
    let conn = connector(items_server(45, true).await);
    let err = testkit::pagination_ends(conn.as_ref(), "items", 20).await.unwrap_err();
    assert!(err.contains("loops"), "{err}");
    let err = testkit::cursor_moves_forward(conn.as_ref(), "items", 20, |a, b| b.0.as_u64() > a.0.as_u64())
        .await
        .unwrap_err();
    assert!(err.contains("not forward"), "{err}");
}

#[tokio::test]
async fn server_errors_are_transient_and_bad_requests_invalid() {
    let base = testkit::canned_server(vec![
        CannedResponse::json(503, "{}").header("retry-after", "3"),
        CannedResponse::json(422, r#"{"error":"bad field"}"#),
        CannedResponse::json(200, "{not json"),
    ])
    .await
    .unwrap();
    let conn = connector(base);
    match conn.read("items", None).await {
        Err(e @ ConnectorError::Transient { .. }) => {
            assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(3)))
        }
        other => panic!("503 should be transient: {other:?}"),
    }
    match conn.read("items", None).await {
        Err(ConnectorError::Invalid(d)) => assert!(d.contains("422") && d.contains("bad field"), "{d}"),
        other => panic!("422 should be invalid: {other:?}"),
    }
    match conn.read("items", None).await {
        Err(ConnectorError::Invalid(d)) => assert!(d.starts_with("unexpected JSON at line 1 column 2: "), "{d}"),
        other => panic!("a broken body should be invalid: {other:?}"),
    }
}

#[tokio::test]
async fn forbidden_redirects_dates_and_long_bodies() {
    let in_90s = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822().replace("+0000", "GMT");
    let base = testkit::canned_server(vec![
        CannedResponse::json(403, "{}"),
        CannedResponse::json(302, "").header("location", "http://169.254.169.254/"),
        CannedResponse::json(429, "{}").header("retry-after", &in_90s),
        CannedResponse::json(400, "x".repeat(1000)).header("x-echo", "token-abc"),
        CannedResponse::json(500, "{}"),
    ])
    .await
    .unwrap();
    let conn = connector(base);
    assert!(matches!(conn.read("items", None).await, Err(ConnectorError::Auth(_))));
    match conn.read("items", None).await {
        Err(ConnectorError::Invalid(d)) => assert!(d.contains("302") && d.contains("redirects"), "{d}"),
        other => panic!("a redirect is not followed: {other:?}"),
    }
    match conn.read("items", None).await {
        Err(ConnectorError::RateLimited { retry_after: Some(d), .. }) => assert!((85..=90).contains(&d.as_secs())),
        other => panic!("429 with an HTTP date: {other:?}"),
    }
    match conn.read("items", None).await {
        Err(ConnectorError::Invalid(d)) => {
            assert!(d.chars().filter(|c| *c == 'x').count() == 300 && !d.contains("token-abc"), "{d}")
        }
        other => panic!("400 is invalid: {other:?}"),
    }
    let err = conn.read("items", None).await.unwrap_err();
    assert!(err.is_retryable() && err.retry_after().is_none(), "{err:?}");
}

#[tokio::test]
async fn network_failures_are_transient_and_never_show_the_query() {
    // A port nothing listens on: bind one, learn its number, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let http = HttpClient::new(&HttpSettings::new(format!("http://127.0.0.1:{port}"))).unwrap();
    let err = http.send(http.get("items?access_token=s3cr3t")).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("could not connect") && !text.contains("s3cr3t"), "{text}");
}

#[tokio::test]
async fn a_rate_limited_client_still_sends() {
    let base = testkit::canned_server(vec![CannedResponse::json(200, r#"{"items":[],"next":null}"#)]).await.unwrap();
    let settings =
        HttpSettings::new(base).with_rate_limit(RateLimit::PerSecond(std::num::NonZeroU32::new(50).unwrap()));
    let conn: Box<dyn Connector> = Box::new(ItemsApi { http: HttpClient::new(&settings).unwrap() });
    for _ in 0..3 {
        assert!(conn.read("items", None).await.unwrap().records.is_empty());
    }
}
