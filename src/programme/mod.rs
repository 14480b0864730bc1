//! The monthly programme (issue #6): a spreadsheet row becomes an event everywhere it belongs.
//!
//! # Flow
//! * A `kind = "spreadsheet"` instance reads the sheet into canonical `event`s (mapping
//!   `spreadsheet/events`); rows it cannot read are reported (`last_problems`) and skipped.
//! * The registry then adds the internal target `programme` ([`ProgrammeTasks`], `writes =
//!   ["event"]`): the targets' machinery hands it every event change, in order and retried, and it
//!   keeps the event's `task`s in line with the kind (`mappings/programme-kinds.toml`, [`kinds`]).
//!   Mattermost announces events in `programme` through its own default route; Google Calendar
//!   has no connector yet, which `GET /programme/status` and a start-up log line say.
//! * Registrations ([`registrations`]) are canonical `registration`s written through the same
//!   `apply_record` path (so outbound webhooks emit `registration.created`), with the event's
//!   capacity (or a task's places) checked under a per-event lock, and a waiting list.
//! * A month ([`month`]) is read back as events with their tasks and counts, and rendered as ICS
//!   ([`ics`]), JSON, a printable A4 page ([`page`]), a newsletter block ([`newsletter`]) and a PDF
//!   ([`pdf`], built-in Helvetica, no system dependency). [`build`] writes the files.

pub mod build;
pub mod french;
pub mod ics;
pub mod kinds;
pub mod month;
pub mod newsletter;
pub mod page;
pub mod pdf;
pub mod queries;
pub mod registrations;
pub mod status;
pub mod tasks;
mod winansi;
pub mod wiring;

pub use kinds::{EventKind, KindsError, ProgrammeKinds, TaskTemplate};
pub use month::{Month, MonthProgramme};
pub use tasks::ProgrammeTasks;

/// The system and the instance name of the programme's own records (tasks), and of the target.
pub const SYSTEM: &str = "programme";
pub const INSTANCE: &str = "programme";
/// The instance name under which registrations are recorded (system `programme`).
pub const REGISTRATIONS: &str = "registrations";

/// What the pages say about the place, and where links point.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgrammeSettings {
    pub title: String,
    pub venue: String,
    /// The hub's public origin without a trailing `/`; empty: relative links.
    pub public_origin: String,
    /// The spreadsheet instances feeding the programme.
    pub spreadsheets: Vec<String>,
}

/// The shipped files the programme needs in a mappings folder (tests and benchmarks write them
/// into their own folder): `(path relative to the mappings folder, content)`.
pub fn shipped_mapping_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("spreadsheet/events.toml", include_str!("../../mappings/spreadsheet/events.toml")),
        ("programme/tasks.toml", include_str!("../../mappings/programme/tasks.toml")),
        ("programme/registrations.toml", include_str!("../../mappings/programme/registrations.toml")),
        (crate::config::KINDS_FILE, include_str!("../../mappings/programme-kinds.toml")),
    ]
}
