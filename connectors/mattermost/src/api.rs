//! The few Mattermost API v4 calls the connector makes, with typed answers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hub_connector_sdk::{ConnectorError, http::HttpClient};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

/// Posts asked per page when looking for an entity's root post.
pub const SCAN_PAGE_SIZE: u32 = 200;
/// Pages scanned (newest first) before concluding an entity has no root post yet.
pub const SCAN_PAGES: u32 = 5;

/// A post as the API returns it (the fields the connector reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Post {
    pub id: String,
    pub channel_id: String,
    #[serde(default)]
    pub root_id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub props: Map<String, Value>,
    #[serde(default)]
    pub create_at: i64,
    #[serde(default)]
    pub update_at: i64,
    #[serde(default)]
    pub delete_at: i64,
}

impl Post {
    pub fn updated_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.update_at)
    }
}

#[derive(Deserialize)]
struct PostList {
    #[serde(default)]
    order: Vec<String>,
    #[serde(default)]
    posts: HashMap<String, Post>,
    #[serde(default)]
    has_next: bool,
}

#[derive(Deserialize)]
struct Channel {
    id: String,
}

/// An authenticated API client with a cache of channel ids by name.
pub struct Api {
    pub http: HttpClient,
    token: String,
    team: String,
    channels: Mutex<HashMap<String, String>>,
}

fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Api {
    pub fn new(http: HttpClient, token: String, team: String) -> Api {
        Api { http, token, team, channels: Mutex::new(HashMap::new()) }
    }

    fn auth(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.bearer_auth(&self.token)
    }

    /// Who the token belongs to (`GET /users/me`): its username.
    pub async fn me(&self) -> Result<String, ConnectorError> {
        let me: Value = self.http.json(self.auth(self.http.get("api/v4/users/me"))).await?;
        Ok(me.get("username").and_then(Value::as_str).unwrap_or_default().to_string())
    }

    /// The team exists and is visible (`GET /teams/name/{team}`).
    pub async fn team(&self) -> Result<(), ConnectorError> {
        let path = format!("api/v4/teams/name/{}", segment(&self.team));
        match self.http.send(self.auth(self.http.get(&path))).await {
            Ok(_) => Ok(()),
            Err(ConnectorError::Invalid(detail)) if detail.starts_with("HTTP 404") => {
                Err(ConnectorError::Invalid(format!("team `{}` not found", self.team)))
            }
            Err(e) => Err(e),
        }
    }

    /// The id of `channel` in the team, cached after the first lookup.
    pub async fn channel_id(&self, channel: &str) -> Result<String, ConnectorError> {
        if let Some(id) = self.channels.lock().await.get(channel) {
            return Ok(id.clone());
        }
        let path = format!("api/v4/teams/name/{}/channels/name/{}", segment(&self.team), segment(channel));
        let found: Channel = match self.http.json(self.auth(self.http.get(&path))).await {
            Ok(c) => c,
            Err(ConnectorError::Invalid(detail)) if detail.starts_with("HTTP 404") => {
                return Err(ConnectorError::Invalid(format!(
                    "channel `{channel}` not found in team `{}` (create it or fix the route)",
                    self.team
                )));
            }
            Err(e) => return Err(e),
        };
        self.channels.lock().await.insert(channel.to_string(), found.id.clone());
        Ok(found.id)
    }

    /// `POST /posts`.
    pub async fn create_post(
        &self,
        channel_id: &str,
        root_id: Option<&str>,
        message: &str,
        props: Map<String, Value>,
    ) -> Result<Post, ConnectorError> {
        let body =
            json!({"channel_id": channel_id, "root_id": root_id.unwrap_or(""), "message": message, "props": props});
        self.http.json(self.auth(self.http.post("api/v4/posts")).json(&body)).await
    }

    /// `PUT /posts/{id}/patch` of the message and props.
    pub async fn patch_post(&self, id: &str, message: &str, props: Map<String, Value>) -> Result<Post, ConnectorError> {
        let path = format!("api/v4/posts/{}/patch", segment(id));
        self.http.json(self.auth(self.http.put(&path)).json(&json!({"message": message, "props": props}))).await
    }

    /// `GET /posts/{id}`; `None` when it does not exist (any more).
    pub async fn get_post(&self, id: &str) -> Result<Option<Post>, ConnectorError> {
        let path = format!("api/v4/posts/{}", segment(id));
        let post: Post = match self.http.json(self.auth(self.http.get(&path))).await {
            Ok(post) => post,
            Err(ConnectorError::Invalid(detail)) if detail.starts_with("HTTP 404") => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok((post.delete_at == 0).then_some(post))
    }

    /// The replies of the thread of `root_id` (`GET /posts/{id}/thread`), root excluded.
    pub async fn replies(&self, root_id: &str) -> Result<Vec<Post>, ConnectorError> {
        let path = format!("api/v4/posts/{}/thread", segment(root_id));
        let list: PostList = self.http.json(self.auth(self.http.get(&path))).await?;
        Ok(list.posts.into_values().filter(|p| p.root_id == root_id && p.delete_at == 0).collect())
    }

    /// The newest live top-level post of `channel_id` whose props satisfy `wanted`, looking at the
    /// channel's [`SCAN_PAGES`] latest pages.
    pub async fn find_root(
        &self,
        channel_id: &str,
        wanted: impl Fn(&Map<String, Value>) -> bool,
    ) -> Result<Option<Post>, ConnectorError> {
        let path = format!("api/v4/channels/{}/posts", segment(channel_id));
        for page in 0..SCAN_PAGES {
            let request = self.http.get(&path).query(&[("page", page), ("per_page", SCAN_PAGE_SIZE)]);
            let mut list: PostList = self.http.json(self.auth(request)).await?;
            for id in &list.order {
                if let Some(post) = list.posts.remove(id)
                    && post.root_id.is_empty()
                    && post.delete_at == 0
                    && wanted(&post.props)
                {
                    return Ok(Some(post));
                }
            }
            if !list.has_next || list.order.is_empty() {
                break;
            }
        }
        Ok(None)
    }
}
