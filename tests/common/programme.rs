//! The programme test harness: a real hub (fresh SQLite or PostgreSQL database) with a
//! `spreadsheet` instance reading a file the test rewrites, the programme's shipped mappings and
//! kinds, and the Mattermost sandbox as the announcing target. Syncs are run directly (as
//! `hub sync` does); tasks and posts arrive through the running hub's targets.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use hub::{
    app::App,
    flows::sync::{SyncReport, sync_stream},
    programme::Month,
    queue::JobError,
    store::EntityRow,
    testing::FreshDatabase,
};
use hub_connector_sdk::EntityKind;
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::Value;
use uuid::Uuid;

use super::{TestHub, eventually};

pub const HEADER: &str = "Date;Début;Fin;Titre;Type;Lieu;Animateur·rice;Jauge;Description";

pub struct Programme {
    pub hub: TestHub,
    pub app: App,
    pub mattermost: Started,
    pub sheet: PathBuf,
    /// The same configuration as a file, for the `hub` binary.
    pub config_path: PathBuf,
    pub month: Month,
    pub client: reqwest::Client,
}

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("credential {key}")).to_string()
}

/// Next month (Paris), so that every event is still open to registrations.
pub fn next_month() -> Month {
    Month::of(chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive()).next()
}

impl Programme {
    /// A hub reading `file_name` (written by the test) in its temp folder.
    pub async fn start(file_name: &str, initial: &[u8]) -> Programme {
        let mattermost =
            hub_sandbox::mattermost::start(SandboxOptions { seed: true, ..Default::default() }).await.unwrap();
        let m = &mattermost.credentials;
        let db = FreshDatabase::from_env().await.unwrap();
        let sheet = db.dir.join(file_name);
        std::fs::write(&sheet, initial).unwrap();
        let extra = format!(
            "[programme]\ntitle = \"Programme du Tiers-Lieu\"\nvenue = \"La Fabrique\"\npublic_url = \"https://hub.example.org\"\n\
             [connectors.planning]\nkind = \"spreadsheet\"\nsource = \"{}\"\nschedules = {{}}\n\
             [connectors.equipe]\nkind = \"mattermost\"\nbase_url = \"{}\"\ntoken = \"{}\"\nteam = \"{}\"\n",
            sheet.display(),
            s(m, "base_url"),
            s(m, "token"),
            s(m, "team"),
        );
        let mut config = hub::bench::bench_config(&db.url, &db.dir, &extra).unwrap();
        let config_path = db.dir.join("hub.toml");
        std::fs::write(&config_path, hub::bench::bench_config_toml(&db.url, &db.dir, &extra).unwrap()).unwrap();
        hub::testing::write_files(&db.dir.join("mappings"), &hub::programme::shipped_mapping_files()).unwrap();
        super::tools::fast_retries(&mut config);
        let app = App::build(config.clone()).await.expect("hub builds");
        let running = app.clone().spawn().await.expect("hub starts");
        let hub = TestHub { app: Some(running), db, config, client: reqwest::Client::new() };
        Programme { hub, app, mattermost, sheet, config_path, month: next_month(), client: reqwest::Client::new() }
    }

    /// A day of the test month.
    pub fn day(&self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.month.year, self.month.month, day).unwrap()
    }

    /// `dd/mm/yyyy` of a day of the test month.
    pub fn date(&self, day: u32) -> String {
        let d = self.day(day);
        format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
    }

    pub fn write(&self, bytes: &[u8]) {
        std::fs::write(&self.sheet, bytes).unwrap();
    }

    /// Syncs the sheet now, from the stored cursor.
    pub async fn sync(&self) -> Result<SyncReport, JobError> {
        sync_stream(&self.app.flows(), "planning", "events", false, usize::MAX, &mut |_| {}).await
    }

    pub async fn live(&self, kind: EntityKind) -> Vec<EntityRow> {
        self.hub.store().list_entities(kind, 100_000).await.unwrap()
    }

    /// The live event titled `title`.
    pub async fn event(&self, title: &str) -> Option<EntityRow> {
        self.live(EntityKind::Event).await.into_iter().find(|e| e.fields.0["title"] == title)
    }

    /// The live tasks of `event`, their slugs sorted.
    pub async fn task_slugs(&self, event: Uuid) -> Vec<String> {
        let mut slugs: Vec<String> = self
            .live(EntityKind::Task)
            .await
            .into_iter()
            .filter(|t| t.fields.0["event"] == event.to_string())
            .map(|t| t.fields.0["slug"].as_str().unwrap_or_default().to_string())
            .collect();
        slugs.sort();
        slugs
    }

    /// Waits until `event`'s tasks are `slugs` (sorted).
    pub async fn wait_tasks(&self, event: Uuid, slugs: &[&str]) {
        eventually(&format!("tasks {slugs:?} of {event}"), || async { self.task_slugs(event).await == slugs }).await;
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = self.client.get(self.hub.url(path)).send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let (status, text) = self.get(path).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The month's ICS feed.
    pub async fn ics(&self) -> String {
        let (status, text) = self.get(&format!("/programme/{}.ics", self.month)).await;
        assert_eq!(status, 200, "{text}");
        text
    }

    /// The live root posts of a Mattermost channel.
    pub async fn roots_in(&self, channel: &str) -> Vec<Value> {
        let base = self.mattermost.running.base_url.trim_end_matches('/');
        let state: Value =
            self.client.get(format!("{base}/_sandbox/state")).send().await.unwrap().json().await.unwrap();
        let channels = state["channels"].as_array().unwrap();
        let id = channels.iter().find(|c| c["channel"]["name"] == channel).unwrap()["channel"]["id"].clone();
        state["posts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["channel_id"] == id && p["delete_at"] == 0 && p["root_id"] == "")
            .cloned()
            .collect()
    }

    /// Waits until a root post of `programme` contains every part.
    pub async fn wait_post(&self, parts: &[&str]) {
        eventually(&format!("a post in `programme` with {parts:?}"), || async {
            self.roots_in("programme").await.iter().any(|p| {
                let text = p["message"].as_str().unwrap_or_default();
                parts.iter().all(|part| text.contains(part))
            })
        })
        .await;
    }

    /// Runs the `hub` binary with this configuration: (success, stdout, stderr).
    pub fn hub_command(&self, args: &[&str]) -> (bool, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hub"))
            .arg("--config")
            .arg(&self.config_path)
            .args(args)
            .env_remove("HUB_TEST_DATABASE_URL")
            .env("HUB_LOG", "error")
            .output()
            .expect("the hub binary runs");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.success(), text(&out.stdout), text(&out.stderr))
    }

    pub async fn shutdown(self) {
        self.hub.shutdown().await;
    }
}
