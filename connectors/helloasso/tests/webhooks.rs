//! Notification verification and decoding, on HelloAsso's own examples (no network).

use std::net::IpAddr;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use hub_connector_helloasso::{HelloAssoConnector, HelloAssoSettings, default_allowed_sources};
use hub_connector_sdk::{Connector, ConnectorError, WebhookRequest};
use reqwest::header::{HeaderMap, HeaderValue};
use sha2::Sha256;

const KEY: &str = "AyCM0yTeQd8In2OzdP3R2HGTrYiCA818UCFLhrD9BCnNhTriWLipxEDpsaTbdfec";

fn connector(signature_key: Option<&str>) -> HelloAssoConnector {
    let mut settings =
        HelloAssoSettings::new("ha", "https://api.helloasso.com", "client", "secret", "tiers-lieu-la-fabrique");
    settings.signature_key = signature_key.map(str::to_string);
    settings.allowed_sources = vec!["51.138.206.200/32".parse().unwrap(), "2001:db8::/32".parse().unwrap()];
    HelloAssoConnector::new(settings).unwrap()
}

/// HMAC-SHA256 of the body, lowercase hex, computed here independently of the connector.
fn signature(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn headers(signature: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    if let Some(s) = signature {
        headers.insert("x-ha-signature", HeaderValue::from_str(s).unwrap());
    }
    headers
}

fn request<'a>(headers: &'a HeaderMap, body: &'a [u8], remote: Option<&str>) -> WebhookRequest<'a> {
    WebhookRequest { headers, body, remote_addr: remote.map(|r| r.parse::<IpAddr>().unwrap()), received_at: Utc::now() }
}

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/../../../shared/vendor-specs/helloasso/examples", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("notification."))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_signed_body_verifies_and_a_tampered_one_does_not() {
    let c = connector(Some(KEY));
    let decoder = c.webhook().unwrap();
    let body = br#"{"eventType":"Order","data":{"id":50001}}"#;
    let good = headers(Some(&signature(KEY, body)));
    decoder.verify(&request(&good, body, None)).expect("a signed body verifies");
    let upper = headers(Some(&signature(KEY, body).to_uppercase()));
    decoder.verify(&request(&upper, body, None)).expect("hex case does not matter");

    let tampered = br#"{"eventType":"Order","data":{"id":50002}}"#;
    let err = decoder.verify(&request(&good, tampered, None)).unwrap_err();
    assert!(matches!(err, ConnectorError::Signature(_)), "{err:?}");
    let wrong = headers(Some(&signature("another-key", body)));
    assert!(matches!(decoder.verify(&request(&wrong, body, None)), Err(ConnectorError::Signature(_))));
    let garbage = headers(Some("not-hex"));
    assert!(matches!(decoder.verify(&request(&garbage, body, None)), Err(ConnectorError::Signature(_))));
    let missing = headers(None);
    let err = decoder.verify(&request(&missing, body, Some("51.138.206.200"))).unwrap_err();
    assert!(err.to_string().contains("x-ha-signature"), "with a key, the allowed address is not enough: {err}");
}

#[test]
fn without_a_key_only_allowed_sources_pass() {
    let c = connector(None);
    let decoder = c.webhook().unwrap();
    let body = br#"{"eventType":"Order","data":{"id":50001}}"#;
    let h = headers(None);
    decoder.verify(&request(&h, body, Some("51.138.206.200"))).expect("HelloAsso's address");
    decoder.verify(&request(&h, body, Some("::ffff:51.138.206.200"))).expect("the same, IPv4-mapped");
    decoder.verify(&request(&h, body, Some("2001:db8::7"))).expect("inside an allowed network");
    let err = decoder.verify(&request(&h, body, Some("51.138.206.201"))).unwrap_err();
    assert!(matches!(&err, ConnectorError::Signature(m) if m.contains("51.138.206.201")), "{err:?}");
    let err = decoder.verify(&request(&h, body, None)).unwrap_err();
    assert!(matches!(err, ConnectorError::Signature(_)), "{err:?}");
}

#[test]
fn the_default_allow_list_is_helloasso_production() {
    let sources = default_allowed_sources();
    assert!(sources.iter().any(|n| n.contains(&"51.138.206.200".parse::<IpAddr>().unwrap())));
    assert!(!sources.iter().any(|n| n.contains(&"4.233.135.234".parse::<IpAddr>().unwrap())));
}

#[test]
fn every_example_notification_decodes_with_a_stable_id() {
    let c = connector(Some(KEY));
    let decoder = c.webhook().unwrap();
    let h = headers(None);
    let examples = examples();
    assert!(examples.len() >= 5, "{examples:?}");
    let mut ids = std::collections::BTreeSet::new();
    for (name, body) in &examples {
        let expected_type = if name.to_lowercase().starts_with("notification.order") { "Order" } else { "Payment" };
        let event = decoder.decode(&request(&h, body, None)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.event_type, expected_type, "{name}");
        let payload: serde_json::Value = serde_json::from_slice(body).unwrap();
        let data_id = payload["data"]["id"].to_string();
        assert!(event.event_id.starts_with(&format!("{expected_type}:{data_id}:")), "{name}: {}", event.event_id);
        let again = decoder.decode(&request(&h, body, None)).unwrap();
        assert_eq!(again.event_id, event.event_id, "{name}: same body, same id");
        assert!(ids.insert(event.event_id.clone()), "{name}: two examples share an id");
        // The same notification re-serialized differently is another body, hence another id.
        let other = serde_json::to_vec(&payload).unwrap();
        assert_ne!(&other, body);
        assert_ne!(decoder.decode(&request(&h, &other, None)).unwrap().event_id, event.event_id, "{name}");
    }
    // The two checkout payments differ only in their state, and their ids say so.
    assert!(ids.iter().any(|id| id.starts_with("Payment:15222:Authorized:")), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with("Payment:15222:WaitingBankValidation:")), "{ids:?}");
}

#[test]
fn malformed_notifications_are_refused_naming_the_problem() {
    let c = connector(Some(KEY));
    let decoder = c.webhook().unwrap();
    let h = headers(None);
    let cases: [(&[u8], &str); 5] = [
        (b"{\"eventType\": \"Order\", ", "malformed JSON"),
        (b"[1, 2]", "not a JSON object"),
        (br#"{"data": {"id": 1}}"#, "eventType"),
        (br#"{"eventType": "Order"}"#, "data"),
        (br#"{"eventType": "Order", "data": {"state": "Authorized"}}"#, "data.id"),
    ];
    for (body, expected) in cases {
        let err = decoder.decode(&request(&h, body, None)).unwrap_err();
        assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains(expected)), "{expected}: {err:?}");
    }
    let form = br#"{"eventType": "Form", "data": {"formType": "Event", "formSlug": "atelier"}}"#;
    assert!(decoder.decode(&request(&h, form, None)).unwrap().event_id.starts_with("Form:Event/atelier::"));
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let good = || HelloAssoSettings::new("ha", "https://api.helloasso.com", "client", "secret", "mon-asso");
    assert!(HelloAssoConnector::new(good()).is_ok());
    type Change = fn(&mut HelloAssoSettings);
    let cases: [(Change, &str); 5] = [
        (|s| s.base_url = "api.helloasso.com".into(), "base_url"),
        (|s| s.client_id = " ".into(), "client_id"),
        (|s| s.client_secret = String::new(), "client_secret"),
        (|s| s.organization_slug = "a/b".into(), "organization_slug"),
        (|s| s.page_size = 0, "page_size"),
    ];
    for (change, field) in cases {
        let mut settings = good();
        change(&mut settings);
        let err = HelloAssoConnector::new(settings).unwrap_err();
        assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains(field)), "{field}: {err:?}");
    }
}
