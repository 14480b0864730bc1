//! The connector end to end: a local file, a URL served on 127.0.0.1:0 (redirects, a share's
//! Content-Disposition, failures), `last_problems`, `check`, `write`, and the SDK's kit.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{Router, body::Body, http::Uri, response::Response};
use hub_connector_sdk::{CanonicalChange, ChangeOp, Connector, ConnectorError, EntityKind, SyncMode, testkit};

use super::{fixtures, programme};
use crate::{Source, SpreadsheetConnector, SpreadsheetSettings};

const GOOD: &str = "05/12/2026;14:00;17:00;Repair café;atelier;Fablab;Camille;12;";
const BAD: &str = "32/13/2026;14:00;;Fantôme;atelier;;;;";

fn connector(source: &str) -> SpreadsheetConnector {
    SpreadsheetConnector::new(SpreadsheetSettings::new("test", Source::parse(source))).unwrap()
}

/// A file in the temp dir, unique to this process and `name`.
fn temp_file(name: &str, bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("hub-spreadsheet-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// Serves `answer(path, n)` (n: the request's rank) on 127.0.0.1:0; returns the base URL.
async fn serve(answer: impl Fn(&str, usize) -> Answer + Send + Sync + 'static) -> String {
    let (answer, count) = (Arc::new(answer), Arc::new(AtomicUsize::new(0)));
    let app = Router::new().fallback(move |uri: Uri| {
        let (answer, n) = (Arc::clone(&answer), count.fetch_add(1, Ordering::SeqCst));
        async move {
            let (status, headers, body) = answer(uri.path(), n);
            let mut response = Response::builder().status(status);
            for (k, v) in headers {
                response = response.header(k, v);
            }
            response.body(Body::from(body)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}")
}

#[tokio::test]
async fn reads_a_local_file_and_keeps_its_problems() {
    let path = temp_file("programme.csv", &programme(&[GOOD, BAD]));
    let conn = connector(&path);
    assert_eq!(conn.kind(), "spreadsheet");
    let streams = conn.streams();
    assert_eq!(
        (streams[0].name.as_str(), streams[0].entity, streams[0].sync_mode),
        ("events", EntityKind::Event, SyncMode::FullRefresh)
    );
    let page = conn.read("events", None).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert!(page.next_cursor.is_some() && !page.has_more);
    let problems = conn.last_problems();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0]
            .to_string()
            .starts_with(&format!("sheet \"hub-spreadsheet-{}-programme.csv\", row 3", std::process::id()))
    );

    let report = conn.check().await.unwrap();
    assert!(report.ok && report.detail.contains("1 events, 1 rows skipped"), "{}", report.detail);

    std::fs::write(&path, programme(&[GOOD])).unwrap();
    let again = conn.read("events", page.next_cursor.as_ref()).await.unwrap();
    assert_eq!(again.records, page.records);
    assert!(conn.last_problems().is_empty());
    std::fs::remove_file(&path).ok();
}

#[tokio::test]
async fn a_missing_file_is_transient_and_other_streams_unsupported() {
    let conn = connector("/nonexistent/hub/programme.ods");
    let err = conn.read("events", None).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(matches!(conn.read("bookings", None).await, Err(ConnectorError::Unsupported(_))));
    let change = CanonicalChange {
        entity_kind: EntityKind::Event,
        entity_id: uuid::Uuid::nil(),
        op: ChangeOp::Created,
        fields: serde_json::json!({}),
        external_id: None,
        first_attempt: false,
    };
    assert!(matches!(conn.write(&change).await, Err(ConnectorError::Unsupported(m)) if m.contains("read-only")));
}

#[tokio::test]
async fn bad_settings_are_refused_at_build() {
    let mut s = SpreadsheetSettings::new("bad", Source::parse("programme.csv"));
    s.headers.date = String::new();
    let err = SpreadsheetConnector::new(s).unwrap_err();
    assert_eq!(err, ConnectorError::Invalid("spreadsheet connector `bad`: headers.date: must name a column".into()));
}

#[tokio::test]
async fn follows_a_published_sheet_redirect_to_an_xlsx() {
    let book = fixtures::xlsx(&[("Décembre", fixtures::programme())]);
    let base = serve(move |path, _| match path {
        "/spreadsheets/pub" => (307, vec![("location", "/files/export".into())], Vec::new()),
        "/files/export" => (
            200,
            vec![("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into())],
            book.clone(),
        ),
        _ => (404, vec![], b"not found".to_vec()),
    })
    .await;
    let conn = connector(&format!("{base}/spreadsheets/pub?output=xlsx"));
    let page = conn.read("events", None).await.unwrap();
    assert_eq!(page.records.len(), 3);
    assert_eq!(page.records[0].data["sheet"], "Décembre");
    assert_eq!(conn.last_problems().len(), 1);
}

#[tokio::test]
async fn a_share_link_names_its_csv_and_its_token_stays_out_of_errors() {
    let csv = programme(&[GOOD]);
    let base = serve(move |path, n| match (path, n) {
        ("/s/SeCrEt/download", 0) => {
            (200, vec![("content-disposition", "attachment; filename=\"Programme.csv\"".into())], csv.clone())
        }
        _ => (500, vec![], b"oops".to_vec()),
    })
    .await;
    let conn = connector(&format!("{base}/s/SeCrEt/download"));
    let page = conn.read("events", None).await.unwrap();
    assert_eq!(page.records[0].data["sheet"], "Programme.csv");
    // The second request fails: an error, never deletions.
    let err = conn.read("events", page.next_cursor.as_ref()).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(!err.to_string().contains("SeCrEt"), "{err}");
    assert!(!format!("{conn:?}").contains("SeCrEt"));
}

#[tokio::test]
async fn an_empty_or_html_answer_cancels_nothing() {
    let csv = programme(&[GOOD]);
    let base = serve(move |_, n| match n {
        0 => (200, vec![("content-type", "text/csv".into())], csv.clone()),
        1 => (200, vec![("content-type", "text/csv".into())], Vec::new()),
        _ => (200, vec![("content-type", "text/html".into())], b"<!DOCTYPE html><html>Nextcloud</html>".to_vec()),
    })
    .await;
    let conn = connector(&format!("{base}/programme.csv"));
    let page = conn.read("events", None).await.unwrap();
    let empty = conn.read("events", page.next_cursor.as_ref()).await.unwrap_err();
    assert!(matches!(&empty, ConnectorError::Invalid(m) if m.contains("has no data rows")), "{empty}");
    let html = conn.read("events", page.next_cursor.as_ref()).await.unwrap_err();
    assert!(matches!(&html, ConnectorError::Invalid(m) if m.contains("web page")), "{html}");
}

#[tokio::test]
async fn redirects_are_bounded_and_never_downgrade() {
    let base = serve(|path, _| match path {
        "/loop" => (302, vec![("location", "/loop".into())], Vec::new()),
        _ => (302, vec![("location", "ftp://example.org/x.csv".into())], Vec::new()),
    })
    .await;
    let err = connector(&format!("{base}/loop")).read("events", None).await.unwrap_err();
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    let err = connector(&format!("{base}/ftp")).read("events", None).await.unwrap_err();
    assert!(err.to_string().contains("is not followed"), "{err}");
}

#[tokio::test]
async fn passes_the_sdk_compliance_kit() {
    let build = |base: String| -> Box<dyn Connector> { Box::new(connector(&format!("{base}/programme.csv"))) };
    testkit::maps_http_errors(build, "events").await.unwrap();
    let csv = String::from_utf8(programme(&[GOOD, GOOD])).unwrap();
    let base = testkit::canned_server(vec![testkit::CannedResponse::json(200, csv).header("content-type", "text/csv")])
        .await
        .unwrap();
    let conn = build(base);
    assert_eq!(testkit::pagination_ends(conn.as_ref(), "events", 3).await.unwrap(), 2);
}
