//! The connector's settings: where the sheet is, which tab, which header names, which time zone
//! and which kinds of event are known.

use std::path::PathBuf;

use chrono_tz::Tz;

use crate::format::Format;

/// Where the spreadsheet is read from.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on the hub's machine (a synced folder, a mounted share).
    Path(PathBuf),
    /// An `http://` or `https://` URL answering the file itself: a published sheet
    /// (`…/pub?output=csv` or `output=xlsx`), a Nextcloud public share (`…/s/TOKEN/download`).
    Url(String),
}

impl Source {
    /// A string starting with `http://` or `https://` is a URL, anything else a path.
    pub fn parse(text: &str) -> Source {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Source::Url(text.to_string())
        } else {
            Source::Path(PathBuf::from(text))
        }
    }

    /// What logs and messages may show: a path in full, a URL reduced to its scheme and host
    /// (published-sheet and share URLs are capabilities: whoever knows them can read the sheet).
    pub fn redacted(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Url(url) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
                let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
                let host = host.rsplit('@').next().unwrap_or(host);
                format!("{scheme}://{host}/…")
            }
        }
    }

    /// The file name the source ends with (without query), used to guess the format and to name a
    /// CSV's only sheet.
    pub fn file_name(&self) -> Option<String> {
        let last = match self {
            Source::Path(path) => path.file_name()?.to_string_lossy().into_owned(),
            Source::Url(url) => {
                let without_query = url.split(['?', '#']).next().unwrap_or(url);
                let after_scheme = without_query.split_once("://").map_or(without_query, |(_, r)| r);
                let path = after_scheme.split_once('/')?.1;
                path.split('/').rfind(|p| !p.is_empty())?.to_string()
            }
        };
        Some(last)
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Source::Url(_) => f.debug_tuple("Url").field(&self.redacted()).finish(),
        }
    }
}

/// The header names of the columns, as the sheet spells them. Matching ignores case, accents,
/// spaces and punctuation (`Animateur·rice` = `animateur.rice` = `ANIMATEUR RICE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// The day of the event (required).
    pub date: String,
    /// The start time (required).
    pub start: String,
    /// The end time (optional column; an empty cell leaves `ends_at` null).
    pub end: String,
    /// The title (required).
    pub title: String,
    /// The kind of event (required), checked against `known_kinds` when given.
    pub kind: String,
    /// The place or room (optional column).
    pub place: String,
    /// Who runs it (optional column).
    pub organiser: String,
    /// How many people can come (optional column).
    pub capacity: String,
    /// A free text (optional column).
    pub description: String,
}

impl Default for Headers {
    /// The French headers: Date, Début, Fin, Titre, Type, Lieu, Animateur·rice, Jauge, Description.
    fn default() -> Headers {
        Headers {
            date: "Date".into(),
            start: "Début".into(),
            end: "Fin".into(),
            title: "Titre".into(),
            kind: "Type".into(),
            place: "Lieu".into(),
            organiser: "Animateur·rice".into(),
            capacity: "Jauge".into(),
            description: "Description".into(),
        }
    }
}

/// Settings of a spreadsheet instance (`[connectors.NAME]` with `kind = "spreadsheet"`).
#[derive(Debug, Clone, PartialEq)]
pub struct SpreadsheetSettings {
    /// The connector instance's name (for logs).
    pub instance: String,
    /// The file or URL.
    pub source: Source,
    /// The tab to read (XLSX and ODS); `None`: the first one. Ignored for CSV.
    pub sheet: Option<String>,
    /// The header names.
    pub headers: Headers,
    /// The time zone the sheet's dates and times are written in.
    pub time_zone: Tz,
    /// The kinds the hub knows (e.g. the keys of its kind mappings); a row of another kind is
    /// reported and skipped. `None`: every kind is accepted. Matching ignores case and accents.
    pub known_kinds: Option<Vec<String>>,
    /// Forces the format; `None`: detected from the bytes, then the name or Content-Type.
    pub format: Option<Format>,
}

impl SpreadsheetSettings {
    /// French headers, first sheet, Europe/Paris, every kind accepted, format detected.
    pub fn new(instance: impl Into<String>, source: Source) -> SpreadsheetSettings {
        SpreadsheetSettings {
            instance: instance.into(),
            source,
            sheet: None,
            headers: Headers::default(),
            time_zone: chrono_tz::Europe::Paris,
            known_kinds: None,
            format: None,
        }
    }

    /// What is wrong with these settings, naming the field; `None` when they are usable.
    pub fn problem(&self) -> Option<String> {
        let h = &self.headers;
        let named = [
            ("headers.date", &h.date),
            ("headers.start", &h.start),
            ("headers.end", &h.end),
            ("headers.title", &h.title),
            ("headers.kind", &h.kind),
            ("headers.place", &h.place),
            ("headers.organiser", &h.organiser),
            ("headers.capacity", &h.capacity),
            ("headers.description", &h.description),
        ];
        if let Some((field, _)) = named.iter().find(|(_, name)| crate::values::fold(name).is_empty()) {
            return Some(format!("{field}: must name a column"));
        }
        for (i, (field, name)) in named.iter().enumerate() {
            if let Some((other, _)) =
                named[i + 1..].iter().find(|(_, o)| crate::values::fold(o) == crate::values::fold(name))
            {
                return Some(format!("{field} and {other} name the same column `{name}`"));
            }
        }
        match &self.source {
            Source::Path(path) if path.as_os_str().is_empty() => Some("source: must not be empty".into()),
            Source::Url(url) if url.split_once("://").is_none_or(|(_, rest)| rest.is_empty()) => {
                Some("source: the URL has no host".into())
            }
            _ if self.sheet.as_deref().is_some_and(|s| s.trim().is_empty()) => {
                Some("sheet: must not be empty (leave it out for the first sheet)".into())
            }
            _ if self.known_kinds.as_ref().is_some_and(|k| k.iter().any(|k| k.trim().is_empty())) => {
                Some("known_kinds: a kind is empty".into())
            }
            _ => None,
        }
    }
}
