//! The membership flow end to end: a HelloAsso membership paid in the sandbox becomes an Odoo
//! partner with a paid membership line, a Dokos customer with its subscription, and one
//! Mattermost post — through the real sandboxes over HTTP, the hub's targets and its queue.
//! Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use common::{membership::Flow, *};
use serde_json::{Value, json};

#[tokio::test]
async fn a_helloasso_membership_lands_in_odoo_dokos_and_mattermost() {
    let f = Flow::start(json!({})).await;
    let t = &f.tools;
    // Person 31 is already an Odoo contact (the shared seed): the hub must find, not duplicate.
    let person = hub_sandbox::core::seed::person(31);
    t.pay(json!({"formType": "Membership", "person": 31, "customFields": {"Commune": "Montreuil"}})).await;

    eventually("the Odoo partner has a paid membership line", || async {
        let partners = t.odoo_records("res.partner").await;
        let Some(partner) = partners.iter().find(|p| p["email"] == person.email.as_str()) else { return false };
        t.odoo_records("membership.membership_line")
            .await
            .iter()
            .any(|l| l["partner"][0] == partner["id"] && l["state"] == "paid")
    })
    .await;
    let partners: Vec<Value> =
        t.odoo_records("res.partner").await.into_iter().filter(|p| p["email"] == person.email.as_str()).collect();
    assert_eq!(partners.len(), 1, "one partner: {partners:?}");
    assert_eq!(partners[0]["membership_state"], "paid", "Odoo itself shows a paid member: {}", partners[0]);

    eventually("the Dokos customer has its subscription", || async {
        let contacts = t.dokos_docs("Contact").await;
        let Some(contact) = contacts.iter().find(|c| c["email_id"] == person.email.as_str()) else { return false };
        let customers = t.dokos_docs("Customer").await;
        let Some(customer) = customers.iter().find(|c| c["customer_primary_contact"] == contact["name"]) else {
            return false;
        };
        t.dokos_docs("Subscription").await.iter().any(|s| s["customer"] == customer["name"])
    })
    .await;

    eventually("one post in the members' channel", || async { !t.roots_in("adhesions").await.is_empty() }).await;
    let roots = t.roots_in("adhesions").await;
    assert_eq!(roots.len(), 1, "one post per membership (its payment is not announced again): {roots:?}");
    let text = roots[0]["message"].as_str().unwrap();
    assert!(text.contains(&person.family_name) && text.contains("Individuelle"), "{text}");
    assert!(!text.contains(&person.email), "no e-mail unless the template asks: {text}");

    // A donation of the same person: a paid invoice of the donation product, no membership line.
    let partner_id = partners[0]["id"].clone();
    let lines_of = |lines: Vec<Value>| lines.iter().filter(|l| l["partner"][0] == partner_id).count();
    let lines_before = lines_of(t.odoo_records("membership.membership_line").await);
    t.pay(json!({"formType": "Donation", "person": 31, "amount": 1500})).await;
    eventually("the donation is a paid Odoo invoice", || async {
        t.odoo_records("account.move").await.iter().any(|m| {
            m["partner_id"][0] == partner_id && m["amount_total"] == json!(15.0) && m["payment_state"] == "paid"
        })
    })
    .await;
    let lines_after = lines_of(t.odoo_records("membership.membership_line").await);
    assert_eq!(lines_after, lines_before, "the donation is no membership");

    let (status, targets) = f.hub.admin_get("/api/v1/targets").await;
    assert_eq!(status, 200, "{targets}");
    for target in targets["targets"].as_array().unwrap() {
        assert!(target["pushes"].get("failed").is_none(), "{target}");
    }
    f.hub.shutdown().await;
}

/// A parent pays one order for two children: each child is their own member (HelloAsso gives
/// them names, no e-mail), with their own Odoo contact and paid line, and their own post; the
/// parent, who pays but is not a member, gets no membership.
#[tokio::test]
async fn a_family_membership_makes_each_child_a_member() {
    let f = Flow::start(json!({})).await;
    let t = &f.tools;
    let payer = json!({"email": "parent.famille@exemple.fr", "firstName": "Claire", "lastName": "Garnier"});
    let children =
        json!([{"firstName": "Inès", "lastName": "Garnier-Roux"}, {"firstName": "Malo", "lastName": "Garnier-Roux"}]);
    t.pay(json!({"formType": "Membership", "tierLabel": "Famille", "payer": payer, "beneficiaries": children})).await;

    let child_partner = |partners: &[Value], first: &str| {
        partners.iter().find(|p| p["name"] == format!("{first} Garnier-Roux").as_str()).cloned()
    };
    eventually("each child is an Odoo contact with a paid line", || async {
        let partners = t.odoo_records("res.partner").await;
        let lines = t.odoo_records("membership.membership_line").await;
        ["Inès", "Malo"].iter().all(|first| {
            child_partner(&partners, first)
                .is_some_and(|p| lines.iter().any(|l| l["partner"][0] == p["id"] && l["state"] == "paid"))
        })
    })
    .await;
    let partners = t.odoo_records("res.partner").await;
    let lines = t.odoo_records("membership.membership_line").await;
    for first in ["Inès", "Malo"] {
        let p = child_partner(&partners, first).unwrap();
        assert_eq!(p["name"], json!(format!("{first} Garnier-Roux")));
        let theirs: Vec<&Value> = lines.iter().filter(|l| l["partner"][0] == p["id"]).collect();
        assert_eq!(theirs.len(), 1, "{first}: one line: {theirs:?}");
        assert_eq!(partners.iter().filter(|q| q["name"] == p["name"]).count(), 1, "{first}: one contact");
    }
    let parent: Vec<&Value> = partners.iter().filter(|p| p["email"] == "parent.famille@exemple.fr").collect();
    assert_eq!(parent.len(), 1, "the payer is a contact: {parent:?}");
    assert!(
        lines.iter().all(|l| l["partner"][0] != parent[0]["id"]),
        "the payer is not a member: the children's lines are not theirs"
    );

    eventually("one post per child", || async { t.roots_in("adhesions").await.len() >= 2 }).await;
    let roots = t.roots_in("adhesions").await;
    assert_eq!(roots.len(), 2, "{roots:?}");
    for first in ["Inès", "Malo"] {
        assert!(roots.iter().any(|r| r["message"].as_str().is_some_and(|m| m.contains(first))), "{first}: {roots:?}");
    }
    f.hub.shutdown().await;
}
