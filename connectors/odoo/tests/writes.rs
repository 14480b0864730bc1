//! Writes on the three protocols: contacts (create, update, email reuse, idempotency) and
//! memberships (invoice, post, paid state, idempotency, refund), read back through the sandbox.

mod common;

use common::{PROTOCOLS, Sandbox, change, read_all};
use hub_connector_odoo::OdooProtocol;
use hub_connector_sdk::{ChangeOp, Connector, ConnectorError, EntityKind};
use serde_json::{Value, json};

fn person(email: &str, family: &str) -> Value {
    json!({"given_name": "Camille", "family_name": family, "email": email, "phone": "+33612345678",
        "street": "12 rue de la Paix", "postal_code": "93100", "city": "Montreuil", "country": "FR"})
}

fn count(rows: &[Value]) -> usize {
    rows.len()
}

#[tokio::test]
async fn persons_are_created_then_updated_once() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let email = format!("camille.{protocol:?}@exemple.fr").to_lowercase();
        let before = count(&sandbox.records("res.partner").await);
        let out = connector.write(&change(EntityKind::Person, person(&email, "Durand"), None)).await.unwrap();
        assert!(out.remote_updated_at.is_some());
        let rec = sandbox.record("res.partner", &out.external_id).await;
        assert_eq!(rec["name"], json!("Camille Durand"), "{protocol:?}");
        assert_eq!(rec["email"], json!(email));
        assert_eq!(rec["phone"], json!("+33612345678"));
        assert_eq!((rec["zip"].clone(), rec["city"].clone()), (json!("93100"), json!("Montreuil")));
        assert_eq!(rec["country_id"][0], json!(75), "France");
        assert_eq!(rec["is_company"], json!(false));
        assert_eq!(count(&sandbox.records("res.partner").await), before + 1);
        // The same change twice, with the returned link, then a new name: still one partner.
        for family in ["Durand", "Durand-Martin"] {
            let again = connector
                .write(&change(EntityKind::Person, person(&email, family), Some(&out.external_id)))
                .await
                .unwrap();
            assert_eq!(again.external_id, out.external_id);
        }
        assert_eq!(count(&sandbox.records("res.partner").await), before + 1, "{protocol:?}: no duplicate");
        assert_eq!(sandbox.record("res.partner", &out.external_id).await["name"], json!("Camille Durand-Martin"));
        // A stale link (deleted partner id) falls back to the email.
        let stale =
            connector.write(&change(EntityKind::Person, person(&email, "Durand"), Some("999999"))).await.unwrap();
        assert_eq!(stale.external_id, out.external_id);
    }
}

#[tokio::test]
async fn an_email_in_another_case_reuses_the_partner() {
    let sandbox = Sandbox::start().await;
    let partners = sandbox.records("res.partner").await;
    let existing = partners
        .iter()
        .find(|p| p["is_company"] == json!(false) && p["email"].as_str().is_some_and(|e| e.contains('@')))
        .unwrap();
    let email = existing["email"].as_str().unwrap();
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let shouted = format!("  {}  ", email.to_uppercase());
        let out = connector
            .write(&change(EntityKind::Person, json!({"email": shouted, "city": "Bagnolet"}), None))
            .await
            .unwrap();
        assert_eq!(out.external_id, existing["id"].to_string(), "{protocol:?}");
        assert_eq!(count(&sandbox.records("res.partner").await), partners.len(), "{protocol:?}: reused");
        let rec = sandbox.record("res.partner", &out.external_id).await;
        assert_eq!(rec["city"], json!("Bagnolet"));
        assert_eq!(rec["name"], existing["name"], "a change without a name keeps Odoo's");
    }
}

#[tokio::test]
async fn what_cannot_be_written_is_refused_clearly() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector(OdooProtocol::Json2);
    let payment = change(EntityKind::Payment, json!({"amount": 100}), None);
    assert!(matches!(connector.write(&payment).await.unwrap_err(), ConnectorError::Unsupported(_)));
    let mut delete = change(EntityKind::Person, json!({}), Some("3"));
    delete.op = ChangeOp::Deleted;
    assert!(matches!(connector.write(&delete).await.unwrap_err(), ConnectorError::Unsupported(_)));
    let nameless = change(EntityKind::Person, json!({"phone": "+33600000000"}), None);
    assert!(matches!(connector.write(&nameless).await.unwrap_err(), ConnectorError::Invalid(_)));
    let bad_country = change(EntityKind::Person, json!({"email": "x@exemple.fr", "country": "ZZ"}), None);
    let err = connector.write(&bad_country).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains("ZZ")), "{err:?}");
    // Memberships: an unknown plan names itself and the configured ones; an unknown member is refused.
    let plan = change(
        EntityKind::Membership,
        json!({"plan": "Soutien", "status": "active", "person_email": "x@exemple.fr"}),
        None,
    );
    let err = connector.write(&plan).await.unwrap_err();
    match &err {
        ConnectorError::Invalid(m) => {
            assert!(m.contains("\"Soutien\"") && m.contains("Famille, Individuelle"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let nobody = change(
        EntityKind::Membership,
        json!({"plan": "Individuelle", "status": "active", "person_email": "nobody@nowhere.example"}),
        None,
    );
    let err = connector.write(&nobody).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Transient { detail, .. } if detail.contains("nobody@nowhere.example")),
        "{err:?}"
    );
    let odd = change(EntityKind::Membership, json!({"plan": "Individuelle", "status": "frozen"}), None);
    assert!(matches!(connector.write(&odd).await.unwrap_err(), ConnectorError::Invalid(_)));
}

async fn invoice_of_line(sandbox: &Sandbox, line: &str) -> i64 {
    let rec = sandbox.record("membership.membership_line", line).await;
    let aml = rec["account_invoice_line"][0].as_i64().expect("an invoice line");
    let aml = sandbox.record("account.move.line", &aml.to_string()).await;
    aml["move_id"][0].as_i64().expect("an invoice")
}

#[tokio::test]
async fn an_active_membership_is_invoiced_once_then_paid_then_refunded() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let (_, cursor, _) = read_all(&connector, "memberships", None).await;
        let email = format!("membre.{protocol:?}@exemple.fr").to_lowercase();
        let person = connector.write(&change(EntityKind::Person, person(&email, "Membre"), None)).await.unwrap();
        let moves_before = count(&sandbox.records("account.move").await);
        let lines_before = count(&sandbox.records("membership.membership_line").await);
        let fields = json!({"plan": "Individuelle", "status": "active", "amount": 2500,
            "person_email": email.to_uppercase(), "period_start": "2026-01-01"});
        let first = change(EntityKind::Membership, fields.clone(), None);
        let out = connector.write(&first).await.unwrap();
        assert!(out.remote_updated_at.is_some());
        let line = sandbox.record("membership.membership_line", &out.external_id).await;
        assert_eq!(line["partner"][0].to_string(), person.external_id, "{protocol:?}");
        assert_eq!(line["member_price"], json!(25.0));
        let invoice = invoice_of_line(&sandbox, &out.external_id).await;
        let mv = sandbox.record("account.move", &invoice.to_string()).await;
        assert_eq!(mv["state"], json!("posted"), "{protocol:?}: the invoice is posted");
        assert_eq!(mv["move_type"], json!("out_invoice"));
        assert_eq!(mv["payment_state"], json!("paid"), "{protocol:?}: paid through Register Payment");
        assert_eq!(line["state"], json!("paid"), "{protocol:?}: a paid HelloAsso membership is a paid line");
        assert_eq!(sandbox.record("res.partner", &person.external_id).await["membership_state"], json!("paid"));
        assert_eq!(mv["invoice_origin"], json!(format!("Hub {}", first.entity_id)), "{protocol:?}");
        // Idempotent: with the returned link, and without it (a crash before the link was
        // recorded: the invoice is found by its origin, the membership's id).
        let again =
            connector.write(&change(EntityKind::Membership, fields.clone(), Some(&out.external_id))).await.unwrap();
        assert_eq!(again.external_id, out.external_id);
        let lost_link = connector.write(&first).await.unwrap();
        assert_eq!(lost_link.external_id, out.external_id);
        assert_eq!(count(&sandbox.records("account.move").await), moves_before + 1, "{protocol:?}: invoiced once");
        assert_eq!(count(&sandbox.records("membership.membership_line").await), lines_before + 1);
        let partner = sandbox.record("res.partner", &person.external_id).await;
        assert_eq!(partner["membership_state"], json!("paid"), "{protocol:?}");
        assert_eq!(sandbox.record("membership.membership_line", &out.external_id).await["state"], json!("paid"));
        // Written again once paid: nothing new.
        connector.write(&change(EntityKind::Membership, fields.clone(), Some(&out.external_id))).await.unwrap();
        assert_eq!(count(&sandbox.records("account.move").await), moves_before + 1);
        // The new line shows up in an incremental read.
        let (changed, _, _) = read_all(&connector, "memberships", cursor).await;
        let new = changed.iter().find(|r| r.external_id == out.external_id).expect("the new line is read");
        assert_eq!(new.data["partnerEmail"], json!(email));
        assert_eq!(new.data["productName"].as_str().map(|n| n.starts_with("Adhésion individuelle")), Some(true));
        assert_eq!(new.data["amountCents"], json!(2500));
        // Refunded: the invoice is cancelled, the line canceled, the partner no longer paid.
        let mut refund = fields.clone();
        refund["status"] = json!("refunded");
        let out2 =
            connector.write(&change(EntityKind::Membership, refund.clone(), Some(&out.external_id))).await.unwrap();
        assert_eq!(out2.external_id, out.external_id);
        assert_eq!(sandbox.record("account.move", &invoice.to_string()).await["state"], json!("cancel"));
        assert_eq!(sandbox.record("membership.membership_line", &out.external_id).await["state"], json!("canceled"));
        assert_ne!(sandbox.record("res.partner", &person.external_id).await["membership_state"], json!("paid"));
        // Refunding twice is harmless.
        connector.write(&change(EntityKind::Membership, refund, Some(&out.external_id))).await.unwrap();
        assert_eq!(count(&sandbox.records("account.move").await), moves_before + 1);
        // A second membership of the same member and plan (paid again, a renewal within the
        // product's year) is a second invoice and line, not the first one found again.
        let renewal = connector.write(&change(EntityKind::Membership, fields.clone(), None)).await.unwrap();
        assert_ne!(renewal.external_id, out.external_id, "{protocol:?}");
        assert_eq!(sandbox.record("membership.membership_line", &renewal.external_id).await["state"], json!("paid"));
        assert_eq!(count(&sandbox.records("account.move").await), moves_before + 2);
    }
}

#[tokio::test]
async fn a_cancelled_membership_without_link_is_found_by_member_and_plan() {
    let sandbox = Sandbox::start().await;
    let connector = sandbox.connector(OdooProtocol::JsonRpc);
    let email = "famille@exemple.fr";
    connector.write(&change(EntityKind::Person, person(email, "Famille"), None)).await.unwrap();
    let fields = json!({"plan": "Famille", "status": "pending", "person_email": email});
    let out = connector.write(&change(EntityKind::Membership, fields, None)).await.unwrap();
    let line = sandbox.record("membership.membership_line", &out.external_id).await;
    assert_eq!(line["state"], json!("invoiced"), "pending: posted, not paid");
    assert_eq!(line["member_price"], json!(35.0), "no amount: the product's list price");
    let cancel = json!({"plan": "Famille", "status": "cancelled", "payer_email": email});
    let out2 = connector.write(&change(EntityKind::Membership, cancel, None)).await.unwrap();
    assert_eq!(out2.external_id, out.external_id);
    assert_eq!(sandbox.record("membership.membership_line", &out.external_id).await["state"], json!("canceled"));
    let unknown = json!({"plan": "Famille", "status": "cancelled", "payer_email": "personne@exemple.fr"});
    assert!(matches!(
        connector.write(&change(EntityKind::Membership, unknown, None)).await.unwrap_err(),
        ConnectorError::Invalid(_)
    ));
}

#[tokio::test]
async fn a_donation_is_an_invoice_posted_and_paid_once_then_cancelled_on_refund() {
    let sandbox = Sandbox::start().await;
    for protocol in PROTOCOLS {
        let connector = sandbox.connector(protocol);
        let email = format!("donatrice.{protocol:?}@exemple.fr").to_lowercase();
        let donor = connector.write(&change(EntityKind::Person, person(&email, "Donatrice"), None)).await.unwrap();
        let moves_before = count(&sandbox.records("account.move").await);
        let fields = json!({"kind": "donation", "status": "authorized", "amount": 1500, "payer_email": email});
        let mut first = change(EntityKind::Payment, fields.clone(), None);
        first.first_attempt = true;
        let out = connector.write(&first).await.unwrap();
        let mv = sandbox.record("account.move", &out.external_id).await;
        assert_eq!(mv["partner_id"][0].to_string(), donor.external_id, "{protocol:?}");
        assert_eq!(
            (mv["state"].clone(), mv["payment_state"].clone()),
            (json!("posted"), json!("paid")),
            "{protocol:?}"
        );
        assert_eq!(mv["amount_total"], json!(15.0));
        assert_eq!(mv["invoice_origin"], json!(format!("Hub {}", first.entity_id)));
        // Sent again without its link (a crash before it was recorded): found by its origin.
        first.first_attempt = false;
        assert_eq!(connector.write(&first).await.unwrap().external_id, out.external_id, "{protocol:?}");
        assert_eq!(count(&sandbox.records("account.move").await), moves_before + 1, "{protocol:?}: invoiced once");
        assert!(
            sandbox
                .records("membership.membership_line")
                .await
                .iter()
                .all(|l| l["partner"][0] != json!(donor.external_id.parse::<i64>().unwrap())),
            "a donation is not a membership"
        );
        // Refunded on HelloAsso: the invoice is cancelled.
        let mut refund = fields.clone();
        refund["status"] = json!("refunded");
        let out2 = connector.write(&change(EntityKind::Payment, refund, Some(&out.external_id))).await.unwrap();
        assert_eq!(out2.external_id, out.external_id);
        assert_eq!(sandbox.record("account.move", &out.external_id).await["state"], json!("cancel"), "{protocol:?}");
        // A membership's own payment is recorded by the membership: skipped, with the reason.
        let paid = json!({"kind": "membership", "status": "authorized", "amount": 2000, "payer_email": email});
        let err = connector.write(&change(EntityKind::Payment, paid, None)).await.unwrap_err();
        assert!(matches!(&err, ConnectorError::Unsupported(m) if m.contains("donations only")), "{err:?}");
    }
    // Without a donation product, donations are not written (skipped, with the reason).
    let mut settings = sandbox.settings(OdooProtocol::Json2);
    settings.donation_product = None;
    let connector = hub_connector_odoo::OdooConnector::new(settings).unwrap();
    let gift = json!({"kind": "donation", "status": "authorized", "amount": 500, "payer_email": "x@exemple.fr"});
    let err = connector.write(&change(EntityKind::Payment, gift, None)).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Unsupported(m) if m.contains("donation_product")), "{err:?}");
}
