//! Endpoint signing secrets: generated from the OS's random source as `whsec_` + base64 of
//! 32 bytes (the spec asks 24 to 64), and signed with — during a rotation — the old one beside the new.

use hub_connector_sdk::standard_webhooks::{WebhookSecret, sign};

/// A configured secret that is not a usable `whsec_` secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadSecret(String);

/// Checks a `whsec_` secret's form and length (never quotes it).
pub fn check_whsec(text: &str) -> Result<WebhookSecret, BadSecret> {
    let secret = WebhookSecret::parse(text).map_err(|e| BadSecret(e.to_string()))?;
    let len = key_len(text);
    if !(24..=64).contains(&len) {
        return Err(BadSecret(format!(
            "a signing secret holds 24 to 64 bytes (Standard Webhooks); this one holds {len}"
        )));
    }
    Ok(secret)
}

fn key_len(text: &str) -> usize {
    use base64::Engine;
    text.strip_prefix("whsec_")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map_or(0, |k| k.len())
}

/// A fresh secret from the operating system's random source.
pub fn generate() -> String {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system's random source is available");
    WebhookSecret::from_bytes(key.to_vec()).to_whsec()
}

/// The `webhook-signature` header value: the current secret's signature, then the previous
/// secret's while its overlap lasts, space-separated (receivers accept any that matches).
pub fn signature_header(secrets: &[WebhookSecret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| sign(s, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_valid_distinct_and_32_bytes() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(check_whsec(&a).is_ok());
        assert_eq!(key_len(&a), 32);
    }

    #[test]
    fn short_or_malformed_secrets_are_refused_without_being_quoted() {
        let short = WebhookSecret::from_bytes(vec![7; 8]).to_whsec();
        let err = check_whsec(&short).unwrap_err().to_string();
        assert!(err.contains("24 to 64") && !err.contains(&short[6..]), "{err}");
        assert!(check_whsec("nope").is_err());
    }

    #[test]
    fn the_spec_test_vectors_pass_against_our_signer() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/vendor-specs/standard-webhooks/examples/signature-test-vectors.json"
        ))
        .expect("shared test vectors");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        fn sign_vector(v: &serde_json::Value) -> (String, &serde_json::Value) {
            let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("vector field {k}")).to_string();
            let secret = WebhookSecret::parse(&s("secret")).unwrap();
            let ts = v["timestamp"].as_i64().expect("timestamp");
            (signature_header(std::slice::from_ref(&secret), &s("msg_id"), ts, s("payload").as_bytes()), v)
        }
        let mut checked = 0;
        for v in doc["valid_vectors"].as_array().expect("valid_vectors") {
            let (ours, v) = sign_vector(v);
            assert_eq!(Some(ours.as_str()), v["expected_signature"].as_str(), "{v}");
            checked += 1;
        }
        for v in doc["negative_vectors"].as_array().into_iter().flatten() {
            if v.get("secret").is_some() && v.get("msg_id").is_some() && v["timestamp"].is_i64() {
                let (ours, v) = sign_vector(v);
                let given = v.get("signature").or(v.get("expected_signature")).and_then(|x| x.as_str());
                assert_ne!(Some(ours.as_str()), given, "a negative vector matched: {v}");
            }
        }
        assert!(checked > 0, "no vector checked");
    }
}
