//! `POST /hooks/{instance}`: verify, store in the inbox with its job, answer 202. Nothing else runs
//! on the request path. Repeats of a vendor event id are 200 and enqueue nothing; a bad signature
//! is 401 and stores nothing; too large is 413; unknown instance 404; malformed body 400.

use std::net::{IpAddr, SocketAddr};

use axum::{
    Json,
    body::Bytes,
    extract::{ConnectInfo, Path, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
};
use chrono::Utc;
use hub_connector_sdk::{ConnectorError, WebhookRequest};
use serde_json::{Value, json};

use super::AppState;
use crate::{error::ApiError, queue::JobSpec, store::InboxInsert};

pub async fn receive(
    State(state): State<AppState>,
    Path(instance): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let result = handle(&state, &instance, peer, &headers, body).await;
    let outcome = match &result {
        Ok((status, _)) => status.as_u16().to_string(),
        Err(e) => e.status.as_u16().to_string(),
    };
    metrics::counter!("hub_webhooks_received_total", "instance" => instance, "status" => outcome).increment(1);
    result
}

async fn handle(
    state: &AppState,
    instance: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let conn = state
        .registry
        .get(instance)
        .filter(|i| i.enabled)
        .ok_or_else(|| ApiError::not_found(format!("no connector instance `{instance}` receives webhooks here")))?;
    let decoder = conn
        .connector
        .webhook()
        .ok_or_else(|| ApiError::not_found(format!("connector instance `{instance}` does not receive webhooks")))?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(state.body_limit)
        } else {
            ApiError::bad_request(format!("could not read the body: {e}"))
        }
    })?;
    let request = WebhookRequest {
        headers,
        body: &body,
        remote_addr: client_addr(Some(peer.ip()), headers, &state.trusted_proxies),
        received_at: Utc::now(),
    };
    decoder.verify(&request).map_err(|e| {
        tracing::warn!(instance, error = %e, "webhook refused");
        ApiError::unauthorized(e.to_string())
    })?;
    let event = decoder.decode(&request).map_err(|e| match e {
        ConnectorError::Signature(d) => ApiError::unauthorized(d),
        other => ApiError::bad_request(other.to_string()),
    })?;
    let event_json = serde_json::to_value(&event).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let max_attempts = state.queue.max_attempts();
    let inserted = state
        .store
        .intake(instance, &event.event_id, &event.event_type, &body, &event_json, |inbox_id| {
            JobSpec::ProcessInbound { inbox_id }.to_new_job(max_attempts, None)
        })
        .await?;
    match inserted {
        InboxInsert::New(id) => {
            state.queue.notify();
            Ok((StatusCode::ACCEPTED, Json(json!({"status": "accepted", "inbox_id": id, "event_id": event.event_id}))))
        }
        InboxInsert::Duplicate => {
            Ok((StatusCode::OK, Json(json!({"status": "duplicate", "event_id": event.event_id}))))
        }
    }
}

/// The client's address: the TCP peer, or — when the peer is a trusted proxy — the address that
/// proxy appended to `X-Forwarded-For`: the last entry of the last header line (a client can send
/// its own `X-Forwarded-For` lines; only the proxy's own entry is believed). A trusted proxy that
/// sends no usable header gives `None` (the proxy's own address is not the client's). Addresses
/// are compared in canonical form (`::ffff:a.b.c.d` is `a.b.c.d`).
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.iter().any(|t| t.to_canonical() == peer) {
        return Some(peer);
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use axum::http::{HeaderMap, HeaderValue};

    use super::client_addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_the_trusted_proxys_own_entry_is_believed() {
        let proxy = ip("10.0.0.2");
        let mut h = HeaderMap::new();
        assert_eq!(client_addr(Some(ip("203.0.113.9")), &h, &[proxy]), Some(ip("203.0.113.9")), "not a proxy");
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), None, "a trusted proxy without the header");
        // The client forged a line; the proxy appended its own line (HAProxy) or entry (nginx).
        h.append("x-forwarded-for", HeaderValue::from_static("51.138.206.200"));
        h.append("x-forwarded-for", HeaderValue::from_static("198.51.100.7"));
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), Some(ip("198.51.100.7")));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("51.138.206.200, 198.51.100.7"));
        assert_eq!(
            client_addr(Some(ip("::ffff:10.0.0.2")), &h, &[proxy]),
            Some(ip("198.51.100.7")),
            "mapped IPv6 peer"
        );
        // Forged headers from an untrusted peer are ignored.
        assert_eq!(client_addr(Some(ip("192.0.2.1")), &h, &[proxy]), Some(ip("192.0.2.1")));
    }
}
