//! check(), tokens, streams and faults against the HelloAsso sandbox.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Sandbox, read_all};
use hub_connector_helloasso::HelloAssoConnector;
use hub_connector_sdk::{Connector, ConnectorError, SourceRecord};
use serde_json::{Value, json};

#[tokio::test]
async fn check_names_the_organization_and_a_wrong_secret_is_an_auth_error() {
    let sandbox = Sandbox::start().await;
    let report = sandbox.connector().check().await.expect("check passes");
    assert!(report.ok);
    assert!(report.detail.contains("Tiers-Lieu La Fabrique"), "{}", report.detail);

    let mut settings = sandbox.settings();
    settings.client_secret = "not-the-secret".into();
    let err = HelloAssoConnector::new(settings).unwrap().check().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");
    let secret = sandbox.cred("client_secret");
    assert!(!format!("{:?}", sandbox.settings()).contains(&secret));
    assert!(!format!("{:?}", sandbox.connector()).contains(&secret));
}

#[tokio::test]
async fn tokens_are_shared_and_renewed_after_expiry() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector();
    // Concurrent requests wait for one token instead of each asking for its own.
    let (a, b, c) = tokio::join!(connector.check(), connector.read("payments", None), connector.read("members", None));
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    assert_eq!(sandbox.state().await["accessTokens"], 1);

    let expired = sandbox.trigger("/_sandbox/expire-tokens", json!({})).await;
    assert_eq!(expired["expired"], 1);
    connector.read("payments", None).await.expect("a read after the expiry succeeds");
    assert_eq!(sandbox.state().await["accessTokens"], 2, "exactly one new token was issued");
    connector.check().await.expect("and the new token is reused");
    assert_eq!(sandbox.state().await["accessTokens"], 2);
}

fn by_id(records: &[SourceRecord]) -> BTreeMap<String, Value> {
    records.iter().map(|r| (r.external_id.clone(), r.data.clone())).collect()
}

#[tokio::test]
async fn streams_read_everything_then_only_what_is_new() {
    let sandbox = Sandbox::start().await;
    let mut settings = sandbox.settings();
    settings.page_size = 37;
    let connector = HelloAssoConnector::new(settings).unwrap();
    let state = sandbox.state().await;
    let (orders, payments) = (state["orders"].as_u64().unwrap() as usize, state["payments"].as_u64().unwrap() as usize);
    assert!(orders > 37, "the seed spans several pages");
    // The first page of a pass says how many pages the pass holds (`hub sync`'s progress bar).
    let first = connector.read("members", None).await.unwrap();
    assert_eq!(first.total_pages, Some(orders.div_ceil(37) as u64));
    let second = connector.read("members", first.next_cursor.as_ref()).await.unwrap();
    assert_eq!(second.total_pages, None, "only the first page asks for the count");

    let (members, members_cursor) = read_all(&connector, "members", None).await;
    let (memberships, memberships_cursor) = read_all(&connector, "memberships", None).await;
    let (pays, payments_cursor) = read_all(&connector, "payments", None).await;

    let payers: BTreeSet<&str> =
        members.iter().map(|r| r.external_id.as_str()).filter(|id| id.ends_with("-payer")).collect();
    assert_eq!(payers.len(), orders, "one payer per order");
    assert_eq!(by_id(&pays).len(), payments);
    assert_eq!(pays.len(), payments, "no payment read twice in one pass");
    assert!(pays.iter().all(|p| p.external_id.starts_with("payment-") && p.data["kind"].is_string()));

    // Memberships: statuses, custom fields, members behind them.
    let statuses: BTreeSet<&str> = memberships.iter().map(|m| m.data["status"].as_str().unwrap()).collect();
    assert!(statuses.contains("active") && statuses.contains("refunded"), "{statuses:?}");
    for m in &memberships {
        assert!(m.external_id.starts_with("item-"));
        let refunded = m.data["paymentState"] == "Refunded";
        assert_eq!(m.data["status"] == "refunded", refunded, "{m:?}");
        assert_eq!(m.data["status"] == "active", m.data["paymentState"] == "Authorized", "{m:?}");
        let fields = m.data["customFields"].as_object().unwrap();
        assert!(fields["Date de naissance"].as_str().is_some_and(|d| d.len() == 10), "{m:?}");
        assert!(fields["Commune"].as_str().is_some_and(|c| !c.is_empty()), "{m:?}");
    }
    let member_ids = by_id(&members);
    for m in &memberships {
        assert!(member_ids.contains_key(m.data["memberExternalId"].as_str().unwrap()), "{m:?}");
    }

    // A family membership gives its payer, and a record per beneficiary whose name is not the
    // payer's (the sandbox's family items carry the payer's name: one person; the unit tests cover
    // an order with another beneficiary).
    let family = memberships.iter().find(|m| m.data["tierName"] == "Famille").expect("a family membership");
    let order_id = &family.data["orderId"];
    let people: Vec<&SourceRecord> = members.iter().filter(|r| &r.data["orderId"] == order_id).collect();
    assert!(people.iter().any(|p| p.data["role"] == "payer" && p.data["email"].is_string()), "{people:?}");
    assert!(people.iter().filter(|p| p.data["role"] == "beneficiary").all(|p| p.data.get("email").is_none()));

    // Accented names come through untouched (seed people found by their email).
    let mut accented = 0;
    for p in (0..300).map(hub_sandbox_core::seed::person) {
        let Some(payer) = members.iter().find(|r| r.data["email"] == p.email.as_str()) else { continue };
        assert_eq!(payer.data["firstName"], p.given_name.as_str());
        assert_eq!(payer.data["lastName"], p.family_name.as_str());
        accented += usize::from(!p.given_name.is_ascii() || !p.family_name.is_ascii());
    }
    assert!(accented > 0, "some payers have accented names");

    // A second full read gives the same ids and data.
    assert_eq!(by_id(&read_all(&connector, "members", None).await.0), member_ids);
    assert_eq!(by_id(&read_all(&connector, "memberships", None).await.0), by_id(&memberships));
    assert_eq!(by_id(&read_all(&connector, "payments", None).await.0), by_id(&pays));

    // Someone pays: reading on from the stored cursors gives that order, not the old ones.
    let paid = sandbox
        .trigger("/_sandbox/payments", json!({"formType": "Membership", "tierLabel": "Famille", "person": 3}))
        .await;
    let order_id = paid["order"]["id"].as_i64().unwrap();
    let payment_id = paid["payment"]["id"].as_i64().unwrap();
    let (new_members, _) = read_all(&connector, "members", members_cursor).await;
    let (new_memberships, _) = read_all(&connector, "memberships", memberships_cursor).await;
    let (new_payments, _) = read_all(&connector, "payments", payments_cursor).await;
    let ids = |rs: &[SourceRecord]| rs.iter().map(|r| r.external_id.clone()).collect::<BTreeSet<_>>();
    assert!(ids(&new_members).contains(&format!("order-{order_id}-payer")), "{:?}", ids(&new_members));
    assert!(ids(&new_payments).contains(&format!("payment-{payment_id}")), "{:?}", ids(&new_payments));
    let new_membership = new_memberships.iter().find(|m| m.data["orderId"] == order_id).expect("the new membership");
    assert_eq!(new_membership.data["status"], "active");
    // Besides the new order, only the old orders inside the overlap window come back.
    let date = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().to_utc();
    let latest = pays.iter().map(|p| date(&p.data["date"])).max().unwrap();
    let cutoff = latest - chrono::Duration::from_std(hub_connector_helloasso::CURSOR_OVERLAP).unwrap();
    let mut recent: BTreeSet<i64> =
        pays.iter().filter(|p| date(&p.data["date"]) >= cutoff).map(|p| p.data["orderId"].as_i64().unwrap()).collect();
    recent.insert(order_id);
    assert!(recent.len() < 10, "{recent:?}");
    for r in new_members.iter().chain(&new_memberships).chain(&new_payments) {
        assert!(recent.contains(&r.data["orderId"].as_i64().unwrap()), "an old record came back: {r:?}");
    }
}

#[tokio::test]
async fn an_unknown_stream_is_unsupported_and_write_is_refused() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector();
    assert!(matches!(connector.read("orders", None).await, Err(ConnectorError::Unsupported(_))));
    let change = hub_connector_sdk::CanonicalChange {
        entity_kind: hub_connector_sdk::EntityKind::Person,
        entity_id: Default::default(),
        op: hub_connector_sdk::ChangeOp::Created,
        fields: json!({}),
        external_id: None,
        first_attempt: false,
    };
    assert!(matches!(connector.write(&change).await, Err(ConnectorError::Unsupported(_))));
}

#[tokio::test]
async fn rate_limits_are_retryable_with_the_delay_asked() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector();
    connector.check().await.expect("check passes before the fault");
    sandbox.set_faults(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    let err = connector.read("members", None).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
    // Even the token endpoint's 429 is classified the same way.
    let fresh = sandbox.connector().check().await.unwrap_err();
    assert!(matches!(fresh, ConnectorError::RateLimited { .. }), "{fresh:?}");
    assert_eq!(fresh.retry_after(), Some(std::time::Duration::from_secs(7)));
    sandbox.set_faults(json!({})).await;
    connector.read("members", None).await.expect("back to normal");
}
