//! check() and the two streams against the Dokos sandbox.

mod common;

use std::collections::BTreeSet;

use common::{Sandbox, read_all};
use hub_connector_dokos::{CUSTOMERS, DokosConnector, SUBSCRIPTIONS};
use hub_connector_sdk::{Connector, ConnectorError, Cursor};
use serde_json::json;

#[tokio::test]
async fn check_accepts_the_key_and_refuses_a_wrong_secret() {
    let sb = Sandbox::start().await;
    let report = sb.connector().check().await.expect("check passes");
    assert!(report.ok);
    let mut settings = sb.settings();
    settings.api_secret = "not-the-secret".into();
    let err = DokosConnector::new(settings).unwrap().check().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert!(err.to_string().contains("AuthenticationError"), "{err}");
    assert!(!err.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn settings_name_the_bad_field_and_hide_the_secret() {
    let sb = Sandbox::start().await;
    let mut settings = sb.settings();
    assert!(!format!("{settings:?}").contains(&sb.cred("api_secret")));
    settings.page_size = 0;
    let err = DokosConnector::new(settings).unwrap_err();
    assert!(err.to_string().contains("page_size"), "{err}");
    let err = sb.connector().read("invoices", None).await.unwrap_err();
    assert_eq!(err.class(), "unsupported");
    let err = sb.connector().read(CUSTOMERS, Some(&Cursor(json!(42)))).await.unwrap_err();
    assert_eq!(err.class(), "invalid");
}

#[tokio::test]
async fn customers_are_read_page_by_page_with_their_contacts() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (records, _, pages) = read_all(&connector, CUSTOMERS, None).await;
    let individuals: BTreeSet<String> = sb
        .docs("Customer")
        .await
        .into_iter()
        .filter(|c| c["customer_type"] == "Individual")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(individuals.len() >= 300, "seeded customers: {}", individuals.len());
    assert!(pages >= individuals.len() / 40, "{pages} pages");
    let ids: BTreeSet<String> = records.iter().map(|r| r.external_id.clone()).collect();
    assert_eq!(ids.len(), records.len(), "no record twice");
    assert_eq!(ids, individuals);
    let first = &records[0];
    assert_eq!(first.stream, CUSTOMERS);
    assert!(first.updated_at.is_some());
    let contact = &first.data["contact"];
    assert!(contact.is_object(), "{}", first.data);
    assert_eq!(first.data["email"], contact["email_id"]);
    assert!(first.data["email"].as_str().unwrap().contains('@'));
    assert_eq!(first.data["given_name"], contact["first_name"]);
    assert!(first.data["phone"].as_str().is_some_and(|p| !p.is_empty()));

    let (again, _, _) = read_all(&connector, CUSTOMERS, None).await;
    let again_ids: Vec<&str> = again.iter().map(|r| r.external_id.as_str()).collect();
    let first_ids: Vec<&str> = records.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(again_ids, first_ids, "ids are stable across reads");
}

#[tokio::test]
async fn subscriptions_are_read_with_plan_and_customer_email() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (records, _, _) = read_all(&connector, SUBSCRIPTIONS, None).await;
    assert!(sb.count("Subscription").await > 50);
    assert_eq!(records.len() as u64, sb.count("Subscription").await);
    let ids: BTreeSet<&str> = records.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(ids.len(), records.len());
    let annual = records.iter().find(|r| r.data["items"][0] == "Adhésion annuelle").expect("an annual membership");
    assert_eq!(annual.data["plan"], "annual");
    assert!(annual.data["person_email"].as_str().unwrap().contains('@'));
    assert!(annual.data["start"].as_str().is_some());
    assert!(annual.data["customer"].as_str().unwrap().starts_with("CUST-"));
    let coworking = records.iter().find(|r| r.data["items"][0] == "Coworking nomade mensuel").expect("coworking");
    assert!(coworking.data["plan"].is_null(), "an unmapped item has no canonical plan");
    assert!(records.iter().any(|r| r.data["status"] == "Cancelled"));
}

#[tokio::test]
async fn incremental_reads_return_only_what_changed() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (customers, cursor, _) = read_all(&connector, CUSTOMERS, None).await;
    let cursor = cursor.expect("a cursor after a full read");
    let (nothing, same, _) = read_all(&connector, CUSTOMERS, Some(cursor.clone())).await;
    assert!(nothing.is_empty(), "{} records after the cursor", nothing.len());
    assert_eq!(same, Some(cursor.clone()));

    let target = &customers[17].external_id;
    sb.desk_update("Customer", target, json!({"customer_details": "Bénévole du repair café"})).await;
    let (changed, _, _) = read_all(&connector, CUSTOMERS, Some(cursor)).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(&changed[0].external_id, target);
    assert!(changed[0].updated_at > customers[17].updated_at);

    let (subs, sub_cursor, _) = read_all(&connector, SUBSCRIPTIONS, None).await;
    let sub = &subs[3].external_id;
    sb.desk_update("Subscription", sub, json!({"days_until_due": 15})).await;
    let (changed, _, _) = read_all(&connector, SUBSCRIPTIONS, sub_cursor).await;
    assert_eq!(changed.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), vec![sub.as_str()]);
}

#[tokio::test]
async fn injected_faults_are_classified_then_reads_go_on() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    sb.set_faults(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    let err = connector.read(CUSTOMERS, None).await.unwrap_err();
    assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));

    sb.set_faults(json!({"error_rate": 1.0})).await;
    let err = connector.check().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err:?}");
    assert!(err.is_retryable());

    sb.set_faults(json!({})).await;
    let page = connector.read(CUSTOMERS, None).await.expect("normal again");
    assert_eq!(page.records.len(), 40);
    assert!(page.has_more);
}
