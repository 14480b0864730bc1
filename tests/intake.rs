//! End-to-end webhook intake: signed events become canonical people; every bad input gets its
//! status and stores nothing. Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use chrono::Utc;
use common::*;
use hub_connector_sdk::standard_webhooks::{WebhookSecret, sign};
use serde_json::json;

fn signed(body: &str, id: &str, ts: i64) -> Vec<(&'static str, String)> {
    let secret = WebhookSecret::parse(SECRET).unwrap();
    vec![
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", sign(&secret, id, ts, body.as_bytes())),
    ]
}

#[tokio::test]
async fn signed_event_becomes_a_person_with_link_audit_and_outbox() {
    let hub = spawn_hub().await;
    let (status, body, _) = hub.post_member(1).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "accepted");
    eventually("the person is stored", || async { hub.admin_get("/api/v1/entities/person").await.1["total"] == 1 })
        .await;
    let (_, list) = hub.admin_get("/api/v1/entities/person").await;
    let person = &list["entities"][0];
    assert_eq!(person["fields"]["email"], "member1@example.org", "email normalised by the mapping");
    assert_eq!(person["fields"]["phone"], "+33612345678");
    let id = person["id"].as_str().unwrap();
    let (status, detail) = hub.admin_get(&format!("/api/v1/entities/person/{id}")).await;
    assert_eq!(status, 200);
    let links = detail["external_links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["system"], "webhook");
    assert_eq!(links[0]["instance"], "members_form");
    assert_eq!(links[0]["external_id"], "m-1");
    assert!(links[0]["last_read_hash"].as_str().is_some_and(|h| h.len() == 64));
    let audit = detail["audit"].as_array().unwrap();
    assert!(audit.iter().any(|a| a["field"] == "email" && a["source_instance"] == "members_form"));
    let outbox = hub.store().outbox_after(0, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].event_type, "member.created");
    hub.shutdown().await;
}

#[tokio::test]
async fn repeated_event_id_is_200_and_enqueues_nothing() {
    let hub = spawn_hub().await;
    let body = json!({"type": "member.updated", "data": {"id": "m-7", "email": "a@b.org"}}).to_string();
    let headers = signed(&body, "msg_same", Utc::now().timestamp());
    assert_eq!(hub.post_event("members_form", &headers, &body).await.0, 202);
    let jobs_after_first = hub.store().list_jobs(None, 100).await.unwrap().len();
    let (status, reply) = hub.post_event("members_form", &headers, &body).await;
    assert_eq!(status, 200);
    assert_eq!(reply["status"], "duplicate");
    assert_eq!(hub.store().list_jobs(None, 100).await.unwrap().len(), jobs_after_first);
    assert_eq!(hub.inbox_total().await, 1);
    hub.shutdown().await;
}

#[tokio::test]
async fn forged_or_missing_signature_is_401_and_stores_nothing() {
    let hub = spawn_hub().await;
    let body = json!({"type": "member.updated", "data": {"id": "m-1", "email": "x@y.org"}}).to_string();
    let mut headers = signed(&body, "msg_1", Utc::now().timestamp());
    let tampered = body.replace("x@y.org", "evil@y.org");
    let (status, reply) = hub.post_event("members_form", &headers, &tampered).await;
    assert_eq!(status, 401);
    assert_eq!(reply["code"], "unauthorized");
    headers.retain(|(k, _)| *k != "webhook-signature");
    assert_eq!(hub.post_event("members_form", &headers, &body).await.0, 401);
    let old = signed(&body, "msg_old", Utc::now().timestamp() - 3600);
    assert_eq!(hub.post_event("members_form", &old, &body).await.0, 401, "a timestamp older than 5 minutes is refused");
    assert_eq!(hub.inbox_total().await, 0);
    assert!(hub.store().list_jobs(None, 10).await.unwrap().is_empty());
    hub.shutdown().await;
}

#[tokio::test]
async fn too_large_unknown_and_malformed_bodies_get_their_status() {
    let hub = spawn_hub_with(|c| c.http.body_limit_bytes = 2048).await;
    let big = format!("{{\"type\":\"x\",\"data\":{{\"id\":\"1\",\"pad\":\"{}\"}}}}", "a".repeat(4096));
    let (status, reply) = hub.post_event("members_form", &signed(&big, "msg_big", Utc::now().timestamp()), &big).await;
    assert_eq!(status, 413, "{reply}");
    assert_eq!(reply["code"], "payload_too_large");
    let body = "{\"type\": \"member.updated\", \"data\": ";
    let (status, reply) = hub.post_event("members_form", &signed(body, "msg_bad", Utc::now().timestamp()), body).await;
    assert_eq!(status, 400, "{reply}");
    let detail = reply["detail"].as_str().unwrap();
    assert!(detail.contains("line 1"), "the error says where: {detail}");
    let no_id = json!({"type": "member.updated", "data": {"email": "a@b.org"}}).to_string();
    let (status, reply) =
        hub.post_event("members_form", &signed(&no_id, "msg_noid", Utc::now().timestamp()), &no_id).await;
    assert_eq!(status, 400);
    assert!(reply["detail"].as_str().unwrap().contains("/data/id"), "{reply}");
    let (status, reply) = hub.post_event("nobody", &signed(&no_id, "msg_x", Utc::now().timestamp()), &no_id).await;
    assert_eq!(status, 404);
    assert_eq!(reply["code"], "not_found");
    assert_eq!(hub.inbox_total().await, 0);
    hub.shutdown().await;
}

#[tokio::test]
async fn same_person_with_other_case_and_spaces_is_one_person() {
    let hub = spawn_hub().await;
    for (n, email) in [(1, "Camille.Martin@Example.org"), (2, "  camille.martin@example.ORG ")] {
        let body = json!({"type": "member.updated", "data": {"id": format!("m-{n}"), "email": email, "first_name": "Camille"}}).to_string();
        assert_eq!(
            hub.post_event("members_form", &signed(&body, &format!("msg_{n}"), Utc::now().timestamp()), &body).await.0,
            202
        );
    }
    eventually("both events processed", || async {
        hub.store().inbox_counts().await.unwrap().iter().any(|(s, n)| s == "processed" && *n == 2)
    })
    .await;
    let (_, list) = hub.admin_get("/api/v1/entities/person").await;
    assert_eq!(list["total"], 1, "one canonical person: {list}");
    let id = list["entities"][0]["id"].as_str().unwrap().to_string();
    let (_, detail) = hub.admin_get(&format!("/api/v1/entities/person/{id}")).await;
    assert_eq!(detail["external_links"].as_array().unwrap().len(), 2, "both source records link to it");
    hub.shutdown().await;
}

#[tokio::test]
async fn replaying_the_same_record_changes_nothing() {
    let hub = spawn_hub().await;
    let body =
        json!({"type": "member.updated", "data": {"id": "m-9", "email": "r@e.org", "first_name": "Rémi"}}).to_string();
    for i in 0..3 {
        assert_eq!(
            hub.post_event("members_form", &signed(&body, &format!("msg_r{i}"), Utc::now().timestamp()), &body).await.0,
            202
        );
    }
    eventually("three events processed", || async {
        hub.store().inbox_counts().await.unwrap().iter().any(|(s, n)| s == "processed" && *n == 3)
    })
    .await;
    let outbox = hub.store().outbox_after(0, 10).await.unwrap();
    assert_eq!(outbox.len(), 1, "one change, then nothing: {outbox:?}");
    hub.shutdown().await;
}
