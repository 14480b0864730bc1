//! A month of the programme read back from the store: its events in start order, each with its
//! tasks and registration counts, in Europe/Paris time; and its JSON form (`/programme/{yyyy-mm}.json`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::{Europe::Paris, Tz};
use hub_connector_sdk::EntityKind;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ProgrammeSettings, queries, registrations::Counts};
use crate::store::{EntityRow, Store, StoreError};

/// A calendar month, `yyyy-mm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// `2026-12` (years 2000 to 2999).
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
        ((2000..3000).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// The month holding `date`.
    pub fn of(date: NaiveDate) -> Month {
        Month { year: date.year(), month: date.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a valid month")
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    /// `décembre 2026`.
    pub fn label(self) -> String {
        super::french::month_label(self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A task of an event, with its registrations.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeTask {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub places: Option<i64>,
    pub doc_url: Option<String>,
    pub description: Option<String>,
    pub counts: Counts,
}

/// An event of the month.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeEvent {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub date: NaiveDate,
    pub starts_at: Option<DateTime<Tz>>,
    pub ends_at: Option<DateTime<Tz>>,
    pub place: Option<String>,
    pub organiser: Option<String>,
    pub capacity: Option<i64>,
    pub description: Option<String>,
    pub status: String,
    pub tasks: Vec<ProgrammeTask>,
    /// Registrations counted against the capacity (no task, or a task without its own places).
    pub counts: Counts,
}

impl ProgrammeEvent {
    pub fn is_cancelled(&self) -> bool {
        matches!(self.status.as_str(), "cancelled" | "canceled")
    }

    /// Places left under the capacity (`None`: no limit).
    pub fn remaining(&self) -> Option<i64> {
        self.capacity.map(|c| (c - self.counts.confirmed).max(0))
    }
}

/// The month's programme.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthProgramme {
    pub month: Month,
    pub title: String,
    pub venue: String,
    pub public_origin: String,
    pub events: Vec<ProgrammeEvent>,
}

fn text(fields: &Value, key: &str) -> Option<String> {
    fields.get(key).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty())
}

fn instant(fields: &Value, key: &str) -> Option<DateTime<Tz>> {
    let s = fields.get(key).and_then(Value::as_str)?;
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc).with_timezone(&Paris))
}

fn event_of(row: &EntityRow) -> Option<ProgrammeEvent> {
    let f = &row.fields.0;
    let date = NaiveDate::parse_from_str(&text(f, "date")?, "%Y-%m-%d").ok()?;
    Some(ProgrammeEvent {
        id: row.id,
        title: text(f, "title").unwrap_or_default(),
        kind: text(f, "kind").unwrap_or_default(),
        date,
        starts_at: instant(f, "starts_at"),
        ends_at: instant(f, "ends_at"),
        place: text(f, "place"),
        organiser: text(f, "organiser"),
        capacity: f.get("capacity").and_then(Value::as_i64),
        description: text(f, "description"),
        status: text(f, "status").unwrap_or_else(|| "scheduled".into()),
        tasks: Vec::new(),
        counts: Counts::default(),
    })
}

fn task_of(row: &EntityRow) -> ProgrammeTask {
    let f = &row.fields.0;
    ProgrammeTask {
        id: row.id,
        slug: text(f, "slug").unwrap_or_default(),
        title: text(f, "title").unwrap_or_default(),
        places: f.get("places").and_then(Value::as_i64),
        doc_url: text(f, "doc_url"),
        description: text(f, "description"),
        counts: Counts::default(),
    }
}

/// Reads `month` from the store.
pub async fn load(store: &Store, settings: &ProgrammeSettings, month: Month) -> Result<MonthProgramme, StoreError> {
    let rows = queries::events_between(store, month.first_day(), month.next().first_day()).await?;
    let mut events: Vec<ProgrammeEvent> = rows.iter().filter_map(event_of).collect();
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let tasks = queries::of_events(store, EntityKind::Task, &ids).await?;
    let registrations = queries::of_events(store, EntityKind::Registration, &ids).await?;
    for event in &mut events {
        let id = event.id.to_string();
        let mine = |r: &&EntityRow| r.fields.0.get("event").and_then(Value::as_str) == Some(id.as_str());
        event.tasks = tasks.iter().filter(mine).map(task_of).collect();
        let regs: Vec<&Value> = registrations.iter().filter(mine).map(|r| &r.fields.0).collect();
        for task in &mut event.tasks {
            if task.places.is_some() {
                task.counts =
                    Counts::of(regs.iter().copied().filter(|r| super::registrations::task_of(r) == Some(task.id)));
            }
        }
        let own_places: Vec<Uuid> = event.tasks.iter().filter(|t| t.places.is_some()).map(|t| t.id).collect();
        event.counts = Counts::of(
            regs.iter().copied().filter(|r| super::registrations::task_of(r).is_none_or(|t| !own_places.contains(&t))),
        );
        for task in event.tasks.iter_mut().filter(|t| t.places.is_none()) {
            task.counts =
                Counts::of(regs.iter().copied().filter(|r| super::registrations::task_of(r) == Some(task.id)));
        }
    }
    Ok(MonthProgramme {
        month,
        title: settings.title.clone(),
        venue: settings.venue.clone(),
        public_origin: settings.public_origin.clone(),
        events,
    })
}

fn counts_json(counts: &Counts, limit: Option<i64>) -> Value {
    json!({
        "confirmed": counts.confirmed,
        "waitlisted": counts.waitlisted,
        "remaining": limit.map(|l| (l - counts.confirmed).max(0)),
    })
}

impl MonthProgramme {
    /// The JSON feed: every event of the month (cancelled ones with their status), with tasks and
    /// counts. Times are local (Europe/Paris) with their offset.
    pub fn to_json(&self) -> Value {
        let t = |d: &Option<DateTime<Tz>>| d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        let events: Vec<Value> = self
            .events
            .iter()
            .map(|e| {
                let tasks: Vec<Value> = e
                    .tasks
                    .iter()
                    .map(|task| {
                        json!({
                            "id": task.id, "slug": task.slug, "title": task.title, "places": task.places,
                            "doc_url": task.doc_url, "description": task.description,
                            "registrations": counts_json(&task.counts, task.places),
                        })
                    })
                    .collect();
                json!({
                    "id": e.id, "title": e.title, "kind": e.kind, "date": e.date.format("%Y-%m-%d").to_string(),
                    "day": super::french::day_label(e.date), "starts_at": t(&e.starts_at), "ends_at": t(&e.ends_at),
                    "place": e.place, "organiser": e.organiser, "capacity": e.capacity,
                    "description": e.description, "status": e.status,
                    "registrations": counts_json(&e.counts, e.capacity), "tasks": tasks,
                })
            })
            .collect();
        json!({
            "month": self.month.to_string(), "label": self.month.label(), "title": self.title,
            "time_zone": "Europe/Paris", "events": events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly_and_roll_over() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(
            (m.to_string(), m.next().to_string(), m.label()),
            ("2026-12".into(), "2027-01".into(), "décembre 2026".into())
        );
        for bad in ["2026-13", "2026-1", "26-12", "2026/12", "1999-01", "2026-12.ics"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }
}
