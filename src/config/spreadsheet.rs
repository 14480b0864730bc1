//! `kind = "spreadsheet"`: a programme sheet (CSV, XLSX or ODS, a file or a URL) read every few
//! minutes into canonical events. Read-only: `writes` must stay empty. The source is kept as a
//! secret (a published-sheet or share URL is a capability): it never appears in Debug output,
//! logs or error messages.

use std::collections::BTreeMap;

use hub_connector_spreadsheet::{Format, Headers, Source, SpreadsheetSettings};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// `kind = "spreadsheet"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpreadsheetConnectorConfig {
    #[serde(default = "super::connectors::yes")]
    pub enabled: bool,
    /// stream (`events`) → cron expression; default: every 5 minutes.
    #[serde(default = "default_schedules")]
    pub schedules: BTreeMap<String, String>,
    /// stream → mapping name (default `spreadsheet/events`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    /// The sheet is edited by people, never by the hub: must stay empty.
    #[serde(default)]
    pub writes: Vec<String>,
    /// A path on this machine, or an http(s) URL answering the file itself (a published sheet
    /// `…/pub?output=csv`, a Nextcloud share `…/s/TOKEN/download`). Treated as a secret.
    #[serde(deserialize_with = "super::connectors::secret")]
    pub source: SecretString,
    /// The tab to read (XLSX, ODS); unset: the first one.
    #[serde(default)]
    pub sheet: Option<String>,
    /// The header names of the columns, as the sheet spells them.
    #[serde(default)]
    pub headers: HeadersConfig,
    /// The IANA time zone the sheet's dates and times are written in.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// `csv`, `xlsx` or `ods`; unset: detected from the file.
    #[serde(default)]
    pub format: Option<String>,
}

/// `[connectors.NAME.headers]`: French by default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeadersConfig {
    pub date: String,
    pub start: String,
    pub end: String,
    pub title: String,
    pub kind: String,
    pub place: String,
    pub organiser: String,
    pub capacity: String,
    pub description: String,
}

impl Default for HeadersConfig {
    fn default() -> Self {
        let h = Headers::default();
        HeadersConfig {
            date: h.date,
            start: h.start,
            end: h.end,
            title: h.title,
            kind: h.kind,
            place: h.place,
            organiser: h.organiser,
            capacity: h.capacity,
            description: h.description,
        }
    }
}

fn default_schedules() -> BTreeMap<String, String> {
    BTreeMap::from([(hub_connector_spreadsheet::EVENTS.to_string(), "0 */5 * * * *".to_string())])
}

fn default_time_zone() -> String {
    "Europe/Paris".into()
}

impl SpreadsheetConnectorConfig {
    /// The connector's settings; `known_kinds` are the programme's event kinds.
    pub fn settings(&self, instance: &str, known_kinds: Option<Vec<String>>) -> SpreadsheetSettings {
        let h = &self.headers;
        SpreadsheetSettings {
            sheet: self.sheet.clone(),
            headers: Headers {
                date: h.date.clone(),
                start: h.start.clone(),
                end: h.end.clone(),
                title: h.title.clone(),
                kind: h.kind.clone(),
                place: h.place.clone(),
                organiser: h.organiser.clone(),
                capacity: h.capacity.clone(),
                description: h.description.clone(),
            },
            time_zone: self.time_zone.parse().unwrap_or(chrono_tz::Europe::Paris),
            known_kinds,
            format: self.format.as_deref().and_then(Format::parse),
            ..SpreadsheetSettings::new(instance, Source::parse(self.source.expose_secret()))
        }
    }

    /// Problems as (key inside the table, reason); the source is never quoted.
    pub fn validate(&self, out: &mut Vec<(String, String)>) {
        if self.source.expose_secret().trim().is_empty() {
            out.push(("source".into(), "must name a file or an http(s) URL".into()));
        }
        if !self.writes.is_empty() {
            out.push(("writes".into(), "the spreadsheet is read-only (people edit it): leave `writes` out".into()));
        }
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            out.push((
                "time_zone".into(),
                format!("`{}` is not an IANA time zone (e.g. Europe/Paris)", self.time_zone),
            ));
        }
        if let Some(format) = &self.format
            && Format::parse(format).is_none()
        {
            out.push(("format".into(), format!("`{format}` is not csv, xlsx or ods")));
        }
        let source_ok = !self.source.expose_secret().trim().is_empty();
        if source_ok && let Some(problem) = self.settings("check", None).problem() {
            let (key, reason) = problem.split_once(": ").unwrap_or(("headers", problem.as_str()));
            out.push((key.to_string(), reason.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConnectorConfig};

    fn parse(extra: &str) -> Config {
        Config::from_toml_str(&format!("[connectors.planning]\nkind = \"spreadsheet\"\n{extra}"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn defaults_are_french_headers_every_five_minutes_and_no_writes() {
        let config = parse("source = \"/srv/programme.csv\"");
        let ConnectorConfig::Spreadsheet(c) = &config.connectors["planning"] else { panic!("spreadsheet") };
        assert_eq!(c.schedules["events"], "0 */5 * * * *");
        assert_eq!(c.headers.organiser, "Animateur·rice");
        assert!(config.validate().is_empty(), "{:?}", config.validate());
        assert!(config.connectors["planning"].writes().is_empty());
        let settings = c.settings("planning", Some(vec!["Atelier".into()]));
        assert_eq!(settings.time_zone, chrono_tz::Europe::Paris);
        assert_eq!(settings.known_kinds.as_deref(), Some(&["Atelier".to_string()][..]));
    }

    #[test]
    fn bad_values_are_named_and_the_url_is_never_quoted() {
        let text = "[connectors.planning]\nkind = \"spreadsheet\"\n\
                    source = \"https://cloud.example.org/s/SECRETTOKEN/download\"\nwrites = [\"event\"]\n\
                    time_zone = \"Mars/Olympus\"\nformat = \"xls\"\nheaders = { title = \"Date\" }";
        let err = Config::from_toml_str(text).unwrap_err().to_string();
        for key in [
            "planning.writes`",
            "planning.time_zone`",
            "planning.format`",
            "planning.headers`: headers.date and headers.title",
        ] {
            assert!(err.contains(key), "{key} in {err}");
        }
        assert!(!err.contains("SECRETTOKEN"), "the share URL is a secret: {err}");
        let ok = parse("source = \"https://cloud.example.org/s/SECRETTOKEN/download\"");
        assert!(!format!("{ok:?}").contains("SECRETTOKEN"), "not in Debug either");
    }
}
