//! `hub bench intake`: signed Standard Webhooks events posted to a real hub until each is a
//! canonical person; events/s sustained, and p50/p99 intake-to-stored latency at half that rate.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use chrono::Utc;
use hub_connector_sdk::standard_webhooks::{WebhookSecret, sign};
use serde_json::json;

use super::percentile;
use crate::{
    app::App,
    config::Config,
    store::now_ms,
    testing::{FreshDatabase, write_files},
};

/// A fixed test secret (benchmarks and tests only).
pub const BENCH_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The mapping the bench and the tests use for `webhook/members`.
pub fn bench_mapping_files() -> Vec<(&'static str, &'static str)> {
    vec![(
        "webhook/members.toml",
        r#"entity = "person"
identity = ["external_link", "email"]

[fields.email]
from = "/email"
transform = "email"

[fields.given_name]
from = "/first_name"
transform = "trim"

[fields.family_name]
from = "/last_name"
transform = "trim"

[fields.phone]
from = "/phone"
transform = "phone"
"#,
    )]
}

/// A hub config on `db_url` with one webhook instance `members_form` (stream `members`).
pub fn bench_config(db_url: &str, dir: &std::path::Path, extra: &str) -> Result<Config> {
    let toml = bench_config_toml(db_url, dir, extra)?;
    Config::from_toml_str(&toml).map_err(|e| anyhow::anyhow!("bench config: {e}"))
}

/// The TOML text of [`bench_config`]; writes the mapping files under `dir/mappings`.
pub fn bench_config_toml(db_url: &str, dir: &std::path::Path, extra: &str) -> Result<String> {
    write_files(&dir.join("mappings"), &bench_mapping_files())?;
    Ok(format!(
        r#"data_dir = "{dir}"
[http]
bind = "127.0.0.1:0"
[database]
url = "{db_url}"
max_connections = 16
[admin]
token = "bench-admin-token-0123456789"
[queue]
concurrency = 32
batch_size = 64
poll_interval_ms = 50
[mappings]
dir = "{dir}/mappings"
[connectors.members_form]
kind = "webhook"
secret = "{BENCH_SECRET}"
stream = "members"
entity = "person"
mapping = "webhook/members"
{extra}
"#,
        dir = dir.display()
    ))
}

/// A signed event: (webhook-id, headers, body).
pub fn signed_member_event(n: usize, secret: &WebhookSecret) -> (String, Vec<(&'static str, String)>, String) {
    let id = format!("msg_{}_{n}", uuid::Uuid::new_v4().simple());
    let body = json!({
        "type": "member.updated",
        "timestamp": Utc::now().to_rfc3339(),
        "data": {"id": format!("m-{n}"), "email": format!("Member{n}@Example.org "), "first_name": format!("Camille {n}"), "last_name": "Martin", "phone": "06 12 34 56 78"}
    })
    .to_string();
    let ts = Utc::now().timestamp();
    let signature = sign(secret, &id, ts, body.as_bytes());
    let headers =
        vec![("webhook-id", id.clone()), ("webhook-timestamp", ts.to_string()), ("webhook-signature", signature)];
    (id, headers, body)
}

/// Figures of one run.
#[derive(Debug, Clone)]
pub struct IntakeFigures {
    pub backend: &'static str,
    pub events: usize,
    pub events_per_sec: f64,
    pub p50_ms: i64,
    pub p99_ms: i64,
}

async fn post_all(url: &str, count: usize, clients: usize, rate: Option<f64>, start_n: usize) -> Result<()> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let secret = Arc::new(WebhookSecret::parse(BENCH_SECRET)?);
    let per_client = count.div_ceil(clients);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, secret, url) = (client.clone(), secret.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let n = start_n + c * per_client + i;
                if n >= start_n + count {
                    break;
                }
                if let Some(rate) = rate {
                    let due = Duration::from_secs_f64((n - start_n) as f64 / rate);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        tokio::time::sleep(wait).await;
                    }
                }
                let (_, headers, body) = signed_member_event(n, &secret);
                let mut req = client.post(&url).body(body).header("content-type", "application/json");
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let resp = req.send().await?;
                anyhow::ensure!(resp.status().as_u16() == 202, "intake answered {}", resp.status());
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

async fn wait_processed(app: &crate::app::RunningApp, since_ms: i64, count: usize) -> Result<Vec<i64>> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let lat = app.store.inbox_latencies_ms(since_ms).await?;
        if lat.len() >= count {
            return Ok(lat);
        }
        anyhow::ensure!(Instant::now() < deadline, "only {} of {count} events processed after 10 min", lat.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run_backend(
    server: Option<&str>,
    events: usize,
    clients: usize,
    paced_secs: u64,
) -> Result<(IntakeFigures, IntakeFigures)> {
    let db = FreshDatabase::create(server).await.context("creating the bench database")?;
    let backend = if db.is_postgres() { "PostgreSQL" } else { "SQLite" };
    let config = bench_config(&db.url, &db.dir, "")?;
    let app = App::build(config).await?.spawn().await?;
    let url = app.url("/hooks/members_form");
    // Warm-up: connections, prepared statements, page cache.
    post_all(&url, 500, clients, None, 10_000_000).await?;
    wait_processed(&app, 0, 500).await?;

    let since = now_ms();
    let started = Instant::now();
    post_all(&url, events, clients, None, 0).await?;
    let posted = started.elapsed().as_secs_f64();
    let mut lat = wait_processed(&app, since, events).await?;
    eprintln!(
        "{backend}: {events} events accepted in {posted:.2} s ({:.0}/s), all stored after {:.2} s",
        events as f64 / posted,
        started.elapsed().as_secs_f64()
    );
    let secs = started.elapsed().as_secs_f64();
    lat.sort_unstable();
    let sustained = IntakeFigures {
        backend,
        events,
        events_per_sec: events as f64 / secs,
        p50_ms: percentile(&lat, 50.0),
        p99_ms: percentile(&lat, 99.0),
    };

    let rate = (sustained.events_per_sec / 2.0).max(1.0);
    let paced_events = ((rate * paced_secs as f64) as usize).max(100);
    let since = now_ms();
    let started = Instant::now();
    post_all(&url, paced_events, clients, Some(rate), 20_000_000).await?;
    let mut lat = wait_processed(&app, since, paced_events).await?;
    let secs = started.elapsed().as_secs_f64();
    lat.sort_unstable();
    let paced = IntakeFigures {
        backend,
        events: paced_events,
        events_per_sec: paced_events as f64 / secs,
        p50_ms: percentile(&lat, 50.0),
        p99_ms: percentile(&lat, 99.0),
    };
    app.stop().await?;
    db.drop_database().await;
    Ok((sustained, paced))
}

pub async fn run(events: usize, clients: usize, paced_secs: u64, postgres: Option<&str>) -> Result<()> {
    let mut servers: Vec<Option<&str>> = vec![None];
    if let Some(pg) = postgres {
        servers.push(Some(pg));
    }
    println!("| backend | run | events | events/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|");
    for server in servers {
        let (s, p) = run_backend(server, events, clients, paced_secs).await?;
        println!(
            "| {} | sustained ({clients} clients) | {} | {:.0} | {} | {} |",
            s.backend, s.events, s.events_per_sec, s.p50_ms, s.p99_ms
        );
        println!(
            "| {} | paced at half rate | {} | {:.0} | {} | {} |",
            p.backend, p.events, p.events_per_sec, p.p50_ms, p.p99_ms
        );
    }
    Ok(())
}
