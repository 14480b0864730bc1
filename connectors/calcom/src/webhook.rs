//! Cal.com webhooks: the `X-Cal-Signature-256` check and the decoding of a delivery into a hint
//! (the trigger and the booking uid(s) to read back). Nothing in the body is trusted beyond that.

use hmac::{Hmac, KeyInit, Mac};
use hub_connector_sdk::{ConnectorError, InboundEvent, SourceRecord, WebhookRequest};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::records::{BOOKINGS, text, valid_uid};

/// The signature header (header names are case-insensitive; Cal.com's docs write it both ways).
pub const SIGNATURE_HEADER: &str = "x-cal-signature-256";

/// The trigger of the "Ping test" button of Cal.com's webhook settings: it names no booking.
pub const PING: &str = "PING";

/// Lower-case hex HMAC-SHA256 of `body` keyed by `secret` (UTF-8 bytes), as Cal.com signs
/// (`createHmac("sha256", secret).update(body).digest("hex")`).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `X-Cal-Signature-256` against the raw body (constant-time comparison of the MAC).
/// Cal.com's `no-secret-provided` (a subscription without secret) is refused like any bad value.
pub fn verify_signature(secret: &str, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
    let header = request
        .headers
        .get(SIGNATURE_HEADER)
        .ok_or_else(|| ConnectorError::Signature(format!("missing `{SIGNATURE_HEADER}` header")))?;
    let text = header
        .to_str()
        .map_err(|_| ConnectorError::Signature(format!("`{SIGNATURE_HEADER}` is not text")))?
        .trim()
        .to_ascii_lowercase();
    if text == "no-secret-provided" {
        return Err(ConnectorError::Signature(
            "the Cal.com subscription has no secret (`no-secret-provided`): set the instance's webhook_secret on it"
                .into(),
        ));
    }
    let given = hex::decode(&text)
        .map_err(|_| ConnectorError::Signature(format!("`{SIGNATURE_HEADER}` is not a hex HMAC-SHA256")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(request.body);
    mac.verify_slice(&given)
        .map_err(|_| ConnectorError::Signature(format!("`{SIGNATURE_HEADER}` does not match the body")))
}

/// The event id of a delivery: `{triggerEvent}:{first booking uid or "-"}:{first 16 hex of
/// sha256(body)}`. The same delivery sent twice gives the same id (the inbox drops the repeat);
/// two deliveries about the same booking differ by their bodies (`createdAt` at least).
pub fn event_id(trigger: &str, uid: Option<&str>, body: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(body));
    format!("{trigger}:{}:{}", uid.unwrap_or("-"), &digest[..16])
}

/// The booking uids a delivery names, in order: the booking itself (`payload.uid`, the flat
/// MEETING_* body's `uid`, BOOKING_NO_SHOW_UPDATED's `payload.bookingUid`), then the booking a
/// reschedule replaced (`payload.rescheduleUid`). Each must look like a uid.
fn booking_uids(body: &Value) -> Result<Vec<String>, ConnectorError> {
    let payload = body.get("payload").filter(|p| p.is_object());
    let mut candidates: Vec<&str> = Vec::new();
    for source in payload.into_iter().chain(std::iter::once(body)) {
        candidates.extend(["uid", "bookingUid"].iter().filter_map(|k| text(source, k)));
    }
    for source in payload.into_iter().chain(std::iter::once(body)) {
        candidates.extend(text(source, "rescheduleUid"));
    }
    let mut uids: Vec<String> = Vec::new();
    for uid in candidates {
        if !valid_uid(uid) {
            return Err(ConnectorError::Invalid(format!("the Cal.com webhook names an invalid booking uid `{uid}`")));
        }
        if !uids.iter().any(|u| u == uid) {
            uids.push(uid.to_string());
        }
    }
    Ok(uids)
}

/// A hint record: the uid to read back, nothing of the body's booking.
pub fn hint(uid: &str, trigger: &str) -> SourceRecord {
    SourceRecord {
        stream: BOOKINGS.into(),
        external_id: uid.to_string(),
        updated_at: None,
        deleted: false,
        data: json!({"hint": true, "uid": uid, "trigger_event": trigger}),
    }
}

/// Parses a (verified) delivery into its event: id, trigger, one hint per booking uid named (none
/// for PING and for triggers about no booking: FORM_SUBMITTED, OOO_CREATED…).
pub fn decode(request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
    let body: Value = serde_json::from_slice(request.body).map_err(|e| {
        ConnectorError::malformed_json(
            "malformed JSON in the Cal.com webhook (a payload template that is not JSON is not supported)",
            &e,
        )
    })?;
    if !body.is_object() {
        return Err(ConnectorError::Invalid("the Cal.com webhook is not a JSON object".into()));
    }
    let trigger = text(&body, "triggerEvent").ok_or_else(|| {
        ConnectorError::Invalid(
            "the Cal.com webhook has no string `triggerEvent` (a custom payload template must keep it)".into(),
        )
    })?;
    let uids = if trigger == PING { Vec::new() } else { booking_uids(&body)? };
    Ok(InboundEvent {
        event_id: event_id(trigger, uids.first().map(String::as_str), request.body),
        event_type: trigger.to_string(),
        records: uids.iter().map(|uid| hint(uid, trigger)).collect(),
    })
}
