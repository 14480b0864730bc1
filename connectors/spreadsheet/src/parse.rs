//! From a grid to events: finds the header row, matches the configured columns, reads each row
//! into an [`EventRow`] or reports why it is skipped ([`RowProblem`]).

use chrono::{DateTime, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use hub_connector_sdk::ConnectorError;

use crate::{
    format::Format,
    grid::{Grid, GridRow, read_grid},
    settings::SpreadsheetSettings,
    values::{Cell, DayTime, fold, hhmm, parse_capacity, parse_date, parse_time},
};

/// How many rows from the top may hold the header row (a title line may come first).
const HEADER_SEARCH_ROWS: usize = 20;

/// A readable row: one event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// The row number in the sheet (1-based, as the spreadsheet shows it).
    pub row: usize,
    pub date: NaiveDate,
    pub starts_at: DateTime<FixedOffset>,
    /// `None` when the end cell is empty (or the column absent).
    pub ends_at: Option<DateTime<FixedOffset>>,
    pub title: String,
    /// The kind as `known_kinds` spells it when they are given, else as the sheet does (trimmed).
    pub kind: String,
    pub place: Option<String>,
    pub organiser: Option<String>,
    pub capacity: Option<u32>,
    pub description: Option<String>,
}

/// A row skipped because of a problem, with what could be read of it: enough to recognise the
/// event it was, so that it is not cancelled while someone fixes the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRow {
    pub row: usize,
    pub date: Option<NaiveDate>,
    pub title: Option<String>,
}

/// Why a row was skipped: sheet, row number, column (as the header spells it) and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub sheet: String,
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet \"{}\", row {}, column \"{}\": {}", self.sheet, self.row, self.column, self.reason)
    }
}

/// A sheet read through: its events, the rows skipped and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSheet {
    /// The sheet's name (for a CSV, the file's name).
    pub sheet: String,
    pub format: Format,
    /// The header row's number (0 when the sheet is empty).
    pub header_row: usize,
    pub rows: Vec<EventRow>,
    pub skipped: Vec<SkippedRow>,
    pub problems: Vec<RowProblem>,
}

/// What makes a whole sheet unreadable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    /// Required columns are absent from the header row.
    #[error("{} missing from the header row of sheet \"{sheet}\" (row {row}: {})", missing_list(columns), found.join(", "))]
    MissingColumns { columns: Vec<String>, sheet: String, row: usize, found: Vec<String> },
    /// The configured sheet is not in the workbook.
    #[error("sheet \"{sheet}\" is not in the workbook (sheets: {})", available.join(", "))]
    SheetNotFound { sheet: String, available: Vec<String> },
    /// The file does not parse as its format.
    #[error("unreadable {format} file: {detail}")]
    Unreadable { format: Format, detail: String },
    /// Not a spreadsheet at all (an HTML page, an old XLS).
    #[error("not a spreadsheet: {0}")]
    NotASpreadsheet(String),
}

fn missing_list(columns: &[String]) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    match quoted.as_slice() {
        [one] => format!("column {one} is"),
        many => format!("columns {} are", many.join(", ")),
    }
}

impl From<SheetError> for ConnectorError {
    fn from(e: SheetError) -> ConnectorError {
        ConnectorError::Invalid(e.to_string())
    }
}

/// The columns found in the header row (indexes into the row's cells).
struct Columns {
    date: usize,
    start: usize,
    end: Option<usize>,
    title: usize,
    kind: usize,
    place: Option<usize>,
    organiser: Option<usize>,
    capacity: Option<usize>,
    description: Option<usize>,
    /// The header texts, by index, for problem reports.
    names: Vec<String>,
}

/// Reads `bytes` as `format` and the sheet the settings name, into events and problems.
pub fn parse_sheet(bytes: &[u8], format: Format, settings: &SpreadsheetSettings) -> Result<ParsedSheet, SheetError> {
    parse_sheet_named(bytes, format, settings, None)
}

/// [`parse_sheet`], naming a CSV's sheet after `file_name` (e.g. a download's) rather than the
/// source's last segment.
pub(crate) fn parse_sheet_named(
    bytes: &[u8],
    format: Format,
    settings: &SpreadsheetSettings,
    file_name: Option<&str>,
) -> Result<ParsedSheet, SheetError> {
    let grid = read_grid(bytes, format, settings, file_name)?;
    let mut parsed = ParsedSheet {
        sheet: grid.sheet.clone(),
        format,
        header_row: 0,
        rows: Vec::new(),
        skipped: Vec::new(),
        problems: Vec::new(),
    };
    if grid.rows.is_empty() {
        return Ok(parsed);
    }
    let (header_index, columns) = find_header(&grid, settings)?;
    parsed.header_row = grid.rows[header_index].number;
    let reader = RowReader { columns: &columns, settings, sheet: &grid.sheet };
    for row in &grid.rows[header_index + 1..] {
        match reader.read(row) {
            Ok(Some(event)) => parsed.rows.push(event),
            Ok(None) => {}
            Err((skipped, problems)) => {
                parsed.skipped.push(skipped);
                parsed.problems.extend(problems);
            }
        }
    }
    Ok(parsed)
}

fn find_header(grid: &Grid, settings: &SpreadsheetSettings) -> Result<(usize, Columns), SheetError> {
    let h = &settings.headers;
    let required = [&h.date, &h.start, &h.title, &h.kind];
    let position = |row: &GridRow, name: &str| {
        let wanted = fold(name);
        row.cells.iter().position(|c| c.as_text().is_some_and(|t| fold(&t) == wanted))
    };
    let candidates = grid.rows.iter().take(HEADER_SEARCH_ROWS).enumerate();
    let scored = candidates.map(|(i, row)| (i, required.iter().filter(|n| position(row, n).is_some()).count()));
    // The first row with the most required headers (max_by_key keeps the last of equals).
    let (index, _) = scored.rev().max_by_key(|(_, n)| *n).unwrap_or((0, 0));
    let row = &grid.rows[index];
    let missing: Vec<String> = required.iter().filter(|n| position(row, n).is_none()).map(|n| n.to_string()).collect();
    if !missing.is_empty() {
        return Err(SheetError::MissingColumns {
            columns: missing,
            sheet: grid.sheet.clone(),
            row: row.number,
            found: row.cells.iter().filter_map(Cell::as_text).collect(),
        });
    }
    let at = |name: &str| position(row, name);
    let columns = Columns {
        date: at(&h.date).unwrap_or_default(),
        start: at(&h.start).unwrap_or_default(),
        end: at(&h.end),
        title: at(&h.title).unwrap_or_default(),
        kind: at(&h.kind).unwrap_or_default(),
        place: at(&h.place),
        organiser: at(&h.organiser),
        capacity: at(&h.capacity),
        description: at(&h.description),
        names: row.cells.iter().map(|c| c.as_text().unwrap_or_default()).collect(),
    };
    Ok((index, columns))
}

struct RowReader<'a> {
    columns: &'a Columns,
    settings: &'a SpreadsheetSettings,
    sheet: &'a str,
}

type Skip = (SkippedRow, Vec<RowProblem>);
/// A row's start and end.
type Times = (DateTime<FixedOffset>, Option<DateTime<FixedOffset>>);

/// The problems of one row, each blamed on a column.
struct Problems<'a> {
    sheet: &'a str,
    row: usize,
    names: &'a [String],
    found: Vec<RowProblem>,
}

impl Problems<'_> {
    fn check<T>(&mut self, column: usize, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|reason| {
                let column = self.names.get(column).cloned().unwrap_or_default();
                self.found.push(RowProblem { sheet: self.sheet.to_string(), row: self.row, column, reason });
            })
            .ok()
    }
}

impl RowReader<'_> {
    /// `Ok(None)` for a row with nothing in the configured columns.
    fn read(&self, row: &GridRow) -> Result<Option<EventRow>, Skip> {
        let c = self.columns;
        let cell = |i: usize| row.cells.get(i).unwrap_or(&Cell::Empty);
        let opt = |i: Option<usize>| i.map_or(&Cell::Empty, cell);
        let all = [Some(c.date), Some(c.start), c.end, Some(c.title), Some(c.kind), c.place, c.organiser, c.capacity];
        if all.iter().chain([&c.description]).all(|i| opt(*i).is_empty()) {
            return Ok(None);
        }
        let mut problems = Problems { sheet: self.sheet, row: row.number, names: &c.names, found: Vec::new() };
        let date = problems.check(c.date, required(cell(c.date), "date", parse_date));
        let start = problems.check(c.start, required(cell(c.start), "start time", parse_time));
        let end = c.end.and_then(|i| problems.check(i, optional(cell(i), "time", parse_time)).flatten());
        let title = problems.check(c.title, cell(c.title).as_text().ok_or_else(|| "missing title".to_string()));
        let kind = problems.check(c.kind, self.kind(cell(c.kind)));
        let capacity =
            c.capacity.and_then(|i| problems.check(i, optional(cell(i), "capacity", parse_capacity)).flatten());
        let times = match (date, start) {
            (Some(date), Some(start)) => match self.times(date, start, end, opt(c.end)) {
                Ok(times) => Some(times),
                Err((blame_end, reason)) => {
                    let column = if blame_end { c.end.unwrap_or(c.start) } else { c.start };
                    problems.check::<()>(column, Err(reason));
                    None
                }
            },
            _ => None,
        };
        match (date, title, kind, times) {
            (Some(date), Some(title), Some(kind), Some((starts_at, ends_at))) if problems.found.is_empty() => {
                Ok(Some(EventRow {
                    row: row.number,
                    date,
                    starts_at,
                    ends_at,
                    title,
                    kind,
                    place: opt(c.place).as_text(),
                    organiser: opt(c.organiser).as_text(),
                    capacity,
                    description: opt(c.description).as_text(),
                }))
            }
            (date, title, ..) => Err((SkippedRow { row: row.number, date, title }, problems.found)),
        }
    }

    fn kind(&self, cell: &Cell) -> Result<String, String> {
        let kind = cell.as_text().ok_or("missing kind")?;
        let Some(known) = &self.settings.known_kinds else { return Ok(kind) };
        let folded = fold(&kind);
        known
            .iter()
            .find(|k| fold(k) == folded)
            .map(|k| k.trim().to_string())
            .ok_or_else(|| format!("unknown kind \"{kind}\" (known: {})", known.join(", ")))
    }

    /// The start and end instants; `Err((true, _))` blames the end column.
    fn times(
        &self,
        date: NaiveDate,
        start: DayTime,
        end: Option<DayTime>,
        end_cell: &Cell,
    ) -> Result<Times, (bool, String)> {
        let start = match start {
            DayTime::At(t) => date.and_time(t),
            DayTime::Midnight => {
                return Err((false, "a start at 24:00 is ambiguous: write 00:00 of the next day".into()));
            }
        };
        let starts_at = self.localize(start).map_err(|r| (false, r))?;
        let Some(end) = end else { return Ok((starts_at, None)) };
        let end_date = match end_cell {
            Cell::DateTime(d, t) if *d != date && *t != NaiveTime::MIN => *d,
            _ => date,
        };
        let end = match end {
            DayTime::At(t) => end_date.and_time(t),
            DayTime::Midnight => end_date.checked_add_days(Days::new(1)).unwrap_or(end_date).and_time(NaiveTime::MIN),
        };
        let ends_at = self.localize(end).map_err(|r| (true, r))?;
        if ends_at < starts_at {
            return Err((true, format!("ends at {}, before it starts at {}", hhmm(end.time()), hhmm(start.time()))));
        }
        Ok((starts_at, Some(ends_at)))
    }

    fn localize(&self, local: NaiveDateTime) -> Result<DateTime<FixedOffset>, String> {
        let tz = self.settings.time_zone;
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.fixed_offset()),
            LocalResult::None => Err(format!(
                "{} does not exist on {} in {tz} (the clocks change)",
                hhmm(local.time()),
                local.date().format("%Y-%m-%d")
            )),
        }
    }
}

/// A required value: missing, unreadable (quoting the cell) or read.
fn required<T>(cell: &Cell, what: &str, read: impl Fn(&Cell) -> Option<T>) -> Result<T, String> {
    match optional(cell, what, read)? {
        Some(value) => Ok(value),
        None => Err(format!("missing {what}")),
    }
}

fn optional<T>(cell: &Cell, what: &str, read: impl Fn(&Cell) -> Option<T>) -> Result<Option<T>, String> {
    let Some(text) = cell.as_text() else { return Ok(None) };
    let what = what.rsplit(' ').next().unwrap_or(what);
    read(cell).map(Some).ok_or_else(|| format!("unreadable {what} \"{text}\""))
}
