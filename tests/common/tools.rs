//! What the flow tests do to the sandboxes and the hub alike: sandbox credentials, Cal.com's
//! booking page and webhook subscription, a Mattermost channel's posts, and a hub in this process
//! on a fresh database with fast retries (queue and targets), wired by a connectors TOML.
#![allow(dead_code)]

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use hub::{app::App, testing::FreshDatabase};
use hub_sandbox::core::Started;
use serde_json::{Value, json};

use super::TestHub;

pub fn cred(started: &Started, key: &str) -> String {
    started.credentials[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
}

pub fn base(started: &Started) -> String {
    started.running.base_url.trim_end_matches('/').to_string()
}

/// POSTs JSON, asserts a 2xx, answers the JSON body (null when there is none).
pub async fn post_json(client: &reqwest::Client, url: String, body: Value) -> Value {
    let resp = client.post(&url).json(&body).send().await.unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {v}");
    v
}

/// Seed person 3 books `slug` at `start` on Cal.com's booking page: the booking's uid.
pub async fn calcom_book(client: &reqwest::Client, calcom: &Started, slug: &str, start: &str) -> String {
    let body = json!({"eventTypeSlug": slug, "start": start, "seedPerson": 3});
    let v = post_json(client, format!("{}/_sandbox/bookings", base(calcom)), body).await;
    v["data"]["uid"].as_str().unwrap().to_string()
}

/// Cancels the bookings of `slug` overlapping [`start`, `end`) (the sandbox refuses a second
/// booking of one event type at the same time, and its seed books the machines), so a booking
/// "now" can be made whatever the day the test runs.
pub async fn calcom_clear(
    client: &reqwest::Client,
    calcom: &Started,
    slug: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) {
    let state: Value =
        client.get(format!("{}/_sandbox/state", base(calcom))).send().await.unwrap().json().await.unwrap();
    let time = |b: &Value, k: &str| b[k].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok());
    for b in state["bookings"].as_array().unwrap() {
        let live = b["status"] == "accepted" || b["status"] == "pending";
        let overlaps = time(b, "start").is_some_and(|s| s < end) && time(b, "end").is_some_and(|e| start < e);
        if b["eventType"]["slug"] == slug && live && overlaps {
            calcom_cancel(client, calcom, b["uid"].as_str().unwrap()).await;
        }
    }
}

/// Seed person 3 books `slug` so that it started five minutes ago (two hours long): the uid.
pub async fn calcom_book_under_way(client: &reqwest::Client, calcom: &Started, slug: &str) -> String {
    let start = Utc::now() - Duration::minutes(5);
    calcom_clear(client, calcom, slug, start, start + Duration::hours(2)).await;
    calcom_book(client, calcom, slug, &start.to_rfc3339_opts(SecondsFormat::Secs, true)).await
}

/// The attendee cancels the booking on Cal.com.
pub async fn calcom_cancel(client: &reqwest::Client, calcom: &Started, uid: &str) {
    let url = format!("{}/_sandbox/bookings/{uid}/cancel", base(calcom));
    post_json(client, url, json!({"cancellationReason": "empêchement"})).await;
}

/// Cal.com's webhook subscription towards `url`, the vendor's way.
pub async fn calcom_subscribe(client: &reqwest::Client, calcom: &Started, url: &str) {
    let triggers = ["BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED", "BOOKING_REQUESTED"];
    let body = json!({"subscriberUrl": url, "triggers": triggers, "active": true,
        "secret": cred(calcom, "webhook_secret")});
    let resp = client
        .post(format!("{}/v2/webhooks", base(calcom)))
        .bearer_auth(cred(calcom, "api_key"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "subscribing: {}", resp.status());
}

/// The live posts of a Mattermost channel.
pub async fn mattermost_posts(client: &reqwest::Client, mattermost: &Started, channel: &str) -> Vec<Value> {
    let url = format!("{}/_sandbox/state", base(mattermost));
    let state: Value = client.get(url).send().await.unwrap().json().await.unwrap();
    let channels = state["channels"].as_array().unwrap();
    let id = channels.iter().find(|c| c["channel"]["name"] == channel).unwrap()["channel"]["id"].clone();
    let posts = state["posts"].as_array().unwrap();
    posts.iter().filter(|p| p["channel_id"] == id && p["delete_at"] == 0).cloned().collect()
}

/// Snipe-IT's asset `tag` as the sandbox holds it, and the e-mail of the user it is checked out
/// to (if it is checked out to a user).
pub async fn snipeit_asset(client: &reqwest::Client, snipeit: &Started, tag: &str) -> (Value, Option<String>) {
    let state: Value =
        client.get(format!("{}/_sandbox/state", base(snipeit))).send().await.unwrap().json().await.unwrap();
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

/// Polls every 20 ms and retries at once (queue and targets), so flow tests settle quickly.
pub fn fast_retries(config: &mut hub::config::Config) {
    config.queue.poll_interval_ms = 20;
    config.queue.backoff_base_ms = 10;
    config.queue.backoff_max_secs = 1;
    config.targets.poll_interval_ms = 20;
    config.targets.retry_schedule_secs = vec![0; 12];
    config.targets.jitter = 0.0;
    config.targets.lease_secs = 5;
}

/// A hub in this process on a fresh database (SQLite, or PostgreSQL with HUB_TEST_DATABASE_URL),
/// configured by `connectors_toml` with `mappings`, retrying fast (queue and targets).
pub async fn spawn_flow_hub(connectors_toml: &str, mappings: &[(&str, &str)]) -> TestHub {
    let db = FreshDatabase::from_env().await.unwrap();
    let mut config = hub::bench::bench_config(&db.url, &db.dir, connectors_toml).unwrap();
    hub::testing::write_files(&db.dir.join("mappings"), mappings).unwrap();
    fast_retries(&mut config);
    config.queue.lease_secs = 2;
    let app = App::build(config.clone()).await.expect("hub builds").spawn().await.expect("hub starts");
    TestHub { app: Some(app), db, config, client: reqwest::Client::new() }
}
