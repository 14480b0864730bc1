//! check(), streams read page by page and incrementally, on the three protocols, against the sandbox.

mod common;

use std::collections::BTreeSet;

use common::{PROTOCOLS, Sandbox, change, read_all};
use hub_connector_odoo::{OdooConnector, OdooProtocol};
use hub_connector_sdk::{Connector, ConnectorError, EntityKind};
use serde_json::{Value, json};

#[tokio::test]
async fn check_accepts_the_key_and_refuses_a_wrong_one() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let report = sandbox.connector(protocol).check().await.unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        assert!(report.ok, "{protocol:?}");
        let wrong = OdooConnector::new(hub_connector_odoo::OdooSettings {
            api_key: "not-the-key".into(),
            ..sandbox.settings(protocol)
        })
        .unwrap();
        let err = wrong.check().await.unwrap_err();
        assert!(matches!(err, ConnectorError::Auth(_)), "{protocol:?}: {err:?}");
        assert!(!err.to_string().contains("not-the-key"), "{err}");
        let read = wrong.read("partners", None).await.unwrap_err();
        assert!(matches!(read, ConnectorError::Auth(_)), "{protocol:?}: {read:?}");
    }
}

#[tokio::test]
async fn a_wrong_database_is_a_readable_permanent_error() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let wrong = OdooConnector::new(hub_connector_odoo::OdooSettings {
            database: "nope".into(),
            ..sandbox.settings(protocol)
        })
        .unwrap();
        let err = wrong.check().await.unwrap_err();
        assert!(matches!(err, ConnectorError::Invalid(_)), "{protocol:?}: {err:?}");
        assert!(!err.to_string().contains("Traceback"), "{err}");
        assert!(err.to_string().chars().count() < 400, "{err}");
    }
}

#[tokio::test]
async fn an_unknown_stream_is_unsupported() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector(OdooProtocol::Json2);
    assert_eq!(connector.kind(), "odoo");
    let names: Vec<_> = connector.streams().into_iter().map(|s| (s.name, s.entity)).collect();
    assert_eq!(
        names,
        vec![("partners".to_string(), EntityKind::Person), ("memberships".to_string(), EntityKind::Membership)]
    );
    let err = connector.read("invoices", None).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)), "{err:?}");
}

fn ids(records: &[hub_connector_sdk::SourceRecord]) -> BTreeSet<String> {
    records.iter().map(|r| r.external_id.clone()).collect()
}

#[tokio::test]
async fn partners_read_page_by_page_on_every_protocol() {
    let sandbox = Sandbox::start().await;
    let expected: BTreeSet<String> = sandbox
        .records("res.partner")
        .await
        .iter()
        .filter(|r| r["is_company"] == json!(false) && r["active"] == json!(true))
        .filter(|r| !matches!(r["type"].as_str(), Some("invoice" | "delivery")))
        .map(|r| r["id"].to_string())
        .collect();
    assert!(expected.len() > 7, "the seed has several pages of people: {}", expected.len());
    let mut first: Option<Vec<Value>> = None;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let (records, cursor, pages) = read_all(&connector, "partners", None).await;
        assert!(pages > 1, "{protocol:?}: several pages");
        assert_eq!(records.len(), expected.len(), "{protocol:?}: no duplicates");
        assert_eq!(ids(&records), expected, "{protocol:?}");
        assert!(cursor.is_some());
        // Names split, countries as ISO codes, updated_at from write_date.
        let withname = records.iter().find(|r| r.data["name"].as_str().is_some_and(|n| n.contains(' '))).unwrap();
        let name = withname.data["name"].as_str().unwrap();
        let (given, family) = name.split_once(' ').unwrap();
        assert_eq!(withname.data["firstName"], json!(given));
        assert_eq!(withname.data["lastName"], json!(family));
        assert!(records.iter().any(|r| r.data["countryCode"] == json!("FR")));
        assert!(records.iter().all(|r| r.updated_at.is_some() && r.stream == "partners"));
        // The same data on every protocol.
        let mut data: Vec<Value> = records.iter().map(|r| r.data.clone()).collect();
        data.sort_by_key(|d| d["id"].as_i64());
        match &first {
            None => first = Some(data),
            Some(first) => assert_eq!(&data, first, "{protocol:?} reads the same records"),
        }
    }
}

#[tokio::test]
async fn memberships_read_with_partner_email_and_product() {
    let sandbox = Sandbox::start().await;
    let lines = sandbox.records("membership.membership_line").await;
    assert_eq!(sandbox.counts().await["membership.membership_line"], json!(lines.len()));
    let expected: BTreeSet<String> = lines.iter().map(|r| r["id"].to_string()).collect();
    let partners = sandbox.records("res.partner").await;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let (records, _, _) = read_all(&connector, "memberships", None).await;
        assert_eq!(records.len(), expected.len(), "{protocol:?}");
        assert_eq!(ids(&records), expected, "{protocol:?}");
        for r in &records {
            let partner = partners.iter().find(|p| json!(p["id"]) == r.data["partnerId"]).expect("partner");
            assert_eq!(r.data["partnerEmail"], partner["email"], "{protocol:?}");
            assert!(
                r.data["productName"].as_str().is_some_and(
                    |n| n.starts_with("Adhésion") && r.data["membership_id"][1].as_str().unwrap().ends_with(n)
                ),
                "{:?}",
                r.data
            );
            let price = r.data["member_price"].as_f64().unwrap();
            assert_eq!(r.data["amountCents"], json!((price * 100.0).round() as i64));
        }
        assert!(records.iter().any(|r| r.data["state"] == json!("paid")));
    }
}

#[tokio::test]
async fn ids_are_stable_and_incremental_reads_return_only_changes() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let (first, cursor, _) = read_all(&connector, "partners", None).await;
        let (second, _, _) = read_all(&connector, "partners", None).await;
        assert_eq!(ids(&first), ids(&second), "{protocol:?}: stable ids");
        // Nothing changed: the stored cursor reads nothing.
        let page = connector.read("partners", cursor.as_ref()).await.unwrap();
        assert!(page.records.is_empty() && !page.has_more, "{protocol:?}: {:?}", page.records);
        // Change one person through the connector, then read from the cursor.
        let target = &first[2];
        let phone = format!("+3361234567{}", protocol as u8);
        let out = connector
            .write(&change(EntityKind::Person, json!({"phone": phone}), Some(&target.external_id)))
            .await
            .unwrap();
        assert_eq!(out.external_id, target.external_id);
        let (changed, cursor2, _) = read_all(&connector, "partners", cursor).await;
        assert_eq!(ids(&changed), BTreeSet::from([target.external_id.clone()]), "{protocol:?}");
        assert_eq!(changed[0].data["phone"], json!(phone));
        let (again, _, _) = read_all(&connector, "partners", cursor2).await;
        assert!(again.is_empty(), "{protocol:?}: read once");
    }
}

#[tokio::test]
async fn a_malformed_cursor_is_invalid() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector(OdooProtocol::XmlRpc);
    let err = connector.read("partners", Some(&hub_connector_sdk::Cursor(json!("yesterday")))).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn faults_are_classified() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        connector.check().await.unwrap();
        sandbox.set_faults(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
        let err = connector.read("partners", None).await.unwrap_err();
        assert!(matches!(err, ConnectorError::RateLimited { .. }), "{protocol:?}: {err:?}");
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
        sandbox.set_faults(json!({"error_rate": 1.0})).await;
        let err = connector.read("memberships", None).await.unwrap_err();
        assert!(matches!(err, ConnectorError::Transient { .. }), "{protocol:?}: {err:?}");
        sandbox.set_faults(json!({})).await;
        connector.read("partners", None).await.expect("back to normal");
    }
}
