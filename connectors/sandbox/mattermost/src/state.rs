//! The in-memory Mattermost server: users (and bots), teams, channels with their members, posts,
//! access tokens and incoming / outgoing webhooks, with Mattermost's id format (26 characters of
//! lower-case base32) and millisecond timestamps that always move forward.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, Mutex},
};

use hub_sandbox_core::WebhookEmitter;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The alphabet of Mattermost ids (`model.NewId`: base32 with this encoding, 26 characters).
const ID_ALPHABET: &[u8] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub nickname: String,
    pub email: String,
    pub email_verified: bool,
    pub auth_service: String,
    pub roles: String,
    pub locale: String,
    pub position: String,
    pub is_bot: bool,
    #[serde(skip)]
    pub password: Option<String>,
    #[serde(skip)]
    pub bot_description: String,
    #[serde(skip)]
    pub bot_owner_id: String,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.roles.split(' ').any(|r| r == "system_admin")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub display_name: String,
    pub name: String,
    pub description: String,
    pub email: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub company_name: String,
    pub allowed_domains: String,
    pub invite_id: String,
    pub allow_open_invite: bool,
    #[serde(skip)]
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub team_id: String,
    /// `O` public, `P` private, `D` direct, `G` group.
    #[serde(rename = "type")]
    pub kind: String,
    pub display_name: String,
    pub name: String,
    pub header: String,
    pub purpose: String,
    pub last_post_at: i64,
    pub total_msg_count: i64,
    pub last_root_post_at: i64,
    pub total_msg_count_root: i64,
    pub extra_update_at: i64,
    pub creator_id: String,
    #[serde(skip)]
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub edit_at: i64,
    pub delete_at: i64,
    pub is_pinned: bool,
    pub user_id: String,
    pub channel_id: String,
    pub root_id: String,
    pub original_id: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub props: Map<String, Value>,
    pub hashtags: String,
    pub file_ids: Vec<String>,
    pub pending_post_id: String,
    pub reply_count: i64,
    pub last_reply_at: i64,
    pub metadata: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncomingHook {
    /// Also the secret key of `POST /hooks/{id}`.
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub display_name: String,
    pub description: String,
    pub username: String,
    pub icon_url: String,
    pub channel_locked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutgoingHook {
    pub id: String,
    pub token: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub creator_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub trigger_words: Vec<String>,
    pub trigger_when: i64,
    pub callback_urls: Vec<String>,
    pub display_name: String,
    pub description: String,
    pub content_type: String,
    pub username: String,
    pub icon_url: String,
}

/// Everything the server holds.
#[derive(Default)]
pub struct Store {
    rng: Option<fastrand::Rng>,
    last_ms: i64,
    pub users: BTreeMap<String, User>,
    pub teams: BTreeMap<String, Team>,
    pub channels: BTreeMap<String, Channel>,
    pub posts: BTreeMap<String, Post>,
    /// Access token (session, personal access or bot token) → user id.
    pub tokens: HashMap<String, String>,
    pub incoming: BTreeMap<String, IncomingHook>,
    pub outgoing: BTreeMap<String, OutgoingHook>,
}

impl Store {
    pub fn new(seed: u64) -> Store {
        Store { rng: Some(fastrand::Rng::with_seed(seed)), ..Store::default() }
    }

    /// A new 26-character Mattermost id.
    pub fn new_id(&mut self) -> String {
        let rng = self.rng.get_or_insert_with(fastrand::Rng::new);
        (0..26).map(|_| ID_ALPHABET[rng.usize(..ID_ALPHABET.len())] as char).collect()
    }

    /// Now in milliseconds, strictly after every timestamp given before.
    pub fn now_ms(&mut self) -> i64 {
        let now = chrono::Utc::now().timestamp_millis().max(self.last_ms + 1);
        self.last_ms = now;
        now
    }

    /// Sets the clock floor (seeded data uses fixed past timestamps).
    pub fn observe_ms(&mut self, ms: i64) {
        self.last_ms = self.last_ms.max(ms);
    }

    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users.values().find(|u| u.username == username)
    }

    pub fn team_by_name(&self, name: &str) -> Option<&Team> {
        self.teams.values().find(|t| t.name == name && t.delete_at == 0)
    }

    pub fn channel_by_name(&self, team_id: &str, name: &str) -> Option<&Channel> {
        self.channels.values().find(|c| c.team_id == team_id && c.name == name)
    }

    /// The thread of `root_id` (root first, then replies oldest first).
    pub fn thread(&self, root_id: &str) -> Vec<&Post> {
        let mut posts: Vec<&Post> =
            self.posts.values().filter(|p| p.delete_at == 0 && (p.id == root_id || p.root_id == root_id)).collect();
        posts.sort_by_key(|p| (p.create_at, p.id.clone()));
        posts
    }

    /// A post as the API shows it (thread counters computed, `metadata` always present).
    pub fn post_json(&self, post: &Post) -> Value {
        let mut v = serde_json::to_value(post).unwrap_or(Value::Null);
        if post.root_id.is_empty() {
            let replies: Vec<&Post> =
                self.posts.values().filter(|p| p.root_id == post.id && p.delete_at == 0).collect();
            v["reply_count"] = json!(replies.len());
            v["last_reply_at"] = json!(replies.iter().map(|p| p.create_at).max().unwrap_or(0));
        } else if let Some(root) = self.posts.get(&post.root_id) {
            v["reply_count"] = json!(self.posts.values().filter(|p| p.root_id == root.id && p.delete_at == 0).count());
        }
        v
    }

    /// A user as `viewer` sees it (e-mail hidden from non-admins, as with `ShowEmailAddress` off).
    pub fn user_json(&self, user: &User, viewer: &User) -> Value {
        let mut v = serde_json::to_value(user).unwrap_or(Value::Null);
        if !viewer.is_admin() && viewer.id != user.id {
            v["email"] = json!("");
        }
        if user.is_bot {
            v["bot_description"] = json!(user.bot_description);
        } else if let Some(map) = v.as_object_mut() {
            map.remove("is_bot");
        }
        v["timezone"] =
            json!({"useAutomaticTimezone": false, "manualTimezone": "Europe/Paris", "automaticTimezone": ""});
        v["notify_props"] = json!({"email": "true", "push": "mention", "desktop": "mention", "desktop_sound": "true",
            "mention_keys": "", "channel": "true", "first_name": "false"});
        v["props"] = json!({});
        v["last_password_update"] = json!(user.create_at);
        v["last_picture_update"] = json!(0);
        v["failed_attempts"] = json!(0);
        v["mfa_active"] = json!(false);
        v
    }

    pub fn bot_json(&self, user: &User) -> Value {
        json!({
            "user_id": user.id, "create_at": user.create_at, "update_at": user.update_at, "delete_at": user.delete_at,
            "username": user.username, "display_name": user.first_name, "description": user.bot_description,
            "owner_id": user.bot_owner_id,
        })
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Mutex<Store>>,
    pub emitter: WebhookEmitter,
}

impl AppState {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Words of `message` starting with `#` (Mattermost's `hashtags` field, space-separated).
pub fn hashtags(message: &str) -> String {
    message
        .split_whitespace()
        .filter_map(|w| {
            let w = w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '-');
            let rest = w.strip_prefix('#')?;
            (rest.chars().next()?.is_alphabetic() && rest.len() >= 2).then(|| w.to_string())
        })
        .collect::<Vec<_>>()
        .join(" ")
}
