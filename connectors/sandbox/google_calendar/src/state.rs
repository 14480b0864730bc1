//! The in-memory store: calendars, their events (kept as Google-shaped JSON resources), OAuth
//! clients/codes/tokens, push channels, and the change counter (`rev`) that sync tokens and etags
//! are built on. One `Mutex` guards it all; handlers never hold it across an `.await`.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, MutexGuard},
};

use chrono::{DateTime, Utc};
use hub_sandbox_core::WebhookEmitter;
use serde::Serialize;
use serde_json::{Value, json};

/// The demo OAuth client and account.
pub const CLIENT_ID: &str = "123456789012-tierslieux.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "GOCSPX-sandbox-tiers-lieux-secret";
pub const DEMO_REFRESH_TOKEN: &str = "1//0sandbox-demo-refresh-token-tiers-lieux";
pub const DEMO_ACCOUNT: &str = "accueil@tiers-lieu.exemple.fr";
pub const FULL_SCOPE: &str = "https://www.googleapis.com/auth/calendar";

/// One calendar (also its calendarList entry: the demo account owns every calendar).
#[derive(Debug, Clone, Serialize)]
pub struct Calendar {
    pub id: String,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub time_zone: String,
    pub primary: bool,
    pub color_id: String,
    pub deleted: bool,
    pub rev: u64,
    pub etag: String,
    /// Sync tokens issued before this revision are expired (410 Gone).
    pub sync_floor: u64,
    /// Events in creation order (id → stored event).
    #[serde(skip)]
    pub events: BTreeMap<u64, StoredEvent>,
    #[serde(skip)]
    pub index: HashMap<String, u64>,
}

/// An event as Google would return it (`res`), plus its last change revision.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    pub res: Value,
    pub rev: u64,
}

impl StoredEvent {
    pub fn cancelled(&self) -> bool {
        self.res["status"] == "cancelled"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub challenge: Option<String>,
    pub challenge_method: String,
    pub offline: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefreshToken {
    pub client_id: String,
    pub scope: String,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessToken {
    pub client_id: String,
    pub scope: String,
    pub expires_at: DateTime<Utc>,
}

/// A push channel opened by events.watch.
#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub id: String,
    pub resource_id: String,
    pub resource_uri: String,
    pub calendar_id: String,
    pub address: String,
    pub token: Option<String>,
    pub expiration_ms: i64,
    pub message_number: u64,
    pub stopped: bool,
}

pub struct State {
    pub base_url: String,
    pub rev: u64,
    pub last_ms: i64,
    pub calendars: Vec<Calendar>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub access_token_ttl_secs: i64,
    pub channels: Vec<Channel>,
    pub next_event_key: u64,
    /// Per-user quota (`requests` per `window_secs`), off by default; over it → 403 `userRateLimitExceeded`.
    pub user_rate_limit: Option<(u64, i64)>,
    pub rate_window: (i64, u64),
}

/// Shared by every handler.
#[derive(Clone)]
pub struct App {
    pub state: Arc<Mutex<State>>,
    pub emitter: WebhookEmitter,
}

impl App {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A base32hex identifier (`a`–`v`, `0`–`9`), as Google's event ids.
pub fn base32hex_id(rng: &mut fastrand::Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    (0..len).map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char).collect()
}

/// Google's RFC 3339 timestamps with milliseconds, in UTC.
pub fn rfc3339_ms(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl State {
    pub fn new(base_url: String) -> State {
        let mut refresh_tokens = HashMap::new();
        refresh_tokens.insert(
            DEMO_REFRESH_TOKEN.to_string(),
            RefreshToken { client_id: CLIENT_ID.into(), scope: FULL_SCOPE.into(), revoked: false },
        );
        State {
            base_url,
            rev: 1,
            last_ms: 0,
            calendars: Vec::new(),
            codes: HashMap::new(),
            refresh_tokens,
            access_tokens: HashMap::new(),
            access_token_ttl_secs: 3599,
            channels: Vec::new(),
            next_event_key: 1,
            user_rate_limit: None,
            rate_window: (0, 0),
        }
    }

    /// A new change revision and a timestamp strictly after the previous one.
    pub fn tick(&mut self) -> (u64, DateTime<Utc>) {
        self.rev += 1;
        let mut ms = Utc::now().timestamp_millis();
        if ms <= self.last_ms {
            ms = self.last_ms + 1;
        }
        self.last_ms = ms;
        (self.rev, DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now))
    }

    pub fn etag(rev: u64, at: DateTime<Utc>) -> String {
        format!("\"{}\"", at.timestamp_millis() * 1000 + (rev % 1000) as i64)
    }

    /// `primary` is the demo account's own calendar.
    pub fn resolve_calendar_id(&self, id: &str) -> String {
        if id == "primary" {
            self.calendars.iter().find(|c| c.primary).map(|c| c.id.clone()).unwrap_or_else(|| id.to_string())
        } else {
            id.to_string()
        }
    }

    pub fn calendar(&self, id: &str) -> Option<&Calendar> {
        let id = self.resolve_calendar_id(id);
        self.calendars.iter().find(|c| c.id == id && !c.deleted)
    }

    pub fn calendar_mut(&mut self, id: &str) -> Option<&mut Calendar> {
        let id = self.resolve_calendar_id(id);
        self.calendars.iter_mut().find(|c| c.id == id && !c.deleted)
    }

    /// Stores (inserts or replaces) an event resource in `calendar_id`.
    pub fn put_event(&mut self, calendar_id: &str, res: Value, rev: u64) {
        let key = self.next_event_key;
        let Some(cal) = self.calendar_mut(calendar_id) else { return };
        let id = res["id"].as_str().unwrap_or_default().to_string();
        match cal.index.get(&id) {
            Some(k) => {
                let k = *k;
                cal.events.insert(k, StoredEvent { res, rev });
            }
            None => {
                cal.index.insert(id, key);
                cal.events.insert(key, StoredEvent { res, rev });
                self.next_event_key += 1;
            }
        }
    }

    pub fn event(&self, calendar_id: &str, event_id: &str) -> Option<&StoredEvent> {
        let cal = self.calendar(calendar_id)?;
        cal.index.get(event_id).and_then(|k| cal.events.get(k))
    }

    /// A summary for `GET /_sandbox/state`.
    pub fn summary(&self) -> Value {
        json!({
            "rev": self.rev,
            "calendars": self.calendars.iter().map(|c| json!({
                "id": c.id, "summary": c.summary, "timeZone": c.time_zone, "primary": c.primary,
                "deleted": c.deleted, "syncFloor": c.sync_floor,
                "events": c.events.len(),
                "cancelledEvents": c.events.values().filter(|e| e.cancelled()).count(),
            })).collect::<Vec<_>>(),
            "channels": self.channels,
            "accessTokenTtlSecs": self.access_token_ttl_secs,
            "userRateLimit": self.user_rate_limit.map(|(r, w)| json!({"requests": r, "windowSecs": w})),
            "accessTokens": self.access_tokens.len(),
            "refreshTokens": self.refresh_tokens.values().collect::<Vec<_>>(),
            "pendingAuthorizationCodes": self.codes.len(),
        })
    }
}
