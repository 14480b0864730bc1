//! Batched writes on the three protocols: contacts and memberships in a few calls, each change
//! answered in its place, the same outcome as one by one, and idempotent when a batch is sent
//! again (after a fault, without the links it had made).

mod common;

use common::{PROTOCOLS, Sandbox, change};
use hub_connector_sdk::{CanonicalChange, Connector, ConnectorError, EntityKind};
use serde_json::{Value, json};

fn person(email: &str, family: &str) -> Value {
    json!({"given_name": "Alex", "family_name": family, "email": email, "city": "Montreuil", "country": "FR"})
}

fn membership(email: &str, status: &str) -> Value {
    json!({"plan": "Individuelle", "status": status, "amount": 2000, "person_email": email})
}

/// Calls the sandbox logged, by method, since `from`.
async fn calls_since(sandbox: &Sandbox, from: usize) -> Vec<String> {
    let log: Value = reqwest::get(format!("{}/_sandbox/calls", sandbox.base)).await.unwrap().json().await.unwrap();
    log.as_array().unwrap()[from..].iter().map(|c| c["method"].as_str().unwrap_or_default().to_string()).collect()
}

async fn call_count(sandbox: &Sandbox) -> usize {
    sandbox.counts().await;
    let log: Value = reqwest::get(format!("{}/_sandbox/calls", sandbox.base)).await.unwrap().json().await.unwrap();
    log.as_array().unwrap().len()
}

#[tokio::test]
async fn contacts_and_memberships_are_written_in_a_few_calls() {
    let sandbox = Sandbox::start().await;
    let existing = sandbox
        .records("res.partner")
        .await
        .into_iter()
        .find(|p| p["is_company"] == json!(false) && p["email"].as_str().is_some_and(|e| e.contains('@')))
        .unwrap();
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let tag = format!("{protocol:?}").to_lowercase();
        let (a, b) = (format!("a.{tag}@exemple.fr"), format!("b.{tag}@exemple.fr"));
        let shouted = format!(" {} ", existing["email"].as_str().unwrap().to_uppercase());
        let partners_before = sandbox.records("res.partner").await.len();
        let persons = vec![
            change(EntityKind::Person, person(&a, "Un"), None),
            change(EntityKind::Person, json!({"email": shouted, "phone": "+33600000001"}), None),
            change(EntityKind::Person, person(&b, "Deux"), None),
            change(EntityKind::Person, person(&a.to_uppercase(), "Un-bis"), None),
            change(EntityKind::Person, json!({"city": "Nulle part"}), None),
        ];
        let from = call_count(&sandbox).await;
        let out = connector.write_batch(&persons).await;
        let creates = calls_since(&sandbox, from).await.iter().filter(|m| *m == "create").count();
        assert_eq!(creates, 1, "{protocol:?}: one create for every new contact");
        let ids: Vec<String> = out[..4].iter().map(|o| o.as_ref().unwrap().external_id.clone()).collect();
        assert_eq!(ids[1], existing["id"].to_string(), "{protocol:?}: the e-mail in another case is the same partner");
        assert_eq!(ids[0], ids[3], "{protocol:?}: two people of one batch with one e-mail are one partner");
        assert_ne!(ids[0], ids[2]);
        assert!(matches!(&out[4], Err(ConnectorError::Invalid(m)) if m.contains("needs a name")), "{:?}", out[4]);
        assert_eq!(sandbox.records("res.partner").await.len(), partners_before + 2, "{protocol:?}");
        assert_eq!(sandbox.record("res.partner", &ids[0]).await["name"], json!("Alex Un-bis"), "the later change wins");
        assert_eq!(sandbox.record("res.partner", &ids[1]).await["phone"], json!("+33600000001"));

        // Memberships: three new ones (one pending) and one for nobody.
        let mut sales: Vec<CanonicalChange> = [(&a, "active"), (&b, "pending"), (&a, "active")]
            .into_iter()
            .map(|(email, status)| change(EntityKind::Membership, membership(email, status), None))
            .collect();
        sales.push(change(EntityKind::Membership, membership("personne@nulle-part.fr", "active"), None));
        for s in &mut sales {
            s.first_attempt = true;
        }
        let moves_before = sandbox.records("account.move").await.len();
        let from = call_count(&sandbox).await;
        let out = connector.write_batch(&sales).await;
        // Without the schema's `fields_get`, read once per connector.
        let calls: Vec<String> = calls_since(&sandbox, from).await.into_iter().filter(|m| m != "fields_get").collect();
        assert!(
            calls.len() <= 9,
            "{protocol:?}: a handful of calls for the batch, not a few per membership: {calls:?}"
        );
        assert!(
            matches!(&out[3], Err(ConnectorError::Transient { detail, .. }) if detail.contains("personne@nulle-part.fr"))
        );
        let lines: Vec<String> = out[..3].iter().map(|o| o.as_ref().unwrap().external_id.clone()).collect();
        assert_ne!(lines[0], lines[2], "{protocol:?}: a second membership of one member is its own line");
        let states: Vec<Value> = {
            let mut v = Vec::new();
            for l in &lines {
                v.push(sandbox.record("membership.membership_line", l).await["state"].clone());
            }
            v
        };
        assert_eq!(states, [json!("paid"), json!("invoiced"), json!("paid")], "{protocol:?}");
        assert_eq!(sandbox.records("account.move").await.len(), moves_before + 3);
        assert_eq!(sandbox.record("res.partner", &ids[2]).await["membership_state"], json!("invoiced"));

        // Sent again without the links (a crash before they were recorded): found by origin.
        for s in &mut sales {
            s.first_attempt = false;
        }
        let again = connector.write_batch(&sales).await;
        let lines_again: Vec<String> = again[..3].iter().map(|o| o.as_ref().unwrap().external_id.clone()).collect();
        assert_eq!(lines_again, lines, "{protocol:?}");
        assert_eq!(sandbox.records("account.move").await.len(), moves_before + 3, "{protocol:?}: invoiced once");
    }
}

#[tokio::test]
async fn a_batch_sent_again_through_faults_invoices_each_membership_once() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector(hub_connector_odoo::OdooProtocol::Json2);
    let emails: Vec<String> = (0..12).map(|i| format!("membre{i}@exemple.fr")).collect();
    let persons: Vec<CanonicalChange> =
        emails.iter().map(|e| change(EntityKind::Person, person(e, "Fautes"), None)).collect();
    // Not first attempts (the helper's default): each retry looks for what the last one made.
    let sales: Vec<CanonicalChange> =
        emails.iter().map(|e| change(EntityKind::Membership, membership(e, "active"), None)).collect();
    let moves_before = sandbox.records("account.move").await.len();
    let partners_before = sandbox.records("res.partner").await.len();
    sandbox.set_faults(json!({"error_rate": 0.3})).await;
    let mut tries = 0;
    for batch in [&persons, &sales] {
        loop {
            tries += 1;
            assert!(tries < 200, "the batches never went through");
            let out = connector.write_batch(batch).await;
            if out.iter().all(Result::is_ok) {
                break;
            }
            assert!(out.iter().all(|o| o.as_ref().is_ok_or_retryable()), "{out:?}");
        }
    }
    sandbox.set_faults(json!({"error_rate": 0.0})).await;
    assert_eq!(sandbox.records("res.partner").await.len(), partners_before + 12, "one partner each");
    assert_eq!(sandbox.records("account.move").await.len(), moves_before + 12, "one invoice each");
    let paid = sandbox
        .records("membership.membership_line")
        .await
        .into_iter()
        .filter(|l| l["state"] == json!("paid"))
        .filter(|l| l["partner"][1].as_str().is_some_and(|n| n.contains("Fautes")))
        .count();
    assert_eq!(paid, 12, "every membership paid");
}

trait OkOrRetryable {
    fn is_ok_or_retryable(&self) -> bool;
}

impl<T> OkOrRetryable for Result<&T, &ConnectorError> {
    fn is_ok_or_retryable(&self) -> bool {
        match self {
            Ok(_) => true,
            Err(e) => e.is_retryable(),
        }
    }
}
