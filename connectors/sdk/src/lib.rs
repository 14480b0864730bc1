//! The connector SDK: what every connector of the hub implements and the helpers it may use.
//!
//! A connector is a value built from its config table (see `src/registry.rs` in the hub); it answers
//! `check`, `streams`, `read` (one page from a cursor), `write` (one canonical change) and, when its
//! tool can push events, a [`WebhookDecoder`]. The vocabulary follows Airbyte's: streams, cursors, pages.

pub mod canonical;
pub mod connector;
pub mod error;
pub mod http;
pub mod pagination;
pub mod standard_webhooks;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use canonical::{CanonicalChange, ChangeOp, EntityKind, SourceRecord};
pub use connector::{
    CheckReport, Connector, Cursor, InboundEvent, Page, StreamInfo, SyncMode, WebhookDecoder, WebhookRequest,
    WriteOutcome,
};
pub use error::ConnectorError;
