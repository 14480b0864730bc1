//! Webhooks: registered through `POST /api/resource/Webhook`, delivered to a local receiver,
//! signed `X-Frappe-Webhook-Signature: base64(HMAC-SHA256(secret, raw body))` — verified here with
//! an independent HMAC — against the vendor vector and the webhook examples; duplicates on demand.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post};
use base64::Engine;
use common::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

type Received = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;

/// Independent implementation of Frappe's signature (NOTES §5).
fn frappe_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    async fn hook(State(got): State<Received>, uri: axum::http::Uri, headers: HeaderMap, body: Bytes) -> &'static str {
        got.lock().unwrap().push((uri.path().to_string(), headers, String::from_utf8(body.to_vec()).unwrap()));
        "ok"
    }
    let app = axum::Router::new().route("/{*path}", post(hook)).with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, got)
}

/// Waits until `n` deliveries reached `path` (generous deadline; no timing is asserted).
async fn wait_for(got: &Received, path: &str, n: usize) -> Vec<(HeaderMap, String)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let hits: Vec<(HeaderMap, String)> =
            got.lock().unwrap().iter().filter(|h| h.0 == path).map(|h| (h.1.clone(), h.2.clone())).collect();
        if hits.len() >= n {
            return hits;
        }
        assert!(Instant::now() < deadline, "no {n} deliveries to {path}: {hits:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Top-level keys of a flat JSON object text, in order.
fn key_order(text: &str) -> Vec<String> {
    text.split("\": ").filter_map(|part| part.rsplit_once('"').map(|(_, k)| k.to_string())).collect()
}

fn check_file() -> (String, String, String) {
    let text = read_spec("examples/webhook_signature_check.CONSTRUCTED.txt");
    let field = |name: &str| {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap();
        line.split_once('=').unwrap().1.trim().to_string()
    };
    let expected = field("expected");
    let expected = expected.rsplit(" = ").next().unwrap().to_string();
    (field("secret"), field("raw_body"), expected)
}

#[test]
fn signature_vectors() {
    // The research vector over the Quotation example body.
    let vector = spec_json("webhook-signature-test-vector.json");
    let body = read_spec("examples/webhook.Quotation.on_update.body.docs.json");
    let body = body.strip_suffix('\n').unwrap_or(&body);
    assert_eq!(body.len() as u64, vector["body_length_bytes"].as_u64().unwrap());
    let secret = vector["secret"].as_str().unwrap();
    let expected = vector["X-Frappe-Webhook-Signature"].as_str().unwrap();
    assert_eq!(frappe_signature(secret, body.as_bytes()), expected);
    assert_eq!(hub_sandbox_dokos::webhook_signature(secret, body.as_bytes()), expected);
    // The httpbin echo shows the same bytes as sent (`data`) and their Content-Length.
    let echo = spec_json("examples/webhook_httpbin_echo.VERBATIM.json");
    assert_eq!(echo["data"].as_str().unwrap(), body);
    assert_eq!(echo["headers"]["Content-Length"].as_str().unwrap(), body.len().to_string());
    // The constructed check and the on_submit example.
    let (secret, raw, expected) = check_file();
    assert_eq!(hub_sandbox_dokos::webhook_signature(&secret, raw.as_bytes()), expected);
    let ex = spec_json("examples/webhook_sales_invoice_on_submit.CONSTRUCTED.json");
    let req = &ex["http_request"];
    assert_eq!(req["raw_body"].as_str().unwrap(), raw);
    assert_eq!(
        hub_sandbox_dokos::webhook_signature(&secret, raw.as_bytes()),
        req["headers"]["X-Frappe-Webhook-Signature"].as_str().unwrap()
    );
}

#[tokio::test]
async fn sales_invoice_on_submit_as_the_example_then_payment() {
    let sb = start(true).await;
    let c = client(&sb);
    let (base, got) = receiver().await;
    let ex = spec_json("examples/webhook_sales_invoice_on_submit.CONSTRUCTED.json");
    let (secret, raw_example, _) = check_file();
    let (status, hook) = send(c.post(url(&sb, "/api/resource/Webhook")).json(&json!({
        "webhook_doctype": "Sales Invoice", "webhook_docevent": "on_submit",
        "request_url": format!("{base}/submit"), "request_structure": "JSON",
        "enable_security": 1, "webhook_secret": secret,
        "webhook_headers": [{"key": "Content-Type", "value": "application/json"}],
        "webhook_json": ex["webhook_json_template"],
    })))
    .await;
    assert_eq!(status, 200, "{hook}");
    assert!(hook["data"]["webhook_secret"].as_str().unwrap().chars().all(|c| c == '*'), "password hidden");
    let (status, _) = send(c.post(url(&sb, "/api/resource/Webhook")).json(&json!({
        "webhook_doctype": "Sales Invoice", "webhook_docevent": "on_update_after_submit",
        "request_url": format!("{base}/paid"), "condition": "doc.status == \"Paid\"",
        "webhook_data": [{"fieldname": "name", "key": "id"}, {"fieldname": "status", "key": "status"}],
    })))
    .await;
    assert_eq!(status, 200);
    let (_, inv) = send(c.post(url(&sb, "/api/resource/Sales%20Invoice")).json(&json!({
        "customer": "CUST-2025-00012", "items": [{"item_code": "Salle Hypatia", "qty": 2, "rate": 15}]
    })))
    .await;
    let name = inv["data"]["name"].as_str().unwrap().to_string();
    let path = format!("/api/resource/Sales%20Invoice/{name}");
    let (status, _) = send(c.put(url(&sb, &path)).json(&json!({"docstatus": 1}))).await;
    assert_eq!(status, 200);
    let hits = wait_for(&got, "/submit", 1).await;
    let (headers, body) = &hits[0];
    let sig = headers["x-frappe-webhook-signature"].to_str().unwrap();
    assert_eq!(sig, frappe_signature(&secret, body.as_bytes()));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(key_order(body), key_order(&raw_example), "{body}");
    assert!(body.contains("\", \"") && !body.contains("\":\""), "Python separators: {body}");
    let sent: Value = serde_json::from_str(body).unwrap();
    let example: Value = serde_json::from_str(&raw_example).unwrap();
    for (k, v) in example.as_object().unwrap() {
        assert_eq!(std::mem::discriminant(&sent[k]), std::mem::discriminant(v), "{k}");
    }
    assert_eq!((sent["name"].as_str(), sent["event"].as_str()), (Some(name.as_str()), Some("on_submit")));
    assert_eq!((sent["customer"].clone(), sent["grand_total"].clone()), (json!("CUST-2025-00012"), json!(30.0)));
    assert_eq!(sent["status"], "Unpaid");
    // Staff record the payment: status Paid, the conditional hook fires.
    let (status, paid) =
        send(reqwest::Client::new().post(url(&sb, "/_sandbox/payments")).json(&json!({"invoice": name}))).await;
    assert_eq!((status, paid["data"]["status"].clone()), (200, json!("Paid")));
    let hits = wait_for(&got, "/paid", 1).await;
    assert_eq!(hits[0].1, format!("{{\"id\": \"{name}\", \"status\": \"Paid\"}}"));
    assert!(hits[0].0.get("x-frappe-webhook-signature").is_none(), "security off: unsigned");
    let (_, read) = send(c.get(url(&sb, &path))).await;
    assert_eq!(
        (read["data"]["outstanding_amount"].clone(), read["data"]["status"].clone()),
        (json!(0.0), json!("Paid"))
    );
}

#[tokio::test]
async fn whole_document_body_without_content_type_and_duplicates() {
    let sb = start(false).await;
    let c = client(&sb);
    let (base, got) = receiver().await;
    let secret = "un-secret-de-test";
    for (doctype, event, path) in [("Customer", "after_insert", "/customer"), ("Event", "after_insert", "/event")] {
        let (status, _) = send(c.post(url(&sb, "/api/resource/Webhook")).json(&json!({
            "webhook_doctype": doctype, "webhook_docevent": event, "request_url": format!("{base}{path}"),
            "enable_security": 1, "webhook_secret": secret,
        })))
        .await;
        assert_eq!(status, 200);
    }
    let (_, cust) =
        send(c.post(url(&sb, "/api/resource/Customer")).json(&json!({"customer_name": "Hélène Dubois"}))).await;
    let hits = wait_for(&got, "/customer", 1).await;
    let (headers, body) = &hits[0];
    // As the httpbin echo shows: no Content-Type unless configured; Content-Length = body bytes.
    assert!(headers.get("content-type").is_none());
    assert_eq!(headers["content-length"].to_str().unwrap(), body.len().to_string());
    assert_eq!(headers["x-frappe-webhook-signature"].to_str().unwrap(), frappe_signature(secret, body.as_bytes()));
    assert!(body.is_ascii() && body.contains("H\\u00e9l\\u00e8ne"), "ensure_ascii: {body}");
    let doc: Value = serde_json::from_str(body).unwrap();
    assert_eq!(doc["name"], cust["data"]["name"]);
    assert_doc("Customer", &doc);
    let echo = spec_json("examples/webhook_httpbin_echo.VERBATIM.json");
    for k in echo["json"]["lineItems"][0].as_object().unwrap().keys() {
        if ["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "doctype"].contains(&k.as_str())
        {
            assert!(doc.get(k).is_some(), "{k}");
        }
    }
    // Duplicates on demand.
    let (status, _) = send(c.put(url(&sb, "/_sandbox/faults")).json(&json!({"duplicate_webhook_rate": 1.0}))).await;
    assert_eq!(status, 200);
    let (status, _) = send(reqwest::Client::new().post(url(&sb, "/_sandbox/docs/Event")).json(&json!({
        "subject": "Soirée jeux", "starts_on": "2026-12-12 19:00:00", "event_type": "Public"
    })))
    .await;
    assert_eq!(status, 200);
    let hits = wait_for(&got, "/event", 2).await;
    assert_eq!(hits[0].1, hits[1].1);
    for (headers, body) in &hits {
        assert_eq!(headers["x-frappe-webhook-signature"].to_str().unwrap(), frappe_signature(secret, body.as_bytes()));
    }
    // The log entry is written once the receiver answered: poll for it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let log: Value = reqwest::get(url(&sb, "/_sandbox/webhooks")).await.unwrap().json().await.unwrap();
        let events: Vec<Value> =
            log.as_array().unwrap().iter().filter(|e| e["event"] == "Event:after_insert").cloned().collect();
        if events.len() >= 2 || Instant::now() > deadline {
            break events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(events.len(), 2);
    assert!(events.iter().any(|e| e["duplicate"] == true));
    assert!(events.iter().all(|e| e["status"] == 200));
}
