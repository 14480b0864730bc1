//! From a parsed sheet and the previous cursor to a page: one record per row, one `deleted`
//! record per vanished row, the next cursor; and the guard that never empties the programme
//! because a download came back empty.

use chrono::SecondsFormat;
use chrono_tz::Tz;
use hub_connector_sdk::{ConnectorError, Cursor, Page, SourceRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    EVENTS,
    identity::{Remembered, assign},
    parse::{EventRow, ParsedSheet},
};

/// The cursor's layout version.
const CURSOR_VERSION: u32 = 1;

/// The cursor: the rows of the last read, with their ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub v: u32,
    pub sheet: String,
    pub rows: Vec<Remembered>,
}

impl Memory {
    /// Reads a cursor; `None` is the first read.
    pub fn from_cursor(cursor: Option<&Cursor>) -> Result<Memory, ConnectorError> {
        let Some(cursor) = cursor else {
            return Ok(Memory { v: CURSOR_VERSION, sheet: String::new(), rows: Vec::new() });
        };
        let mut memory: Memory = serde_json::from_value(cursor.0.clone()).map_err(|e| {
            ConnectorError::Invalid(format!(
                "the spreadsheet cursor does not parse ({e}): reset it to read from scratch"
            ))
        })?;
        if memory.v != CURSOR_VERSION {
            return Err(ConnectorError::Invalid(format!(
                "spreadsheet cursor version {} is not {CURSOR_VERSION}: reset it to read from scratch",
                memory.v
            )));
        }
        memory.rows.sort_by_key(|r| r.row);
        Ok(memory)
    }
}

/// What a read produced beyond the page: counts for logs and `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub rows: usize,
    pub fresh: usize,
    pub deleted: usize,
    pub skipped: usize,
}

/// The page for `parsed` after `cursor`: every readable row, the rows gone since (`deleted`), and
/// the next cursor. Refuses (Invalid) a sheet with no readable row when the previous read had
/// some: an emptied download must not cancel the whole programme.
pub fn plan_page(
    parsed: &ParsedSheet,
    cursor: Option<&Cursor>,
    time_zone: Tz,
) -> Result<(Page, Tally), ConnectorError> {
    let previous = Memory::from_cursor(cursor)?;
    if parsed.rows.is_empty() && !previous.rows.is_empty() {
        let why = if parsed.skipped.is_empty() {
            "has no data rows".to_string()
        } else {
            format!("has no readable row ({} skipped)", parsed.skipped.len())
        };
        return Err(ConnectorError::Invalid(format!(
            "sheet \"{}\" {why} while the last read had {} events: nothing is cancelled (if the programme \
             really is empty, reset the stream's cursor)",
            parsed.sheet,
            previous.rows.len()
        )));
    }
    let assignment = assign(&previous.rows, &parsed.rows, &parsed.skipped);
    let mut records: Vec<SourceRecord> = parsed
        .rows
        .iter()
        .zip(&assignment.ids)
        .map(|(row, id)| SourceRecord {
            stream: EVENTS.into(),
            external_id: id.clone(),
            updated_at: None,
            deleted: false,
            data: row_data(row, &parsed.sheet, time_zone),
        })
        .collect();
    records.extend(assignment.deleted.iter().map(|gone| SourceRecord {
        stream: EVENTS.into(),
        external_id: gone.id.clone(),
        updated_at: None,
        deleted: true,
        data: json!({
            "title": gone.title,
            "date": gone.date,
            "row": gone.row,
            "sheet": parsed.sheet,
            "status": "cancelled",
        }),
    }));
    let memory = Memory { v: CURSOR_VERSION, sheet: parsed.sheet.clone(), rows: assignment.remembered };
    let next = serde_json::to_value(&memory).map_err(|e| ConnectorError::Invalid(format!("cursor: {e}")))?;
    let tally = Tally {
        rows: parsed.rows.len(),
        fresh: assignment.fresh,
        deleted: assignment.deleted.len(),
        skipped: parsed.skipped.len(),
    };
    Ok((Page { records, next_cursor: Some(Cursor(next)), has_more: false, total_pages: None }, tally))
}

/// A row's record data (see the crate doc for the shape).
pub fn row_data(row: &EventRow, sheet: &str, time_zone: Tz) -> Value {
    let instant = |t: chrono::DateTime<chrono::FixedOffset>| t.to_rfc3339_opts(SecondsFormat::Secs, false);
    json!({
        "title": row.title,
        "kind": row.kind,
        "date": row.date.format("%Y-%m-%d").to_string(),
        "starts_at": instant(row.starts_at),
        "ends_at": row.ends_at.map(instant),
        "time_zone": time_zone.name(),
        "place": row.place,
        "organiser": row.organiser,
        "capacity": row.capacity,
        "description": row.description,
        "status": "scheduled",
        "row": row.row,
        "sheet": sheet,
    })
}
