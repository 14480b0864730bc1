//! The Standard Webhooks scheme (shared/vendor-specs/standard-webhooks): `webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//! secrets as `whsec_<base64>`, several space-separated signatures of which any may match.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::header::{HeaderMap, HeaderValue};
use sha2::Sha256;

use crate::ConnectorError;

type HmacSha256 = Hmac<Sha256>;

/// How far `webhook-timestamp` may be from now, either side, by default (as the reference libraries).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// A signing secret's key bytes. Debug never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

/// A secret that is not `whsec_` + base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is `whsec_` followed by base64 ({0})")]
pub struct SecretFormatError(&'static str);

impl WebhookSecret {
    /// Parses `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<WebhookSecret, SecretFormatError> {
        let b64 = text.strip_prefix("whsec_").ok_or(SecretFormatError("missing prefix"))?;
        let key = STANDARD.decode(b64).map_err(|_| SecretFormatError("not base64"))?;
        if key.is_empty() {
            return Err(SecretFormatError("empty key"));
        }
        Ok(WebhookSecret(key))
    }

    /// From raw key bytes.
    pub fn from_bytes(key: Vec<u8>) -> WebhookSecret {
        WebhookSecret(key)
    }

    /// The `whsec_` text form (to show once to whoever configures the sender).
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The `webhook-signature` value for one secret: `v1,<base64>`.
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1,{}", STANDARD.encode(secret.mac(msg_id, timestamp, body).finalize().into_bytes()))
}

/// The three Standard Webhooks headers for `body`, signed with `secret` (for senders and tests).
pub fn signed_headers(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put("webhook-id", msg_id.to_string());
    put("webhook-timestamp", timestamp.to_string());
    put("webhook-signature", sign(secret, msg_id, timestamp, body));
    headers
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, ConnectorError> {
    headers
        .get(name)
        .ok_or_else(|| ConnectorError::Signature(format!("missing `{name}` header")))?
        .to_str()
        .map_err(|_| ConnectorError::Signature(format!("`{name}` header is not text")))
}

/// Verifies a request against any of `secrets` (current and previous during a rotation):
/// timestamp within `tolerance` of `now` (either side), and one `v1` signature matching.
pub fn verify(
    secrets: &[WebhookSecret],
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), ConnectorError> {
    let msg_id = header(headers, "webhook-id")?;
    let ts_text = header(headers, "webhook-timestamp")?;
    let signatures = header(headers, "webhook-signature")?;
    let ts: i64 = ts_text
        .trim()
        .parse()
        .map_err(|_| ConnectorError::Signature("`webhook-timestamp` is not a Unix timestamp".into()))?;
    let skew = (now.timestamp() - ts).unsigned_abs();
    if skew > tolerance.as_secs() {
        return Err(ConnectorError::Signature(format!(
            "timestamp is {skew}s away from now (tolerance {}s): too old or too new",
            tolerance.as_secs()
        )));
    }
    for candidate in signatures.split(' ') {
        let Some(b64) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(expected) = STANDARD.decode(b64) else {
            continue;
        };
        for secret in secrets {
            if secret.mac(msg_id, ts, body).verify_slice(&expected).is_ok() {
                return Ok(());
            }
        }
    }
    Err(ConnectorError::Signature("no valid v1 signature".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str, ts: i64, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", HeaderValue::from_str(id).unwrap());
        h.insert("webhook-timestamp", HeaderValue::from_str(&ts.to_string()).unwrap());
        h.insert("webhook-signature", HeaderValue::from_str(sig).unwrap());
        h
    }

    fn vectors() -> Option<serde_json::Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/vendor-specs/standard-webhooks/examples/signature-test-vectors.json"
        );
        match std::fs::read_to_string(path) {
            Ok(text) => Some(serde_json::from_str(&text).unwrap()),
            Err(_) => {
                eprintln!("skipping: {path} not found (shared/ sits beside the repository)");
                None
            }
        }
    }

    #[test]
    fn official_vectors_sign_and_verify() {
        let Some(v) = vectors() else { return };
        let valid = v["valid_vectors"].as_array().unwrap();
        assert!(!valid.is_empty());
        for vec in valid {
            let secret = WebhookSecret::parse(vec["secret"].as_str().unwrap()).unwrap();
            let (id, ts, payload) =
                (vec["msg_id"].as_str().unwrap(), vec["timestamp"].as_i64().unwrap(), vec["payload"].as_str().unwrap());
            assert_eq!(sign(&secret, id, ts, payload.as_bytes()), vec["expected_signature"].as_str().unwrap());
            let at = DateTime::from_timestamp(ts, 0).unwrap();
            let h = headers(id, ts, vec["expected_signature"].as_str().unwrap());
            verify(&[secret], &h, payload.as_bytes(), at, Duration::from_secs(300)).unwrap();
        }
        for vec in v["negative_vectors"].as_array().unwrap() {
            let (Some(secret), Some(id), Some(payload)) =
                (vec["secret"].as_str(), vec["msg_id"].as_str(), vec["payload"].as_str())
            else {
                continue;
            };
            let ts = vec["timestamp"].as_i64().unwrap_or(1_649_367_553);
            let h = headers(id, ts, vec["signature"].as_str().unwrap());
            let at = DateTime::from_timestamp(ts, 0).unwrap();
            assert!(
                verify(&[WebhookSecret::parse(secret).unwrap()], &h, payload.as_bytes(), at, Duration::from_secs(300))
                    .is_err()
            );
        }
    }

    #[test]
    fn tampering_wrong_secret_old_timestamp_and_missing_headers_are_refused() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let other = WebhookSecret::from_bytes(b"another key".to_vec());
        let now = Utc::now();
        let body = br#"{"a":1}"#;
        let sig = sign(&secret, "msg_1", now.timestamp(), body);
        let ok = headers("msg_1", now.timestamp(), &sig);
        let tol = Duration::from_secs(300);
        assert!(verify(std::slice::from_ref(&secret), &ok, body, now, tol).is_ok());
        assert!(verify(std::slice::from_ref(&secret), &ok, br#"{"a":2}"#, now, tol).is_err(), "tampered body");
        assert!(verify(std::slice::from_ref(&other), &ok, body, now, tol).is_err(), "wrong secret");
        assert!(
            verify(&[other.clone(), secret.clone()], &ok, body, now, tol).is_ok(),
            "rotation: any secret may match"
        );
        let later = now + chrono::Duration::seconds(301);
        assert!(verify(std::slice::from_ref(&secret), &ok, body, later, tol).is_err(), "too old");
        let multi =
            headers("msg_1", now.timestamp(), &format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {sig}"));
        assert!(verify(std::slice::from_ref(&secret), &multi, body, now, tol).is_ok(), "any of several signatures");
        let earlier = now - chrono::Duration::seconds(301);
        assert!(verify(std::slice::from_ref(&secret), &ok, body, earlier, tol).is_err(), "too new");
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let mut missing = ok.clone();
            missing.remove(name);
            let err = verify(std::slice::from_ref(&secret), &missing, body, now, tol).unwrap_err();
            assert!(matches!(&err, ConnectorError::Signature(d) if d.contains(name)), "{err}");
        }
        let garbled = headers("msg_1", now.timestamp(), "v1,not base64! v2,abc");
        assert!(verify(std::slice::from_ref(&secret), &garbled, body, now, tol).is_err());
        let mut bad_ts = ok.clone();
        bad_ts.insert("webhook-timestamp", HeaderValue::from_static("yesterday"));
        assert!(verify(std::slice::from_ref(&secret), &bad_ts, body, now, tol).is_err());
        assert!(verify(&[], &ok, body, now, tol).is_err(), "no secret, no pass");
    }

    #[test]
    fn signed_headers_verify_and_errors_never_show_the_secret() {
        let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let now = Utc::now();
        let h = signed_headers(&secret, "msg_2", now.timestamp(), b"{}");
        verify(std::slice::from_ref(&secret), &h, b"{}", now, DEFAULT_TOLERANCE).unwrap();
        let err = verify(std::slice::from_ref(&secret), &h, b"{ }", now, DEFAULT_TOLERANCE).unwrap_err();
        assert!(!err.to_string().contains("C2FVsBQIhrsc"), "{err}");
    }

    #[test]
    fn secrets_parse_and_never_print() {
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_###").is_err());
        let s = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(s.to_whsec(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert!(!format!("{s:?}").contains("MfKQ"));
    }
}
