//! HelloAsso → canonical members, memberships and payments, end to end against the HelloAsso
//! sandbox: a signed partner notification is only a hint (the order is read back from the API),
//! a forged one stores nothing, a refund turns the membership `refunded`, the same person paying
//! twice stays one person. Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use common::*;
use hub::{app::App, testing::FreshDatabase};
use hub_connector_sdk::EntityKind;
use hub_sandbox::core::SandboxOptions;
use serde_json::{Value, json};

const MAPPINGS: [(&str, &str); 3] = [
    ("helloasso/members.toml", include_str!("../mappings/helloasso/members.toml")),
    ("helloasso/memberships.toml", include_str!("../mappings/helloasso/memberships.toml")),
    ("helloasso/payments.toml", include_str!("../mappings/helloasso/payments.toml")),
];

struct Setup {
    hub: TestHub,
    sandbox: hub_sandbox::core::Started,
    client: reqwest::Client,
}

impl Setup {
    fn base(&self) -> String {
        self.sandbox.running.base_url.clone()
    }

    async fn token(&self) -> String {
        let c = &self.sandbox.credentials;
        let resp: Value = self
            .client
            .post(format!("{}/oauth2/token", self.base()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", c["client_id"].as_str().unwrap()),
                ("client_secret", c["client_secret"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        resp["access_token"].as_str().unwrap().to_string()
    }

    async fn trigger(&self, path: &str, body: Value) -> Value {
        let resp = self.client.post(format!("{}{path}", self.base())).json(&body).send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    async fn entities(&self, kind: EntityKind) -> Vec<Value> {
        let rows = self.hub.store().list_entities(kind, 1000).await.unwrap();
        rows.into_iter().map(|r| r.fields.0).collect()
    }
}

async fn setup() -> Setup {
    let sandbox = hub_sandbox::helloasso::start(SandboxOptions { seed: false, ..Default::default() }).await.unwrap();
    let c = &sandbox.credentials;
    let db = FreshDatabase::from_env().await.unwrap();
    let extra = format!(
        "[connectors.helloasso_main]\nkind = \"helloasso\"\nbase_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\norganization_slug = \"{}\"\nsignature_key = \"{}\"\n",
        c["base_url"].as_str().unwrap(),
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
        c["organization_slug"].as_str().unwrap(),
        c["notification_signature_key"].as_str().unwrap(),
    );
    let mut config = hub::bench::bench_config(&db.url, &db.dir, &extra).unwrap();
    hub::testing::write_files(&db.dir.join("mappings"), &MAPPINGS).unwrap();
    config.queue.poll_interval_ms = 20;
    config.queue.backoff_base_ms = 10;
    config.queue.backoff_max_secs = 1;
    config.queue.lease_secs = 2;
    let app = App::build(config.clone()).await.expect("hub builds").spawn().await.expect("hub starts");
    let hub = TestHub { app: Some(app), db, config, client: reqwest::Client::new() };
    let setup = Setup { hub, sandbox, client: reqwest::Client::new() };
    // The partner notification URL, registered HelloAsso's way (signed with the partner key).
    let token = setup.token().await;
    let resp = setup
        .client
        .put(format!("{}/v5/partners/me/api-notifications", setup.base()))
        .bearer_auth(token)
        .json(&json!({"url": setup.hub.url("/hooks/helloasso_main")}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "registering the notification URL: {}", resp.status());
    setup
}

#[tokio::test]
async fn a_paid_membership_becomes_a_member_a_membership_and_a_payment() {
    let s = setup().await;
    let paid = s
        .trigger(
            "/_sandbox/payments",
            json!({"formType": "Membership", "person": 7, "customFields": {"Date de naissance": "14/07/1989", "Commune": "Montreuil"}}),
        )
        .await;
    let person = hub_sandbox::core::seed::person(7);
    eventually("the member is stored", || async {
        s.entities(EntityKind::Person).await.iter().any(|p| p["email"] == person.email.as_str())
    })
    .await;
    eventually("the membership and the payment are stored", || async {
        !s.entities(EntityKind::Membership).await.is_empty() && !s.entities(EntityKind::Payment).await.is_empty()
    })
    .await;
    let people = s.entities(EntityKind::Person).await;
    let member = people.iter().find(|p| p["email"] == person.email.as_str()).unwrap();
    assert_eq!(member["family_name"], person.family_name.as_str(), "accents kept: {member}");
    assert_eq!(member["birth_date"], "1989-07-14");
    assert_eq!(member["city"], "Montreuil");
    let membership = &s.entities(EntityKind::Membership).await[0];
    assert_eq!(membership["status"], "active", "{membership}");
    assert_eq!(membership["person_email"], person.email.as_str());
    let payment = &s.entities(EntityKind::Payment).await[0];
    assert_eq!(payment["status"], "authorized", "{payment}");
    assert_eq!(payment["kind"], "membership");
    assert_eq!(payment["amount"], paid["payment"]["amount"]);

    // The same person pays again (a renewal): still one person.
    s.trigger("/_sandbox/payments", json!({"formType": "Membership", "person": 7})).await;
    eventually("the second membership is stored", || async { s.entities(EntityKind::Membership).await.len() == 2 })
        .await;
    let same = s.entities(EntityKind::Person).await.iter().filter(|p| p["email"] == person.email.as_str()).count();
    assert_eq!(same, 1, "one canonical person per real person");

    // A refund cancels what it had created.
    let payment_id = paid["payment"]["id"].clone();
    s.trigger("/_sandbox/refunds", json!({"paymentId": payment_id, "cancelOrder": true})).await;
    eventually("the refund is applied", || async {
        s.entities(EntityKind::Payment).await.iter().any(|p| p["status"] == "refunded")
            && s.entities(EntityKind::Membership).await.iter().any(|m| m["status"] == "refunded")
    })
    .await;
    s.hub.shutdown().await;
}

#[tokio::test]
async fn a_forged_notification_is_refused_and_stores_nothing() {
    let s = setup().await;
    let body =
        json!({"eventType": "Order", "data": {"id": 999999, "payer": {"email": "mallory@example.org"}}}).to_string();
    for signature in [None, Some("00".repeat(32))] {
        let mut req = s.hub.client.post(s.hub.url("/hooks/helloasso_main")).body(body.clone());
        if let Some(sig) = &signature {
            req = req.header("x-ha-signature", sig);
        }
        let status = req.send().await.unwrap().status().as_u16();
        assert_eq!(status, 401, "signature {signature:?}");
    }
    assert_eq!(s.hub.inbox_total().await, 0, "nothing stored");

    // Correctly signed, but about an order HelloAsso does not have: the notification is only a
    // hint, the read-back finds nothing, and no member is invented.
    use hmac::{KeyInit, Mac};
    let key = s.sandbox.credentials["notification_signature_key"].as_str().unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let resp =
        s.hub.client.post(s.hub.url("/hooks/helloasso_main")).header("x-ha-signature", signature).body(body).send();
    assert_eq!(resp.await.unwrap().status(), 202);
    eventually("the event fails for good", || async {
        s.hub.store().inbox_counts().await.unwrap().iter().any(|(status, n)| status == "failed" && *n == 1)
    })
    .await;
    assert!(s.entities(EntityKind::Person).await.is_empty(), "no member invented from a forged body");
    s.hub.shutdown().await;
}
