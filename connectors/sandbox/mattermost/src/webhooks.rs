//! Outgoing webhooks, as Mattermost fires them: a post in a public channel whose first word
//! matches a trigger word (`trigger_when` 0: equal, 1: starts with; no trigger words: every post
//! of the hook's channel) is POSTed to each callback URL, form-encoded (default, `timestamp` in
//! seconds) or JSON (`timestamp` in milliseconds). There is no signature: the receiver compares
//! the `token` field with the hook's token. Posts made by incoming webhooks never trigger them.
//! Delivery goes through the core's emitter (duplicates / reordering from the faults); the
//! receiver's JSON answer (`text`, `response_type`) is not posted back.

use serde_json::json;

use crate::state::{AppState, Post, Store};

pub const EVENT: &str = "outgoing_webhook";

/// One HTTP delivery to make.
pub struct Delivery {
    pub url: String,
    pub content_type: String,
    pub body: String,
}

/// The deliveries `post` triggers.
pub fn outgoing_for(store: &Store, post: &Post) -> Vec<Delivery> {
    let from_webhook = post.props.get("from_webhook").and_then(|v| v.as_str()) == Some("true");
    if from_webhook || post.kind.starts_with("system_") {
        return Vec::new();
    }
    let Some(channel) = store.channels.get(&post.channel_id).filter(|c| c.kind == "O") else {
        return Vec::new();
    };
    let team = store.teams.get(&channel.team_id);
    let user_name = store.users.get(&post.user_id).map(|u| u.username.clone()).unwrap_or_default();
    let first_word = post.message.split_whitespace().next().unwrap_or("");
    let mut out = Vec::new();
    for hook in store.outgoing.values().filter(|h| h.delete_at == 0 && h.team_id == channel.team_id) {
        if !hook.channel_id.is_empty() && hook.channel_id != channel.id {
            continue;
        }
        let trigger_word = if hook.trigger_words.is_empty() {
            if hook.channel_id.is_empty() {
                continue;
            }
            String::new()
        } else {
            let hit = hook.trigger_words.iter().find(|w| {
                !w.is_empty()
                    && if hook.trigger_when == 1 { first_word.starts_with(w.as_str()) } else { first_word == *w }
            });
            match hit {
                Some(w) => w.clone(),
                None => continue,
            }
        };
        let fields = [
            ("token", hook.token.clone()),
            ("team_id", channel.team_id.clone()),
            ("team_domain", team.map(|t| t.name.clone()).unwrap_or_default()),
            ("channel_id", channel.id.clone()),
            ("channel_name", channel.name.clone()),
            ("timestamp", String::new()),
            ("user_id", post.user_id.clone()),
            ("user_name", user_name.clone()),
            ("post_id", post.id.clone()),
            ("text", post.message.clone()),
            ("trigger_word", trigger_word),
            ("file_ids", post.file_ids.join(",")),
        ];
        let json_type = hook.content_type == "application/json";
        let body = if json_type {
            let mut map = serde_json::Map::new();
            for (k, v) in &fields {
                map.insert(k.to_string(), json!(v));
            }
            map.insert("timestamp".into(), json!(post.create_at));
            serde_json::Value::Object(map).to_string()
        } else {
            let seconds = (post.create_at / 1000).to_string();
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (*k, if *k == "timestamp" { seconds.as_str() } else { v.as_str() }))
                .collect();
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        };
        let content_type = if json_type { "application/json" } else { "application/x-www-form-urlencoded" };
        for url in &hook.callback_urls {
            out.push(Delivery { url: url.clone(), content_type: content_type.to_string(), body: body.clone() });
        }
    }
    out
}

/// Sends the deliveries in the background (never while the store is locked).
pub fn deliver(state: &AppState, deliveries: Vec<Delivery>) {
    for d in deliveries {
        let headers =
            vec![("Content-Type".to_string(), d.content_type), ("Accept".to_string(), "application/json".to_string())];
        state.emitter.emit(&d.url, EVENT, headers, d.body);
    }
}
