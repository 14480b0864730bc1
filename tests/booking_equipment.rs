//! Equipment loans end to end against the Cal.com, Mattermost and Snipe-IT sandboxes, on SQLite
//! (or PostgreSQL with `HUB_TEST_DATABASE_URL`): a CNC booked and under way is checked out in
//! Snipe-IT to the booker's e-mail, and checked back in once the booking is cancelled in Cal.com;
//! a camera kit whose asset is in repair is reported once in the channel, never checked out, and
//! not retried over the following ticks.

mod common;

use std::time::Duration;

use common::{
    booking::wait_for,
    equipment::{CHANNEL, Equipment, FREE_TAG, IN_REPAIR_TAG},
};
use hub::store::{LOAN_IN, LOAN_OUT, LOAN_UNAVAILABLE};
use hub_connector_sdk::EntityKind;
use serde_json::Value;
use uuid::Uuid;

/// The canonical booking whose `uid` is `uid`, live or deleted: (id, fields).
async fn booking_with_uid(e: &Equipment, uid: &str) -> Option<(Uuid, Value)> {
    let rows = e.hub.store().list_entities(EntityKind::Booking, 10_000).await.unwrap();
    rows.into_iter().find(|r| r.fields.0["uid"] == uid).map(|r| (r.id, r.fields.0))
}

/// The loan state of `tag` for booking `id`.
async fn loan(e: &Equipment, id: Uuid, tag: &str) -> Option<String> {
    let loans = e.hub.store().equipment_loans(&[id]).await.unwrap();
    loans.into_iter().find(|l| l.asset_tag == tag).map(|l| l.state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equipment_goes_out_with_the_booking_comes_back_when_cancelled_and_unavailable_is_told_once() {
    let e = Equipment::start().await;
    let (asset, holder) = e.tools.asset(FREE_TAG).await;
    assert_eq!((asset["status_id"].as_u64(), holder), (Some(1), None), "{FREE_TAG} starts ready to deploy");
    let (asset, _) = e.tools.asset(IN_REPAIR_TAG).await;
    assert_eq!(asset["status_id"], 4, "{IN_REPAIR_TAG} starts out for repair");

    // A CNC booking under way: the asset goes to the booker.
    let uid = e.tools.book_under_way("fab-0011").await;
    let (id, fields) = wait_for(30, "the canonical CNC booking", || booking_with_uid(&e, &uid)).await;
    assert_eq!((fields["resource"].as_str(), fields["status"].as_str()), (Some("fraiseuse-cnc"), Some("confirmed")));
    let email = fields["booker_email"].as_str().expect("a booker e-mail").to_string();
    let asset = wait_for(30, "the CNC checked out to the booker", || async {
        let (asset, holder) = e.tools.asset(FREE_TAG).await;
        (holder.as_deref() == Some(email.as_str())).then_some(asset)
    })
    .await;
    assert!(asset["expected_checkin"].is_string(), "due back at the booking's end: {asset}");
    wait_for(10, "the loan recorded out", || async {
        (loan(&e, id, FREE_TAG).await.as_deref() == Some(LOAN_OUT)).then_some(())
    })
    .await;

    // A camera kit whose asset is in repair: told once in the channel, never checked out.
    let kit = e.tools.book_under_way("fab-0021").await;
    let (kit_id, _) = wait_for(30, "the canonical kit booking", || booking_with_uid(&e, &kit)).await;
    let notices = wait_for(30, "the unavailability notice", || async {
        let n = e.tools.notices(CHANNEL).await;
        (!n.is_empty()).then_some(n)
    })
    .await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = &notices[0];
    assert!(text.starts_with("Matériel indisponible pour la réservation de Kit reportage ("), "{text}");
    assert!(text.contains(&format!(" : {IN_REPAIR_TAG} — ")) && text.contains("Out for Repair"), "{text}");
    assert!(!text.contains(&email), "the notice names the booker, not their e-mail: {text}");
    wait_for(10, "the loan recorded unavailable", || async {
        (loan(&e, kit_id, IN_REPAIR_TAG).await.as_deref() == Some(LOAN_UNAVAILABLE)).then_some(())
    })
    .await;

    // Cancelled in Cal.com: the CNC comes back.
    e.tools.cancel(&uid).await;
    wait_for(30, "the CNC checked back in", || async {
        let (asset, holder) = e.tools.asset(FREE_TAG).await;
        (holder.is_none() && asset["assigned_to"].is_null()).then_some(())
    })
    .await;
    wait_for(10, "the loan recorded in", || async {
        (loan(&e, id, FREE_TAG).await.as_deref() == Some(LOAN_IN)).then_some(())
    })
    .await;

    // Several more ticks (1 s apart): the kit is not retried, nothing more is posted.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(e.tools.notices(CHANNEL).await.len(), 1, "one notice, whatever the ticks");
    let (asset, holder) = e.tools.asset(IN_REPAIR_TAG).await;
    assert_eq!((asset["status_id"].as_u64(), holder), (Some(4), None), "the kit's asset was never checked out");
    assert_eq!(loan(&e, kit_id, IN_REPAIR_TAG).await.as_deref(), Some(LOAN_UNAVAILABLE));
    let (_, holder) = e.tools.asset(FREE_TAG).await;
    assert_eq!(holder, None, "a cancelled booking does not take the CNC again");
}
