//! Writes against the Dokos sandbox: persons (Customer + Contact) and memberships (Subscription).

mod common;

use common::{Sandbox, change, person, read_all};
use hub_connector_dokos::{CUSTOMERS, SUBSCRIPTIONS};
use hub_connector_sdk::{ChangeOp, Connector, ConnectorError, EntityKind};
use serde_json::{Value, json};

const NEW_EMAIL: &str = "lea.nouvelle@example.org";

fn customer_links(contact: &Value) -> Vec<String> {
    contact["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["link_doctype"] == "Customer")
        .map(|l| l["link_name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_new_person_becomes_a_linked_customer_and_contact_once() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (customers0, contacts0) = (sb.count("Customer").await, sb.count("Contact").await);
    let fields = person(NEW_EMAIL, "Léa", "Nouvelle", "+33612345678");
    let created = connector.write(&change(EntityKind::Person, ChangeOp::Created, fields.clone(), None)).await.unwrap();
    assert!(created.external_id.starts_with("CUST-"), "{}", created.external_id);
    assert!(created.remote_updated_at.is_some());
    assert_eq!(sb.count("Customer").await, customers0 + 1);
    assert_eq!(sb.count("Contact").await, contacts0 + 1);
    let customer = sb.doc("Customer", &created.external_id).await;
    assert_eq!(customer["customer_name"], "Léa Nouvelle");
    assert_eq!(customer["customer_type"], "Individual");
    assert_eq!(customer["email_id"], NEW_EMAIL);
    assert_eq!(customer["mobile_no"], "+33612345678");
    let contact = sb.doc("Contact", customer["customer_primary_contact"].as_str().unwrap()).await;
    assert_eq!(contact["email_id"], NEW_EMAIL);
    assert_eq!(customer_links(&contact), vec![created.external_id.clone()]);

    // The same change again, with the external id: nothing new, nothing changed.
    let again = connector
        .write(&change(EntityKind::Person, ChangeOp::Updated, fields.clone(), Some(&created.external_id)))
        .await
        .unwrap();
    assert_eq!(again.external_id, created.external_id);
    assert_eq!(again.remote_updated_at, created.remote_updated_at, "no needless save");
    // And without it, the e-mail in another case with spaces: the same customer is reused.
    let mut shouting = fields.clone();
    shouting["email"] = json!("  LEA.Nouvelle@Example.ORG ");
    let reused = connector.write(&change(EntityKind::Person, ChangeOp::Created, shouting, None)).await.unwrap();
    assert_eq!(reused.external_id, created.external_id);
    assert_eq!(sb.count("Customer").await, customers0 + 1);
    assert_eq!(sb.count("Contact").await, contacts0 + 1);
    assert_eq!(sb.doc("Customer", &created.external_id).await["email_id"], NEW_EMAIL, "case kept as stored");
}

#[tokio::test]
async fn a_seeded_person_is_found_by_email_in_another_case_and_updated() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (customers, cursor, _) = read_all(&connector, CUSTOMERS, None).await;
    let target = &customers[42];
    let email = target.data["email"].as_str().unwrap().to_string();
    let counts = (sb.count("Customer").await, sb.count("Contact").await);

    let mut fields =
        person(&email.to_uppercase(), target.data["given_name"].as_str().unwrap(), "Renommée", "+33700000001");
    fields["given_name"] = target.data["given_name"].clone();
    let written = connector.write(&change(EntityKind::Person, ChangeOp::Updated, fields.clone(), None)).await.unwrap();
    assert_eq!(written.external_id, target.external_id, "reused, not duplicated");
    assert_eq!((sb.count("Customer").await, sb.count("Contact").await), counts);
    let customer = sb.doc("Customer", &target.external_id).await;
    assert_eq!(customer["customer_name"], format!("{} Renommée", target.data["given_name"].as_str().unwrap()));
    assert_eq!(customer["mobile_no"], "+33700000001", "the customer shows the contact's new mobile");
    let contact = sb.doc("Contact", customer["customer_primary_contact"].as_str().unwrap()).await;
    assert_eq!(contact["last_name"], "Renommée");
    assert!(contact["email_id"].as_str().unwrap().eq_ignore_ascii_case(&email));

    // The incremental read returns exactly this customer, with the new values.
    let (changed, changed_cursor, _) = read_all(&connector, CUSTOMERS, cursor).await;
    let changed_cursor = changed_cursor.expect("cursor");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].external_id, target.external_id);
    assert!(!changed[0].deleted);
    assert_eq!(changed[0].data["family_name"], "Renommée");
    assert_eq!(changed[0].data["phone"], "+33700000001");

    // Written again: nothing moves.
    let again = connector
        .write(&change(EntityKind::Person, ChangeOp::Updated, fields, Some(&target.external_id)))
        .await
        .unwrap();
    assert_eq!(again.remote_updated_at, written.remote_updated_at);

    // A deletion disables the customer (it may have invoices).
    let deleted = connector
        .write(&change(EntityKind::Person, ChangeOp::Deleted, json!({}), Some(&target.external_id)))
        .await
        .unwrap();
    assert_eq!(deleted.external_id, target.external_id);
    assert_eq!(sb.doc("Customer", &target.external_id).await["disabled"], 1);
    let (changed, _, _) = read_all(&connector, CUSTOMERS, Some(changed_cursor)).await;
    assert_eq!(changed.len(), 1);
    assert!(changed[0].deleted, "a disabled customer reads as deleted");
}

#[tokio::test]
async fn a_person_without_email_or_of_another_kind_is_refused() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let err = connector
        .write(&change(
            EntityKind::Person,
            ChangeOp::Created,
            json!({"given_name": "Sans", "family_name": "Mail"}),
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.class(), "invalid");
    assert!(err.to_string().contains("email"), "{err}");
    let err = connector.write(&change(EntityKind::Booking, ChangeOp::Created, json!({}), None)).await.unwrap_err();
    assert_eq!(err.class(), "unsupported");
}

fn membership(status: &str, plan: &str, email: &str) -> Value {
    json!({
        "plan": plan, "status": status, "period_start": "2026-09-01", "period_end": "2027-08-31",
        "amount": 2500, "person_email": email, "payer_email": email, "order_id": "HA-991",
    })
}

#[tokio::test]
async fn an_active_membership_becomes_one_subscription_then_is_cancelled() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let person_id = connector
        .write(&change(
            EntityKind::Person,
            ChangeOp::Created,
            person(NEW_EMAIL, "Léa", "Nouvelle", "+33612345678"),
            None,
        ))
        .await
        .unwrap()
        .external_id;
    let (_, cursor, _) = read_all(&connector, SUBSCRIPTIONS, None).await;
    let subs0 = sb.count("Subscription").await;

    let fields = membership("active", "annual", "Lea.Nouvelle@example.org");
    let created =
        connector.write(&change(EntityKind::Membership, ChangeOp::Created, fields.clone(), None)).await.unwrap();
    assert_eq!(sb.count("Subscription").await, subs0 + 1);
    let sub = sb.doc("Subscription", &created.external_id).await;
    assert_eq!(sub["customer"], person_id.as_str());
    assert_eq!(sub["start"], "2026-09-01");
    assert_eq!(sub["status"], "Active");
    assert_eq!(sub["plans"][0]["item"], "Adhésion annuelle");
    assert_eq!(sub["plans"][0]["fixed_rate"], 25.0);

    // Idempotent with the external id, and without it (customer + start + item).
    for external_id in [Some(created.external_id.as_str()), None] {
        let again = connector
            .write(&change(EntityKind::Membership, ChangeOp::Updated, fields.clone(), external_id))
            .await
            .unwrap();
        assert_eq!(again.external_id, created.external_id);
        assert_eq!(again.remote_updated_at, created.remote_updated_at);
    }
    assert_eq!(sb.count("Subscription").await, subs0 + 1);

    let (read, _, _) = read_all(&connector, SUBSCRIPTIONS, cursor.clone()).await;
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].external_id, created.external_id);
    assert_eq!(read[0].data["plan"], "annual");
    assert_eq!(read[0].data["person_email"], NEW_EMAIL);

    // Refunded: cancelled as the desk does, once.
    let refunded = membership("refunded", "annual", NEW_EMAIL);
    let cancelled = connector
        .write(&change(EntityKind::Membership, ChangeOp::Updated, refunded.clone(), Some(&created.external_id)))
        .await
        .unwrap();
    let sub = sb.doc("Subscription", &created.external_id).await;
    assert_eq!(sub["status"], "Cancelled");
    assert_eq!(sub["cancellation_date"], "2027-08-31");
    let again = connector
        .write(&change(EntityKind::Membership, ChangeOp::Updated, refunded, Some(&created.external_id)))
        .await
        .unwrap();
    assert_eq!(again.remote_updated_at, cancelled.remote_updated_at);
    assert_eq!(sb.count("Subscription").await, subs0 + 1);

    // Active again (a new payment): the same Subscription is reactivated.
    let back = connector
        .write(&change(EntityKind::Membership, ChangeOp::Updated, fields.clone(), Some(&created.external_id)))
        .await
        .unwrap();
    assert_eq!(back.external_id, created.external_id);
    let sub = sb.doc("Subscription", &created.external_id).await;
    assert_eq!(sub["status"], "Active");
    assert!(sub["cancellation_date"].is_null());

    // Expired: the end date is recorded, the status left to Dokos.
    let expired = connector
        .write(&change(
            EntityKind::Membership,
            ChangeOp::Updated,
            membership("expired", "annual", NEW_EMAIL),
            Some(&created.external_id),
        ))
        .await
        .unwrap();
    assert_eq!(expired.external_id, created.external_id);
    let sub = sb.doc("Subscription", &created.external_id).await;
    assert_eq!(sub["cancellation_date"], "2027-08-31");
    assert_eq!(sb.count("Subscription").await, subs0 + 1);
}

#[tokio::test]
async fn a_contact_without_customer_is_reused_when_creating_the_person() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let url = format!("{}/_sandbox/docs/Contact", sb.base());
    let contact = json!({"first_name": "Orpheline", "last_name": "Sans-Client", "email_ids": [{"email_id": "orph@example.org", "is_primary": 1}]});
    let response = sb.client.post(url).json(&contact).send().await.unwrap();
    assert!(response.status().is_success());
    let counts = (sb.count("Customer").await, sb.count("Contact").await);
    let fields = person("Orph@Example.org", "Orpheline", "Sans-Client", "+33611111111");
    let created = connector.write(&change(EntityKind::Person, ChangeOp::Created, fields, None)).await.unwrap();
    assert_eq!((sb.count("Customer").await, sb.count("Contact").await), (counts.0 + 1, counts.1));
    let contact = sb.doc("Contact", "Orpheline Sans-Client").await;
    assert_eq!(customer_links(&contact), vec![created.external_id.clone()]);
    assert_eq!(sb.doc("Customer", &created.external_id).await["customer_primary_contact"], "Orpheline Sans-Client");
}

#[tokio::test]
async fn memberships_that_cannot_be_written_are_refused_clearly() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (customers, _, _) = read_all(&connector, CUSTOMERS, None).await;
    let email = customers[3].data["email"].as_str().unwrap().to_string();
    let subs0 = sb.count("Subscription").await;

    let err = connector
        .write(&change(EntityKind::Membership, ChangeOp::Created, membership("active", "gold", &email), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Invalid(m) if m.contains("`gold`") && m.contains("annual, resident")),
        "{err}"
    );

    let err = connector
        .write(&change(EntityKind::Membership, ChangeOp::Created, membership("pending", "annual", &email), None))
        .await
        .unwrap_err();
    assert_eq!(err.class(), "unsupported");

    let err = connector
        .write(&change(
            EntityKind::Membership,
            ChangeOp::Created,
            membership("active", "annual", "nobody@example.org"),
            None,
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("write the person first"), "{err}");

    // Frappe's own validation error, surfaced with its type and message.
    let mut bad_date = membership("active", "resident", &email);
    bad_date["period_start"] = json!("31/12/2026");
    let err = connector.write(&change(EntityKind::Membership, ChangeOp::Created, bad_date, None)).await.unwrap_err();
    assert_eq!(err.class(), "invalid");
    assert!(err.to_string().contains("ValidationError"), "{err}");
    assert!(err.to_string().contains("31/12/2026 is not a valid date"), "{err}");
    assert!(!err.to_string().contains("_server_messages"), "{err}");
    assert_eq!(sb.count("Subscription").await, subs0);
}

#[tokio::test]
async fn writes_under_faults_are_retryable() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let fields = person(NEW_EMAIL, "Léa", "Nouvelle", "+33612345678");
    sb.set_faults(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    let err = connector.write(&change(EntityKind::Person, ChangeOp::Created, fields.clone(), None)).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
    sb.set_faults(json!({"error_rate": 1.0})).await;
    let err = connector.write(&change(EntityKind::Person, ChangeOp::Created, fields.clone(), None)).await.unwrap_err();
    assert_eq!(err.class(), "transient");
    sb.set_faults(json!({})).await;
    let created = connector.write(&change(EntityKind::Person, ChangeOp::Created, fields, None)).await.unwrap();
    assert!(created.external_id.starts_with("CUST-"));
}

#[tokio::test]
async fn a_homonym_is_refused_clearly_and_leaves_nothing_behind() {
    let sb = Sandbox::start().await;
    let connector = sb.connector();
    let (customers, _, _) = read_all(&connector, CUSTOMERS, None).await;
    let seeded = &customers[5].data;
    let counts = (sb.count("Customer").await, sb.count("Contact").await);
    let fields = person(
        "homonyme@example.org",
        seeded["given_name"].as_str().unwrap(),
        seeded["family_name"].as_str().unwrap(),
        "+33600000009",
    );
    let err = connector.write(&change(EntityKind::Person, ChangeOp::Created, fields, None)).await.unwrap_err();
    assert_eq!(err.class(), "invalid");
    assert!(err.to_string().contains("DuplicateEntryError"), "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!((sb.count("Customer").await, sb.count("Contact").await), counts);
}
