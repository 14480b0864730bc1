//! HelloAsso notifications: verification (signature or source address) and decoding into a hint.

use std::net::IpAddr;

use hmac::{Hmac, KeyInit, Mac};
use hub_connector_sdk::{ConnectorError, InboundEvent, WebhookRequest};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The header carrying the signature of partner notifications.
pub const SIGNATURE_HEADER: &str = "x-ha-signature";

/// Lowercase hex HMAC-SHA256 of `body` keyed with `key` (UTF-8 bytes), as HelloAsso signs.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `x-ha-signature` against the body (constant-time comparison of the MAC).
pub fn verify_signature(key: &str, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
    let header = request
        .headers
        .get(SIGNATURE_HEADER)
        .ok_or_else(|| ConnectorError::Signature(format!("missing `{SIGNATURE_HEADER}` header")))?;
    let text = header
        .to_str()
        .map_err(|_| ConnectorError::Signature(format!("`{SIGNATURE_HEADER}` is not text")))?
        .trim()
        .to_ascii_lowercase();
    let given = hex::decode(&text)
        .map_err(|_| ConnectorError::Signature(format!("`{SIGNATURE_HEADER}` is not a hex HMAC-SHA256")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(request.body);
    mac.verify_slice(&given)
        .map_err(|_| ConnectorError::Signature(format!("`{SIGNATURE_HEADER}` does not match the body")))
}

/// Checks that the sender is inside one of `allowed` (IPv4-mapped IPv6 addresses are unmapped first).
pub fn verify_source(allowed: &[ipnet::IpNet], remote: Option<IpAddr>) -> Result<(), ConnectorError> {
    let Some(addr) = remote else {
        return Err(ConnectorError::Signature(
            "the sender's address is unknown, and without a signature key only HelloAsso's addresses are accepted"
                .into(),
        ));
    };
    let addr = addr.to_canonical();
    if allowed.iter().any(|net| net.contains(&addr)) {
        Ok(())
    } else {
        Err(ConnectorError::Signature(format!(
            "notification from {addr}, which is not one of HelloAsso's allowed source addresses"
        )))
    }
}

/// The stable event id of a notification (see the crate doc).
pub fn event_id(event_type: &str, data_id: &str, state: &str, body: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(body));
    format!("{event_type}:{data_id}:{state}:{}", &digest[..16])
}

/// Parses a notification body into a hint: type and id, no records (they are read back).
pub fn decode(request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
    let payload: Value = serde_json::from_slice(request.body)
        .map_err(|e| ConnectorError::malformed_json("malformed JSON in the HelloAsso notification", &e))?;
    if !payload.is_object() {
        return Err(ConnectorError::Invalid("the HelloAsso notification is not a JSON object".into()));
    }
    let event_type = payload
        .get("eventType")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ConnectorError::Invalid("the HelloAsso notification has no string `eventType`".into()))?;
    let data = payload
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| ConnectorError::Invalid("the HelloAsso notification has no `data` object".into()))?;
    let data_id = match data.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        // A Form notification carries the form's slug, not an id.
        _ if event_type == "Form" => {
            match (data.get("formType").and_then(Value::as_str), data.get("formSlug").and_then(Value::as_str)) {
                (Some(t), Some(s)) if !s.is_empty() => format!("{t}/{s}"),
                _ => {
                    return Err(ConnectorError::Invalid(
                        "the Form notification has neither `data.id` nor `data.formSlug`".into(),
                    ));
                }
            }
        }
        _ => return Err(ConnectorError::Invalid("the HelloAsso notification has no `data.id`".into())),
    };
    let state = data.get("state").and_then(Value::as_str).unwrap_or("");
    Ok(InboundEvent {
        event_id: event_id(event_type, &data_id, state, request.body),
        event_type: event_type.to_string(),
        records: Vec::new(),
    })
}
