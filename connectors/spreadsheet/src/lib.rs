//! The programme spreadsheet connector (`kind = "spreadsheet"`): one event per row of a CSV, XLSX
//! or ODS sheet, read from a file or an HTTP(S) URL and polled on the instance's schedule.
//! Read-only: `write` answers Unsupported (the sheet is edited by people, not by the hub).
//!
//! # Source and format
//! A path, or a URL answering the file itself (a published Google sheet `…/pub?output=csv` or
//! `output=xlsx`, a Nextcloud share `…/s/TOKEN/download`), fetched with the SDK's client, following
//! up to 5 redirects but never from https to http. The format comes from the bytes (a zip is XLSX,
//! or ODS when its first entry is the ODS mimetype), then the name or Content-Type; anything else is
//! CSV: `;`, `,` or tab (the most frequent outside quotes on the first line), UTF-8 with or without
//! BOM, Windows-1252 when the bytes are not UTF-8. An HTML page (a share link without `/download`)
//! and an old binary XLS are refused with a message saying so. The URL is a capability: logs and
//! errors show only its scheme and host.
//!
//! # Columns
//! Found by header names (settings `headers`; French by default: Date, Début, Fin, Titre, Type,
//! Lieu, Animateur·rice, Jauge, Description), compared without case, accents, spaces or
//! punctuation, in the first row of the top 20 holding the most of the required ones (a title line
//! may come first). Date, Début, Titre and Type are required: a header row without one of them
//! fails the whole read (`ConnectorError::Invalid` naming the column and the sheet). Dates: date
//! cells, `dd/mm/yyyy` (also `-`, `.`, two-digit years), `yyyy-mm-dd`, `samedi 5 décembre 2026`.
//! Times: time cells, `14:30`, `14h30`, `14h`, `14`; an end at `24:00` is midnight after.
//!
//! # Bad rows
//! A row with a missing or unreadable date, start time or title, an unreadable end time or
//! capacity, an end before its start, a time the clocks skip, or a kind not in `known_kinds` (when
//! given) is skipped and reported as a [`RowProblem`] (`sheet "Décembre", row 7, column "Date":
//! unreadable date "32/13/2026"`): logged with `tracing`, returned by [`parse_sheet`], and kept for
//! the caller in [`SpreadsheetConnector::last_problems`]. The other rows go through. A skipped row
//! still stands for the event it was (below), so fixing a typo never cancels anything.
//!
//! # Stable identity (rows have no ids)
//! The cursor remembers the last read's rows: id, row number, date, start, title, place and a
//! fingerprint of every field. Each new row is matched to one remembered row not yet claimed, in
//! passes, each on what the previous left: (1) same fingerprint (an untouched row, wherever it
//! moved); (2) same date and title (time, place… edited); (3) same date, start and place (title
//! edited); (4) same title and row number (date moved in place); (5) same date and row number
//! (most fields rewritten). Within a pass the closest pairs (in row numbers) are made first, so a
//! row that did not move keeps its id. Titles and places compare folded (case, accents, spaces).
//! A matched row keeps its id; an unmatched row gets a fresh id, the UUID v5 of its fingerprint
//! and a counter (the first neither in use nor remembered: identical rows get distinct ids, and a
//! row read without a cursor gets the id it had when first seen). Skipped rows then
//! claim the remembered rows they most likely are (date and title, title and row, title, date and
//! row, row): those stay in the cursor untouched and are neither updated nor deleted. Remembered
//! rows left unclaimed are gone: `deleted: true` records. So editing a row is one update,
//! inserting one is one create wherever it goes, deleting one is one delete. The cursor is the
//! memory: reset it and rows edited since they were first seen come back with new ids.
//!
//! # Stream `events` (event, full refresh with a cursor)
//! One page per read (`has_more: false`) holding every readable row, then a `deleted` record per
//! vanished row; `next_cursor` is the memory above. A row's `data`: `title`, `kind`, `date`
//! (`YYYY-MM-DD`), `starts_at` and `ends_at` (RFC 3339 with the zone's offset, `ends_at` null
//! without an end), `time_zone` (`Europe/Paris`), `place`, `organiser`, `capacity` (integer or
//! null), `description` (null when empty), `status` (`scheduled`), `row` and `sheet`. `row` and
//! `sheet` say where the row is, for people: they move when a row is inserted above, so a mapping
//! must not map them (the external id is the row's identity). A deleted record's `data` is
//! `title`, `date`, `row`, `sheet` and `status: "cancelled"`. `updated_at` is always null.
//!
//! # Never deleting by accident
//! A failed download is an error (Transient: network, 5xx, file missing; Auth for 401/403),
//! never an empty sheet. A sheet with no readable row while the cursor remembers rows is refused
//! (Invalid), so nothing is cancelled; to really empty the programme, reset the cursor.

mod fetch;
mod format;
mod grid;
mod identity;
mod page;
mod parse;
mod settings;
mod values;

pub mod bench;
pub mod testkit;

use std::sync::Mutex;

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, StreamInfo, SyncMode,
    WriteOutcome,
};

pub use fetch::{Download, MAX_BYTES};
pub use format::{Format, detect_format};
pub use page::{Tally, plan_page, row_data};
pub use parse::{EventRow, ParsedSheet, RowProblem, SheetError, SkippedRow, parse_sheet};
pub use settings::{Headers, Source, SpreadsheetSettings};

/// The connector's kind.
pub const KIND: &str = "spreadsheet";
/// The `events` stream.
pub const EVENTS: &str = "events";

/// How many problems a read logs one by one (the rest are counted).
const LOGGED_PROBLEMS: usize = 20;

/// A programme spreadsheet as a hub connector.
#[derive(Debug)]
pub struct SpreadsheetConnector {
    settings: SpreadsheetSettings,
    fetcher: fetch::Fetcher,
    last_problems: Mutex<Vec<RowProblem>>,
}

impl SpreadsheetConnector {
    /// Checks the settings and builds the HTTP client for a URL (nothing is read).
    pub fn new(settings: SpreadsheetSettings) -> Result<SpreadsheetConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("spreadsheet connector `{}`: {problem}", settings.instance)));
        }
        let fetcher = fetch::Fetcher::new(&settings.source)?;
        Ok(SpreadsheetConnector { settings, fetcher, last_problems: Mutex::new(Vec::new()) })
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &SpreadsheetSettings {
        &self.settings
    }

    /// The rows the last read (or check) skipped, and why; empty after a clean read.
    pub fn last_problems(&self) -> Vec<RowProblem> {
        self.last_problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Downloads (or reads) the file.
    pub async fn download(&self) -> Result<Download, ConnectorError> {
        self.fetcher.fetch().await
    }

    /// Downloads and parses the sheet, logging and keeping its problems.
    pub async fn read_sheet(&self) -> Result<ParsedSheet, ConnectorError> {
        let download = self.download().await?;
        let format = match self.settings.format {
            Some(format) => format,
            None => detect_format(&download.bytes, download.name.as_deref(), download.content_type.as_deref())?,
        };
        let parsed = parse::parse_sheet_named(&download.bytes, format, &self.settings, download.name.as_deref());
        let parsed = parsed.inspect_err(|e| {
            tracing::warn!(instance = %self.settings.instance, source = %self.settings.source.redacted(), error = %e, "spreadsheet unreadable");
        })?;
        self.keep_problems(&parsed.problems);
        Ok(parsed)
    }

    fn keep_problems(&self, problems: &[RowProblem]) {
        for p in problems.iter().take(LOGGED_PROBLEMS) {
            tracing::warn!(
                instance = %self.settings.instance, sheet = %p.sheet, row = p.row, column = %p.column,
                reason = %p.reason, "spreadsheet row skipped"
            );
        }
        if problems.len() > LOGGED_PROBLEMS {
            tracing::warn!(instance = %self.settings.instance, more = problems.len() - LOGGED_PROBLEMS, "more spreadsheet rows skipped");
        }
        if let Ok(mut kept) = self.last_problems.lock() {
            *kept = problems.to_vec();
        }
    }
}

#[async_trait]
impl Connector for SpreadsheetConnector {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let parsed = self.read_sheet().await?;
        let mut detail = format!(
            "sheet \"{}\" of {} ({}): {} events",
            parsed.sheet,
            self.settings.source.redacted(),
            parsed.format,
            parsed.rows.len()
        );
        if let Some(first) = parsed.problems.first() {
            detail.push_str(&format!(", {} rows skipped (first: {first})", parsed.skipped.len()));
        }
        Ok(CheckReport { ok: true, detail })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![StreamInfo { name: EVENTS.into(), entity: EntityKind::Event, sync_mode: SyncMode::FullRefresh }]
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        if stream != EVENTS {
            return Err(ConnectorError::Unsupported(format!(
                "spreadsheet has no stream `{stream}` (streams: {EVENTS})"
            )));
        }
        let parsed = self.read_sheet().await?;
        let (page, tally) = plan_page(&parsed, cursor, self.settings.time_zone)?;
        tracing::info!(
            instance = %self.settings.instance, sheet = %parsed.sheet, rows = tally.rows, new = tally.fresh,
            deleted = tally.deleted, skipped = tally.skipped, "spreadsheet read"
        );
        Ok(page)
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        Err(ConnectorError::Unsupported(format!(
            "the spreadsheet connector is read-only: edit the sheet ({} {} not written)",
            change.entity_kind, change.entity_id
        )))
    }
}

#[cfg(test)]
mod tests;
