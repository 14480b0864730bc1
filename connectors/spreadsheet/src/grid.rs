//! Bytes to a grid of cells with the row numbers a person sees: CSV through the `csv` crate
//! (`;`, `,` or tab, UTF-8 with or without BOM, Windows-1252 as a fallback), XLSX and ODS through
//! calamine.

use std::io::Cursor;

use calamine::{Ods, Reader, Xlsx, open_workbook_from_rs};

use crate::{format::Format, parse::SheetError, settings::SpreadsheetSettings, values::Cell};

/// One non-empty row and its 1-based number in the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// A sheet's non-empty rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub sheet: String,
    pub rows: Vec<GridRow>,
}

/// Reads the sheet the settings name (the first one by default; a CSV has only one).
pub fn read_grid(
    bytes: &[u8],
    format: Format,
    settings: &SpreadsheetSettings,
    file_name: Option<&str>,
) -> Result<Grid, SheetError> {
    match format {
        Format::Csv => {
            let sheet =
                file_name.map(str::to_string).or_else(|| settings.source.file_name()).unwrap_or_else(|| "CSV".into());
            read_csv(bytes, sheet)
        }
        Format::Xlsx => match open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes)) {
            Ok(book) => read_workbook(book, format, settings.sheet.as_deref()),
            // A zip without the ODS mimetype first may still be an ODS file.
            Err(e) => match open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes)) {
                Ok(book) => read_workbook(book, Format::Ods, settings.sheet.as_deref()),
                Err(_) => Err(SheetError::Unreadable { format, detail: e.to_string() }),
            },
        },
        Format::Ods => {
            let book = open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes))
                .map_err(|e| SheetError::Unreadable { format, detail: e.to_string() })?;
            read_workbook(book, format, settings.sheet.as_deref())
        }
    }
}

fn read_workbook<R, RS>(mut book: R, format: Format, wanted: Option<&str>) -> Result<Grid, SheetError>
where
    R: Reader<RS>,
    R::Error: std::fmt::Display,
    RS: std::io::Read + std::io::Seek,
{
    let names = book.sheet_names();
    let name = match wanted {
        None => names.first().cloned().ok_or(SheetError::Unreadable { format, detail: "no sheet".into() })?,
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| crate::values::fold(n) == crate::values::fold(wanted)))
            .cloned()
            .ok_or_else(|| SheetError::SheetNotFound { sheet: wanted.to_string(), available: names.clone() })?,
    };
    let range =
        book.worksheet_range(&name).map_err(|e| SheetError::Unreadable { format, detail: format!("{name}: {e}") })?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| GridRow {
            number: first_row as usize + i + 1,
            cells: cells.iter().map(Cell::from_data).collect(),
        })
        .filter(|row| row.cells.iter().any(|c| !c.is_empty()))
        .collect();
    Ok(Grid { sheet: name, rows })
}

/// UTF-8 (a BOM is dropped); bytes that are not UTF-8 are read as Windows-1252, what Excel
/// writes on Windows.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// The separator of the first non-empty line: the most frequent of `;`, `,` and tab outside quotes
/// (`,` on a tie or when none is there).
pub fn detect_delimiter(text: &str) -> u8 {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let (mut in_quotes, mut counts) = (false, [0usize; 3]);
    for c in line.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => counts[0] += 1,
            ',' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    if counts[0] > counts[1] && counts[0] >= counts[2] {
        b';'
    } else if counts[2] > counts[1] && counts[2] > counts[0] {
        b'\t'
    } else {
        b','
    }
}

fn read_csv(bytes: &[u8], sheet: String) -> Result<Grid, SheetError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::Unreadable { format: Format::Csv, detail: e.to_string() })?;
        let number = record.position().map_or(rows.len() + 1, |p| p.line() as usize);
        let cells: Vec<Cell> = record.iter().map(Cell::text).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(GridRow { number, cells });
        }
    }
    Ok(Grid { sheet, rows })
}
