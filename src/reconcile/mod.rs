//! Reconciliation: pure functions (no IO, no async) that decide what a mapped source record does
//! to the canonical store.
//!
//! Contract with the caller (`flows::apply`): the caller looks the record up by its external
//! link first, then by each identity value from [`identity_values`] in order, and passes the first
//! entity found as `existing` (and the link, if any). [`decide`] then answers: the hub's own
//! echo (hash equals what the hub last pushed), unchanged (hash equals what was last read, or
//! the merge changes nothing), create, update (with the field changes for the audit trail),
//! delete, or ignore. Merging follows per-field authority: see [`merge`].

mod merge;

use std::collections::BTreeMap;

use hub_connector_sdk::EntityKind;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use crate::mapping::MappedFields;
pub use merge::{FieldChange, merge};

/// Which record of which tool instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub system: String,
    pub instance: String,
    pub external_id: String,
}

/// A mapped record arriving from a source.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub source: &'a SourceRef,
    pub entity: EntityKind,
    pub fields: &'a MappedFields,
    pub deleted: bool,
}

/// What the store knows of the record's external link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    pub entity_id: Uuid,
    pub last_read_hash: Option<String>,
    pub last_pushed_hash: Option<String>,
}

/// The canonical entity the record matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    pub id: Uuid,
    pub fields: MappedFields,
    /// field → system that last set it.
    pub sources: BTreeMap<String, String>,
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Echo,
    Unchanged { entity_id: Uuid },
    Create { fields: MappedFields, sources: BTreeMap<String, String> },
    Update { entity_id: Uuid, fields: MappedFields, sources: BTreeMap<String, String>, changes: Vec<FieldChange> },
    Delete { entity_id: Uuid },
    Ignore,
}

/// SHA-256 (hex) of the fields as canonical JSON (keys sorted: a BTreeMap serialises in order).
pub fn content_hash(fields: &MappedFields) -> String {
    let json = serde_json::to_vec(fields).expect("JSON values always serialise");
    hex::encode(Sha256::digest(&json))
}

/// Normalises an identity value: trimmed; emails lower-cased with inner spaces removed.
fn normalise(key: &str, value: &serde_json::Value) -> Option<String> {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let text = if key == "email" {
        text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase()
    } else {
        text.trim().to_string()
    };
    (!text.is_empty()).then_some(text)
}

/// The (key, normalised value) pairs to look an entity up by, in the mapping's order;
/// `external_link` is the caller's first lookup and is skipped here; empty values never match.
pub fn identity_values(identity: &[String], fields: &MappedFields) -> Vec<(String, String)> {
    identity
        .iter()
        .filter(|k| k.as_str() != "external_link")
        .filter_map(|k| fields.get(k).and_then(|v| normalise(k, v)).map(|v| (k.clone(), v)))
        .collect()
}

/// Decides what an incoming record does. `authority(field)` lists the systems that outrank the
/// incoming source for that field, highest first.
pub fn decide(
    incoming: &Incoming<'_>,
    content_hash: &str,
    link: Option<&LinkState>,
    existing: Option<&Existing>,
    authority: &dyn Fn(&str) -> Vec<String>,
) -> Decision {
    if let Some(link) = link
        && link.last_pushed_hash.as_deref() == Some(content_hash)
    {
        return Decision::Echo;
    }
    if incoming.deleted {
        return match (link, existing) {
            (Some(_), Some(e)) => Decision::Delete { entity_id: e.id },
            _ => Decision::Ignore,
        };
    }
    let Some(existing) = existing else {
        let sources = incoming.fields.keys().map(|k| (k.clone(), incoming.source.system.clone())).collect();
        return Decision::Create { fields: incoming.fields.clone(), sources };
    };
    if let Some(link) = link
        && link.entity_id == existing.id
        && link.last_read_hash.as_deref() == Some(content_hash)
    {
        return Decision::Unchanged { entity_id: existing.id };
    }
    let (fields, sources, changes) = merge(existing, incoming.fields, &incoming.source.system, authority);
    if changes.is_empty() {
        Decision::Unchanged { entity_id: existing.id }
    } else {
        Decision::Update { entity_id: existing.id, fields, sources, changes }
    }
}

#[cfg(test)]
mod tests;
