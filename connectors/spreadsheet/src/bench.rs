//! Entry points for benchmarks (`hub bench`, criterion): a synthetic programme of any size and the
//! whole read minus the download, so the 2,000-row sync can be timed where timing belongs. No
//! test here measures time.

use hub_connector_sdk::{ConnectorError, Cursor, Page};

use crate::{
    detect_format,
    page::{Tally, plan_page},
    parse::{RowProblem, parse_sheet},
    settings::SpreadsheetSettings,
};

const KINDS: [&str; 4] = ["atelier", "conférence", "repair café", "permanence"];
const PLACES: [&str; 3] = ["Grande salle", "Fablab", "Jardin"];

/// A French-headed, `;`-separated programme of `rows` events over a year, one every few hours;
/// `edited` changes the title of that (0-based) event.
pub fn programme_csv(rows: usize, edited: Option<usize>) -> Vec<u8> {
    let mut out = String::from("Date;Début;Fin;Titre;Type;Lieu;Animateur·rice;Jauge;Description\n");
    for i in 0..rows {
        let day = 1 + (i / 6) % 28;
        let month = 1 + (i / (6 * 28)) % 12;
        let hour = 9 + (i % 6) * 2;
        let title = if edited == Some(i) { format!("Séance {i} (modifiée)") } else { format!("Séance {i}") };
        out.push_str(&format!(
            "{day:02}/{month:02}/2027;{hour}h00;{}h30;{title};{};{};Camille {};{};\"Atelier n°{i}; apporter ses outils\"\n",
            hour + 1,
            KINDS[i % KINDS.len()],
            PLACES[i % PLACES.len()],
            i % 7,
            8 + i % 20,
        ));
    }
    out.into_bytes()
}

/// What one read amounts to once the bytes are there.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncResult {
    pub page: Page,
    pub tally: Tally,
    pub problems: Vec<RowProblem>,
}

/// Detects the format, parses and plans the page, as `read` does after downloading.
pub fn sync_bytes(
    bytes: &[u8],
    settings: &SpreadsheetSettings,
    cursor: Option<&Cursor>,
) -> Result<SyncResult, ConnectorError> {
    let name = settings.source.file_name();
    let format = match settings.format {
        Some(format) => format,
        None => detect_format(bytes, name.as_deref(), None)?,
    };
    let parsed = parse_sheet(bytes, format, settings)?;
    let (page, tally) = plan_page(&parsed, cursor, settings.time_zone)?;
    Ok(SyncResult { page, tally, problems: parsed.problems })
}
