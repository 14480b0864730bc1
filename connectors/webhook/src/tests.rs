//! Tests of the generic webhook connector: decoding, signature checks, error messages.

use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderValue};

use super::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn settings() -> WebhookSettings {
    WebhookSettings::new("members_form", vec![WebhookSecret::parse(SECRET).unwrap()], "members", EntityKind::Person)
}

fn connector() -> WebhookConnector {
    WebhookConnector::new(settings())
}

fn signed(body: &str) -> HeaderMap {
    let ts = Utc::now().timestamp();
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let mut h = HeaderMap::new();
    h.insert("webhook-id", HeaderValue::from_static("msg_1"));
    h.insert("webhook-timestamp", HeaderValue::from_str(&ts.to_string()).unwrap());
    h.insert(
        "webhook-signature",
        HeaderValue::from_str(&standard_webhooks::sign(&secret, "msg_1", ts, body.as_bytes())).unwrap(),
    );
    h
}

fn request<'a>(headers: &'a HeaderMap, body: &'a str) -> WebhookRequest<'a> {
    WebhookRequest { headers, body: body.as_bytes(), remote_addr: None, received_at: Utc::now() }
}

#[test]
fn signed_event_decodes_into_one_record() {
    let body =
        r#"{"type":"member.updated","timestamp":"2026-11-03T20:26:10.344522Z","data":{"id":42,"email":"a@b.org"}}"#;
    let h = signed(body);
    let c = connector();
    c.verify(&request(&h, body)).unwrap();
    let ev = c.decode(&request(&h, body)).unwrap();
    assert_eq!(ev.event_id, "msg_1");
    assert_eq!(ev.event_type, "member.updated");
    assert_eq!(ev.records.len(), 1);
    let r = &ev.records[0];
    assert_eq!((r.stream.as_str(), r.external_id.as_str(), r.deleted), ("members", "42", false));
    assert_eq!(r.data["email"], "a@b.org");
    assert_eq!(r.updated_at.unwrap().to_rfc3339(), "2026-11-03T20:26:10.344522+00:00");
}

#[test]
fn the_specs_example_payloads_decode() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vendor-specs/standard-webhooks/examples");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipping: {dir} not found");
        return;
    };
    let mut seen = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().contains("vectors") {
            continue;
        }
        let body = std::fs::read_to_string(&path).unwrap();
        let payload: Value = serde_json::from_str(&body).unwrap();
        if payload.pointer("/data/id").is_none() {
            // e.g. example-event.json: `data` has no `id`.
            // Thin or id-less examples: decoding must say what is missing, not panic.
            let err = connector().decode(&request(&signed(&body), &body)).unwrap_err();
            assert!(err.to_string().contains("/data/id"), "{path:?}: {err}");
        } else {
            let ev = connector().decode(&request(&signed(&body), &body)).unwrap();
            assert_eq!(ev.event_type, payload["type"], "{path:?}");
            let r = &ev.records[0];
            assert_eq!((ev.records.len(), &r.data), (1, &payload["data"]), "{path:?}");
            assert_eq!(r.external_id, payload["data"]["id"].as_str().unwrap(), "{path:?}");
            assert_eq!(r.updated_at.unwrap().to_rfc3339(), "2022-11-03T20:26:10.344522+00:00");
        }
        seen += 1;
    }
    assert!(seen >= 2);
}

#[test]
fn forged_signature_is_refused() {
    let body = r#"{"type":"member.updated","data":{"id":"1"}}"#;
    let h = signed(body);
    let forged = body.replace("\"1\"", "\"2\"");
    assert!(matches!(connector().verify(&request(&h, &forged)), Err(ConnectorError::Signature(_))));
}

#[test]
fn malformed_json_and_missing_fields_say_what_is_wrong() {
    let body = r#"{"type": "member.updated", "data": "#;
    let err = connector().decode(&request(&signed(body), body)).unwrap_err().to_string();
    assert!(err.contains("malformed JSON at line 1 column"), "{err}");
    let body = r#"{"data": {"id": "1"}}"#;
    assert!(connector().decode(&request(&signed(body), body)).unwrap_err().to_string().contains("`type`"));
    let body = r#"{"type": "member.deleted", "data": {"id": "9"}}"#;
    assert!(connector().decode(&request(&signed(body), body)).unwrap().records[0].deleted);
}

#[test]
fn malformed_json_message_is_exact() {
    let body = r#"{"type": "x", "data": ]"#;
    let err = connector().decode(&request(&signed(body), body)).unwrap_err();
    assert_eq!(err, ConnectorError::Invalid("malformed JSON at line 1 column 23: expected value".into()));
}

#[test]
fn missing_id_or_record_names_the_pointer() {
    let body = r#"{"type": "member.created", "data": {"name": "Ada"}}"#;
    let err = connector().decode(&request(&signed(body), body)).unwrap_err();
    assert!(matches!(&err, ConnectorError::Invalid(d) if d.contains("`/data/id`")), "{err}");
    let c = WebhookConnector::new(WebhookSettings {
        id_pointer: "/member/ref".into(),
        record_pointer: "/member".into(),
        ..settings()
    });
    let body = r#"{"type": "member.created", "data": {"id": 1}}"#;
    let err = c.decode(&request(&signed(body), body)).unwrap_err().to_string();
    assert!(err.contains("`/member/ref`"), "{err}");
    let c = WebhookConnector::new(WebhookSettings { record_pointer: "/record".into(), ..settings() });
    let err = c.decode(&request(&signed(body), body)).unwrap_err().to_string();
    assert!(err.contains("`/record`"), "{err}");
}

#[test]
fn custom_pointers_numbers_and_timestamps() {
    let c = WebhookConnector::new(WebhookSettings {
        id_pointer: "/member/ref".into(),
        record_pointer: "/member".into(),
        ..settings()
    });
    let body = r#"{"type": "member.created", "member": {"ref": 1234567890123, "name": "Ada"}}"#;
    let ev = c.decode(&request(&signed(body), body)).unwrap();
    let r = &ev.records[0];
    assert_eq!((r.external_id.as_str(), r.updated_at, r.data["name"].as_str()), ("1234567890123", None, Some("Ada")));
    let body = r#"{"type": "member.created", "timestamp": "yesterday", "data": {"id": "1"}}"#;
    let err = connector().decode(&request(&signed(body), body)).unwrap_err().to_string();
    assert!(err.contains("`timestamp` is not an RFC 3339 date"), "{err}");
    let body = r#"{"type": "member.created", "timestamp": "2026-01-05T10:00:00+01:00", "data": {"id": "1"}}"#;
    let at = connector().decode(&request(&signed(body), body)).unwrap().records[0].updated_at.unwrap();
    assert_eq!(at.to_rfc3339(), "2026-01-05T09:00:00+00:00");
}

#[test]
fn wrong_secret_old_timestamp_and_rotation() {
    let body = r#"{"type":"member.updated","data":{"id":"1"}}"#;
    let other = WebhookSecret::from_bytes(b"someone else".to_vec());
    let foreign = standard_webhooks::signed_headers(&other, "msg_9", Utc::now().timestamp(), body.as_bytes());
    assert!(matches!(connector().verify(&request(&foreign, body)), Err(ConnectorError::Signature(_))));
    let rotated = WebhookConnector::new(WebhookSettings {
        secrets: vec![WebhookSecret::parse(SECRET).unwrap(), other.clone()],
        ..settings()
    });
    rotated.verify(&request(&foreign, body)).unwrap();
    let stale = standard_webhooks::signed_headers(
        &WebhookSecret::parse(SECRET).unwrap(),
        "msg_9",
        Utc::now().timestamp() - 301,
        body.as_bytes(),
    );
    let err = connector().verify(&request(&stale, body)).unwrap_err();
    assert!(matches!(&err, ConnectorError::Signature(d) if d.contains("too old")), "{err}");
    assert!(!err.to_string().contains("MfKQ9r8"), "no secret in errors");
}

#[test]
fn the_official_vectors_pass_through_the_connector() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vendor-specs/standard-webhooks/examples/signature-test-vectors.json"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipping: {path} not found (shared/ sits beside the repository)");
        return;
    };
    let vectors: Value = serde_json::from_str(&text).unwrap();
    for v in vectors["valid_vectors"].as_array().unwrap() {
        let secret = WebhookSecret::parse(v["secret"].as_str().unwrap()).unwrap();
        let c = WebhookConnector::new(WebhookSettings { secrets: vec![secret], ..settings() });
        let mut h = HeaderMap::new();
        h.insert("webhook-id", HeaderValue::from_str(v["msg_id"].as_str().unwrap()).unwrap());
        h.insert("webhook-timestamp", HeaderValue::from_str(&v["timestamp"].to_string()).unwrap());
        h.insert("webhook-signature", HeaderValue::from_str(v["expected_signature"].as_str().unwrap()).unwrap());
        let body = v["payload"].as_str().unwrap();
        let at = chrono::DateTime::from_timestamp(v["timestamp"].as_i64().unwrap(), 0).unwrap();
        c.verify(&WebhookRequest { headers: &h, body: body.as_bytes(), remote_addr: None, received_at: at }).unwrap();
        let stranger = WebhookSettings { secrets: vec![WebhookSecret::from_bytes(b"not it".to_vec())], ..settings() };
        let stranger = WebhookConnector::new(stranger);
        assert!(stranger.verify(&WebhookRequest { received_at: at, ..request(&h, body) }).is_err());
    }
}

#[tokio::test]
async fn an_inbound_only_connector() {
    let c = connector();
    assert_eq!(c.kind(), "webhook");
    let report = c.check().await.unwrap();
    assert!(report.ok && report.detail.starts_with("inbound only; nothing to reach"), "{}", report.detail);
    assert_eq!(
        c.streams(),
        vec![StreamInfo { name: "members".into(), entity: EntityKind::Person, sync_mode: SyncMode::FullRefresh }]
    );
    let err = c.read("members", None).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Unsupported(d) if d.contains("webhook connectors only receive")));
    assert!(c.webhook().is_some());
    assert_eq!(settings().problem(), None);
    let bad = WebhookSettings { id_pointer: "data.id".into(), ..settings() };
    assert!(bad.problem().unwrap().starts_with("id_pointer"));
}
