//! Shared by the sandbox tests: a started Google Calendar sandbox (seeded), settings and a
//! connector on it, the sandbox's trigger routes, booking changes, and reading a whole pass.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use hub_connector_google_calendar::{GoogleCalendarConnector, GoogleCalendarSettings, api::segment};
use hub_connector_sdk::{CanonicalChange, ChangeOp, Connector, Cursor, EntityKind, SourceRecord};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};
use uuid::Uuid;

pub const HYPATIA: &str = "salle-hypatia";
pub const STUDIO: &str = "studio-son";
pub const CHANNEL_TOKEN: &str = "channel-secret-for-tests-0123456789";

pub fn calendar(slug: &str) -> String {
    hub_sandbox_google_calendar::room_calendar_id(slug)
}

pub struct Sandbox {
    pub started: Started,
    pub client: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_google_calendar::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, client: reqwest::Client::new() }
    }

    pub fn cred(&self, key: &str) -> String {
        self.started.credentials[key].as_str().expect("credential present").to_string()
    }

    pub fn base(&self) -> String {
        self.cred("base_url")
    }

    /// Two room calendars, the demo refresh token, a channel token.
    pub fn settings(&self) -> GoogleCalendarSettings {
        let mut s = GoogleCalendarSettings::new("gcal-test", self.cred("client_id"), self.cred("client_secret"));
        s.base_url = self.base();
        s.auth_url = self.cred("auth_url");
        s.token_url = self.cred("token_url");
        s.refresh_token = Some(self.cred("refresh_token"));
        s.channel_token = Some(CHANNEL_TOKEN.into());
        s.calendars.insert(HYPATIA.into(), calendar(HYPATIA));
        s.calendars.insert(STUDIO.into(), calendar(STUDIO));
        s
    }

    pub fn connector(&self) -> GoogleCalendarConnector {
        GoogleCalendarConnector::new(self.settings()).expect("valid settings")
    }

    pub async fn state(&self) -> Value {
        self.client.get(format!("{}/_sandbox/state", self.base())).send().await.unwrap().json().await.unwrap()
    }

    /// A POST to a `/_sandbox/...` trigger; panics unless it succeeds.
    pub async fn trigger(&self, path: &str, body: Value) -> Value {
        let response = self.client.post(format!("{}{path}", self.base())).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    /// Staff add an event in the room's calendar, directly in Google Calendar.
    pub async fn staff_add(&self, slug: &str, event: Value) -> Value {
        self.trigger(&format!("/_sandbox/calendars/{}/events", segment(&calendar(slug))), event).await
    }

    /// Staff delete an event in Google Calendar.
    pub async fn staff_cancel(&self, slug: &str, event_id: &str) {
        let url = format!("{}/_sandbox/calendars/{}/events/{event_id}", self.base(), segment(&calendar(slug)));
        let response = self.client.delete(url).send().await.unwrap();
        assert!(response.status().is_success(), "staff cancel: {}", response.status());
    }

    /// Staff edit an event in Google Calendar (through the API, as Google's own UI would).
    pub async fn staff_patch(&self, slug: &str, event_id: &str, patch: Value) {
        let form = [
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", self.cred("refresh_token")),
            ("client_id", self.cred("client_id")),
            ("client_secret", self.cred("client_secret")),
        ];
        let token: Value =
            self.client.post(self.cred("token_url")).form(&form).send().await.unwrap().json().await.unwrap();
        let url = format!("{}/calendar/v3/calendars/{}/events/{event_id}", self.base(), segment(&calendar(slug)));
        let access = token["access_token"].as_str().expect("an access token");
        let response = self.client.patch(url).bearer_auth(access).json(&patch).send().await.unwrap();
        assert!(response.status().is_success(), "staff patch: {}", response.status());
    }

    /// Every stored event of the room's calendar (cancelled ones too).
    pub async fn stored(&self, slug: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/calendars/{}/events", self.base(), segment(&calendar(slug)));
        let list: Vec<Value> = self.client.get(url).send().await.unwrap().json().await.unwrap();
        list.into_iter().map(|e| e["event"].clone()).collect()
    }

    /// The stored events carrying `hub_booking_id = id`.
    pub async fn events_of_booking(&self, slug: &str, id: Uuid) -> Vec<Value> {
        let id = id.to_string();
        self.stored(slug)
            .await
            .into_iter()
            .filter(|e| e["extendedProperties"]["private"]["hub_booking_id"].as_str() == Some(id.as_str()))
            .collect()
    }

    pub async fn set_faults(&self, faults: Value) {
        let url = format!("{}/_sandbox/faults", self.base());
        let response = self.client.put(url).json(&faults).send().await.unwrap();
        assert!(response.status().is_success(), "faults accepted: {}", response.status());
    }

    pub async fn set_config(&self, config: Value) {
        let url = format!("{}/_sandbox/config", self.base());
        let response = self.client.put(url).json(&config).send().await.unwrap();
        assert!(response.status().is_success(), "config accepted: {}", response.status());
    }
}

/// Reads pages from `cursor` until a pass ends; returns the records and the last cursor.
pub async fn read_pass(conn: &dyn Connector, cursor: Option<Cursor>) -> (Vec<SourceRecord>, Cursor) {
    let mut cursor = cursor;
    let mut records = Vec::new();
    for _ in 0..100 {
        let page = conn.read("events", cursor.as_ref()).await.expect("read");
        records.extend(page.records);
        cursor = page.next_cursor.or(cursor);
        if !page.has_more {
            return (records, cursor.expect("a cursor after a pass"));
        }
    }
    panic!("the pass did not end");
}

/// A booking change on `slug`.
pub fn booking(
    op: ChangeOp,
    id: Uuid,
    slug: &str,
    starts: &str,
    ends: &str,
    external_id: Option<&str>,
) -> CanonicalChange {
    CanonicalChange {
        entity_kind: EntityKind::Booking,
        entity_id: id,
        op,
        fields: json!({
            "resource": slug, "title": "Atelier couture", "starts_at": starts, "ends_at": ends,
            "status": "confirmed", "attendee_name": "Zoé Martin",
        }),
        external_id: external_id.map(String::from),
        first_attempt: false,
    }
}

/// A timed staff event in Europe/Paris.
pub fn staff_event(summary: &str, start: &str, end: &str) -> Value {
    json!({
        "summary": summary,
        "start": {"dateTime": start, "timeZone": "Europe/Paris"},
        "end": {"dateTime": end, "timeZone": "Europe/Paris"},
    })
}
