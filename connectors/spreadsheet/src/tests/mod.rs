//! Unit tests of the spreadsheet connector, and the helpers they share: French-headed CSV
//! programmes, a sync without download, and the changes the hub would see between two pages.

mod connector_tests;
mod csv_tests;
use crate::testkit as fixtures;
mod identity_tests;
mod values_tests;
mod workbook_tests;

use std::collections::BTreeMap;

use hub_connector_sdk::{Cursor, Page};
use serde_json::Value;

use crate::{
    Source, SpreadsheetSettings,
    bench::{SyncResult, sync_bytes},
};

/// The default French header row, `;`-separated.
pub const HEADER: &str = "Date;Début;Fin;Titre;Type;Lieu;Animateur·rice;Jauge;Description";

/// Default settings for a local `programme.csv`.
pub fn settings() -> SpreadsheetSettings {
    SpreadsheetSettings::new("test", Source::parse("programme.csv"))
}

/// Lines joined with `\n`, as bytes.
pub fn csv(lines: &[&str]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

/// A CSV programme: the header and `rows`.
pub fn programme(rows: &[&str]) -> Vec<u8> {
    let mut lines = vec![HEADER];
    lines.extend_from_slice(rows);
    csv(&lines)
}

/// Reads `bytes` with the default settings after `cursor`.
pub fn sync(bytes: &[u8], cursor: Option<&Cursor>) -> SyncResult {
    sync_bytes(bytes, &settings(), cursor).unwrap_or_else(|e| panic!("sync failed: {e}"))
}

/// Reads `bytes` after the previous result's cursor.
pub fn resync(bytes: &[u8], previous: &SyncResult) -> SyncResult {
    sync(bytes, previous.page.next_cursor.as_ref())
}

/// The live records' data by external id, without `row` and `sheet` (where a row sits is not
/// what the hub maps).
fn live(page: &Page) -> BTreeMap<String, Value> {
    page.records
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| {
            let mut data = r.data.clone();
            if let Some(o) = data.as_object_mut() {
                o.remove("row");
                o.remove("sheet");
            }
            (r.external_id.clone(), data)
        })
        .collect()
}

/// What the hub would do going from `before` to `after`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub deleted: Vec<String>,
}

pub fn changes(before: &Page, after: &Page) -> Changes {
    let (old, new) = (live(before), live(after));
    let mut changes = Changes::default();
    for (id, data) in &new {
        match old.get(id) {
            None => changes.created.push(id.clone()),
            Some(previous) if previous != data => changes.updated.push(id.clone()),
            Some(_) => {}
        }
    }
    changes.deleted = after.records.iter().filter(|r| r.deleted).map(|r| r.external_id.clone()).collect();
    changes
}

/// The titles of the live records, in order.
pub fn titles(page: &Page) -> Vec<String> {
    page.records.iter().filter(|r| !r.deleted).map(|r| r.data["title"].as_str().unwrap_or_default().into()).collect()
}

/// The external id of the live record titled `title`.
pub fn id_of(page: &Page, title: &str) -> String {
    page.records
        .iter()
        .find(|r| !r.deleted && r.data["title"] == title)
        .map(|r| r.external_id.clone())
        .unwrap_or_else(|| panic!("no record titled {title}"))
}
