//! The membership flow's world: the HelloAsso, Odoo, Dokos and Mattermost sandboxes, the hub
//! configuration connecting them, and inspection of what each tool holds.
#![allow(dead_code)]

use hub_connector_sdk::EntityKind;
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

use super::TestHub;

pub const MAPPINGS: [(&str, &str); 7] = [
    ("helloasso/members.toml", include_str!("../../mappings/helloasso/members.toml")),
    ("helloasso/memberships.toml", include_str!("../../mappings/helloasso/memberships.toml")),
    ("helloasso/payments.toml", include_str!("../../mappings/helloasso/payments.toml")),
    ("odoo/partners.toml", include_str!("../../mappings/odoo/partners.toml")),
    ("odoo/memberships.toml", include_str!("../../mappings/odoo/memberships.toml")),
    ("dokos/customers.toml", include_str!("../../mappings/dokos/customers.toml")),
    ("dokos/subscriptions.toml", include_str!("../../mappings/dokos/subscriptions.toml")),
];

/// The four tools, started on loopback ports.
pub struct Sandboxes {
    pub helloasso: Started,
    pub odoo: Started,
    pub dokos: Started,
    pub mattermost: Started,
    pub client: reqwest::Client,
}

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
}

fn base(started: &Started) -> String {
    started.running.base_url.trim_end_matches('/').to_string()
}

impl Sandboxes {
    /// HelloAsso starts empty; the others with the shared seed (some members already in Odoo).
    pub async fn start() -> Sandboxes {
        let seeded = || SandboxOptions { seed: true, ..Default::default() };
        Sandboxes {
            helloasso: hub_sandbox::helloasso::start(SandboxOptions { seed: false, ..Default::default() })
                .await
                .unwrap(),
            odoo: hub_sandbox::odoo::start(seeded()).await.unwrap(),
            dokos: hub_sandbox::dokos::start(seeded()).await.unwrap(),
            mattermost: hub_sandbox::mattermost::start(seeded()).await.unwrap(),
            client: reqwest::Client::new(),
        }
    }

    /// The `[connectors.*]` tables (and anything in `more`) for the hub.
    pub fn connectors_toml(&self, more: &str) -> String {
        let (h, o, d, m) = (
            &self.helloasso.credentials,
            &self.odoo.credentials,
            &self.dokos.credentials,
            &self.mattermost.credentials,
        );
        let year = chrono::Utc::now().format("%Y");
        format!(
            r#"
[connectors.helloasso_main]
kind = "helloasso"
base_url = "{}"
client_id = "{}"
client_secret = "{}"
organization_slug = "{}"
signature_key = "{}"
{more}

[connectors.odoo_main]
kind = "odoo"
base_url = "{}"
database = "{}"
login = "{}"
api_key = "{}"
protocol = "json2"
membership_products = {{ "Individuelle" = "Adhésion individuelle {year}", "Famille" = "Adhésion famille {year}" }}
donation_product = "Don"
writes = ["person", "membership", "payment"]

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
            base(&self.odoo),
            s(o, "database"),
            s(o, "login"),
            s(o, "api_key"),
            base(&self.dokos),
            s(d, "api_key"),
            s(d, "api_secret"),
            s(m, "base_url"),
            s(m, "token"),
            s(m, "team"),
        )
    }

    pub async fn set_faults(&self, sandbox: &Started, faults: &Value) {
        let r = self.client.put(format!("{}/_sandbox/faults", base(sandbox))).json(faults).send().await.unwrap();
        assert!(r.status().is_success(), "faults: {}", r.status());
    }

    /// Registers `url` as the partner notification URL, HelloAsso's way.
    pub async fn register_notifications(&self, url: &str) {
        let c = &self.helloasso.credentials;
        let base = base(&self.helloasso);
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
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "registering the notification URL: {}", resp.status());
    }

    /// Someone pays on HelloAsso (the sandbox's trigger).
    pub async fn pay(&self, body: Value) -> Value {
        let resp =
            self.client.post(format!("{}/_sandbox/payments", base(&self.helloasso))).json(&body).send().await.unwrap();
        assert!(resp.status().is_success(), "payment: {}", resp.status());
        resp.json().await.unwrap()
    }

    pub async fn odoo_records(&self, model: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/records/{model}", base(&self.odoo));
        let v: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        v.as_array().unwrap().clone()
    }

    pub async fn dokos_docs(&self, doctype: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/docs/{doctype}", base(&self.dokos));
        let v: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        v["data"].as_array().unwrap().clone()
    }

    /// The live posts of a Mattermost channel.
    pub async fn posts_in(&self, channel: &str) -> Vec<Value> {
        super::tools::mattermost_posts(&self.client, &self.mattermost, channel).await
    }

    /// Top-level posts of a channel (one per announced entity).
    pub async fn roots_in(&self, channel: &str) -> Vec<Value> {
        self.posts_in(channel).await.into_iter().filter(|p| p["root_id"] == "").collect()
    }
}

/// The sandboxes and a hub in this process wired to them.
pub struct Flow {
    pub tools: Sandboxes,
    pub hub: TestHub,
}

impl Flow {
    /// Starts the sandboxes and the hub (fast retries), then sets `faults` on HelloAsso and Odoo.
    pub async fn start(faults: Value) -> Flow {
        let tools = Sandboxes::start().await;
        let hub = super::tools::spawn_flow_hub(&tools.connectors_toml(""), &MAPPINGS).await;
        tools.register_notifications(&hub.url("/hooks/helloasso_main")).await;
        for sandbox in [&tools.helloasso, &tools.odoo] {
            tools.set_faults(sandbox, &faults).await;
        }
        Flow { tools, hub }
    }

    pub async fn entities(&self, kind: EntityKind) -> Vec<Value> {
        self.hub.store().list_entities(kind, 100_000).await.unwrap().into_iter().map(|r| r.fields.0).collect()
    }
}
