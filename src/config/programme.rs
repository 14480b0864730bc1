//! `[programme]`: the monthly programme built from the spreadsheet instances — where the event
//! kinds file is, what the printable programme and the newsletter are titled, which public
//! address links in them point to, and where `hub programme build` writes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The kinds file's name inside the mappings folder (beside the mapping folders, not in one:
/// every `*.toml` of a mapping folder is read as a mapping).
pub const KINDS_FILE: &str = "programme-kinds.toml";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProgrammeConfig {
    /// The event kinds and the tasks each brings; unset: `{mappings.dir}/programme-kinds.toml`.
    pub kinds_file: Option<PathBuf>,
    /// The title of the printable programme and of the newsletter block.
    pub title: String,
    /// The place's name, shown under the title (empty: not shown).
    pub venue: String,
    /// The hub's public address (e.g. `https://hub.mon-tiers-lieu.org`), for the links in the
    /// newsletter and the cancel links of registrations; unset: links are relative.
    pub public_url: Option<String>,
    /// Where `hub programme build` writes without `--out`; unset: `{data_dir}/programme`.
    pub out_dir: Option<PathBuf>,
}

impl Default for ProgrammeConfig {
    fn default() -> Self {
        ProgrammeConfig {
            kinds_file: None,
            title: "Programme".into(),
            venue: String::new(),
            public_url: None,
            out_dir: None,
        }
    }
}

impl ProgrammeConfig {
    /// The kinds file in use.
    pub fn kinds_path(&self, mappings_dir: &Path) -> PathBuf {
        self.kinds_file.clone().unwrap_or_else(|| mappings_dir.join(KINDS_FILE))
    }

    /// The public origin without its trailing `/` (empty when unset).
    pub fn public_origin(&self) -> String {
        self.public_url.as_deref().unwrap_or_default().trim().trim_end_matches('/').to_string()
    }

    /// Problems as (key, reason).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            out.push(("title".into(), "must not be empty".into()));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            out.push(("public_url".into(), format!("`{url}` is not an http(s) URL")));
        }
        out
    }
}
