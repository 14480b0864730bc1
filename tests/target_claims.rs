//! Target pushes are claimed by due time, then outbox order: memberships deferred behind their
//! members' contacts (due again every few hundred milliseconds) must not fill every claim ahead
//! of the contacts they wait for. Seen in the 1,000-membership fault run, where the Odoo target
//! stopped for good. Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

use hub::{
    store::{ChangeSource, PushEnd, Store, now_ms},
    testing::FreshDatabase,
};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn deferred_pushes_do_not_starve_the_ones_they_wait_for() {
    let db = FreshDatabase::from_env().await.unwrap();
    let store = Store::connect(&db.url, 4).await.unwrap();
    store.migrate().await.unwrap();
    let who = ChangeSource { system: "helloasso", instance: "helloasso_main" };
    // Read in this order: ten memberships first, then their ten members.
    let mut tx = store.begin().await.unwrap();
    for kind in ["membership", "person"] {
        for _ in 0..10 {
            Store::append_outbox(
                &mut tx,
                &format!("{kind}.created"),
                kind,
                Uuid::now_v7(),
                "created",
                &who,
                &json!({}),
            )
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    let targets = vec![("odoo_main".to_string(), vec!["person".to_string(), "membership".to_string()])];
    assert_eq!(store.plan_pushes_once(&targets, 100).await.unwrap(), 20);
    // Every claim of four defers what it took if it is a membership (its member is not written).
    let mut persons_claimed = 0;
    for _ in 0..10 {
        let claimed = store.claim_pushes("odoo_main", 4, 5_000).await.unwrap();
        for push in &claimed {
            let end = if push.entity_kind == "membership" {
                PushEnd::Deferred { at_ms: now_ms() + 1, reason: "waiting for the member's contact".into() }
            } else {
                persons_claimed += 1;
                PushEnd::Done {
                    system: "odoo".into(),
                    external_id: push.entity_id.to_string(),
                    pushed_hash: "h".into(),
                }
            };
            store.finish_push("odoo_main", push, &end).await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(persons_claimed, 10, "the members' contacts were claimed despite the deferred memberships");
    store.close().await;
    db.drop_database().await;
}
