//! Which of CSV, XLSX and ODS a downloaded file is: the bytes first (a zip starts with `PK`, an
//! ODS zip names its mimetype first), then the file name or the Content-Type.

use crate::parse::SheetError;

/// A spreadsheet file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma- or semicolon-separated text, UTF-8 with or without a BOM.
    Csv,
    /// Office Open XML (Excel, Google Sheets' `output=xlsx`, OnlyOffice).
    Xlsx,
    /// OpenDocument spreadsheet (LibreOffice, Nextcloud/Collabora).
    Ods,
}

impl Format {
    /// `csv`, `xlsx` or `ods` (case-insensitive).
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
        }
    }

    fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.')?.1;
        match ext {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }

    fn from_content_type(content_type: &str) -> Option<Format> {
        let ct = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match ct.as_str() {
            "text/csv" | "application/csv" | "text/comma-separated-values" => Some(Format::Csv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Format::Xlsx),
            "application/vnd.oasis.opendocument.spreadsheet" => Some(Format::Ods),
            _ => None,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const ODS_MIMETYPE: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet";

/// Decides the format of `bytes`. A zip is ODS when its first entry is the ODS mimetype (or the
/// name / Content-Type says ODS), XLSX otherwise; an old binary XLS and an HTML page (a share
/// link that answers its web page instead of the file) are refused; anything else is CSV.
pub fn detect_format(bytes: &[u8], name: Option<&str>, content_type: Option<&str>) -> Result<Format, SheetError> {
    let hinted = name.and_then(Format::from_name).or_else(|| content_type.and_then(Format::from_content_type));
    if bytes.starts_with(b"PK\x03\x04") {
        let ods = bytes.get(30..30 + ODS_MIMETYPE.len()) == Some(ODS_MIMETYPE) || hinted == Some(Format::Ods);
        return Ok(if ods { Format::Ods } else { Format::Xlsx });
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SheetError::NotASpreadsheet(
            "this is an old binary XLS (Excel 97-2003) file: save it as XLSX, ODS or CSV".into(),
        ));
    }
    if looks_like_html(bytes) {
        return Err(SheetError::NotASpreadsheet(
            "the source answered a web page, not a file: use the sheet's published CSV/XLSX link \
             (`output=csv`) or the share link's `/download`"
                .into(),
        ));
    }
    match hinted {
        Some(f @ (Format::Xlsx | Format::Ods)) if !bytes.is_empty() => {
            Err(SheetError::NotASpreadsheet(format!("the source is said to be {f} but is not a zip archive")))
        }
        _ => Ok(Format::Csv),
    }
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head: Vec<u8> =
        start.iter().skip_while(|b| b.is_ascii_whitespace()).take(15).map(u8::to_ascii_lowercase).collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<?xml")
}
