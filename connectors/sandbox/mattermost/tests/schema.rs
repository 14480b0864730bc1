//! Every kind of response the sandbox gives, validated against the response schemas of the
//! operations in `mattermost-openapi-v4.bundled.yaml` (pointer
//! `/paths/<path>/<method>/responses/<status>/content/application~1json/schema`, naming the
//! operation) and error bodies against `/components/schemas/AppError` + `examples/api-error.json`.

mod common;

use common::{assert_app_error, assert_response, channel_id, client, start};
use serde_json::json;

#[tokio::test]
async fn users_teams_and_bots_match_the_spec() {
    let s = start().await;
    let c = client(&s);
    let resp = c.req(reqwest::Method::GET, "/api/v4/system/ping").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 26);
    assert!(resp.headers().contains_key("x-version-id"));
    let (st, v) = c.get("/api/v4/system/ping").await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/system/ping", 200, &v);

    let (st, me) = c.get("/api/v4/users/me").await;
    assert_eq!(st, 200, "{me}");
    assert_response("get", "/api/v4/users/{user_id}", 200, &me);
    assert_eq!(me["is_bot"], true);

    let (st, list) = c.get("/api/v4/users?page=1&per_page=20").await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 20);
    assert_response("get", "/api/v4/users", 200, &list);
    let first = list[0].clone();

    let ids = json!([first["id"], me["id"]]);
    let (st, v) = c.post("/api/v4/users/ids", ids).await;
    assert_eq!((st, v.as_array().unwrap().len()), (200, 2));
    assert_response("post", "/api/v4/users/ids", 200, &v);

    let (st, v) = c.get(&format!("/api/v4/users/email/{}", first["email"].as_str().unwrap())).await;
    assert_eq!(st, 200, "{v}");
    assert_response("get", "/api/v4/users/email/{email}", 200, &v);
    let (st, v) = c.get(&format!("/api/v4/users/username/{}", first["username"].as_str().unwrap())).await;
    assert_eq!(st, 200, "{v}");
    assert_response("get", "/api/v4/users/username/{username}", 200, &v);

    let (st, v) = c
        .post("/api/v4/users", json!({"email": "nouvelle@exemple.fr", "username": "nouvelle", "password": "x-y-z-123"}))
        .await;
    assert_eq!(st, 201, "{v}");
    assert_response("post", "/api/v4/users", 201, &v);

    let (st, v) = c.get("/api/v4/users/me/teams").await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/users/{user_id}/teams", 200, &v);
    let team_id = v[0]["id"].as_str().unwrap().to_string();

    for (path, spec_path) in [
        ("/api/v4/teams".to_string(), "/api/v4/teams"),
        (format!("/api/v4/teams/{team_id}"), "/api/v4/teams/{team_id}"),
        ("/api/v4/teams/name/tiers-lieu".to_string(), "/api/v4/teams/name/{name}"),
        (format!("/api/v4/teams/{team_id}/members"), "/api/v4/teams/{team_id}/members"),
        (format!("/api/v4/teams/{team_id}/channels"), "/api/v4/teams/{team_id}/channels"),
        (
            format!("/api/v4/teams/{team_id}/channels/name/adhesions"),
            "/api/v4/teams/{team_id}/channels/name/{channel_name}",
        ),
        (
            "/api/v4/teams/name/tiers-lieu/channels/name/programme".to_string(),
            "/api/v4/teams/name/{team_name}/channels/name/{channel_name}",
        ),
        ("/api/v4/bots".to_string(), "/api/v4/bots"),
        (format!("/api/v4/bots/{}", me["id"].as_str().unwrap()), "/api/v4/bots/{bot_user_id}"),
    ] {
        let (st, v) = c.get(&path).await;
        assert_eq!(st, 200, "{path}: {v}");
        assert_response("get", spec_path, 200, &v);
    }

    let login = s.running.url("/api/v4/users/login");
    let resp = reqwest::Client::new()
        .post(login)
        .json(&json!({"login_id": first["username"], "password": "sandbox-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("token").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_response("post", "/api/v4/users/login", 201, &body);
}

#[tokio::test]
async fn channels_posts_and_hooks_match_the_spec() {
    let s = start().await;
    let c = client(&s);
    let (_, team) = c.get("/api/v4/teams/name/tiers-lieu").await;
    let team_id = team["id"].as_str().unwrap();

    let (st, ch) = c
        .post(
            "/api/v4/channels",
            json!({"team_id": team_id, "name": "atelier-velo", "display_name": "Atelier vélo", "type": "O"}),
        )
        .await;
    assert_eq!(st, 201, "{ch}");
    assert_response("post", "/api/v4/channels", 201, &ch);
    let cid = ch["id"].as_str().unwrap();
    let (st, v) = c.get(&format!("/api/v4/channels/{cid}")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/channels/{channel_id}", 200, &v);

    let (_, users) = c.get("/api/v4/users?per_page=1").await;
    let (_, me) = c.get("/api/v4/users/me").await;
    let (st, v) = c.post("/api/v4/channels/direct", json!([me["id"], users[0]["id"]])).await;
    assert_eq!(st, 201, "{v}");
    assert_response("post", "/api/v4/channels/direct", 201, &v);

    let (st, v) = c.post(&format!("/api/v4/channels/{cid}/members"), json!({"user_id": users[0]["id"]})).await;
    assert_eq!(st, 201, "{v}");
    assert_response("post", "/api/v4/channels/{channel_id}/members", 201, &v);
    let (st, v) = c.get(&format!("/api/v4/channels/{cid}/members")).await;
    assert_eq!((st, v.as_array().unwrap().len()), (200, 2));
    assert_response("get", "/api/v4/channels/{channel_id}/members", 200, &v);

    let (st, root) = c
        .post(
            "/api/v4/posts",
            json!({"channel_id": cid, "message": "Atelier ce soir", "props": {"source": "hub"},
            "metadata": {"priority": {"priority": "important", "requested_ack": false}}}),
        )
        .await;
    assert_eq!(st, 201, "{root}");
    assert_response("post", "/api/v4/posts", 201, &root);
    let rid = root["id"].as_str().unwrap();
    let (st, reply) = c.post("/api/v4/posts", json!({"channel_id": cid, "message": "Je viens", "root_id": rid})).await;
    assert_eq!(st, 201, "{reply}");
    assert_response("post", "/api/v4/posts", 201, &reply);

    let (st, v) = c.get(&format!("/api/v4/posts/{rid}")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/posts/{post_id}", 200, &v);
    let (st, v) = c.put(&format!("/api/v4/posts/{rid}"), json!({"id": rid, "message": "Atelier demain"})).await;
    assert_eq!(st, 200, "{v}");
    assert_response("put", "/api/v4/posts/{post_id}", 200, &v);
    let (st, v) = c.put(&format!("/api/v4/posts/{rid}/patch"), json!({"is_pinned": true})).await;
    assert_eq!(st, 200, "{v}");
    assert_response("put", "/api/v4/posts/{post_id}/patch", 200, &v);
    let (st, v) = c.get(&format!("/api/v4/posts/{rid}/thread")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/posts/{post_id}/thread", 200, &v);
    let (st, v) = c.get(&format!("/api/v4/channels/{cid}/posts?per_page=1")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/channels/{channel_id}/posts", 200, &v);
    let (st, v) = c.get(&format!("/api/v4/channels/{cid}/posts?since=1")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/channels/{channel_id}/posts", 200, &v);
    let (st, v) = c.delete(&format!("/api/v4/posts/{}", reply["id"].as_str().unwrap())).await;
    assert_eq!((st, &v["status"]), (200, &json!("OK")));
    assert_response("delete", "/api/v4/posts/{post_id}", 200, &v);

    let town = channel_id(&c, "town-square").await;
    let (st, hook) = c.post("/api/v4/hooks/incoming", json!({"channel_id": town, "display_name": "Test"})).await;
    assert_eq!(st, 201, "{hook}");
    assert_response("post", "/api/v4/hooks/incoming", 201, &hook);
    let hid = hook["id"].as_str().unwrap();
    let (st, v) = c.get("/api/v4/hooks/incoming").await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/hooks/incoming", 200, &v);
    let (st, v) = c.get(&format!("/api/v4/hooks/incoming/{hid}")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/hooks/incoming/{hook_id}", 200, &v);
    let (st, v) = c
        .put(
            &format!("/api/v4/hooks/incoming/{hid}"),
            json!({"id": hid, "channel_id": town, "display_name": "Renommé", "description": "d"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_response("put", "/api/v4/hooks/incoming/{hook_id}", 200, &v);
    let (st, v) = c.delete(&format!("/api/v4/hooks/incoming/{hid}")).await;
    assert_eq!(st, 200);
    assert_response("delete", "/api/v4/hooks/incoming/{hook_id}", 200, &v);

    let out = json!({"team_id": team_id, "display_name": "Bot", "trigger_words": ["hub"], "callback_urls": ["http://127.0.0.1:9/x"]});
    let (st, hook) = c.post("/api/v4/hooks/outgoing", out).await;
    assert_eq!(st, 201, "{hook}");
    assert_response("post", "/api/v4/hooks/outgoing", 201, &hook);
    let oid = hook["id"].as_str().unwrap();
    let (st, v) = c.get("/api/v4/hooks/outgoing").await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/hooks/outgoing", 200, &v);
    let (st, v) = c.get(&format!("/api/v4/hooks/outgoing/{oid}")).await;
    assert_eq!(st, 200);
    assert_response("get", "/api/v4/hooks/outgoing/{hook_id}", 200, &v);
    let upd = json!({"id": oid, "channel_id": town, "display_name": "Bot", "description": "d", "trigger_words": [],
        "callback_urls": ["http://127.0.0.1:9/y"]});
    let (st, v) = c.put(&format!("/api/v4/hooks/outgoing/{oid}"), upd).await;
    assert_eq!(st, 200, "{v}");
    assert_response("put", "/api/v4/hooks/outgoing/{hook_id}", 200, &v);
    let (st, v) = c.delete(&format!("/api/v4/hooks/outgoing/{oid}")).await;
    assert_eq!(st, 200);
    assert_response("delete", "/api/v4/hooks/outgoing/{hook_id}", 200, &v);

    let (st, v) = c.delete(&format!("/api/v4/channels/{cid}")).await;
    assert_eq!(st, 200);
    assert_response("delete", "/api/v4/channels/{channel_id}", 200, &v);
}

#[tokio::test]
async fn error_bodies_match_the_spec_and_the_example() {
    let s = start().await;
    let c = client(&s);
    let town = channel_id(&c, "town-square").await;
    let cases = [
        (c.as_token("nope").get("/api/v4/users/me").await, 401),
        (c.get("/api/v4/posts/aaaaaaaaaaaaaaaaaaaaaaaaaa").await, 404),
        (c.get("/api/v4/teams/name/inconnue").await, 404),
        (c.post("/api/v4/posts", json!({"channel_id": town, "message": "x", "root_id": "pasunid"})).await, 400),
        (c.post("/api/v4/posts", json!({"message": "sans canal"})).await, 400),
        (c.get("/api/v4/nulle-part").await, 404),
        (c.get("/api/v4/users?page=premiere").await, 400),
    ];
    for ((status, body), expected) in cases {
        assert_eq!(status, expected, "{body}");
        assert_app_error(&body, expected);
    }
    // 403: a member edits the bot's post.
    let (_, post) = c.post("/api/v4/posts", json!({"channel_id": town, "message": "du bot"})).await;
    let (_, users) = c.get("/api/v4/users?per_page=200").await;
    let member = users.as_array().unwrap().iter().find(|u| u["roles"] == "system_user").expect("a plain member");
    let login = reqwest::Client::new()
        .post(s.running.url("/api/v4/users/login"))
        .json(&json!({"login_id": member["email"], "password": "sandbox-password"}))
        .send()
        .await
        .unwrap();
    let session = login.headers()["token"].to_str().unwrap().to_string();
    let pid = post["id"].as_str().unwrap();
    let (st, v) = c.as_token(&session).put(&format!("/api/v4/posts/{pid}/patch"), json!({"message": "pirate"})).await;
    assert_eq!(st, 403, "{v}");
    assert_app_error(&v, 403);
}

#[test]
fn the_checks_refuse_wrong_shapes() {
    let bad_post = json!({"id": 7, "create_at": "hier", "props": []});
    let errors = hub_sandbox_core::schema::check(common::spec(), "/components/schemas/Post", &bad_post).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    let bad_list = json!({"order": "x", "posts": {"a": {"message": 1}}});
    assert!(hub_sandbox_core::schema::check(common::spec(), "/components/schemas/PostList", &bad_list).is_err());
}

#[tokio::test]
async fn memberships_patches_and_deactivation_match_the_spec() {
    let s = start().await;
    let c = client(&s);
    let (_, team) = c.get("/api/v4/teams/name/tiers-lieu").await;
    let tid = team["id"].as_str().unwrap();
    let (st, user) = c
        .post("/api/v4/users", json!({"email": "Zoe.Faure@exemple.fr", "username": "zoe.faure", "password": "p-a-s-s"}))
        .await;
    assert_eq!(st, 201, "{user}");
    let uid = user["id"].as_str().unwrap();

    let (st, v) = c.post(&format!("/api/v4/teams/{tid}/members"), json!({"team_id": tid, "user_id": uid})).await;
    assert_eq!(st, 201, "{v}");
    assert_response("post", "/api/v4/teams/{team_id}/members", 201, &v);
    let (st, v) = c.get(&format!("/api/v4/users/{uid}/teams/{tid}/channels")).await;
    assert_eq!(st, 200, "{v}");
    assert_response("get", "/api/v4/users/{user_id}/teams/{team_id}/channels", 200, &v);
    let names: Vec<&str> = v.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "joined the default channels: {names:?}");

    let (st, v) = c.put(&format!("/api/v4/users/{uid}/patch"), json!({"first_name": "Zoé", "nickname": "zozo"})).await;
    assert_eq!(st, 200, "{v}");
    assert_response("put", "/api/v4/users/{user_id}/patch", 200, &v);
    assert_eq!((v["first_name"].as_str(), v["nickname"].as_str()), (Some("Zoé"), Some("zozo")));
    assert!(v["update_at"].as_i64() > user["update_at"].as_i64());
    assert_eq!(c.put(&format!("/api/v4/users/{uid}/patch"), json!({"username": "admin"})).await.0, 400);

    let (st, v) = c.put(&format!("/api/v4/users/{uid}/active"), json!({"active": false})).await;
    assert_eq!(st, 200);
    assert_response("put", "/api/v4/users/{user_id}/active", 200, &v);
    let (_, v) = c.get(&format!("/api/v4/users/{uid}")).await;
    assert!(v["delete_at"].as_i64().unwrap() > 0);
    let (_, inactive) = c.get("/api/v4/users?inactive=true").await;
    assert_eq!(inactive.as_array().unwrap().iter().map(|u| &u["id"]).collect::<Vec<_>>(), vec![uid]);
    let mut active = Vec::new();
    for page in 0.. {
        let (_, v) = c.get(&format!("/api/v4/users?active=true&per_page=200&page={page}")).await;
        if v.as_array().unwrap().is_empty() {
            break;
        }
        active.extend(v.as_array().unwrap().iter().map(|u| u["id"].clone()));
    }
    assert_eq!(active.len(), 252, "everyone else");
    assert!(!active.contains(&json!(uid)));
    let login = json!({"login_id": "zoe.faure", "password": "p-a-s-s"});
    let refused = reqwest::Client::new().post(s.running.url("/api/v4/users/login")).json(&login).send().await.unwrap();
    assert_eq!(refused.status(), 401, "a deactivated account cannot log in");
    c.put(&format!("/api/v4/users/{uid}/active"), json!({"active": true})).await;
    let (st, v) = c.delete(&format!("/api/v4/users/{uid}")).await;
    assert_eq!(st, 200);
    assert_response("delete", "/api/v4/users/{user_id}", 200, &v);

    let cid = channel_id(&c, "materiel").await;
    let (st, v) = c
        .put(
            &format!("/api/v4/channels/{cid}/patch"),
            json!({"header": "Prêts du samedi", "display_name": "Matériel & prêts"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_response("put", "/api/v4/channels/{channel_id}/patch", 200, &v);
    assert_eq!(v["header"], "Prêts du samedi");
    assert_eq!(c.put(&format!("/api/v4/channels/{cid}/patch"), json!({"name": "town-square"})).await.0, 400);

    let (_, hook) = c
        .post("/api/v4/hooks/outgoing", json!({"team_id": tid, "display_name": "R", "trigger_words": ["r"], "callback_urls": ["http://127.0.0.1:9/"]}))
        .await;
    let oid = hook["id"].as_str().unwrap();
    let (st, v) = c.post(&format!("/api/v4/hooks/outgoing/{oid}/regen_token"), json!({})).await;
    assert_eq!(st, 200, "{v}");
    assert_response("post", "/api/v4/hooks/outgoing/{hook_id}/regen_token", 200, &v);
    assert_ne!(v["token"], hook["token"]);
}
