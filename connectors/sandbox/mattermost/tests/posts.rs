//! Behaviour of posts, threads, channels and users: ids and timestamps, thread replies,
//! edits moving `edit_at`/`update_at`, deletions visible to `since`, pagination cursors, channel
//! lookups by name, user filters, and a deterministic seed.

mod common;

use common::{channel_id, client, start};
use serde_json::{Value, json};

fn id_ok(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 26 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

#[tokio::test]
async fn posts_threads_edits_and_deletes() {
    let s = start().await;
    let c = client(&s);
    let cid = channel_id(&c, "adhesions").await;
    let (_, before) = c.get(&format!("/api/v4/channels/{cid}")).await;

    let (st, root) = c
        .post(
            "/api/v4/posts",
            json!({"channel_id": cid, "message": "Nouvelle adhésion : Léa #adhesion", "props": {"hub_ref": "m-1"}}),
        )
        .await;
    assert_eq!(st, 201);
    assert!(id_ok(&root["id"]), "{root}");
    assert_eq!(root["props"]["hub_ref"], "m-1");
    assert_eq!(root["hashtags"], "#adhesion");
    assert_eq!(root["root_id"], "");
    let rid = root["id"].as_str().unwrap();
    let (st, reply) =
        c.post("/api/v4/posts", json!({"channel_id": cid, "message": "Bienvenue !", "root_id": rid})).await;
    assert_eq!(st, 201);
    assert_eq!(reply["root_id"], rid);
    // A reply to a reply, or into another channel, is refused.
    let town = channel_id(&c, "town-square").await;
    assert_eq!(
        c.post("/api/v4/posts", json!({"channel_id": cid, "message": "x", "root_id": reply["id"]})).await.0,
        400
    );
    assert_eq!(c.post("/api/v4/posts", json!({"channel_id": town, "message": "x", "root_id": rid})).await.0, 400);

    let (_, after) = c.get(&format!("/api/v4/channels/{cid}")).await;
    assert_eq!(after["total_msg_count"].as_i64().unwrap(), before["total_msg_count"].as_i64().unwrap() + 2);
    assert!(after["last_post_at"].as_i64() >= reply["create_at"].as_i64());

    let (st, thread) = c.get(&format!("/api/v4/posts/{}/thread", reply["id"].as_str().unwrap())).await;
    assert_eq!(st, 200);
    assert_eq!(thread["order"], json!([reply["id"], root["id"]]));
    assert_eq!(thread["posts"][rid]["reply_count"], 1);

    // Edit: message changes → edit_at and update_at move; patch of is_pinned only → edit_at stays.
    let (st, edited) =
        c.put(&format!("/api/v4/posts/{rid}"), json!({"id": rid, "message": "Nouvelle adhésion : Léa B."})).await;
    assert_eq!(st, 200);
    assert!(edited["edit_at"].as_i64().unwrap() > root["create_at"].as_i64().unwrap());
    assert!(edited["update_at"].as_i64().unwrap() > root["update_at"].as_i64().unwrap());
    assert_eq!(edited["props"], json!({}), "PUT replaces the props");
    let (st, pinned) =
        c.put(&format!("/api/v4/posts/{rid}/patch"), json!({"is_pinned": true, "props": {"k": "v"}})).await;
    assert_eq!(st, 200);
    assert_eq!(pinned["edit_at"], edited["edit_at"]);
    assert_eq!(pinned["message"], edited["message"]);
    assert_eq!((pinned["is_pinned"].clone(), pinned["props"]["k"].clone()), (json!(true), json!("v")));
    assert!(pinned["update_at"].as_i64() > edited["update_at"].as_i64());
    // PUT with a different id in the body is refused.
    assert_eq!(c.put(&format!("/api/v4/posts/{rid}"), json!({"id": "autre", "message": "x"})).await.0, 400);

    // Delete the root: the thread goes with it, `since` shows both as deleted, lists hide them.
    let since = pinned["update_at"].as_i64().unwrap();
    assert_eq!(c.delete(&format!("/api/v4/posts/{rid}")).await.0, 200);
    assert_eq!(c.get(&format!("/api/v4/posts/{rid}")).await.0, 404);
    let (_, changed) = c.get(&format!("/api/v4/channels/{cid}/posts?since={since}")).await;
    let order: Vec<&str> = changed["order"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(order.len(), 2, "{changed}");
    assert!(changed["posts"].as_object().unwrap().values().all(|p| p["delete_at"].as_i64().unwrap() > 0));
    let (_, page) = c.get(&format!("/api/v4/channels/{cid}/posts")).await;
    assert!(!page["order"].as_array().unwrap().iter().any(|v| v == rid));
}

#[tokio::test]
async fn channel_posts_paginate_newest_first_with_cursors() {
    let s = start().await;
    let c = client(&s);
    let cid = channel_id(&c, "materiel").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (st, p) = c.post("/api/v4/posts", json!({"channel_id": cid, "message": format!("prêt n°{i}")})).await;
        assert_eq!(st, 201);
        ids.push(p["id"].as_str().unwrap().to_string());
    }
    let order =
        |v: &Value| v["order"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (_, p0) = c.get(&format!("/api/v4/channels/{cid}/posts?page=0&per_page=2")).await;
    assert_eq!(order(&p0), vec![ids[4].clone(), ids[3].clone()]);
    assert_eq!(
        (p0["has_next"].clone(), p0["prev_post_id"].clone(), p0["next_post_id"].clone()),
        (json!(true), json!(ids[2]), json!(""))
    );
    let (_, p2) = c.get(&format!("/api/v4/channels/{cid}/posts?page=2&per_page=2")).await;
    assert_eq!(order(&p2), vec![ids[0].clone()]);
    assert_eq!(p2["has_next"], false);
    let (_, before) = c.get(&format!("/api/v4/channels/{cid}/posts?before={}&per_page=2", ids[3])).await;
    assert_eq!(order(&before), vec![ids[2].clone(), ids[1].clone()]);
    let (_, after) = c.get(&format!("/api/v4/channels/{cid}/posts?after={}&per_page=2", ids[1])).await;
    assert_eq!(order(&after), vec![ids[3].clone(), ids[2].clone()]);
    assert_eq!(after["has_next"], true);
    // 250 seeded people + admin + bot: per_page is capped at 200.
    let (_, capped) = c.get("/api/v4/users?per_page=500").await;
    assert_eq!(capped.as_array().unwrap().len(), 200);
    let (_, rest) = c.get("/api/v4/users?page=1&per_page=200").await;
    assert_eq!(rest.as_array().unwrap().len(), 252 - 200);
    let (_, default) = c.get("/api/v4/users").await;
    assert_eq!(default.as_array().unwrap().len(), 60);
}

#[tokio::test]
async fn seeded_team_channels_and_users() {
    let s = start().await;
    let c = client(&s);
    assert_eq!(s.credentials["team"], "tiers-lieu");
    let (_, team) = c.get("/api/v4/teams/name/tiers-lieu").await;
    assert_eq!(team["display_name"], "Le Tiers-Lieu");
    let tid = team["id"].as_str().unwrap();
    let (_, channels) = c.get(&format!("/api/v4/teams/{tid}/channels?per_page=200")).await;
    let names: Vec<&str> = channels.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for room in hub_sandbox_core::seed::rooms() {
        assert!(names.contains(&room.slug), "{names:?}");
    }
    for n in ["town-square", "off-topic", "adhesions", "programme", "materiel"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let p = hub_sandbox_core::seed::person(3);
    let (st, u) = c.get(&format!("/api/v4/users/email/{}", p.email)).await;
    assert_eq!(st, 200);
    assert_eq!(
        (u["first_name"].as_str(), u["last_name"].as_str()),
        (Some(p.given_name.as_str()), Some(p.family_name.as_str()))
    );
    let (_, in_channel) =
        c.get(&format!("/api/v4/users?in_channel={}&per_page=200", channel_id(&c, "adhesions").await)).await;
    let (_, in_team) = c.get(&format!("/api/v4/users?in_team={tid}&per_page=200")).await;
    assert!(in_channel.as_array().unwrap().len() < in_team.as_array().unwrap().len());
    // Deterministic: a second sandbox has the same ids and credentials.
    let s2 = start().await;
    assert_eq!(s2.credentials["incoming_webhook_key"], s.credentials["incoming_webhook_key"]);
    let (_, team2) = client(&s2).get("/api/v4/teams/name/tiers-lieu").await;
    assert_eq!(team2["id"], team["id"]);
    // Unseeded: the bot still works, the team does not exist.
    let empty = hub_sandbox_mattermost::start(hub_sandbox_core::SandboxOptions { seed: false, ..Default::default() })
        .await
        .unwrap();
    assert!(empty.credentials.get("team").is_none());
    let ec = client(&empty);
    assert_eq!(ec.get("/api/v4/users/me").await.0, 200);
    assert_eq!(ec.get("/api/v4/teams/name/tiers-lieu").await.0, 404);
}
