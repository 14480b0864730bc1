//! The membership flow under faults and a crash: HelloAsso and Odoo answer 20% of calls with
//! errors and some with 429, HelloAsso sends duplicate notifications, and the hub process is
//! killed (SIGKILL) halfway and started again. Every membership must end exactly once in Odoo
//! (a paid line), every member as exactly one partner, and one Mattermost post each.
//! `RELIABILITY_MEMBERSHIPS` sets the run's size (default 200 to keep CI short; `RELIABILITY_MEMBERSHIPS=1000` is the issue's run, see docs/BENCHMARKS.md).
//! Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use common::{
    membership::{MAPPINGS, Sandboxes},
    *,
};
use hub::{config::Config, testing::FreshDatabase};
use serde_json::{Value, json};

/// Seed indices of the members of this run: none of them is in the Odoo seed.
const FIRST: usize = 5000;

async fn pay_many(tools: &Sandboxes, people: std::ops::Range<usize>) {
    let url = format!("{}/_sandbox/payments", tools.helloasso.running.base_url.trim_end_matches('/'));
    let mut running = tokio::task::JoinSet::new();
    for n in people {
        let (client, url) = (tools.client.clone(), url.clone());
        running.spawn(async move {
            let body = json!({"formType": "Membership", "person": n, "customFields": {"Commune": "Arles"}});
            let resp = client.post(url).json(&body).send().await.unwrap();
            assert!(resp.status().is_success(), "payment {n}: {}", resp.status());
        });
        if running.len() >= 16 {
            running.join_next().await;
        }
    }
    while running.join_next().await.is_some() {}
}

/// Odoo partners of this run's members (by e-mail) and their membership lines.
async fn odoo_state(tools: &Sandboxes, emails: &HashSet<String>) -> (HashMap<String, usize>, Vec<Value>) {
    let partners = tools.odoo_records("res.partner").await;
    let mut by_email: HashMap<String, usize> = HashMap::new();
    let mut ids = HashSet::new();
    for p in &partners {
        if let Some(e) = p["email"].as_str().filter(|e| emails.contains(*e)) {
            *by_email.entry(e.to_string()).or_default() += 1;
            ids.insert(p["id"].as_i64().unwrap());
        }
    }
    let lines = tools.odoo_records("membership.membership_line").await;
    let ours = lines.into_iter().filter(|l| l["partner"][0].as_i64().is_some_and(|id| ids.contains(&id))).collect();
    (by_email, ours)
}

#[tokio::test]
async fn memberships_through_faults_and_a_killed_hub_end_exactly_once() {
    let n: usize = std::env::var("RELIABILITY_MEMBERSHIPS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let tools = Sandboxes::start().await;
    let db = FreshDatabase::from_env().await.unwrap();
    // Missed notifications (the hub is down, or a fault ate them) are caught by the scheduled sync.
    let schedules =
        r#"schedules = { members = "*/3 * * * * *", memberships = "*/3 * * * * *", payments = "*/3 * * * * *" }"#;
    let extra = format!(
        "{}\n[targets]\npoll_interval_ms = 20\nconcurrency = 8\nlease_secs = 5\njitter = 0.0\nretry_schedule_secs = [{}]\n",
        tools.connectors_toml(schedules).replace("kind = \"dokos\"\n", "kind = \"dokos\"\nenabled = false\n"),
        ["0"; 30].join(", ")
    );
    let toml = hub::bench::bench_config_toml(&db.url, &db.dir, &extra).unwrap();
    hub::testing::write_files(&db.dir.join("mappings"), &MAPPINGS).unwrap();
    let config_path = db.dir.join("hub.toml");
    std::fs::write(&config_path, &toml).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    tools.register_notifications(&format!("http://127.0.0.1:{port}/hooks/helloasso_main")).await;
    let faults =
        json!({"error_rate": 0.2, "rate_limit_rate": 0.05, "retry_after_secs": 1, "duplicate_webhook_rate": 0.2});
    for sandbox in [&tools.helloasso, &tools.odoo] {
        tools.set_faults(sandbox, &faults).await;
    }
    let queue_env = [
        ("HUB_HTTP__BIND", format!("127.0.0.1:{port}")),
        ("HUB_QUEUE__LEASE_SECS", "2".to_string()),
        ("HUB_QUEUE__POLL_INTERVAL_MS", "20".to_string()),
        ("HUB_QUEUE__BACKOFF_BASE_MS", "10".to_string()),
        ("HUB_QUEUE__BACKOFF_MAX_SECS", "1".to_string()),
        ("HUB_QUEUE__MAX_ATTEMPTS", "30".to_string()),
    ];
    let env: Vec<(&str, &str)> = queue_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (mut child, _) = spawn_hub_process(&config_path, &env).await;

    let people = FIRST..FIRST + n;
    let emails: HashSet<String> = people.clone().map(|i| hub_sandbox::core::seed::person(i).email).collect();
    assert_eq!(emails.len(), n, "distinct members");
    pay_many(&tools, FIRST..FIRST + n / 2).await;
    let store = hub::store::Store::connect(&db.url, 2).await.unwrap();
    eventually_within(Duration::from_secs(120), "some memberships pushed before the kill", || async {
        store.push_counts().await.unwrap().iter().any(|(t, s, c)| t == "odoo_main" && s == "done" && *c >= 20)
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    // Paid while the hub is down: the notifications are lost, the scheduled sync must find them.
    pay_many(&tools, FIRST + n / 2..FIRST + n).await;

    let mut config = Config::from_toml_str(&toml).unwrap();
    config.http.bind = format!("127.0.0.1:{port}").parse().unwrap();
    config.queue.lease_secs = 2;
    config.queue.poll_interval_ms = 20;
    config.queue.backoff_base_ms = 10;
    config.queue.backoff_max_secs = 1;
    config.queue.max_attempts = 30;
    let restarted = hub::app::App::build(config).await.unwrap().spawn().await.unwrap();
    // Polled once a second from the hub's own tables (cheap), then checked in the tools.
    let deadline = std::time::Instant::now() + Duration::from_secs(900);
    loop {
        let memberships = store.count_entities(hub_connector_sdk::EntityKind::Membership).await.unwrap();
        let pending = store.list_pushes(None, Some("pending"), 1).await.unwrap().len();
        if memberships as usize >= n && pending == 0 {
            let (_, lines) = odoo_state(&tools, &emails).await;
            if lines.iter().filter(|l| l["state"] == "paid").count() >= n {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: {memberships} memberships, pushes {:?}",
            store.push_counts().await.unwrap()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Let stragglers (duplicates, late retries) land before counting exactly.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (partners, lines) = odoo_state(&tools, &emails).await;
    assert_eq!(partners.len(), n, "every member is an Odoo partner");
    let twice: Vec<_> = partners.iter().filter(|(_, c)| **c != 1).collect();
    assert!(twice.is_empty(), "one partner per member: {twice:?}");
    assert_eq!(lines.len(), n, "exactly one membership line per membership");
    assert!(lines.iter().all(|l| l["state"] == "paid"), "every line paid");
    let roots = tools.roots_in("adhesions").await;
    assert_eq!(roots.len(), n, "one Mattermost post per membership");
    let entities: HashSet<String> =
        roots.iter().map(|p| p["props"]["hub_entity_id"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(entities.len(), n, "no membership announced twice");
    let failed: Vec<_> = store.list_pushes(None, Some("failed"), 10).await.unwrap();
    assert!(failed.is_empty(), "no push failed for good: {failed:?}");
    restarted.stop().await.unwrap();
    store.close().await;
    db.drop_database().await;
}
