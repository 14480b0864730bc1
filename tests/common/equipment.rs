//! The equipment world: the Cal.com, Mattermost and Snipe-IT sandboxes, a hub with two equipped
//! resources (a CNC whose asset is free, a camera kit lent with an asset in repair) and a 1 s
//! equipment loop, and inspection of Snipe-IT's assets and the `materiel` channel.
#![allow(dead_code)]

use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::Value;

use super::{
    TestHub,
    tools::{
        base, calcom_book, calcom_book_under_way, calcom_cancel, calcom_subscribe, cred, mattermost_posts,
        snipeit_asset, spawn_flow_hub,
    },
};

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

    /// Seed person 3 books `slug` at `start` on Cal.com's booking page: the booking's uid.
    pub async fn book(&self, slug: &str, start: &str) -> String {
        calcom_book(&self.client, &self.calcom, slug, start).await
    }

    /// Books `slug` so that it started five minutes ago (two hours long): the uid.
    pub async fn book_under_way(&self, slug: &str) -> String {
        calcom_book_under_way(&self.client, &self.calcom, slug).await
    }

    pub async fn cancel(&self, uid: &str) {
        calcom_cancel(&self.client, &self.calcom, uid).await
    }

    /// Cal.com's webhook subscription, the vendor's way.
    pub async fn subscribe(&self, url: &str) {
        calcom_subscribe(&self.client, &self.calcom, url).await
    }

    /// Snipe-IT's asset `tag` as the sandbox holds it, and the e-mail of the user it is
    /// checked out to (if it is checked out to a user).
    pub async fn asset(&self, tag: &str) -> (Value, Option<String>) {
        snipeit_asset(&self.client, &self.snipeit, tag).await
    }

    /// The live posts of `channel`.
    pub async fn posts_in(&self, channel: &str) -> Vec<Value> {
        mattermost_posts(&self.client, &self.mattermost, channel).await
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
        let hub = spawn_flow_hub(&tools.config_toml(), &MAPPINGS).await;
        tools.subscribe(&hub.url("/hooks/calcom_main")).await;
        Equipment { tools, hub }
    }
}
