//! The `events` stream: every configured calendar read in turn (by resource slug order) with
//! events.list (`showDeleted=true`, `maxResults=page_size`, recurring series as masters), first in
//! full, then incrementally from each calendar's `nextSyncToken`.
//!
//! # Cursor
//! `{"syncTokens": {calendar id: nextSyncToken}, "calendar": id, "pageToken": token}`: the last
//! `nextSyncToken` of each calendar, and — while a calendar's listing spans several pages — that
//! calendar and its next `pageToken` (sent with the calendar's sync token, as Google's guide does).
//! A calendar's token is replaced only by the `nextSyncToken` of its last page. A pass reads
//! every calendar once; `has_more` stays true until the last calendar's last page. Pages without
//! records are skipped within one `read` (a quiet pass is one call per calendar, one page).
//! Calendars no longer configured are dropped from the cursor; a new one starts with a full read.
//!
//! # 410 Gone
//! An expired or invalid sync token (`fullSyncRequired`) clears that calendar's token and lists it
//! again from the start, in the same `read`: the calendar's events all come again. That is how
//! Google wants it (wipe and resync); for the hub a re-emitted record equal to what it last read
//! hashes the same and changes nothing, so a full resync costs calls, not changes. Deleted events
//! come back as `deleted: true` records (status `cancelled`), in incremental passes and with
//! `showDeleted` in full ones.
//!
//! # Push hints
//! `records_for_event` reads one calendar's changes on its own: from a sync token kept in memory
//! (the last one any read of that calendar got), else from a full listing of that calendar. It
//! never touches the stream cursor, so the next `read` may return the same changes again: the
//! hub's hashes make them no-ops.

use std::collections::{BTreeMap, HashMap};

use hub_connector_sdk::{ConnectorError, Cursor, Page, SourceRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{GoogleCalendarConnector, api::events_path, records::event_record};

/// At most this many pages for one calendar in one `records_for_event`.
const MAX_HINT_PAGES: usize = 200;

/// The stream cursor (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncCursor {
    #[serde(default)]
    pub sync_tokens: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

impl SyncCursor {
    pub fn parse(cursor: Option<&Cursor>) -> Result<SyncCursor, ConnectorError> {
        match cursor {
            None | Some(Cursor(Value::Null)) => Ok(SyncCursor::default()),
            Some(Cursor(value)) => serde_json::from_value(value.clone()).map_err(|e| {
                ConnectorError::Invalid(format!(
                    "the stored Google Calendar cursor does not fit `{{syncTokens, calendar, pageToken}}`: {e}"
                ))
            }),
        }
    }

    pub fn to_cursor(&self) -> Cursor {
        Cursor(serde_json::to_value(self).expect("a cursor serializes"))
    }
}

/// One events.list page of one calendar.
pub(crate) enum Listed {
    Page {
        items: Vec<Value>,
        next_page: Option<String>,
        next_sync: Option<String>,
    },
    /// 410: the sync token (or page token) expired; list again from scratch.
    Gone,
}

/// Remembers the last sync token of each calendar, for push hints.
#[derive(Debug, Default)]
pub(crate) struct Memory(std::sync::Mutex<HashMap<String, String>>);

impl Memory {
    pub fn get(&self, calendar: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(calendar).cloned()
    }
    pub fn set(&self, calendar: &str, token: Option<&str>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match token {
            Some(t) => map.insert(calendar.to_string(), t.to_string()),
            None => map.remove(calendar),
        };
    }
}

impl GoogleCalendarConnector {
    /// One events.list call.
    pub(crate) async fn list(
        &self,
        calendar: &str,
        sync_token: Option<&str>,
        page_token: Option<&str>,
    ) -> Result<Listed, ConnectorError> {
        let mut query = vec![("maxResults", self.settings.page_size.to_string()), ("showDeleted", "true".to_string())];
        if let Some(t) = sync_token {
            query.push(("syncToken", t.to_string()));
        }
        if let Some(t) = page_token {
            query.push(("pageToken", t.to_string()));
        }
        let what = format!("listing the events of calendar `{calendar}`");
        let call = crate::api::Call { query, ..crate::api::Call::new(reqwest::Method::GET, events_path(calendar)) };
        let answer = self.api.send(&call).await?;
        if answer.status == 410 {
            tracing::info!(instance = %self.settings.instance, calendar, reason = answer.reason(), "sync state expired: full resync");
            return Ok(Listed::Gone);
        }
        if answer.status == 404 {
            return Err(ConnectorError::Invalid(format!(
                "{what}: calendar not found, or not shared with the authorized account"
            )));
        }
        let body = answer.into_ok(&what)?;
        let items = body.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        let text = |k: &str| body.get(k).and_then(Value::as_str).filter(|t| !t.is_empty()).map(String::from);
        Ok(Listed::Page { items, next_page: text("nextPageToken"), next_sync: text("nextSyncToken") })
    }

    fn to_records(&self, calendar: &str, items: &[Value]) -> Vec<SourceRecord> {
        let resource = self.settings.resource_of(calendar);
        items.iter().map(|ev| event_record(calendar, resource, ev, self.tz)).collect()
    }

    /// events.list from `sync`/`page`; on a 410 once more from scratch (`restarted` says so).
    async fn list_or_restart(
        &self,
        calendar: &str,
        sync: Option<&str>,
        page: Option<&str>,
    ) -> Result<(Listing, bool), ConnectorError> {
        if let Listed::Page { items, next_page, next_sync } = self.list(calendar, sync, page).await? {
            return Ok((Listing { items, next_page, next_sync }, false));
        }
        self.memory.set(calendar, None);
        match self.list(calendar, None, None).await? {
            Listed::Page { items, next_page, next_sync } => Ok((Listing { items, next_page, next_sync }, true)),
            Listed::Gone => Err(ConnectorError::Invalid(format!(
                "calendar `{calendar}`: Google answered 410 Gone to a full listing"
            ))),
        }
    }

    /// The configured calendars, each once, in resource slug order.
    fn calendar_order(&self) -> Vec<String> {
        let mut order: Vec<String> = Vec::new();
        for calendar in self.settings.calendars.values() {
            if !order.contains(calendar) {
                order.push(calendar.clone());
            }
        }
        order
    }

    /// One page of the `events` stream (see the module doc).
    pub(crate) async fn read_events(&self, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let mut state = SyncCursor::parse(cursor)?;
        let order = self.calendar_order();
        state.sync_tokens.retain(|c, _| order.contains(c));
        let Some(mut index) = state.calendar.as_ref().and_then(|c| order.iter().position(|o| o == c)).or_else(|| {
            state.page_token = None;
            (!order.is_empty()).then_some(0)
        }) else {
            return Ok(Page {
                records: Vec::new(),
                next_cursor: Some(state.to_cursor()),
                has_more: false,
                total_pages: None,
            });
        };
        let mut records = Vec::new();
        loop {
            let calendar = order[index].clone();
            let sync = state.sync_tokens.get(&calendar).map(String::as_str);
            let (page, restarted) = self.list_or_restart(&calendar, sync, state.page_token.as_deref()).await?;
            if restarted {
                state.sync_tokens.remove(&calendar);
                state.page_token = None;
            }
            records.extend(self.to_records(&calendar, &page.items));
            state.calendar = Some(calendar.clone());
            if let Some(next) = page.next_page {
                if state.page_token.as_deref() == Some(next.as_str()) {
                    return Err(ConnectorError::Invalid(format!(
                        "calendar `{calendar}`: the same pageToken came back"
                    )));
                }
                state.page_token = Some(next);
                return Ok(Page { records, next_cursor: Some(state.to_cursor()), has_more: true, total_pages: None });
            }
            state.page_token = None;
            self.memory.set(&calendar, page.next_sync.as_deref());
            match page.next_sync {
                Some(token) => state.sync_tokens.insert(calendar.clone(), token),
                None => {
                    tracing::warn!(calendar, "the last page carried no nextSyncToken: the next pass reads it in full");
                    state.sync_tokens.remove(&calendar)
                }
            };
            index += 1;
            state.calendar = order.get(index).cloned();
            if index == order.len() || !records.is_empty() {
                let has_more = index < order.len();
                return Ok(Page { records, next_cursor: Some(state.to_cursor()), has_more, total_pages: None });
            }
        }
    }

    /// Every change of `calendar` since the sync token in memory (a full listing without one).
    pub(crate) async fn changes_of(&self, calendar: &str) -> Result<Vec<SourceRecord>, ConnectorError> {
        let mut sync = self.memory.get(calendar);
        let mut page_token: Option<String> = None;
        let mut records = Vec::new();
        for _ in 0..MAX_HINT_PAGES {
            let (page, restarted) = self.list_or_restart(calendar, sync.as_deref(), page_token.as_deref()).await?;
            if restarted {
                sync = None;
                records.clear();
            }
            records.extend(self.to_records(calendar, &page.items));
            match page.next_page {
                Some(next) => page_token = Some(next),
                None => {
                    self.memory.set(calendar, page.next_sync.as_deref());
                    return Ok(records);
                }
            }
        }
        Err(ConnectorError::Invalid(format!(
            "calendar `{calendar}`: the listing did not end after {MAX_HINT_PAGES} pages"
        )))
    }
}

/// A page that was read.
pub(crate) struct Listing {
    items: Vec<Value>,
    next_page: Option<String>,
    next_sync: Option<String>,
}
