//! `hub programme build`: the month's printable page (A4 HTML), its PDF and the newsletter block,
//! written to a folder; and the skipped rows of a spreadsheet printed after `hub sync`.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;

use crate::{
    config::Config,
    programme::{Month, ProgrammeSettings, build, month},
    registry::Instance,
    store::Store,
};

#[derive(Debug, Subcommand)]
pub enum ProgrammeAction {
    /// Write the printable programme (HTML + PDF) and the newsletter block of a month
    Build {
        /// The month, YYYY-MM (default: next month)
        #[arg(long)]
        month: Option<String>,
        /// Folder to write to (default: programme.out_dir, else {data_dir}/programme)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn next_month() -> Month {
    Month::of(chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive()).next()
}

pub async fn run(config: Config, action: ProgrammeAction) -> Result<ExitCode> {
    let ProgrammeAction::Build { month: wanted, out } = action;
    let month = match wanted.as_deref() {
        Some(text) => {
            Month::parse(text).ok_or_else(|| anyhow!("`{text}` is not a month: expected YYYY-MM, e.g. 2026-12"))?
        }
        None => next_month(),
    };
    let dir = out.or_else(|| config.programme.out_dir.clone()).unwrap_or_else(|| config.data_dir.join("programme"));
    let store = Store::connect(&config.database_url(), config.database.max_connections).await?;
    store.migrate().await?;
    let settings = ProgrammeSettings {
        title: config.programme.title.clone(),
        venue: config.programme.venue.clone(),
        public_origin: config.programme.public_origin(),
        spreadsheets: Vec::new(),
    };
    let programme = month::load(&store, &settings, month).await?;
    let built = build::write(&programme, &dir).with_context(|| format!("cannot write into {}", dir.display()))?;
    println!("programme {month} ({}): {} événement(s)", month.label(), built.events);
    for path in [&built.page, &built.pdf, &built.newsletter] {
        println!("  {}", path.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// After a sync: the rows a spreadsheet skipped, one line each (sheet, row, column, reason).
pub fn print_problems(inst: &Instance) {
    let Some(sheet) = &inst.spreadsheet else { return };
    let problems = sheet.last_problems();
    if !problems.is_empty() {
        println!("  {} ligne(s) ignorée(s) :", problems.len());
    }
    for p in problems {
        println!("  - {p}");
    }
}
