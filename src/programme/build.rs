//! `hub programme build`: the month's printable page, its PDF and the newsletter block written
//! to a folder, as `programme-YYYY-MM.html`, `programme-YYYY-MM.pdf` and
//! `newsletter-YYYY-MM.html`.

use std::path::{Path, PathBuf};

use super::{month::MonthProgramme, newsletter, page, pdf};

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub page: PathBuf,
    pub pdf: PathBuf,
    pub newsletter: PathBuf,
    pub events: usize,
}

/// Writes the three files of `programme` into `dir` (created if needed).
pub fn write(programme: &MonthProgramme, dir: &Path) -> std::io::Result<Built> {
    std::fs::create_dir_all(dir)?;
    let month = programme.month.to_string();
    let built = Built {
        page: dir.join(format!("programme-{month}.html")),
        pdf: dir.join(format!("programme-{month}.pdf")),
        newsletter: dir.join(format!("newsletter-{month}.html")),
        events: programme.events.len(),
    };
    std::fs::write(&built.page, page::render(programme))?;
    std::fs::write(&built.pdf, pdf::render(programme))?;
    std::fs::write(&built.newsletter, newsletter::render(programme))?;
    Ok(built)
}
