//! The `bookings` cursor: a moving `afterUpdatedAt` window with an overlap, an offset used only
//! while a window is too dense to move, and the versions already emitted inside the window (the
//! why is in the crate doc, "Cursor"). Pure: no IO, so every step is unit-tested.

use std::{collections::BTreeMap, time::Duration};

use chrono::{DateTime, SecondsFormat, Utc};
use hub_connector_sdk::{ConnectorError, Cursor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How far back from the latest `updatedAt` seen the next query window starts: bookings committed
/// a little after their `updatedAt` was stamped, and an `afterUpdatedAt` that may be exclusive or
/// compare at a coarser precision, are all caught by re-reading this much (and deduplicated).
pub const CURSOR_OVERLAP: Duration = Duration::from_secs(60);

/// One version of a booking already emitted: its `updatedAt` and a hash of its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen(pub DateTime<Utc>, pub String);

/// The cursor, stored as JSON by the hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingsCursor {
    /// `afterUpdatedAt` of the next query (absent: from the beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_after: Option<DateTime<Utc>>,
    /// `skip` of the next query: non-zero only while a page of already-emitted bookings would not
    /// move the window forward.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: u64,
    /// The latest `updatedAt` emitted so far (the next pass starts at it minus the overlap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<DateTime<Utc>>,
    /// Bookings emitted whose `updatedAt` is inside the window: uid → version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub seen: BTreeMap<String, Seen>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A booking of a listed page, as the cursor needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub uid: String,
    pub updated_at: DateTime<Utc>,
    /// [`version_hash`] of its JSON.
    pub hash: String,
}

/// The first 16 hex digits of the SHA-256 of the booking's JSON: two reads of an unchanged booking
/// agree; any change (status, attendees, times…) differs, even within the same `updatedAt`.
pub fn version_hash(booking: &Value) -> String {
    let digest = hex::encode(Sha256::digest(booking.to_string().as_bytes()));
    digest[..16].to_string()
}

/// `2026-11-28T17:59:00.000Z`, the form of the spec's `afterUpdatedAt` examples.
pub fn query_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn overlap() -> chrono::Duration {
    chrono::Duration::from_std(CURSOR_OVERLAP).expect("a small duration")
}

impl BookingsCursor {
    /// The stored cursor (`None` or JSON null: from the beginning).
    pub fn parse(cursor: Option<&Cursor>) -> Result<BookingsCursor, ConnectorError> {
        match cursor {
            None | Some(Cursor(Value::Null)) => Ok(BookingsCursor::default()),
            Some(Cursor(value)) => serde_json::from_value(value.clone()).map_err(|e| {
                ConnectorError::Invalid(format!(
                    "the stored Cal.com cursor does not fit `{{updatedAfter, skip, high, seen}}`: {e}"
                ))
            }),
        }
    }

    pub fn to_cursor(&self) -> Cursor {
        Cursor(serde_json::to_value(self).expect("a cursor serializes"))
    }

    /// Applies one listed page (sorted by `updatedAt` ascending). Returns, per listed booking,
    /// whether to emit it (a version not emitted yet), the next cursor, and whether more pages
    /// are ready now (`has_next` from the API; an empty page ends the pass whatever it says).
    pub fn advance(&self, listed: &[Listed], has_next: bool) -> (Vec<bool>, BookingsCursor, bool) {
        let mut next = self.clone();
        let mut emit = Vec::with_capacity(listed.len());
        let mut page_max: Option<DateTime<Utc>> = None;
        for item in listed {
            let new = next.seen.get(&item.uid).is_none_or(|seen| seen.1 != item.hash);
            if new {
                next.seen.insert(item.uid.clone(), Seen(item.updated_at, item.hash.clone()));
                next.high = next.high.max(Some(item.updated_at));
            }
            emit.push(new);
            page_max = page_max.max(Some(item.updated_at));
        }
        let more = has_next && !listed.is_empty();
        if more {
            // Move the window up to this page (minus the overlap) when that is forward; otherwise
            // the window is denser than a page: step over what was just listed.
            let moved = page_max.map(|m| m - overlap()).filter(|t| next.updated_after.is_none_or(|cur| *t > cur));
            match moved {
                Some(t) => {
                    next.updated_after = Some(t);
                    next.skip = 0;
                }
                None => next.skip += listed.len() as u64,
            }
        } else {
            // The pass is over: the next one starts from the latest version emitted, minus the overlap.
            let from_high = next.high.map(|h| h - overlap());
            next.updated_after = next.updated_after.max(from_high);
            next.skip = 0;
        }
        if let Some(t) = next.updated_after {
            next.seen.retain(|_, seen| seen.0 >= t);
        }
        (emit, next, more)
    }
}
