//! The compliance kit every connector must pass (use it from the connector crate's tests):
//! pagination ends, the cursor only moves forward, 401 maps to Auth and 429 to RateLimited with
//! its Retry-After. Each check returns `Err(description)` instead of panicking, so a test can
//! `.unwrap()` it and show what failed. `canned_server` answers fixed HTTP responses on loopback.

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

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

/// Serves `responses` (raw HTTP/1.1 responses, one per connection, the last one repeated) on
/// 127.0.0.1:0; returns the base URL.
pub async fn canned_server(responses: Vec<String>) -> std::io::Result<String> {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    serve_fn(move |_| {
        let i = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        responses[i.min(responses.len() - 1)].clone()
    })
    .await
}

/// Serves on 127.0.0.1:0 with `answer(request line)` → raw HTTP response, one per connection.
pub async fn serve_fn<F>(answer: F) -> std::io::Result<String>
where
    F: Fn(&str) -> String + Send + Sync + 'static,
{
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 16 * 1024];
            let mut read = 0;
            while read < buf.len() {
                match tokio::time::timeout(Duration::from_secs(2), sock.read(&mut buf[read..])).await {
                    Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => {
                        read += n;
                        if buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                }
            }
            let head = String::from_utf8_lossy(&buf[..read]);
            let resp = answer(head.lines().next().unwrap_or_default());
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    Ok(format!("http://{addr}"))
}

/// A raw HTTP response with a JSON body.
pub fn http_response(status: u16, reason: &str, extra_headers: &[(&str, &str)], body: &str) -> String {
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    format!("{head}\r\n{body}")
}

/// Builds the connector against a server that answers 401, then one that answers 429 with
/// `Retry-After: 7`, and checks `read` classifies them as Auth and RateLimited(7 s).
pub async fn maps_http_errors<F>(make: F, stream: &str) -> Result<(), String>
where
    F: Fn(String) -> Box<dyn Connector>,
{
    let unauthorized = canned_server(vec![http_response(401, "Unauthorized", &[], r#"{"error":"invalid token"}"#)])
        .await
        .map_err(|e| e.to_string())?;
    match make(unauthorized).read(stream, None).await {
        Err(ConnectorError::Auth(_)) => {}
        other => return Err(format!("401 should be Auth, got {other:?}")),
    }
    let limited = canned_server(vec![http_response(429, "Too Many Requests", &[("retry-after", "7")], "{}")])
        .await
        .map_err(|e| e.to_string())?;
    match make(limited).read(stream, None).await {
        Err(ConnectorError::RateLimited { retry_after: Some(d), .. }) if d == Duration::from_secs(7) => Ok(()),
        other => Err(format!("429 with Retry-After: 7 should be RateLimited(7s), got {other:?}")),
    }
}
