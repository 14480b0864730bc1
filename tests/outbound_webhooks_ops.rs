//! Outbound webhooks in operation: a killed hub restarted, the CLI, retention, and a give-up that
//! takes the entity's later changes with it. Runs on SQLite, and on PostgreSQL with
//! HUB_TEST_DATABASE_URL.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{outbound::*, receiver::*, *};
use hub::config::Config;
use serde_json::Value;

#[tokio::test]
async fn a_killed_hub_redelivers_what_was_not_acknowledged_and_nothing_that_was() {
    use std::collections::{HashMap, HashSet};
    let receiver =
        Receiver::scripted(|_, _| Reply { status: 200, retry_after: None, delay: Duration::from_millis(150) }).await;
    let db = hub::testing::FreshDatabase::from_env().await.unwrap();
    let secret = hub::webhooks::secret::generate();
    let extra = format!(
        r#"[webhooks]
allow_networks = ["127.0.0.0/8"]
poll_interval_ms = 20
request_timeout_secs = 2
lease_secs = 3
concurrency_per_endpoint = 4
retry_schedule_secs = [0, 1, 1, 1]
jitter = 0.0
[webhooks.endpoints.site]
url = "{}"
event_types = ["member.*"]
description = "declared in the configuration"
secret = "{secret}"
"#,
        receiver.url
    );
    let toml = hub::bench::bench_config_toml(&db.url, &db.dir, &extra).unwrap();
    let config_path = db.dir.join("hub.toml");
    std::fs::write(&config_path, &toml).unwrap();
    // Short job leases: inbound events the killed process had claimed are taken up quickly.
    let (mut child, base) = spawn_hub_process(&config_path, &[("HUB_QUEUE__LEASE_SECS", "2")]).await;
    let client = reqwest::Client::new();
    for n in 0..40 {
        assert_eq!(post_member_to(&client, &base, n).await, 202);
    }
    let store = hub::store::Store::connect(&db.url, 2).await.unwrap();
    eventually("some deliveries acknowledged", || async {
        store.list_attempts(None, None, 1000).await.unwrap().iter().filter(|a| a.ok).count() >= 8
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let acked: HashSet<String> = store
        .list_attempts(None, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.ok)
        .map(|a| a.message_id)
        .collect();
    let count = |rs: &[Received]| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for r in rs {
            *m.entry(r.id.clone()).or_default() += 1;
        }
        m
    };
    let before = count(&receiver.all());
    assert!(acked.len() < 40, "killed mid-run ({} acknowledged)", acked.len());

    let mut config = Config::from_toml_str(&toml).unwrap();
    config.queue.lease_secs = 2;
    let restarted = hub::app::App::build(config).await.unwrap().spawn().await.unwrap();
    eventually_within(Duration::from_secs(60), "every change delivered after the restart", || async {
        count(&receiver.accepted()).len() == 40
            && store.delivery_counts().await.unwrap().iter().any(|(s, n)| s == "delivered" && *n == 40)
    })
    .await;
    let after = count(&receiver.all());
    for id in &acked {
        assert_eq!(after[id], before[id], "{id} was acknowledged before the kill: never sent again");
    }
    assert!(receiver.all().iter().all(|r| verify_independently(&secret, r)));
    // A configured endpoint is managed in the configuration, not through the API.
    let (_, list) = {
        let resp =
            client.get(restarted.url("/api/v1/webhook-endpoints")).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
        (resp.status(), resp.json::<Value>().await.unwrap())
    };
    let ep = &list["endpoints"][0];
    assert_eq!((ep["name"].as_str(), ep["origin"].as_str()), (Some("site"), Some("config")), "{list}");
    let resp = client
        .delete(restarted.url(&format!("/api/v1/webhook-endpoints/{}", ep["id"].as_str().unwrap())))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    restarted.stop().await.unwrap();
    store.close().await;
    db.drop_database().await;
}

#[tokio::test]
async fn the_cli_lists_endpoints_and_replays_by_id_and_since() {
    let receiver = Receiver::start().await;
    let hub = spawn_hub_with(fast_webhooks).await;
    let (_, secret) = create_endpoint(&hub, &receiver.url, &[]).await;
    hub.post_member(1).await;
    eventually("delivered", || async { receiver.accepted().len() == 1 }).await;
    let msg = receiver.accepted()[0].id.clone();
    let config_path = hub.db.dir.join("cli.toml");
    std::fs::write(&config_path, format!("data_dir = \"{}\"\n", hub.db.dir.display())).unwrap();
    // The CLI runs as its own process while this test's runtime keeps the hub running (a blocking
    // wait here would freeze the in-process hub, possibly inside a write, and lock SQLite).
    let cli = async |args: &[&str]| {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hub"))
            .args(["--config", config_path.to_str().unwrap(), "webhooks"])
            .args(args)
            .env_remove("HUB_TEST_DATABASE_URL")
            .env("HUB_DATABASE__URL", &hub.db.url)
            .env("HUB_LOG", "warn")
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listed = cli(&["endpoints"]).await;
    assert!(listed.contains(&receiver.url) && !listed.contains(&secret[6..]), "{listed}");
    assert!(cli(&["attempts", "--message", &msg]).await.contains("\"status_code\":200"));
    assert!(cli(&["replay", &msg]).await.contains("1 message(s), 1 delivery(ies)"));
    eventually("replayed by id", || async { receiver.accepted().len() == 2 }).await;
    let today = Utc::now().format("%Y-%m-%d").to_string();
    assert!(cli(&["replay", "--since", &today]).await.contains("1 message(s)"));
    eventually("replayed since", || async { receiver.accepted().len() == 3 }).await;
    assert!(receiver.accepted().iter().all(|r| r.id == msg && verify_independently(&secret, r)));
    hub.shutdown().await;
}

#[tokio::test]
async fn retention_forgets_what_was_delivered_never_what_is_pending() {
    let hub = spawn_hub_with(fast_webhooks).await;
    let receiver = Receiver::start().await;
    create_endpoint(&hub, &receiver.url, &[]).await;
    hub.post_member(1).await;
    eventually("delivered", || async { receiver.accepted().len() == 1 }).await;
    let delivered_msg = receiver.accepted()[0].id.clone();
    // Nothing listens on port 9: this endpoint's deliveries stay pending, retried.
    let (refusing, _) = create_endpoint(&hub, "http://127.0.0.1:9/hook", &[]).await;
    hub.post_member(2).await;
    eventually("member 2 delivered to the receiver", || async { receiver.accepted().len() == 2 }).await;
    let pending_msg = receiver.accepted()[1].id.clone();
    eventually("the refused attempt is logged", || async {
        let (_, a) = hub.admin_get(&format!("/api/v1/webhook-endpoints/{refusing}/attempts")).await;
        a["attempts"].as_array().is_some_and(|v| !v.is_empty())
    })
    .await;
    hub.store().purge_webhook_history(Utc::now().timestamp_millis() + 60_000).await.unwrap();
    assert_eq!(
        hub.admin_get(&format!("/api/v1/webhook-messages/{delivered_msg}")).await.0,
        404,
        "delivered: forgotten"
    );
    let (status, message) = hub.admin_get(&format!("/api/v1/webhook-messages/{pending_msg}")).await;
    assert_eq!(status, 200, "still pending for one endpoint: kept");
    let deliveries = message["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{message}");
    assert_eq!(deliveries[0]["status"], "pending");
    hub.shutdown().await;
}

#[tokio::test]
async fn once_a_create_gives_up_its_pending_update_is_not_sent_alone() {
    let hub = spawn_hub_with(|c| {
        fast_webhooks(c);
        c.webhooks.retry_schedule_secs = vec![0, 2];
    })
    .await;
    let receiver = Receiver::scripted(|_, _| Reply::status(500)).await;
    let (endpoint, _) = create_endpoint(&hub, &receiver.url, &[]).await;
    hub.post_member(1).await;
    eventually("the create's first attempt", || async { !receiver.all().is_empty() }).await;
    post_member_phone(&hub, 1, "07 22 22 22 22").await;
    let path = format!("/api/v1/webhook-endpoints/{endpoint}");
    eventually("both deliveries failed", || async {
        hub.admin_get(&path).await.1["failed_deliveries"].as_array().is_some_and(|d| d.len() == 2)
    })
    .await;
    let (_, ep) = hub.admin_get(&path).await;
    let failed = ep["failed_deliveries"].as_array().unwrap();
    assert!(
        failed.iter().any(|d| d["last_error"].as_str().is_some_and(|e| e.contains("earlier change"))),
        "the update failed with its create: {ep}"
    );
    assert!(receiver.all().iter().all(|r| r.event_type() == "member.created"), "the update was never sent alone");
    hub.shutdown().await;
}

#[tokio::test]
async fn a_replay_asked_while_the_first_attempt_is_in_flight_is_still_sent() {
    // The first answer takes 1.5 s: the replay lands between the request and its 200, and that
    // late 200 (recorded under the first claim) must not mark the replayed delivery done.
    let receiver = Receiver::scripted(|_, seen| Reply {
        status: 200,
        retry_after: None,
        delay: if seen == 0 { Duration::from_millis(1500) } else { Duration::ZERO },
    })
    .await;
    let hub = spawn_hub_with(fast_webhooks).await;
    create_endpoint(&hub, &receiver.url, &[]).await;
    hub.post_member(1).await;
    eventually("the first attempt is in flight", || async { receiver.all().len() == 1 }).await;
    let msg = receiver.all()[0].id.clone();
    let (status, report) =
        hub.admin_post(&format!("/api/v1/webhook-messages/{msg}/replay"), serde_json::json!({})).await;
    assert_eq!(status, 202, "{report}");
    eventually("the replay is sent", || async { receiver.all().len() == 2 }).await;
    assert_eq!(receiver.all()[1].id, msg);
    eventually("delivered once the replay is answered", || async {
        let (_, m) = hub.admin_get(&format!("/api/v1/webhook-messages/{msg}")).await;
        m["deliveries"][0]["status"] == "delivered"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.all().len(), 2, "sent twice: once, and once replayed");
    hub.shutdown().await;
}
