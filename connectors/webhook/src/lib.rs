//! The generic inbound connector (`kind = "webhook"`): any tool that can POST JSON signed with
//! Standard Webhooks. The `webhook-id` header is the event id (the inbox's dedup key); the record
//! id and the record itself are found by JSON pointers; a `type` ending in `.deleted` deletes.

use std::time::Duration;

use async_trait::async_trait;
use chrono::DateTime;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, InboundEvent, Page, SourceRecord,
    StreamInfo, SyncMode, WebhookDecoder, WebhookRequest, WriteOutcome,
    standard_webhooks::{self, WebhookSecret},
};
use serde_json::Value;

/// Settings of one instance (built by the hub's registry from `[connectors.NAME]`).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub instance: String,
    /// The current secret first, then the previous one during a rotation.
    pub secrets: Vec<WebhookSecret>,
    pub stream: String,
    pub entity: EntityKind,
    /// JSON pointer to the record's id in the payload (default `/data/id`).
    pub id_pointer: String,
    /// JSON pointer to the record (default `/data`).
    pub record_pointer: String,
    pub tolerance: Duration,
}

/// The connector.
#[derive(Debug, Clone)]
pub struct WebhookConnector {
    settings: WebhookSettings,
}

impl WebhookConnector {
    pub fn new(settings: WebhookSettings) -> Self {
        WebhookConnector { settings }
    }
}

#[async_trait]
impl Connector for WebhookConnector {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        Ok(CheckReport {
            ok: true,
            detail: format!("inbound only: POST signed events to /hooks/{}", self.settings.instance),
        })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![StreamInfo {
            name: self.settings.stream.clone(),
            entity: self.settings.entity,
            sync_mode: SyncMode::FullRefresh,
        }]
    }

    async fn read(&self, _stream: &str, _cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        Err(ConnectorError::Unsupported("webhook connectors only receive; there is nothing to read".into()))
    }

    async fn write(&self, _change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        Err(ConnectorError::Unsupported("webhook connectors only receive; there is nothing to write to".into()))
    }

    fn webhook(&self) -> Option<&dyn WebhookDecoder> {
        Some(self)
    }
}

impl WebhookDecoder for WebhookConnector {
    fn verify(&self, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
        standard_webhooks::verify(
            &self.settings.secrets,
            request.headers,
            request.body,
            request.received_at,
            self.settings.tolerance,
        )
    }

    fn decode(&self, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
        let event_id = request
            .headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ConnectorError::Signature("missing `webhook-id` header".into()))?
            .to_string();
        let payload: Value = serde_json::from_slice(request.body).map_err(|e| {
            ConnectorError::Invalid(format!("malformed JSON at line {} column {}: {e}", e.line(), e.column()))
        })?;
        let event_type = payload
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| ConnectorError::Invalid("the payload has no string `type`".into()))?
            .to_string();
        let s = &self.settings;
        let external_id = match payload.pointer(&s.id_pointer) {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(ConnectorError::Invalid(format!("no record id (string or number) at `{}`", s.id_pointer)));
            }
        };
        let data = payload
            .pointer(&s.record_pointer)
            .cloned()
            .ok_or_else(|| ConnectorError::Invalid(format!("no record at `{}`", s.record_pointer)))?;
        let updated_at = payload
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc());
        let deleted = event_type.ends_with(".deleted");
        Ok(InboundEvent {
            event_id,
            event_type,
            records: vec![SourceRecord { stream: s.stream.clone(), external_id, updated_at, deleted, data }],
        })
    }
}

#[cfg(test)]
mod tests;
