//! The booking a reschedule chain started from (`origin_uid`), and the resource of a booking's
//! event type: the two helpers the hub's booking mapping needs that a single booking does not say.
//!
//! Cal.com never moves a booking in place: A rescheduled gives B (`rescheduledFromUid: A`), B
//! rescheduled gives C (`rescheduledFromUid: B`). The hub keeps one canonical booking for the
//! whole chain, matched by `origin_uid` = the first uid (A for A, B and C). A booking names only
//! its direct predecessor, so the chain is walked back with `GET /v2/bookings/{uid}`, at most
//! [`MAX_HOPS`] steps (a longer chain stops at the last uid reached, and the log says so), and
//! each answer is remembered for the connector's life (uid → origin never changes).

use std::{collections::HashMap, sync::Mutex};

use hub_connector_sdk::{ConnectorError, SourceRecord};
use serde_json::{Value, json};

use crate::{api::Api, records};

/// Most predecessors followed for one booking.
pub const MAX_HOPS: usize = 20;
/// Most uids remembered (the memory is cleared when full: it only saves calls).
const MEMORY: usize = 50_000;

/// uid → origin uid, learnt from the API.
#[derive(Debug, Default)]
pub struct Origins(Mutex<HashMap<String, String>>);

impl Origins {
    fn get(&self, uid: &str) -> Option<String> {
        self.0.lock().ok()?.get(uid).cloned()
    }

    fn remember(&self, uid: &str, origin: &str) {
        if let Ok(mut memory) = self.0.lock() {
            if memory.len() >= MEMORY {
                memory.clear();
            }
            memory.insert(uid.to_string(), origin.to_string());
        }
    }

    /// The first uid of `record`'s reschedule chain (its own uid when it was not rescheduled
    /// from another booking). A predecessor Cal.com no longer knows ends the walk there.
    pub(crate) async fn origin_of(&self, api: &Api, record: &SourceRecord) -> Result<String, ConnectorError> {
        let mut previous = match record.data.get("rescheduled_from_uid").and_then(Value::as_str) {
            Some(p) if records::valid_uid(p) => p.to_string(),
            _ => return Ok(record.external_id.clone()),
        };
        let mut walked = vec![record.external_id.clone()];
        for _ in 0..MAX_HOPS {
            if let Some(known) = self.get(&previous) {
                previous = known;
                break;
            }
            walked.push(previous.clone());
            let Some(data) = api.booking(&previous).await? else { break };
            let before = records::bookings_in(&data)?
                .first()
                .and_then(|b| records::text(b, "rescheduledFromUid"))
                .filter(|p| records::valid_uid(p) && !walked.iter().any(|w| w == p))
                .map(str::to_string);
            match before {
                Some(p) => previous = p,
                None => break,
            }
        }
        if walked.len() > MAX_HOPS {
            tracing::warn!(booking = %record.external_id, origin = %previous,
                "reschedule chain longer than {MAX_HOPS}: the origin is the last booking reached");
        }
        for uid in &walked {
            self.remember(uid, &previous);
        }
        Ok(previous)
    }
}

/// The resource slug of a booking's event type: looked up by the event type's slug, then by
/// its id (as text) in `resources` (event type → resource slug, from the hub's config).
pub fn resource_of<'a>(resources: &'a std::collections::BTreeMap<String, String>, data: &Value) -> Option<&'a str> {
    let slug = data.get("event_type_slug").and_then(Value::as_str).map(str::to_string);
    let id = data.get("event_type_id").and_then(Value::as_i64).map(|i| i.to_string());
    [slug, id].into_iter().flatten().find_map(|k| resources.get(&k)).map(String::as_str)
}

/// Adds `origin_uid` and `resource` to a record's data.
pub fn enrich(record: &mut SourceRecord, origin: String, resource: Option<&str>) {
    if let Some(data) = record.data.as_object_mut() {
        data.insert("origin_uid".into(), json!(origin));
        data.insert("resource".into(), json!(resource));
    }
}
