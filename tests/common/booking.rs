//! The booking flow's world: the Cal.com, Google Calendar and Mattermost sandboxes, the hub
//! configured with two resources, Google's consent given through the hub's real redirect, and
//! inspection of what each tool holds.
#![allow(dead_code)]

use std::time::Duration;

use hub::{app::App, testing::FreshDatabase};
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

use super::{ADMIN_TOKEN, TestHub};

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
        let resp = self.client.post(&url).json(&body).send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{url}: {status} {v}");
        v
    }

    /// A member books `slug` at `start` on Cal.com's booking page: the new booking's uid.
    pub async fn book(&self, slug: &str, start: &str) -> String {
        let body = json!({"eventTypeSlug": slug, "start": start, "seedPerson": 3});
        let v = self.post(format!("{}/_sandbox/bookings", base(&self.calcom)), body).await;
        v["data"]["uid"].as_str().unwrap().to_string()
    }

    /// The attendee moves the booking: the new uid.
    pub async fn reschedule(&self, uid: &str, start: &str) -> String {
        let url = format!("{}/_sandbox/bookings/{uid}/reschedule", base(&self.calcom));
        let v = self.post(url, json!({"start": start})).await;
        v["data"]["uid"].as_str().unwrap().to_string()
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
        let url = format!("{}/_sandbox/state", base(&self.mattermost));
        let state: Value = self.client.get(url).send().await.unwrap().json().await.unwrap();
        let channels = state["channels"].as_array().unwrap();
        let id = channels.iter().find(|c| c["channel"]["name"] == channel).unwrap()["channel"]["id"].clone();
        let posts = state["posts"].as_array().unwrap();
        posts.iter().filter(|p| p["channel_id"] == id && p["delete_at"] == 0).cloned().collect()
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
