//! Outgoing webhooks as Mattermost sends them. Mattermost does not sign them: the receiver checks
//! that the `token` field equals the hook's token (NOTES.md), which is what this test does, with
//! its own form/JSON decoding. Also: trigger rules, JSON content type, no firing for webhook
//! posts, duplicates with `duplicate_webhook_rate` = 1.0, and the `/_sandbox/webhooks` log.

mod common;

use common::{channel_id, client, receiver, start, wait_for};
use serde_json::{Value, json};

/// Polls `/_sandbox/webhooks` (the emitter logs a delivery once the receiver has answered).
async fn wait_log(s: &hub_sandbox_core::Started, pred: impl Fn(&Value) -> bool) {
    for _ in 0..600 {
        let log: Value = reqwest::get(s.running.url("/_sandbox/webhooks")).await.unwrap().json().await.unwrap();
        if log.as_array().unwrap().iter().any(&pred) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no matching entry in /_sandbox/webhooks");
}

fn form(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).expect("form body")
}

fn field<'a>(fields: &'a [(String, String)], k: &str) -> &'a str {
    fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {k}"))
}

#[tokio::test]
async fn outgoing_webhooks_fire_with_the_hook_token() {
    let s = start().await;
    let c = client(&s);
    let (_, team) = c.get("/api/v4/teams/name/tiers-lieu").await;
    let programme = channel_id(&c, "programme").await;
    let (url, got) = receiver().await;
    let (st, exact) = c
        .post(
            "/api/v4/hooks/outgoing",
            json!({"team_id": team["id"], "display_name": "Exact", "trigger_words": ["#salle"],
            "trigger_when": 0, "callback_urls": [url]}),
        )
        .await;
    assert_eq!(st, 201);
    let (json_url, json_got) = receiver().await;
    let (st, prefix) = c
        .post("/api/v4/hooks/outgoing", json!({"team_id": team["id"], "channel_id": programme, "display_name": "Préfixe",
            "trigger_words": ["agenda"], "trigger_when": 1, "callback_urls": [json_url], "content_type": "application/json"}))
        .await;
    assert_eq!(st, 201);

    // Not the first word / not exact: nothing. Then a hit from a member in the UI.
    for msg in ["voir #salle", "#salles libres ?"] {
        c.post("/_sandbox/posts", json!({"username": "admin", "channel": "town-square", "message": msg})).await;
    }
    let (st, post) = c
        .post(
            "/_sandbox/posts",
            json!({"username": "admin", "channel": "town-square", "message": "#salle Hypatia libre ?"}),
        )
        .await;
    assert_eq!(st, 201);
    let delivered = wait_for(&got, 1).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let f = form(&delivered[0].body);
    assert_eq!(field(&f, "token"), exact["token"].as_str().unwrap(), "the receiver's check");
    assert_ne!(field(&f, "token"), prefix["token"].as_str().unwrap());
    assert_eq!(field(&f, "trigger_word"), "#salle");
    assert_eq!(field(&f, "post_id"), post["id"].as_str().unwrap());
    assert_eq!(field(&f, "user_name"), "admin");
    assert_eq!(field(&f, "team_domain"), "tiers-lieu");
    assert_eq!(field(&f, "timestamp"), (post["create_at"].as_i64().unwrap() / 1000).to_string());

    // Prefix match, JSON body, API post by the bot in the hook's channel.
    let (_, p) = c.post("/api/v4/posts", json!({"channel_id": programme, "message": "agendas du mois"})).await;
    let delivered = wait_for(&json_got, 1).await;
    assert!(delivered[0].content_type.starts_with("application/json"));
    let body: Value = serde_json::from_str(&delivered[0].body).unwrap();
    assert_eq!(body["token"], prefix["token"]);
    assert_eq!(body["trigger_word"], "agenda");
    assert_eq!(body["timestamp"], p["create_at"]);
    assert_eq!(body["text"], "agendas du mois");

    // A post made through an incoming webhook does not fire outgoing webhooks.
    let key = s.credentials["incoming_webhook_key"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .post(s.running.url(&format!("/hooks/{key}")))
        .json(&json!({"text": "agenda auto"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A later post that does fire proves the queue drained in between.
    c.post("/api/v4/posts", json!({"channel_id": programme, "message": "agenda final"})).await;
    let delivered = wait_for(&json_got, 2).await;
    let texts: Vec<Value> =
        delivered.iter().map(|d| serde_json::from_str::<Value>(&d.body).unwrap()["text"].clone()).collect();
    assert_eq!(texts, vec![json!("agendas du mois"), json!("agenda final")]);

    wait_log(&s, |e| e["event"] == "outgoing_webhook" && e["status"] == 200).await;
}

#[tokio::test]
async fn a_duplicate_is_delivered_when_asked() {
    let s = start().await;
    let c = client(&s);
    let (_, team) = c.get("/api/v4/teams/name/tiers-lieu").await;
    let (url, got) = receiver().await;
    let (_, hook) = c
        .post(
            "/api/v4/hooks/outgoing",
            json!({"team_id": team["id"], "display_name": "Dup", "trigger_words": ["hub"], "callback_urls": [url]}),
        )
        .await;
    let resp = reqwest::Client::new()
        .put(s.running.url("/_sandbox/faults"))
        .json(&json!({"duplicate_webhook_rate": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    c.post("/_sandbox/posts", json!({"username": "admin", "channel": "off-topic", "message": "hub ping"})).await;
    let delivered = wait_for(&got, 2).await;
    assert_eq!(delivered[0].body, delivered[1].body);
    for d in &delivered {
        assert_eq!(field(&form(&d.body), "token"), hook["token"].as_str().unwrap());
    }
    wait_log(&s, |e| e["duplicate"] == true).await;
}
