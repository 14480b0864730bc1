//! The membership flow end to end: a HelloAsso membership paid in the sandbox becomes an Odoo
//! partner with a paid membership line, a Dokos customer with its subscription, and one
//! Mattermost post — through the real sandboxes over HTTP, the hub's targets and its queue.
//! Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use common::*;
use hub::{app::App, testing::FreshDatabase};
use hub_connector_sdk::EntityKind;
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

const MAPPINGS: [(&str, &str); 7] = [
    ("helloasso/members.toml", include_str!("../mappings/helloasso/members.toml")),
    ("helloasso/memberships.toml", include_str!("../mappings/helloasso/memberships.toml")),
    ("helloasso/payments.toml", include_str!("../mappings/helloasso/payments.toml")),
    ("odoo/partners.toml", include_str!("../mappings/odoo/partners.toml")),
    ("odoo/memberships.toml", include_str!("../mappings/odoo/memberships.toml")),
    ("dokos/customers.toml", include_str!("../mappings/dokos/customers.toml")),
    ("dokos/subscriptions.toml", include_str!("../mappings/dokos/subscriptions.toml")),
];

pub struct Flow {
    pub hub: TestHub,
    pub helloasso: Started,
    pub odoo: Started,
    pub dokos: Started,
    pub mattermost: Started,
    pub client: reqwest::Client,
}

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
}

impl Flow {
    pub async fn start(faults: Value) -> Flow {
        let opts = || SandboxOptions { seed: true, ..Default::default() };
        let helloasso =
            hub_sandbox::helloasso::start(SandboxOptions { seed: false, ..Default::default() }).await.unwrap();
        let odoo = hub_sandbox::odoo::start(opts()).await.unwrap();
        let dokos = hub_sandbox::dokos::start(opts()).await.unwrap();
        let mattermost = hub_sandbox::mattermost::start(opts()).await.unwrap();
        let (h, o, d, m) = (&helloasso.credentials, &odoo.credentials, &dokos.credentials, &mattermost.credentials);
        let year = chrono::Utc::now().format("%Y");
        let extra = format!(
            r#"
[connectors.helloasso_main]
kind = "helloasso"
base_url = "{}"
client_id = "{}"
client_secret = "{}"
organization_slug = "{}"
signature_key = "{}"

[connectors.odoo_main]
kind = "odoo"
base_url = "{}"
database = "{}"
login = "{}"
api_key = "{}"
protocol = "json2"
membership_products = {{ "Individuelle" = "Adhésion individuelle {year}", "Famille" = "Adhésion famille {year}" }}

[connectors.dokos_main]
kind = "dokos"
base_url = "{}"
api_key = "{}"
api_secret = "{}"
membership_plans = {{ "Individuelle" = "Adhésion annuelle", "Famille" = "Adhésion annuelle" }}

[connectors.equipe]
kind = "mattermost"
base_url = "{}"
token = "{}"
team = "{}"
"#,
            s(h, "base_url"),
            s(h, "client_id"),
            s(h, "client_secret"),
            s(h, "organization_slug"),
            s(h, "notification_signature_key"),
            odoo.running.base_url.trim_end_matches('/'),
            s(o, "database"),
            s(o, "login"),
            s(o, "api_key"),
            dokos.running.base_url.trim_end_matches('/'),
            s(d, "api_key"),
            s(d, "api_secret"),
            s(m, "base_url"),
            s(m, "token"),
            s(m, "team"),
        );
        let db = FreshDatabase::from_env().await.unwrap();
        let mut config = hub::bench::bench_config(&db.url, &db.dir, &extra).unwrap();
        hub::testing::write_files(&db.dir.join("mappings"), &MAPPINGS).unwrap();
        config.queue.poll_interval_ms = 20;
        config.queue.backoff_base_ms = 10;
        config.queue.backoff_max_secs = 1;
        config.queue.lease_secs = 2;
        config.targets.poll_interval_ms = 20;
        config.targets.retry_schedule_secs = vec![0; 12];
        config.targets.jitter = 0.0;
        config.targets.lease_secs = 5;
        let app = App::build(config.clone()).await.expect("hub builds").spawn().await.expect("hub starts");
        let hub = TestHub { app: Some(app), db, config, client: reqwest::Client::new() };
        let flow = Flow { hub, helloasso, odoo, dokos, mattermost, client: reqwest::Client::new() };
        flow.register_notifications().await;
        for sandbox in [&flow.helloasso, &flow.odoo] {
            flow.put(&format!("{}/_sandbox/faults", sandbox.running.base_url.trim_end_matches('/')), &faults).await;
        }
        flow
    }

    async fn put(&self, url: &str, body: &Value) {
        let r = self.client.put(url).json(body).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
    }

    async fn register_notifications(&self) {
        let c = &self.helloasso.credentials;
        let base = self.helloasso.running.base_url.trim_end_matches('/').to_string();
        let token: Value = self
            .client
            .post(format!("{base}/oauth2/token"))
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
        let resp = self
            .client
            .put(format!("{base}/v5/partners/me/api-notifications"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .json(&json!({"url": self.hub.url("/hooks/helloasso_main")}))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "registering the notification URL: {}", resp.status());
    }

    pub async fn pay(&self, body: Value) -> Value {
        let base = self.helloasso.running.base_url.trim_end_matches('/');
        let resp = self.client.post(format!("{base}/_sandbox/payments")).json(&body).send().await.unwrap();
        assert!(resp.status().is_success(), "payment: {}", resp.status());
        resp.json().await.unwrap()
    }

    pub async fn odoo_records(&self, model: &str) -> Vec<Value> {
        let base = self.odoo.running.base_url.trim_end_matches('/');
        let v: Value =
            self.client.get(format!("{base}/_sandbox/records/{model}")).send().await.unwrap().json().await.unwrap();
        v.as_array().unwrap().clone()
    }

    pub async fn dokos_docs(&self, doctype: &str) -> Vec<Value> {
        let base = self.dokos.running.base_url.trim_end_matches('/');
        let v: Value =
            self.client.get(format!("{base}/_sandbox/docs/{doctype}")).send().await.unwrap().json().await.unwrap();
        v["data"].as_array().unwrap().clone()
    }

    /// The live posts of a Mattermost channel.
    pub async fn posts_in(&self, channel: &str) -> Vec<Value> {
        let base = self.mattermost.running.base_url.trim_end_matches('/');
        let state: Value =
            self.client.get(format!("{base}/_sandbox/state")).send().await.unwrap().json().await.unwrap();
        let id =
            state["channels"].as_array().unwrap().iter().find(|c| c["channel"]["name"] == channel).unwrap()["channel"]
                ["id"]
                .clone();
        state["posts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["channel_id"] == id && p["delete_at"] == 0)
            .cloned()
            .collect()
    }

    pub async fn entities(&self, kind: EntityKind) -> Vec<Value> {
        self.hub.store().list_entities(kind, 100_000).await.unwrap().into_iter().map(|r| r.fields.0).collect()
    }
}

#[tokio::test]
async fn a_helloasso_membership_lands_in_odoo_dokos_and_mattermost() {
    let f = Flow::start(json!({})).await;
    let person = hub_sandbox::core::seed::person(31);
    f.pay(json!({"formType": "Membership", "person": 31, "customFields": {"Commune": "Montreuil"}})).await;

    eventually("the Odoo partner has a paid membership line", || async {
        let partners = f.odoo_records("res.partner").await;
        let Some(partner) = partners.iter().find(|p| p["email"] == person.email.as_str()) else { return false };
        f.odoo_records("membership.membership_line")
            .await
            .iter()
            .any(|l| (l["partner"] == partner["id"] || l["partner"][0] == partner["id"]) && l["state"] == "paid")
    })
    .await;
    let partners: Vec<Value> =
        f.odoo_records("res.partner").await.into_iter().filter(|p| p["email"] == person.email.as_str()).collect();
    assert_eq!(partners.len(), 1, "one partner: {partners:?}");
    assert_eq!(partners[0]["membership_state"], "paid", "Odoo itself shows a paid member: {}", partners[0]);

    eventually("the Dokos customer has its subscription", || async {
        let contacts = f.dokos_docs("Contact").await;
        let Some(contact) = contacts.iter().find(|c| c["email_id"] == person.email.as_str()) else { return false };
        let customers = f.dokos_docs("Customer").await;
        let Some(customer) = customers.iter().find(|c| c["customer_primary_contact"] == contact["name"]) else {
            return false;
        };
        f.dokos_docs("Subscription").await.iter().any(|s| s["customer"] == customer["name"])
    })
    .await;

    eventually("one post in the members' channel", || async {
        f.posts_in("adhesions").await.iter().any(|p| p["root_id"] == "")
    })
    .await;
    let roots: Vec<Value> = f.posts_in("adhesions").await.into_iter().filter(|p| p["root_id"] == "").collect();
    assert_eq!(roots.len(), 1, "one post per membership (the payment is not announced again): {roots:?}");
    let text = roots[0]["message"].as_str().unwrap();
    assert!(text.contains(&person.family_name) && text.contains("Individuelle"), "{text}");
    assert!(!text.contains(&person.email), "no e-mail unless the template asks: {text}");

    // Nothing left to push, nothing failed.
    let (status, targets) = f.hub.admin_get("/api/v1/targets").await;
    assert_eq!(status, 200, "{targets}");
    for t in targets["targets"].as_array().unwrap() {
        assert!(t["pushes"].get("failed").is_none(), "{t}");
    }
    f.hub.shutdown().await;
}
