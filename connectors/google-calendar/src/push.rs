//! Push channels (events.watch / channels.stop) and the decoder of Google's notifications.
//!
//! Google signs nothing: a notification is an empty POST with `X-Goog-*` headers. The hub opens
//! each channel with the instance's `channel_token` secret; Google echoes it in
//! `X-Goog-Channel-Token`, which `verify` compares in constant time (missing or different:
//! Signature, nothing stored). The hub may also check `X-Goog-Channel-ID`/`X-Goog-Resource-ID`
//! against the channels it stored. A notification carries no data: `decode` makes a hint whose
//! event id is `{channel id}:{message number}:{calendar id}` (the calendar taken from
//! `X-Goog-Resource-URI`, which must be a configured one; a channel id holds no `:`), and
//! `records_for_event` reads that calendar's changes (see [`crate::sync`]). The `sync` message
//! Google sends when a channel opens gives no records.
//!
//! Channels expire (Google: a week by default) and are never renewed by Google: the hub calls
//! [`needs_renewal`] on each stored channel (true within [`RENEWAL_MARGIN`] of expiry) and
//! [`GoogleCalendarConnector::renew`] (a new channel with a new id, then the old one stopped).

use chrono::{DateTime, Duration, Utc};
use hub_connector_sdk::{ConnectorError, InboundEvent, WebhookRequest};
use percent_encoding::percent_decode_str;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::{
    GoogleCalendarConnector, GoogleCalendarSettings,
    api::{Call, events_path},
};

/// A channel is renewed when less than this is left of its life.
pub const RENEWAL_MARGIN: Duration = Duration::hours(1);

/// An open push channel, as the hub stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// The hub's id for it (a UUID).
    pub id: String,
    /// Google's id of the watched resource (needed to stop the channel).
    pub resource_id: String,
    pub calendar_id: String,
    /// When Google stops sending (`None` if Google gave no expiration).
    pub expiration: Option<DateTime<Utc>>,
}

/// Whether `channel` should be replaced now (less than [`RENEWAL_MARGIN`] left, or no known expiry).
pub fn needs_renewal(channel: &Channel, now: DateTime<Utc>) -> bool {
    channel.expiration.is_none_or(|at| at - now <= RENEWAL_MARGIN)
}

fn header<'a>(request: &'a WebhookRequest<'_>, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// Checks `X-Goog-Channel-Token` against the configured secret (constant-time).
pub fn verify(settings: &GoogleCalendarSettings, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
    let Some(expected) = settings.channel_token.as_deref() else {
        return Err(ConnectorError::Signature("no channel_token is configured: push notifications are refused".into()));
    };
    let given = header(request, "x-goog-channel-token")
        .ok_or_else(|| ConnectorError::Signature("missing `X-Goog-Channel-Token` header".into()))?;
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ConnectorError::Signature("`X-Goog-Channel-Token` does not match".into()));
    }
    if header(request, "x-goog-channel-id").is_none() {
        return Err(ConnectorError::Signature("missing `X-Goog-Channel-ID` header".into()));
    }
    Ok(())
}

/// The calendar id in a resource URI (`…/calendar/v3/calendars/{id}/events?alt=json`).
pub fn calendar_of_resource_uri(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("/calendars/")?;
    let (encoded, _) = rest.split_once("/events")?;
    percent_decode_str(encoded).decode_utf8().ok().map(|c| c.into_owned()).filter(|c| !c.is_empty())
}

/// Turns a verified notification into a hint (see the module doc).
pub fn decode(settings: &GoogleCalendarSettings, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
    let channel = header(request, "x-goog-channel-id")
        .filter(|c| !c.contains(':'))
        .ok_or_else(|| ConnectorError::Invalid("`X-Goog-Channel-ID` is missing or holds a `:`".into()))?;
    let state = header(request, "x-goog-resource-state")
        .ok_or_else(|| ConnectorError::Invalid("missing `X-Goog-Resource-State` header".into()))?;
    if !matches!(state, "sync" | "exists" | "not_exists") {
        return Err(ConnectorError::Invalid(format!("unknown `X-Goog-Resource-State` `{state}`")));
    }
    let number = header(request, "x-goog-message-number")
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| ConnectorError::Invalid("`X-Goog-Message-Number` is missing or not a number".into()))?;
    let uri = header(request, "x-goog-resource-uri")
        .ok_or_else(|| ConnectorError::Invalid("missing `X-Goog-Resource-URI` header".into()))?;
    let calendar = calendar_of_resource_uri(uri)
        .ok_or_else(|| ConnectorError::Invalid("`X-Goog-Resource-URI` names no calendar's events".into()))?;
    if settings.resource_of(&calendar).is_none() {
        return Err(ConnectorError::Invalid(format!(
            "calendar `{calendar}` is not configured in `{}`",
            settings.instance
        )));
    }
    Ok(InboundEvent {
        event_id: format!("{channel}:{number}:{calendar}"),
        event_type: state.to_string(),
        records: Vec::new(),
    })
}

/// The calendar of a hint made by [`decode`].
pub fn calendar_of_event(event: &InboundEvent) -> Option<&str> {
    event.event_id.splitn(3, ':').nth(2).filter(|c| !c.is_empty())
}

fn expiration(body: &Value) -> Option<DateTime<Utc>> {
    let ms = match body.get("expiration")? {
        Value::String(s) => s.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::from_timestamp_millis(ms)
}

impl GoogleCalendarConnector {
    /// Opens a push channel on `calendar_id`'s events towards `address` (the hub's
    /// `/hooks/{instance}` URL; Google wants HTTPS), with the configured `channel_token`.
    /// `ttl`: the lifetime to ask for (Google's default, a week, when `None`).
    pub async fn watch(
        &self,
        calendar_id: &str,
        address: &str,
        ttl: Option<Duration>,
    ) -> Result<Channel, ConnectorError> {
        let token = self.settings.channel_token.as_deref().ok_or_else(|| {
            ConnectorError::Invalid(format!("`{}`: set channel_token to open push channels", self.settings.instance))
        })?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut body = json!({"id": id, "type": "web_hook", "address": address, "token": token});
        if let Some(ttl) = ttl {
            body["params"] = json!({"ttl": ttl.num_seconds().max(1).to_string()});
        }
        let call = Call { body: Some(&body), ..Call::new(Method::POST, format!("{}/watch", events_path(calendar_id))) };
        let answer = self.api.send(&call).await?.into_ok(&format!("watching calendar `{calendar_id}`"))?;
        let resource_id = answer
            .get("resourceId")
            .and_then(Value::as_str)
            .ok_or_else(|| ConnectorError::Invalid("the watch answer has no `resourceId`".into()))?;
        Ok(Channel {
            id,
            resource_id: resource_id.to_string(),
            calendar_id: calendar_id.to_string(),
            expiration: expiration(&answer),
        })
    }

    /// Stops a channel (channels.stop); one Google no longer knows counts as stopped.
    pub async fn stop(&self, channel: &Channel) -> Result<(), ConnectorError> {
        let body = json!({"id": channel.id, "resourceId": channel.resource_id});
        let call = Call { body: Some(&body), ..Call::new(Method::POST, "channels/stop".to_string()) };
        let answer = self.api.send(&call).await?;
        if answer.status == 404 {
            return Ok(());
        }
        answer.into_ok(&format!("stopping channel `{}`", channel.id)).map(|_| ())
    }

    /// Replaces `channel` with a new one on the same calendar, then stops the old one (a failure
    /// to stop it is logged: it expires anyway).
    pub async fn renew(
        &self,
        channel: &Channel,
        address: &str,
        ttl: Option<Duration>,
    ) -> Result<Channel, ConnectorError> {
        let fresh = self.watch(&channel.calendar_id, address, ttl).await?;
        if let Err(e) = self.stop(channel).await {
            tracing::warn!(channel = %channel.id, error = %e, "the old push channel could not be stopped");
        }
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_within_the_margin() {
        let now = DateTime::parse_from_rfc3339("2026-10-25T10:00:00Z").unwrap().with_timezone(&Utc);
        let ch = |at: Option<DateTime<Utc>>| Channel {
            id: "c".into(),
            resource_id: "r".into(),
            calendar_id: "cal".into(),
            expiration: at,
        };
        assert!(!needs_renewal(&ch(Some(now + Duration::hours(2))), now));
        assert!(needs_renewal(&ch(Some(now + Duration::minutes(59))), now));
        assert!(needs_renewal(&ch(Some(now - Duration::minutes(1))), now));
        assert!(needs_renewal(&ch(None), now));
    }

    #[test]
    fn resource_uris_name_their_calendar() {
        let uri = "https://www.googleapis.com/calendar/v3/calendars/c_room%40group.calendar.google.com/events?alt=json";
        assert_eq!(calendar_of_resource_uri(uri).as_deref(), Some("c_room@group.calendar.google.com"));
        assert_eq!(calendar_of_resource_uri("https://x/calendar/v3/users/me/calendarList"), None);
        let event = InboundEvent {
            event_id: "ch-1:7:c@group.calendar.google.com".into(),
            event_type: "exists".into(),
            records: vec![],
        };
        assert_eq!(calendar_of_event(&event), Some("c@group.calendar.google.com"));
    }
}
