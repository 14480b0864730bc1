//! The booking flow's world: the Cal.com, Google Calendar and Mattermost sandboxes, the hub
//! configured with two resources, Google's consent given through the hub's real redirect, and
//! inspection of what each tool holds.
#![allow(dead_code)]

use std::time::Duration;

use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

use super::{
    ADMIN_TOKEN, TestHub,
    tools::{base, calcom_book, calcom_cancel, calcom_subscribe, cred, mattermost_posts, post_json, spawn_flow_hub},
};

pub const MAPPINGS: [(&str, &str); 2] = [
    ("calcom/bookings.toml", include_str!("../../mappings/calcom/bookings.toml")),
    ("google_calendar/events.toml", include_str!("../../mappings/google_calendar/events.toml")),
];

pub const HYPATIA_CALENDAR: &str = "c_salle-hypatia@group.calendar.google.com";
/// A fixed test key (base64 of 32 bytes), used only with the sandboxes.
const TOKEN_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub struct Tools {
    pub calcom: Started,
    pub google: Started,
    pub mattermost: Started,
    pub client: reqwest::Client,
}

impl Tools {
    pub async fn start() -> Tools {
        let seeded = || SandboxOptions { seed: true, ..Default::default() };
        Tools {
            calcom: hub_sandbox::calcom::start(seeded()).await.unwrap(),
            google: hub_sandbox::google_calendar::start(seeded()).await.unwrap(),
            mattermost: hub_sandbox::mattermost::start(seeded()).await.unwrap(),
            client: reqwest::Client::new(),
        }
    }

    pub fn config_toml(&self) -> String {
        let (c, g, m) = (&self.calcom, &self.google, &self.mattermost);
        format!(
            r#"
[connectors.calcom_main]
kind = "calcom"
base_url = "{}"
api_key = "{}"
webhook_secret = "{}"

[connectors.google_main]
kind = "google_calendar"
base_url = "{}"
auth_url = "{}"
token_url = "{}"
client_id = "{}"
client_secret = "{}"
token_key = "{TOKEN_KEY}"
channel_token = "canal-de-test-0123456789"

[connectors.equipe]
kind = "mattermost"
base_url = "{}"
token = "{}"
team = "{}"
writes = ["booking"]

[resources.salle-hypatia]
name = "Salle Hypatia"
calendar = "{HYPATIA_CALENDAR}"

[resources.atelier-bois]
name = "Atelier bois"
calendar = "c_atelier-bois@group.calendar.google.com"
public = false
"#,
            base(c),
            cred(c, "api_key"),
            cred(c, "webhook_secret"),
            base(g),
            cred(g, "auth_url"),
            cred(g, "token_url"),
            cred(g, "client_id"),
            cred(g, "client_secret"),
            cred(m, "base_url"),
            cred(m, "token"),
            cred(m, "team"),
        )
    }

    async fn post(&self, url: String, body: Value) -> Value {
        post_json(&self.client, url, body).await
    }

    /// A member books `slug` at `start` on Cal.com's booking page: the new booking's uid.
    pub async fn book(&self, slug: &str, start: &str) -> String {
        calcom_book(&self.client, &self.calcom, slug, start).await
    }

    /// The attendee moves the booking: the new uid.
    pub async fn reschedule(&self, uid: &str, start: &str) -> String {
        let url = format!("{}/_sandbox/bookings/{uid}/reschedule", base(&self.calcom));
        let v = self.post(url, json!({"start": start})).await;
        v["data"]["uid"].as_str().unwrap().to_string()
    }

    pub async fn cancel(&self, uid: &str) {
        calcom_cancel(&self.client, &self.calcom, uid).await
    }

    /// Cal.com's webhook subscription, the vendor's way.
    pub async fn subscribe(&self, url: &str) {
        calcom_subscribe(&self.client, &self.calcom, url).await
    }

    /// Staff add an event directly in Google Calendar.
    pub async fn staff_add_event(&self, calendar: &str, event: Value) {
        self.post(format!("{}/_sandbox/calendars/{calendar}/events", base(&self.google)), event).await;
    }

    /// The push channels open on the Google sandbox.
    pub async fn channels(&self) -> Vec<Value> {
        let url = format!("{}/_sandbox/channels", base(&self.google));
        let v: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        v.as_array().cloned().unwrap_or_default()
    }

    /// Every stored event of a calendar (cancelled ones too).
    pub async fn events_of(&self, calendar: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/calendars/{calendar}/events", base(&self.google));
        let v: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        v.as_array().unwrap().iter().map(|e| e["event"].clone()).collect()
    }

    /// The events the hub wrote for `booking` (by the marker in the private extended properties).
    pub async fn hub_events(&self, calendar: &str, booking: &str) -> Vec<Value> {
        let events = self.events_of(calendar).await;
        events
            .into_iter()
            .filter(|e| e.pointer("/extendedProperties/private/hub_booking_id") == Some(&json!(booking)))
            .collect()
    }

    pub async fn posts_in(&self, channel: &str) -> Vec<Value> {
        mattermost_posts(&self.client, &self.mattermost, channel).await
    }

    /// The posts about one canonical booking (`props.hub_entity_id`).
    pub async fn posts_about(&self, channel: &str, booking: &str) -> Vec<Value> {
        self.posts_in(channel).await.into_iter().filter(|p| p["props"]["hub_entity_id"] == booking).collect()
    }
}

/// The tools and a hub wired to them, Cal.com subscribed and Google authorized.
pub struct Booking {
    pub tools: Tools,
    pub hub: TestHub,
}

impl Booking {
    pub async fn start() -> Booking {
        let tools = Tools::start().await;
        let hub = spawn_flow_hub(&tools.config_toml(), &MAPPINGS).await;
        tools.subscribe(&hub.url("/hooks/calcom_main")).await;
        let booking = Booking { tools, hub };
        booking.consent().await;
        booking
    }

    /// `hub auth google`'s path through the running hub: the consent URL, Google's redirect back
    /// to the hub's callback (followed by the HTTP client, as a browser would), the page.
    pub async fn consent(&self) -> String {
        let begun: Value = self
            .hub
            .client
            .post(self.hub.url("/api/v1/auth/google/google_main"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = begun["url"].as_str().unwrap_or_else(|| panic!("no consent URL: {begun}"));
        let page = self.hub.client.get(url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        page.text().await.unwrap()
    }
}

impl TestHub {
    /// Asks the running hub to read every stream of `instance` now (the admin API).
    pub async fn sync(&self, instance: &str) {
        let resp = self
            .client
            .post(self.url(&format!("/api/v1/connectors/{instance}/sync")))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202, "sync of {instance}");
    }
}

/// Polls `check` until it answers `Some`, or panics with `what` after `secs`.
pub async fn wait_for<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
