//! The `Connector` trait and the values that cross it: streams, cursors, pages, webhooks.

use std::net::IpAddr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CanonicalChange, ConnectorError, EntityKind, SourceRecord};

/// How a stream is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Only what changed since the cursor.
    Incremental,
    /// Everything, every time.
    FullRefresh,
}

/// A stream a connector can read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub name: String,
    /// The canonical kind its records map to.
    pub entity: EntityKind,
    pub sync_mode: SyncMode,
}

/// Where a stream's reading stands: opaque JSON owned by the connector (a date, a token, an offset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub serde_json::Value);

/// One page read from a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub records: Vec<SourceRecord>,
    /// The cursor to store once these records are safely stored; `None` keeps the old one.
    pub next_cursor: Option<Cursor>,
    /// More pages are ready right now.
    pub has_more: bool,
    /// How many pages the whole read holds, when the tool says so (HelloAsso's `totalPages`):
    /// the end of `hub sync`'s progress bar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
}

/// The answer to `check`: reachable and credentials accepted, with a human line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub ok: bool,
    pub detail: String,
}

/// What a successful `write` left in the remote tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The tool's id for the entity (the external link).
    pub external_id: String,
    /// When the tool says it changed it.
    pub remote_updated_at: Option<DateTime<Utc>>,
}

/// A webhook as it reached the hub: headers, raw body, peer address.
#[derive(Debug, Clone)]
pub struct WebhookRequest<'a> {
    pub headers: &'a reqwest::header::HeaderMap,
    pub body: &'a [u8],
    /// The TCP peer (or the client address a trusted proxy reported).
    pub remote_addr: Option<IpAddr>,
    pub received_at: DateTime<Utc>,
}

/// A decoded webhook: the vendor's event id (the inbox's dedup key), its type, and what it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub event_id: String,
    pub event_type: String,
    /// The records the body carries (for tools whose webhooks are only hints, the ids to read back).
    pub records: Vec<SourceRecord>,
}

/// Verifies and decodes a tool's webhooks. `verify` runs before anything is stored.
pub trait WebhookDecoder: Send + Sync {
    /// Checks signature, timestamp or source; an error here is a 401 and nothing is stored.
    fn verify(&self, request: &WebhookRequest<'_>) -> Result<(), ConnectorError>;
    /// Parses the (verified) body; an error here is a 400 naming what is wrong.
    fn decode(&self, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError>;
}

/// A connector instance, built from its `[connectors.NAME]` table.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The `kind` it was built from (e.g. `webhook`, `helloasso`).
    fn kind(&self) -> &'static str;

    /// Credentials and reachability, without side effects.
    async fn check(&self) -> Result<CheckReport, ConnectorError>;

    /// The streams it can read.
    fn streams(&self) -> Vec<StreamInfo>;

    /// Reads one page of `stream` after `cursor` (`None`: from the beginning).
    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError>;

    /// Applies one canonical change to the tool. Must be idempotent given `change.external_id`.
    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError>;

    /// How many changes of `kind` one [`Connector::write_batch`] call takes; 1 (the default): the
    /// connector writes one change per call.
    fn write_batch_limit(&self, _kind: EntityKind) -> usize {
        1
    }

    /// Applies several changes of one kind, answering each in the same order (a tool that creates
    /// many records in one call, as Odoo's `create` with a list, saves a round trip per record).
    /// Each change must be idempotent exactly as with `write`: a batch that failed halfway is
    /// sent again. The default writes them one by one.
    async fn write_batch(&self, changes: &[CanonicalChange]) -> Vec<Result<WriteOutcome, ConnectorError>> {
        let mut out = Vec::with_capacity(changes.len());
        for change in changes {
            out.push(self.write(change).await);
        }
        out
    }

    /// The webhook decoder, when the tool pushes events.
    fn webhook(&self) -> Option<&dyn WebhookDecoder> {
        None
    }

    /// The authoritative records behind a webhook event. Tools whose webhooks are only hints read
    /// the records back from their API here; the default trusts the (verified) body.
    async fn records_for_event(&self, event: &InboundEvent) -> Result<Vec<SourceRecord>, ConnectorError> {
        Ok(event.records.clone())
    }
}
