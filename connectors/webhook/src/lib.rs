//! The generic inbound connector (`kind = "webhook"`): any tool that can POST JSON signed with
//! Standard Webhooks. The `webhook-id` header is the event id (the inbox's dedup key); the record
//! id and the record itself are found by JSON pointers; a `type` ending in `.deleted` deletes.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
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

/// The default JSON pointer to the record's id.
pub const DEFAULT_ID_POINTER: &str = "/data/id";
/// The default JSON pointer to the record.
pub const DEFAULT_RECORD_POINTER: &str = "/data";

impl WebhookSettings {
    /// Settings with the default pointers (`/data/id`, `/data`) and tolerance (5 minutes).
    pub fn new(
        instance: impl Into<String>,
        secrets: Vec<WebhookSecret>,
        stream: impl Into<String>,
        entity: EntityKind,
    ) -> Self {
        WebhookSettings {
            instance: instance.into(),
            secrets,
            stream: stream.into(),
            entity,
            id_pointer: DEFAULT_ID_POINTER.into(),
            record_pointer: DEFAULT_RECORD_POINTER.into(),
            tolerance: standard_webhooks::DEFAULT_TOLERANCE,
        }
    }

    /// What is wrong with these settings, naming the field (`None`: nothing).
    pub fn problem(&self) -> Option<String> {
        let pointer_ok = |p: &str| p.is_empty() || p.starts_with('/');
        if self.secrets.is_empty() {
            Some("secrets: at least one signing secret is needed".into())
        } else if self.stream.trim().is_empty() {
            Some("stream: must not be empty".into())
        } else if !pointer_ok(&self.id_pointer) {
            Some(format!("id_pointer: `{}` is not a JSON pointer (it starts with `/`)", self.id_pointer))
        } else if !pointer_ok(&self.record_pointer) {
            Some(format!("record_pointer: `{}` is not a JSON pointer (it starts with `/`)", self.record_pointer))
        } else {
            None
        }
    }
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
            detail: format!("inbound only; nothing to reach (events arrive at POST /hooks/{})", self.settings.instance),
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
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ConnectorError::Invalid("missing `webhook-id` header".into()))?
            .to_string();
        let payload: Value =
            serde_json::from_slice(request.body).map_err(|e| ConnectorError::malformed_json("malformed JSON", &e))?;
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
        let updated_at = event_time(&payload)?;
        let deleted = event_type.ends_with(".deleted");
        Ok(InboundEvent {
            event_id,
            event_type,
            records: vec![SourceRecord { stream: s.stream.clone(), external_id, updated_at, deleted, data }],
        })
    }
}

/// The payload's `timestamp` (when the event happened), if it has one; it must be RFC 3339.
fn event_time(payload: &Value) -> Result<Option<DateTime<Utc>>, ConnectorError> {
    match payload.get("timestamp") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t)) => DateTime::parse_from_rfc3339(t).map(|t| Some(t.to_utc())).map_err(|e| {
            let shown: String = t.chars().take(40).collect();
            ConnectorError::Invalid(format!("`timestamp` is not an RFC 3339 date ({e}): `{shown}`"))
        }),
        Some(_) => Err(ConnectorError::Invalid("`timestamp` is not an RFC 3339 date string".into())),
    }
}

#[cfg(test)]
mod tests;
