//! Field-by-field merge under authority rules.
//!
//! The incoming value from system S replaces the current value set by system T unless T is in
//! the field's authority list and ranks above S (a system absent from the list ranks below every
//! listed one; two unlisted systems: the latest write wins). Incoming nulls never erase, and fields
//! the record does not carry are kept as they are.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::{Existing, MappedFields};

/// One field that changed, for the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

fn rank(list: &[String], system: &str) -> usize {
    list.iter().position(|s| s == system).unwrap_or(list.len())
}

/// Merges `incoming` from `system` into `existing`: (new fields, new sources, changes).
pub fn merge(
    existing: &Existing,
    incoming: &MappedFields,
    system: &str,
    authority: &dyn Fn(&str) -> Vec<String>,
) -> (MappedFields, BTreeMap<String, String>, Vec<FieldChange>) {
    let mut fields = existing.fields.clone();
    let mut sources = existing.sources.clone();
    let mut changes = Vec::new();
    for (field, new) in incoming {
        if new.is_null() {
            continue;
        }
        let current = existing.fields.get(field).filter(|v| !v.is_null());
        if let (Some(_), Some(owner)) = (current, existing.sources.get(field))
            && owner != system
        {
            let list = authority(field);
            if rank(&list, owner) < rank(&list, system) {
                continue;
            }
        }
        if current != Some(new) {
            changes.push(FieldChange { field: field.clone(), old: current.cloned(), new: Some(new.clone()) });
            fields.insert(field.clone(), new.clone());
        }
        sources.insert(field.clone(), system.to_string());
    }
    (fields, sources, changes)
}
