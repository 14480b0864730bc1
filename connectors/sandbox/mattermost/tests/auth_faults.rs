//! Auth refusals (missing / wrong / revoked tokens, wrong password, someone else's post) with
//! Mattermost's error bodies, and fault injection through `PUT /_sandbox/faults`.

mod common;

use common::{assert_app_error, channel_id, client, start};
use serde_json::json;

#[tokio::test]
async fn requests_without_valid_credentials_are_refused() {
    let s = start().await;
    let c = client(&s);
    let http = reqwest::Client::new();
    // No Authorization header at all.
    let resp = http.get(s.running.url("/api/v4/users/me")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_app_error(&resp.json().await.unwrap(), 401);
    // Wrong scheme, wrong token.
    let resp = http
        .get(s.running.url("/api/v4/users/me"))
        .header("authorization", format!("Basic {}", c.token))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let (st, body) = c.as_token("pasletoken").post("/api/v4/posts", json!({"channel_id": "x", "message": "y"})).await;
    assert_eq!(st, 401);
    assert_eq!(body["id"], "api.context.session_expired.app_error");
    // The token works as a Bearer token and as the MMAUTHTOKEN cookie.
    let (st, _) = c.get("/api/v4/users/me").await;
    assert_eq!(st, 200);
    let resp = http
        .get(s.running.url("/api/v4/users/me"))
        .header("cookie", format!("MMAUTHTOKEN={}", c.token))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Wrong password.
    let resp = http
        .post(s.running.url("/api/v4/users/login"))
        .json(&json!({"login_id": "admin", "password": "mauvais"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_app_error(&resp.json().await.unwrap(), 401);
    // A session ends at logout.
    let resp = http
        .post(s.running.url("/api/v4/users/login"))
        .json(&json!({"login_id": "admin", "password": "sandbox-password"}))
        .send()
        .await
        .unwrap();
    let session = resp.headers()["token"].to_str().unwrap().to_string();
    let admin = c.as_token(&session);
    assert_eq!(admin.get("/api/v4/users/me").await.0, 200);
    assert_eq!(admin.post("/api/v4/users/logout", json!({})).await.0, 200);
    assert_eq!(admin.get("/api/v4/users/me").await.0, 401);
    // The seeded incoming webhook only answers to its key.
    let resp = http.post(s.running.url("/hooks/mauvaisecle")).json(&json!({"text": "x"})).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_app_error(&resp.json().await.unwrap(), 400);
}

#[tokio::test]
async fn members_cannot_touch_others_posts_nor_private_channels() {
    let s = start().await;
    let c = client(&s);
    let (_, team) = c.get("/api/v4/teams/name/tiers-lieu").await;
    let (st, private) = c
        .post(
            "/api/v4/channels",
            json!({"team_id": team["id"], "name": "bureau", "display_name": "Bureau", "type": "P"}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, users) = c.get("/api/v4/users?per_page=200").await;
    let member = users.as_array().unwrap().iter().find(|u| u["roles"] == "system_user").unwrap().clone();
    let resp = reqwest::Client::new()
        .post(s.running.url("/api/v4/users/login"))
        .json(&json!({"login_id": member["username"], "password": "sandbox-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let m = c.as_token(resp.headers()["token"].to_str().unwrap());
    let (st, body) = m.get(&format!("/api/v4/channels/{}", private["id"].as_str().unwrap())).await;
    assert_eq!(st, 403);
    assert_app_error(&body, 403);
    let town = channel_id(&c, "town-square").await;
    let (_, bot_post) = c.post("/api/v4/posts", json!({"channel_id": town, "message": "officiel"})).await;
    let pid = bot_post["id"].as_str().unwrap();
    assert_eq!(m.delete(&format!("/api/v4/posts/{pid}")).await.0, 403);
    // Members see no e-mail but their own.
    let (_, other) = m.get(&format!("/api/v4/users/{}", bot_post["user_id"].as_str().unwrap())).await;
    assert_eq!(other["email"], "");
    let (_, me) = m.get("/api/v4/users/me").await;
    assert_eq!(me["email"], member["email"]);
    // Their own post they may edit.
    let (st, mine) = m.post("/api/v4/posts", json!({"channel_id": town, "message": "coucou"})).await;
    assert_eq!(st, 201, "{mine}");
    let (st, _) =
        m.put(&format!("/api/v4/posts/{}/patch", mine["id"].as_str().unwrap()), json!({"message": "bonjour"})).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn faults_are_injected_then_cleared() {
    let s = start().await;
    let c = client(&s);
    let faults = s.running.url("/_sandbox/faults");
    let http = reqwest::Client::new();
    let resp = http.put(&faults).json(&json!({"error_rate": 1.0})).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(c.get("/api/v4/users/me").await.0, 500);
    let resp = http.put(&faults).json(&json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = c.req(reqwest::Method::GET, "/api/v4/users/me").send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    // Inspection routes are never faulted.
    assert_eq!(http.get(s.running.url("/_sandbox/state")).send().await.unwrap().status(), 200);
    http.put(&faults).json(&json!({})).send().await.unwrap();
    assert_eq!(c.get("/api/v4/users/me").await.0, 200);
}
