//! What the equipment loop should do now, decided from the bookings and loans read this tick:
//! a pure function of (bookings, loans, resources, now, lead), so every rule is tested without a
//! database or a Snipe-IT.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    config::ResourceConfig,
    store::{EntityRow, LOAN_OUT, LOAN_UNAVAILABLE, LoanRow},
};

/// A canonical booking as the loop reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub id: Uuid,
    pub resource: String,
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub booker_email: Option<String>,
    pub booker_name: Option<String>,
    /// Soft-deleted (a cancelled Cal.com booking) or merged into another.
    pub deleted: bool,
}

fn text(fields: &Value, key: &str) -> Option<String> {
    fields.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn instant(fields: &Value, key: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&text(fields, key)?).ok().map(|t| t.with_timezone(&Utc))
}

impl Booking {
    /// `None` when the row lacks readable times (nothing can be planned for it); a booking
    /// without resource has none of the resources' assets (any still out come back).
    pub fn from_row(row: &EntityRow) -> Option<Booking> {
        let f = &row.fields.0;
        Some(Booking {
            id: row.id,
            resource: text(f, "resource").unwrap_or_default(),
            status: text(f, "status").unwrap_or_default(),
            starts_at: instant(f, "starts_at")?,
            ends_at: instant(f, "ends_at")?,
            booker_email: text(f, "booker_email"),
            booker_name: text(f, "booker_name"),
            deleted: row.deleted_at.is_some() || row.merged_into.is_some(),
        })
    }

    /// Whether its equipment should be out at `now`: confirmed, live, and between
    /// `starts_at - lead` and `ends_at`.
    pub fn wants_equipment(&self, now: DateTime<Utc>, lead: Duration) -> bool {
        !self.deleted && self.status == "confirmed" && self.starts_at - lead <= now && now < self.ends_at
    }

    /// Why its equipment goes back now (it does not want it any more).
    fn why_back(&self, now: DateTime<Utc>, lead: Duration, listed: bool) -> Return {
        if self.deleted || self.status != "confirmed" {
            Return::Cancelled
        } else if self.ends_at <= now {
            Return::Ended
        } else if now < self.starts_at - lead {
            Return::Moved
        } else if !listed {
            Return::Unlisted
        } else {
            Return::Ended
        }
    }
}

/// Why an asset is checked back in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Return {
    Ended,
    Cancelled,
    Moved,
    /// The tag is no longer among the resource's `asset_tags` (or the booking changed resource).
    Unlisted,
}

impl Return {
    /// The words of the checkin note and of the loan's `detail`.
    pub fn french(self) -> &'static str {
        match self {
            Return::Ended => "réservation terminée",
            Return::Cancelled => "réservation annulée",
            Return::Moved => "réservation déplacée",
            Return::Unlisted => "matériel retiré de la ressource",
        }
    }
}

/// One move to make.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Checkin {
        booking: Booking,
        tag: String,
        why: Return,
    },
    Checkout {
        booking: Booking,
        tag: String,
    },
    /// The booking wants equipment but has no booker e-mail to lend it to: reported once.
    NoEmail {
        booking: Booking,
        tag: String,
    },
}

/// The moves due at `now`: check-ins first (an asset passing from one booking to the next is
/// back before it goes out again), then checkouts. A loan `unavailable` is never retried; a loan
/// `in` goes out again if its booking wants it again (moved back into its window).
pub fn plan(
    bookings: &[Booking],
    loans: &[LoanRow],
    resources: &BTreeMap<String, ResourceConfig>,
    now: DateTime<Utc>,
    lead: Duration,
) -> Vec<Action> {
    let state: BTreeMap<(Uuid, &str), &str> =
        loans.iter().map(|l| ((l.booking_id, l.asset_tag.as_str()), l.state.as_str())).collect();
    let (mut back, mut out) = (Vec::new(), Vec::new());
    for b in bookings {
        let listed: BTreeSet<&str> =
            resources.get(&b.resource).map(|r| r.asset_tags.iter().map(String::as_str).collect()).unwrap_or_default();
        let wants = b.wants_equipment(now, lead);
        for l in loans.iter().filter(|l| l.booking_id == b.id && l.state == LOAN_OUT) {
            let keep = wants && listed.contains(l.asset_tag.as_str());
            if !keep {
                let why = b.why_back(now, lead, listed.contains(l.asset_tag.as_str()));
                back.push(Action::Checkin { booking: b.clone(), tag: l.asset_tag.clone(), why });
            }
        }
        if !wants {
            continue;
        }
        for tag in &listed {
            match state.get(&(b.id, *tag)).copied() {
                Some(LOAN_OUT) | Some(LOAN_UNAVAILABLE) => {}
                _ if b.booker_email.is_none() => out.push(Action::NoEmail { booking: b.clone(), tag: tag.to_string() }),
                _ => out.push(Action::Checkout { booking: b.clone(), tag: tag.to_string() }),
            }
        }
    }
    back.extend(out);
    back
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
