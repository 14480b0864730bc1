//! Canonical vocabulary shared by connectors and the hub: entity kinds, source records, changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of canonical entity the hub stores (see ARCHITECTURE.md, "The canonical model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Organization,
    Membership,
    Payment,
    Booking,
    Resource,
    Asset,
    Event,
    Task,
    Registration,
}

impl EntityKind {
    /// Every kind, in a stable order.
    pub const ALL: [EntityKind; 10] = [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Membership,
        EntityKind::Payment,
        EntityKind::Booking,
        EntityKind::Resource,
        EntityKind::Asset,
        EntityKind::Event,
        EntityKind::Task,
        EntityKind::Registration,
    ];

    /// The snake_case name used in mappings, URLs and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Membership => "membership",
            EntityKind::Payment => "payment",
            EntityKind::Booking => "booking",
            EntityKind::Resource => "resource",
            EntityKind::Asset => "asset",
            EntityKind::Event => "event",
            EntityKind::Task => "task",
            EntityKind::Registration => "registration",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record as a vendor shows it, before mapping: its id in the vendor, and its raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The stream it belongs to (e.g. `orders`, `members`); picks the mapping file.
    pub stream: String,
    /// The vendor's id for the record, unique within the connector instance and stream.
    pub external_id: String,
    /// When the vendor last changed it, if the vendor says.
    pub updated_at: Option<DateTime<Utc>>,
    /// The record deleted or cancelled at the source.
    #[serde(default)]
    pub deleted: bool,
    /// The vendor's JSON, untouched.
    pub data: serde_json::Value,
}

/// What happened to a canonical entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
}

/// A canonical change handed to a connector's `write`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalChange {
    pub entity_kind: EntityKind,
    pub entity_id: uuid::Uuid,
    pub op: ChangeOp,
    /// The entity's canonical fields after the change.
    pub fields: serde_json::Value,
    /// This connector instance's id for the entity, when a link already exists.
    pub external_id: Option<String>,
    /// True when no earlier attempt of this change can have reached the tool (the hub's first
    /// claim of the push): a connector may then skip its search for a write a crashed attempt
    /// made. False (the default) when in doubt.
    #[serde(default)]
    pub first_attempt: bool,
}
