//! The rules of [`super::plan`]: when equipment goes out, when it comes back, what is never retried.

use super::*;
use crate::store::LOAN_IN;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn resources() -> BTreeMap<String, ResourceConfig> {
    let config = crate::config::Config::from_toml_str(
        "[resources.cnc]\nkind = \"machine\"\nasset_tags = [\"FAB-0011\", \"FAB-0012\"]\n[resources.salle]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    config.resources
}

fn booking(id: u128, start: &str, end: &str) -> Booking {
    Booking {
        id: Uuid::from_u128(id),
        resource: "cnc".into(),
        status: "confirmed".into(),
        starts_at: at(start),
        ends_at: at(end),
        booker_email: Some("camille@example.org".into()),
        booker_name: Some("Camille".into()),
        deleted: false,
    }
}

fn loan(id: u128, tag: &str, state: &str) -> LoanRow {
    LoanRow {
        booking_id: Uuid::from_u128(id),
        asset_tag: tag.into(),
        state: state.into(),
        detail: String::new(),
        updated_at_ms: 0,
    }
}

fn summary(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::Checkout { booking, tag } => format!("out {} {tag}", booking.id.as_u128()),
            Action::Checkin { booking, tag, why } => format!("in {} {tag} {why:?}", booking.id.as_u128()),
            Action::NoEmail { booking, tag } => format!("no-email {} {tag}", booking.id.as_u128()),
        })
        .collect()
}

const NOW: &str = "2026-11-29T14:00:00Z";

#[test]
fn a_running_booking_takes_its_assets_once() {
    let b = booking(1, "2026-11-29T13:50:00Z", "2026-11-29T15:50:00Z");
    let r = resources();
    let zero = Duration::zero();
    assert_eq!(summary(&plan(std::slice::from_ref(&b), &[], &r, at(NOW), zero)), ["out 1 FAB-0011", "out 1 FAB-0012"]);
    let loans = [loan(1, "FAB-0011", LOAN_OUT), loan(1, "FAB-0012", LOAN_UNAVAILABLE)];
    assert!(plan(&[b], &loans, &r, at(NOW), zero).is_empty(), "out stays out, unavailable is never retried");
}

#[test]
fn the_lead_sends_assets_before_the_start_and_a_later_booking_waits() {
    let b = booking(1, "2026-11-29T14:30:00Z", "2026-11-29T16:00:00Z");
    let r = resources();
    assert!(plan(std::slice::from_ref(&b), &[], &r, at(NOW), Duration::zero()).is_empty());
    assert_eq!(plan(&[b], &[], &r, at(NOW), Duration::minutes(30)).len(), 2);
}

#[test]
fn assets_come_back_when_the_booking_ends_is_cancelled_deleted_or_moved() {
    let r = resources();
    let zero = Duration::zero();
    let ended = booking(1, "2026-11-29T12:00:00Z", "2026-11-29T14:00:00Z");
    let mut cancelled = booking(2, "2026-11-29T13:00:00Z", "2026-11-29T15:00:00Z");
    cancelled.status = "cancelled".into();
    let mut deleted = booking(3, "2026-11-29T13:00:00Z", "2026-11-29T15:00:00Z");
    deleted.deleted = true;
    let moved = booking(4, "2026-11-30T13:00:00Z", "2026-11-30T15:00:00Z");
    let mut elsewhere = booking(5, "2026-11-29T13:00:00Z", "2026-11-29T15:00:00Z");
    elsewhere.resource = "salle".into();
    let loans: Vec<LoanRow> = (1..=5).map(|i| loan(i, "FAB-0011", LOAN_OUT)).collect();
    assert_eq!(
        summary(&plan(&[ended, cancelled, deleted, moved, elsewhere], &loans, &r, at(NOW), zero)),
        [
            "in 1 FAB-0011 Ended",
            "in 2 FAB-0011 Cancelled",
            "in 3 FAB-0011 Cancelled",
            "in 4 FAB-0011 Moved",
            "in 5 FAB-0011 Unlisted"
        ]
    );
}

#[test]
fn returns_come_before_checkouts_and_a_booker_without_email_is_reported() {
    let r = resources();
    let before = booking(1, "2026-11-29T12:00:00Z", "2026-11-29T14:00:00Z");
    let mut after = booking(2, "2026-11-29T14:00:00Z", "2026-11-29T16:00:00Z");
    after.booker_email = None;
    let loans = [loan(1, "FAB-0011", LOAN_OUT), loan(2, "FAB-0012", LOAN_IN)];
    assert_eq!(
        summary(&plan(&[after, before], &loans, &r, at(NOW), Duration::zero())),
        ["in 1 FAB-0011 Ended", "no-email 2 FAB-0011", "no-email 2 FAB-0012"]
    );
}

#[test]
fn a_requested_booking_takes_nothing() {
    let mut b = booking(1, "2026-11-29T13:00:00Z", "2026-11-29T15:00:00Z");
    b.status = "requested".into();
    assert!(plan(&[b], &[], &resources(), at(NOW), Duration::zero()).is_empty());
}
