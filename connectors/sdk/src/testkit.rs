//! The compliance kit every connector must pass: pagination ends, the cursor only moves forward,
//! 401 maps to Auth and 429 to RateLimited with its Retry-After. Each check returns
//! `Err(description)` instead of panicking, so a test can `.unwrap()` it and show what failed.
//! [`canned_server`] and [`serve_fn`] answer canned HTTP responses on 127.0.0.1:0 (axum).
//!
//! A connector crate turns the kit on for its tests only:
//!
//! ```toml
//! [dev-dependencies]
//! hub-connector-sdk = { workspace = true, features = ["testkit"] }
//! tokio.workspace = true
//! ```
//!
//! then, in `tests/compliance.rs`, points its connector at a sandbox (or [`serve_fn`]) by base URL:
//!
//! ```ignore
//! use hub_connector_sdk::testkit;
//!
//! fn build(base_url: String) -> Box<dyn hub_connector_sdk::Connector> {
//!     Box::new(MyConnector::new(MySettings { base_url, ..MySettings::for_tests() }))
//! }
//!
//! #[tokio::test]
//! async fn passes_the_compliance_kit() {
//!     let sandbox = my_sandbox::spawn().await; // pages of records, like the vendor
//!     let conn = build(sandbox.base_url());
//!     testkit::pagination_ends(conn.as_ref(), "members", 50).await.unwrap();
//!     testkit::cursor_moves_forward(conn.as_ref(), "members", 50, |a, b| b.0.as_str() > a.0.as_str())
//!         .await
//!         .unwrap();
//!     testkit::maps_http_errors(build, "members").await.unwrap();
//! }
//! ```

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{StatusCode, Uri},
    response::Response,
};
use tokio::net::TcpListener;

use crate::{Connector, ConnectorError, Cursor};

/// Reads `stream` from the start until the connector says there is no more; fails if a cursor
/// repeats, if more is announced without a cursor, or after `max_pages`. Returns the record count.
pub async fn pagination_ends(conn: &dyn Connector, stream: &str, max_pages: usize) -> Result<usize, String> {
    let mut cursor: Option<Cursor> = None;
    let mut seen: Vec<Cursor> = Vec::new();
    let mut records = 0;
    for _ in 0..max_pages {
        let page = conn.read(stream, cursor.as_ref()).await.map_err(|e| format!("read failed: {e}"))?;
        records += page.records.len();
        if !page.has_more {
            return Ok(records);
        }
        let next = page.next_cursor.ok_or("has_more without a next cursor")?;
        if seen.contains(&next) {
            return Err(format!("cursor {:?} came back: pagination loops", next.0));
        }
        seen.push(next.clone());
        cursor = Some(next);
    }
    Err(format!("pagination did not end within {max_pages} pages"))
}

/// Reads every page and checks each cursor is after the previous one (`later(a, b)`: b is after a).
pub async fn cursor_moves_forward(
    conn: &dyn Connector,
    stream: &str,
    max_pages: usize,
    later: impl Fn(&Cursor, &Cursor) -> bool,
) -> Result<(), String> {
    let mut cursor: Option<Cursor> = None;
    for _ in 0..max_pages {
        let page = conn.read(stream, cursor.as_ref()).await.map_err(|e| format!("read failed: {e}"))?;
        if let (Some(prev), Some(next)) = (&cursor, &page.next_cursor)
            && !later(prev, next)
        {
            return Err(format!("cursor went from {:?} to {:?}: not forward", prev.0, next.0));
        }
        if !page.has_more {
            return Ok(());
        }
        cursor = page.next_cursor.or(cursor);
    }
    Err(format!("pagination did not end within {max_pages} pages"))
}

/// A fixed HTTP answer of a test server: status, headers, body (`content-type: application/json`
/// unless a header says otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl CannedResponse {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> CannedResponse {
        CannedResponse { status, headers: Vec::new(), body: body.into() }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> CannedResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut builder = Response::builder().status(status);
        if !self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            builder = builder.header("content-type", "application/json");
        }
        for (k, v) in &self.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        builder.body(Body::from(self.body)).unwrap_or_else(|e| {
            let mut r = Response::new(Body::from(format!("bad canned response: {e}")));
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
    }
}

/// Serves `responses` in turn on 127.0.0.1:0, one per request, the last one repeated; returns
/// the base URL (`http://127.0.0.1:PORT`). The server lives as long as the test's runtime.
pub async fn canned_server(responses: Vec<CannedResponse>) -> std::io::Result<String> {
    if responses.is_empty() {
        return Err(std::io::Error::other("canned_server needs at least one response"));
    }
    let counter = AtomicUsize::new(0);
    serve_fn(move |_| {
        let i = counter.fetch_add(1, Ordering::SeqCst);
        responses[i.min(responses.len() - 1)].clone()
    })
    .await
}

/// Serves on 127.0.0.1:0 (axum), answering each request with `answer(path and query)`, e.g.
/// `answer("/items?after=10")`; returns the base URL.
pub async fn serve_fn<F>(answer: F) -> std::io::Result<String>
where
    F: Fn(&str) -> CannedResponse + Send + Sync + 'static,
{
    let answer = Arc::new(answer);
    let app = Router::new().fallback(move |uri: Uri| {
        let answer = Arc::clone(&answer);
        async move { answer(uri.path_and_query().map_or("/", |p| p.as_str())).into_response() }
    });
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}

/// Builds the connector (`make(base_url)`) against a loopback server answering every request
/// with 401, then against one answering 429 with `Retry-After: 7`, and checks that `read` of
/// `stream` returns Auth, then RateLimited with a retry after of 7 s. (Two servers rather than one
/// answering in turn, so a connector that first fetches a token is judged the same way.)
pub async fn maps_http_errors<F>(make: F, stream: &str) -> Result<(), String>
where
    F: Fn(String) -> Box<dyn Connector>,
{
    let unauthorized = canned_server(vec![CannedResponse::json(401, r#"{"error":"invalid token"}"#)])
        .await
        .map_err(|e| e.to_string())?;
    match make(unauthorized).read(stream, None).await {
        Err(ConnectorError::Auth(_)) => {}
        other => return Err(format!("401 should be Auth, got {other:?}")),
    }
    let limited = canned_server(vec![CannedResponse::json(429, "{}").header("retry-after", "7")])
        .await
        .map_err(|e| e.to_string())?;
    match make(limited).read(stream, None).await {
        Err(ConnectorError::RateLimited { retry_after: Some(d), .. }) if d == Duration::from_secs(7) => Ok(()),
        other => Err(format!("429 with Retry-After: 7 should be RateLimited(7s), got {other:?}")),
    }
}
