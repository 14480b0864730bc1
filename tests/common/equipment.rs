//! The equipment world: the Cal.com, Mattermost and Snipe-IT sandboxes, a hub with two equipped
//! resources (a CNC whose asset is free, a camera kit lent with an asset in repair) and a 1 s
//! equipment loop, and inspection of Snipe-IT's assets and the `materiel` channel.
#![allow(dead_code)]

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use hub::{app::App, testing::FreshDatabase};
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

use super::TestHub;

pub const MAPPINGS: [(&str, &str); 2] = [
    ("calcom/bookings.toml", include_str!("../../mappings/calcom/bookings.toml")),
    ("snipeit/assets.toml", include_str!("../../mappings/snipeit/assets.toml")),
];

/// Free in the Snipe-IT seed (Fraiseuse CNC n°1), booked through Cal.com's `fab-0011`.
pub const FREE_TAG: &str = "FAB-0011";
/// "Out for Repair" in the Snipe-IT seed, lent with the camera kit booked through `fab-0021`.
pub const IN_REPAIR_TAG: &str = "FAB-0003";
pub const CHANNEL: &str = "materiel";

pub struct Tools {
    pub calcom: Started,
    pub mattermost: Started,
    pub snipeit: Started,
    pub client: reqwest::Client,
}

fn cred(started: &Started, key: &str) -> String {
    started.credentials[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
}

fn base(started: &Started) -> String {
    started.running.base_url.trim_end_matches('/').to_string()
}

impl Tools {
    pub async fn start() -> Tools {
        let seeded = || SandboxOptions { seed: true, ..Default::default() };
        Tools {
            calcom: hub_sandbox::calcom::start(seeded()).await.unwrap(),
            mattermost: hub_sandbox::mattermost::start(seeded()).await.unwrap(),
            snipeit: hub_sandbox::snipeit::start(seeded()).await.unwrap(),
            client: reqwest::Client::new(),
        }
    }

    pub fn config_toml(&self) -> String {
        let (c, m, s) = (&self.calcom, &self.mattermost, &self.snipeit);
        format!(
            r#"
[connectors.calcom_main]
kind = "calcom"
base_url = "{}"
api_key = "{}"
webhook_secret = "{}"

[connectors.equipe]
kind = "mattermost"
base_url = "{}"
token = "{}"
team = "{}"
writes = ["booking"]

[connectors.inventaire]
kind = "snipeit"
base_url = "{}"
token = "{}"

[equipment]
poll_interval_secs = 1

[resources.fraiseuse-cnc]
name = "Fraiseuse CNC"
kind = "machine"
event_types = ["fab-0011"]
channel = "{CHANNEL}"
asset_tags = ["{FREE_TAG}"]

[resources.kit-reportage]
name = "Kit reportage"
kind = "camera_kit"
event_types = ["fab-0021"]
channel = "{CHANNEL}"
asset_tags = ["{IN_REPAIR_TAG}"]
"#,
            base(c),
            cred(c, "api_key"),
            cred(c, "webhook_secret"),
            cred(m, "base_url"),
            cred(m, "token"),
            cred(m, "team"),
            cred(s, "base_url"),
            cred(s, "token"),
        )
    }

    async fn post(&self, url: String, body: Value) -> Value {
        let resp = self.client.post(&url).json(&body).send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{url}: {status} {v}");
        v
    }

    /// Seed person 3 books `slug` at `start` on Cal.com's booking page: the booking's uid.
    pub async fn book(&self, slug: &str, start: &str) -> String {
        let body = json!({"eventTypeSlug": slug, "start": start, "seedPerson": 3});
        let v = self.post(format!("{}/_sandbox/bookings", base(&self.calcom)), body).await;
        v["data"]["uid"].as_str().unwrap().to_string()
    }

    /// Cancels the seed's bookings of `slug` overlapping [`start`, `end`) (the sandbox refuses a
    /// second booking of one event type at the same time), so a booking "now" can be made
    /// whatever the day the test runs.
    pub async fn clear(&self, slug: &str, start: DateTime<Utc>, end: DateTime<Utc>) {
        let url = format!("{}/_sandbox/state", base(&self.calcom));
        let state: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        let time = |b: &Value, k: &str| b[k].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok());
        for b in state["bookings"].as_array().unwrap() {
            let live = b["status"] == "accepted" || b["status"] == "pending";
            let overlaps = time(b, "start").is_some_and(|s| s < end) && time(b, "end").is_some_and(|e| start < e);
            if b["eventType"]["slug"] == slug && live && overlaps {
                self.cancel(b["uid"].as_str().unwrap()).await;
            }
        }
    }

    /// Books `slug` so that it started five minutes ago (two hours long): the uid.
    pub async fn book_under_way(&self, slug: &str) -> String {
        let start = Utc::now() - Duration::minutes(5);
        self.clear(slug, start, start + Duration::hours(2)).await;
        self.book(slug, &start.to_rfc3339_opts(SecondsFormat::Secs, true)).await
    }

    pub async fn cancel(&self, uid: &str) {
        let url = format!("{}/_sandbox/bookings/{uid}/cancel", base(&self.calcom));
        self.post(url, json!({"cancellationReason": "empêchement"})).await;
    }

    /// Cal.com's webhook subscription, the vendor's way.
    pub async fn subscribe(&self, url: &str) {
        let triggers = ["BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED", "BOOKING_REQUESTED"];
        let body = json!({"subscriberUrl": url, "triggers": triggers, "active": true,
            "secret": cred(&self.calcom, "webhook_secret")});
        let resp = self
            .client
            .post(format!("{}/v2/webhooks", base(&self.calcom)))
            .bearer_auth(cred(&self.calcom, "api_key"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "subscribing: {}", resp.status());
    }

    /// Snipe-IT's asset `tag` as the sandbox holds it, and the e-mail of the user it is
    /// checked out to (if it is checked out to a user).
    pub async fn asset(&self, tag: &str) -> (Value, Option<String>) {
        let url = format!("{}/_sandbox/state", base(&self.snipeit));
        let state: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        let db = &state["db"];
        let assets = db["assets"].as_object().unwrap();
        let asset = assets.values().find(|a| a["asset_tag"] == tag).unwrap_or_else(|| panic!("no asset {tag}")).clone();
        let holder = match asset["assigned_to"].as_array().map(Vec::as_slice) {
            Some([kind, id]) if kind == "user" => {
                let user = &db["users"][id.as_u64().unwrap().to_string()];
                user["email"].as_str().map(str::to_string)
            }
            _ => None,
        };
        (asset, holder)
    }

    /// The live posts of `channel`.
    pub async fn posts_in(&self, channel: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/state", base(&self.mattermost));
        let state: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        let channels = state["channels"].as_array().unwrap();
        let id = channels.iter().find(|c| c["channel"]["name"] == channel).unwrap()["channel"]["id"].clone();
        let posts = state["posts"].as_array().unwrap();
        posts.iter().filter(|p| p["channel_id"] == id && p["delete_at"] == 0).cloned().collect()
    }

    /// The equipment notices of `channel` (the loop's posts, not the booking announcements).
    pub async fn notices(&self, channel: &str) -> Vec<String> {
        let posts = self.posts_in(channel).await;
        posts
            .iter()
            .filter_map(|p| p["message"].as_str())
            .filter(|m| m.starts_with("Matériel indisponible"))
            .map(str::to_string)
            .collect()
    }
}

/// The tools and a hub wired to them, Cal.com subscribed.
pub struct Equipment {
    pub tools: Tools,
    pub hub: TestHub,
}

impl Equipment {
    pub async fn start() -> Equipment {
        let tools = Tools::start().await;
        let db = FreshDatabase::from_env().await.unwrap();
        let mut config = hub::bench::bench_config(&db.url, &db.dir, &tools.config_toml()).unwrap();
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
        tools.subscribe(&hub.url("/hooks/calcom_main")).await;
        Equipment { tools, hub }
    }
}
