//! Outbound webhooks end to end: a real hub, real receivers on loopback, signatures checked by an
//! independent implementation of the spec (and by the official Python library when
//! HUB_TEST_PYTHON is set). Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{outbound::*, receiver::*, *};
use serde_json::{Value, json};
#[tokio::test]
async fn changes_reach_subscribed_endpoints_signed_per_the_spec() {
    let hub = spawn_hub_with(fast_webhooks).await;
    let members = Receiver::start().await;
    let bookings = Receiver::start().await;
    let (members_id, secret) = create_endpoint(&hub, &members.url, &["member.*"]).await;
    create_endpoint(&hub, &bookings.url, &["booking.*"]).await;

    hub.post_member(1).await;
    eventually("member.created delivered", || async { members.accepted().len() == 1 }).await;
    post_member_phone(&hub, 1, "07 00 00 00 01").await;
    eventually("member.updated delivered", || async { members.accepted().len() == 2 }).await;

    let got = members.accepted();
    assert_eq!(got.iter().map(|r| r.event_type()).collect::<Vec<_>>(), ["member.created", "member.updated"]);
    for r in &got {
        assert!(verify_independently(&secret, r), "signature checks out from the spec alone: {r:?}");
        assert!(r.id.starts_with("msg_") && !r.id.contains('.'), "{}", r.id);
        let body = r.json();
        assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok(), "{body}");
        let data = &body["data"];
        assert_eq!(data["kind"], "person");
        assert_eq!(data["fields"]["email"], "member1@example.org");
        assert_eq!(data["external_links"][0]["system"], "webhook");
        assert_eq!(data["external_links"][0]["external_id"], "m-1");
    }
    assert_eq!(got[1].json()["data"]["fields"]["phone"], "+33700000001");
    assert_eq!(got[0].json()["data"]["id"], got[1].json()["data"]["id"], "one entity, two changes");
    assert!(bookings.all().is_empty(), "an endpoint hears only the types it subscribed to");

    // The attempt log and the message are visible; no secret is ever shown again.
    let attempts_path = format!("/api/v1/webhook-endpoints/{members_id}/attempts");
    eventually("both attempts recorded", || async {
        hub.admin_get(&attempts_path).await.1["attempts"].as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let (status, attempts) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{members_id}/attempts")).await;
    assert_eq!(status, 200);
    let attempts = attempts["attempts"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|a| a["status_code"] == 200 && a["ok"] == true && a["latency_ms"].is_i64()));
    assert_eq!(attempts[0]["response_excerpt"], "ok");
    let (status, message) = hub.admin_get(&format!("/api/v1/webhook-messages/{}", got[0].id)).await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["type"], "member.created");
    assert_eq!(message["deliveries"][0]["status"], "delivered");
    let (_, list) = hub.admin_get("/api/v1/webhook-endpoints").await;
    let (_, one) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{members_id}")).await;
    for text in [list.to_string(), one.to_string(), message.to_string()] {
        assert!(!text.contains(&secret) && !text.contains(&secret[6..]), "a secret leaked: {text}");
    }
    assert_eq!(list["endpoints"].as_array().unwrap().len(), 2);

    if let Some(py) = python() {
        for r in &got {
            let headers =
                json!({"webhook-id": r.id, "webhook-timestamp": r.timestamp, "webhook-signature": r.signature});
            assert!(official_verify(&py, &secret, headers, &r.body), "the official library verifies the delivery");
        }
    }
    hub.shutdown().await;
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_each_event_once_accepted_and_in_order() {
    let hub = spawn_hub_with(fast_webhooks).await;
    // The first delivery of each message fails three times, then succeeds.
    let receiver = Receiver::scripted(|_, seen| if seen < 3 { Reply::status(500) } else { Reply::ok() }).await;
    let (endpoint, secret) = create_endpoint(&hub, &receiver.url, &[]).await;
    hub.post_member(1).await;
    eventually("the create is in flight", || async { !receiver.all().is_empty() }).await;
    // An update while the create is still failing: it must wait for the create.
    post_member_phone(&hub, 1, "07 11 11 11 11").await;
    eventually("both accepted", || async { receiver.accepted().len() == 2 }).await;
    let attempts_path = format!("/api/v1/webhook-endpoints/{endpoint}/attempts?limit=100");
    eventually("every attempt recorded", || async {
        hub.admin_get(&attempts_path).await.1["attempts"].as_array().is_some_and(|a| a.len() == 8)
    })
    .await;

    let all = receiver.all();
    let accepted = receiver.accepted();
    assert_eq!(accepted.iter().map(|r| r.event_type()).collect::<Vec<_>>(), ["member.created", "member.updated"]);
    let create_id = &accepted[0].id;
    assert_eq!(all.iter().filter(|r| &r.id == create_id).count(), 4, "3 failures then 1 success, same webhook-id");
    let first_update = all.iter().position(|r| r.event_type() == "member.updated").unwrap();
    let create_accepted = all.iter().position(|r| &r.id == create_id && r.status == 200).unwrap();
    assert!(create_accepted < first_update, "the update never arrives before its create is accepted");
    assert!(all.iter().all(|r| verify_independently(&secret, r)), "every attempt freshly signed");
    let (_, attempts) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{endpoint}/attempts?limit=100")).await;
    let attempts = attempts["attempts"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 8);
    let of_create: Vec<_> = attempts.iter().filter(|a| a["message_id"] == create_id.as_str()).collect();
    assert_eq!(of_create.iter().filter(|a| a["status_code"] == 500).count(), 3);
    assert_eq!(of_create.iter().filter(|a| a["status_code"] == 200).count(), 1);
    hub.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured_and_410_disables_the_endpoint() {
    let hub = spawn_hub_with(fast_webhooks).await;
    let slow_down = Receiver::scripted(|_, seen| {
        if seen == 0 {
            Reply { status: 429, retry_after: Some("3".into()), delay: Duration::ZERO }
        } else {
            Reply::ok()
        }
    })
    .await;
    let gone = Receiver::scripted(|_, _| Reply::status(410)).await;
    let operators = Receiver::start().await;
    create_endpoint(&hub, &slow_down.url, &["member.created"]).await;
    let (gone_id, _) = create_endpoint(&hub, &gone.url, &["member.created"]).await;
    let (_, ops_secret) = create_endpoint(&hub, &operators.url, &["endpoint.disabled"]).await;
    hub.post_member(1).await;
    eventually("accepted after the Retry-After", || async { slow_down.accepted().len() == 1 }).await;
    let all = slow_down.all();
    assert_eq!(all.len(), 2);
    assert!(all[1].at.duration_since(all[0].at) >= Duration::from_millis(2900), "not before Retry-After: 3");

    eventually("operators hear of the disabling", || async { !operators.accepted().is_empty() }).await;
    let note = &operators.accepted()[0];
    assert!(verify_independently(&ops_secret, note));
    assert_eq!(note.event_type(), "endpoint.disabled");
    assert_eq!(note.json()["data"]["endpoint_id"], gone_id.as_str());
    assert_eq!(gone.all().len(), 1, "410 Gone is not retried");
    let (_, ep) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{gone_id}")).await;
    assert_eq!(ep["endpoint"]["enabled"], false, "{ep}");
    assert!(ep["endpoint"]["disabled_reason"].as_str().unwrap().contains("410"));
    hub.shutdown().await;
}

#[tokio::test]
async fn an_endpoint_failing_past_the_limit_is_disabled_and_sync_failures_are_announced() {
    let hub = spawn_hub_with(|c| {
        fast_webhooks(c);
        c.webhooks.disable_after_secs = 2;
        c.webhooks.retry_schedule_secs = vec![0, 1, 1, 1, 1, 1, 1, 1];
    })
    .await;
    let down = Receiver::scripted(|_, _| Reply::status(503)).await;
    let operators = Receiver::start().await;
    let (down_id, _) = create_endpoint(&hub, &down.url, &["member.*"]).await;
    create_endpoint(&hub, &operators.url, &["endpoint.disabled", "sync.failed"]).await;
    hub.post_member(1).await;
    eventually("the failing endpoint is disabled", || async {
        hub.admin_get(&format!("/api/v1/webhook-endpoints/{down_id}")).await.1["endpoint"]["enabled"] == false
    })
    .await;
    let tries = down.all().len();
    assert!(tries >= 2, "it was retried before being disabled ({tries})");
    eventually("endpoint.disabled announced", || async {
        operators.accepted().iter().any(|r| r.event_type() == "endpoint.disabled")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(down.all().len(), tries, "a disabled endpoint gets nothing more");

    // A sync that fails for good (the generic webhook connector cannot be polled) → sync.failed.
    let (status, _) = hub.admin_post("/api/v1/connectors/members_form/sync", json!({})).await;
    assert_eq!(status, 202);
    eventually("sync.failed announced", || async {
        operators.accepted().iter().any(|r| r.event_type() == "sync.failed")
    })
    .await;
    let failed = operators.accepted().into_iter().find(|r| r.event_type() == "sync.failed").unwrap().json();
    assert_eq!(failed["data"]["kind"], "sync_stream");
    assert!(failed["data"]["error"].as_str().is_some_and(|e| !e.is_empty()), "{failed}");

    // Re-enabled, it gets what it missed.
    let down_again = down.all().len();
    let (status, _) = hub.admin_post(&format!("/api/v1/webhook-endpoints/{down_id}/enable"), json!({})).await;
    assert_eq!(status, 200);
    eventually("deliveries resume", || async { down.all().len() > down_again }).await;
    hub.shutdown().await;
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_during_the_overlap() {
    let hub = spawn_hub_with(fast_webhooks).await;
    let receiver = Receiver::start().await;
    let (id, old) = create_endpoint(&hub, &receiver.url, &[]).await;
    let (status, rotated) = hub.admin_post(&format!("/api/v1/webhook-endpoints/{id}/rotate-secret"), json!({})).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let until: chrono::DateTime<Utc> =
        rotated["endpoint"]["previous_secret_signs_until"].as_str().unwrap().parse().unwrap();
    let overlap = until - Utc::now();
    assert!(overlap > chrono::Duration::hours(23) && overlap <= chrono::Duration::hours(24), "{overlap}");
    hub.post_member(1).await;
    eventually("delivered", || async { receiver.accepted().len() == 1 }).await;
    let r = &receiver.accepted()[0];
    assert_eq!(r.signature.split(' ').count(), 2, "{}", r.signature);
    assert!(verify_independently(&new, r) && verify_independently(&old, r), "old and new receivers both accept");
    hub.shutdown().await;
}

#[tokio::test]
async fn private_targets_are_refused_unless_allow_listed() {
    let hub = spawn_hub_with(|c| {
        fast_webhooks(c);
        c.webhooks.allow_networks = vec![];
    })
    .await;
    let receiver = Receiver::start().await;
    for url in
        [receiver.url.clone(), "http://169.254.169.254/latest".into(), "http://[::1]:9/x".into(), "ftp://x.org/".into()]
    {
        let (status, body) = hub.admin_post("/api/v1/webhook-endpoints", json!({"url": url})).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["code"], "bad_request");
    }
    let (status, body) =
        hub.admin_post("/api/v1/webhook-endpoints", json!({"url": "http://x.org/", "event_types": ["nope"]})).await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().unwrap().contains("nope"), "{body}");
    // A name that resolves to loopback passes the URL check but is refused at resolution.
    let (id, _) = create_endpoint(&hub, &receiver.url_by_name(), &[]).await;
    hub.post_member(1).await;
    eventually("the refusal is logged", || async {
        let (_, a) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{id}/attempts")).await;
        a["attempts"].as_array().is_some_and(|v| !v.is_empty())
    })
    .await;
    let (_, a) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{id}/attempts")).await;
    let attempt = &a["attempts"][0];
    assert_eq!(attempt["ok"], false);
    assert!(attempt["status_code"].is_null());
    assert!(attempt["error"].as_str().unwrap().contains("loopback"), "{attempt}");
    assert!(receiver.all().is_empty(), "nothing ever reached the private address");
    hub.shutdown().await;
}

#[tokio::test]
async fn endpoints_are_managed_and_messages_replayed() {
    let hub = spawn_hub_with(fast_webhooks).await;
    let receiver = Receiver::start().await;
    let (id, _) = create_endpoint(&hub, &receiver.url, &["member.created"]).await;
    let patch = json!({"event_types": ["member.*"], "description": "site web"});
    let resp = hub
        .client
        .patch(hub.url(&format!("/api/v1/webhook-endpoints/{id}")))
        .bearer_auth(ADMIN_TOKEN)
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["description"], "site web");
    assert_eq!(view["event_types"], json!(["member.*"]));
    let (status, body) = admin_json(&hub, reqwest::Method::GET, "/api/v1/webhook-endpoints/not-a-uuid").await;
    assert_eq!(status, 400, "{body}");

    hub.post_member(1).await;
    eventually("delivered", || async { receiver.accepted().len() == 1 }).await;
    let msg = receiver.accepted()[0].id.clone();
    let (status, report) = hub.admin_post(&format!("/api/v1/webhook-messages/{msg}/replay"), json!({})).await;
    assert_eq!(status, 202, "{report}");
    assert_eq!(report["deliveries"], 1);
    eventually("replayed", || async { receiver.accepted().len() == 2 }).await;
    assert_eq!(receiver.accepted()[1].id, msg, "a replay keeps the webhook-id");
    let since = (Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let (status, report) = hub.admin_post("/api/v1/webhook-replays", json!({"since": since})).await;
    assert_eq!(status, 202);
    assert_eq!(report["messages"], 1);
    eventually("replayed since", || async { receiver.accepted().len() == 3 }).await;
    let (status, _) = hub.admin_post("/api/v1/webhook-messages/msg_unknown/replay", json!({})).await;
    assert_eq!(status, 404);

    let (status, _) = hub.admin_post(&format!("/api/v1/webhook-endpoints/{id}/disable"), json!({})).await;
    assert_eq!(status, 200);
    hub.post_member(2).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.accepted().len(), 3, "disabled: nothing sent");
    let (status, _) = admin_json(&hub, reqwest::Method::DELETE, &format!("/api/v1/webhook-endpoints/{id}")).await;
    assert_eq!(status, 204);
    let (status, _) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{id}")).await;
    assert_eq!(status, 404);
    hub.shutdown().await;
}
