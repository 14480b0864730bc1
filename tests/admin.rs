//! The admin API: bearer token, jobs and dead letters with retry, entities, connectors, OpenAPI,
//! health, readiness and metrics.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn admin_api_requires_the_bearer_token() {
    let hub = spawn_hub().await;
    let resp = hub.client.get(hub.url("/api/v1/jobs")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    let resp = hub.client.get(hub.url("/api/v1/jobs")).bearer_auth("wrong-token-wrong-token").send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(hub.admin_get("/api/v1/jobs").await.0, 200);
    hub.shutdown().await;
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi() {
    let hub = spawn_hub().await;
    let resp = hub.client.get(hub.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let ready: serde_json::Value = hub.client.get(hub.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["ready"], true, "{ready}");
    hub.post_member(1).await;
    let metrics = hub.client.get(hub.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hub_http_requests_total"), "{metrics}");
    assert!(metrics.contains("hub_jobs{"), "{metrics}");
    assert!(metrics.contains("hub_queue_depth"), "{metrics}");
    let doc: serde_json::Value =
        hub.client.get(hub.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/dead-letters/{id}/retry"]["post"].is_object(), "{doc}");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    hub.shutdown().await;
}

#[tokio::test]
async fn permanent_failure_is_a_dead_letter_that_can_be_retried() {
    let hub = spawn_hub().await;
    // The generic webhook connector only receives: a sync of it fails permanently (Unsupported),
    // so its job goes straight to the dead letters after one attempt.
    let (status, reply) = hub.admin_post("/api/v1/connectors/members_form/sync", json!({})).await;
    assert_eq!(status, 202, "{reply}");
    eventually("the sync job is dead", || async { hub.job_count("dead").await == 1 }).await;
    let (_, dead) = hub.admin_get("/api/v1/dead-letters").await;
    let job = &dead["dead_letters"][0];
    assert_eq!(job["attempts"], 1, "permanent errors are not retried: {job}");
    assert_eq!(job["last_error_class"], "unsupported");
    assert!(job["last_error"].as_str().unwrap().contains("only receive"), "{job}");
    let id = job["id"].as_str().unwrap();
    let (status, _) = hub.admin_post(&format!("/api/v1/dead-letters/{id}/retry"), json!({})).await;
    assert_eq!(status, 202);
    eventually("the retried job ran again", || async {
        let (_, job) = hub.admin_get(&format!("/api/v1/jobs/{id}")).await;
        job["status"] == "dead" && job["attempts"] == 1
    })
    .await;
    let (status, reply) =
        hub.admin_post("/api/v1/dead-letters/00000000-0000-0000-0000-000000000000/retry", json!({})).await;
    assert_eq!(status, 404, "{reply}");
    let (status, _) = hub.admin_post("/api/v1/connectors/nobody/sync", json!({})).await;
    assert_eq!(status, 404);
    hub.shutdown().await;
}

#[tokio::test]
async fn connectors_and_entities_listing() {
    let hub = spawn_hub().await;
    let (status, body) = hub.admin_get("/api/v1/connectors").await;
    assert_eq!(status, 200);
    assert_eq!(body["connectors"][0]["instance"], "members_form");
    assert_eq!(body["connectors"][0]["kind"], "webhook");
    assert_eq!(body["connectors"][0]["receives_webhooks"], true);
    let (status, body) = hub.admin_get("/api/v1/connectors/members_form/check").await;
    assert_eq!(status, 200);
    assert_eq!(body["check"]["ok"], true);
    let (status, body) = hub.admin_get("/api/v1/entities/spaceship").await;
    assert_eq!(status, 404);
    assert!(body["detail"].as_str().unwrap().contains("person"));
    let (status, _) = hub.admin_get("/api/v1/jobs?status=weird").await;
    assert_eq!(status, 400);
    hub.shutdown().await;
}
