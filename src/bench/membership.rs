//! `hub bench membership`: a backfill of N paid HelloAsso membership orders (the HelloAsso sandbox,
//! read through its API) into canonical records and on into Odoo (the Odoo sandbox), end to end;
//! then a second backfill of the same unchanged data, which must make no Odoo write.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

use crate::{
    app::App,
    flows::sync::{SyncReport, sync_stream},
    store::Store,
    testing::{FreshDatabase, write_files},
};

const MAPPINGS: [(&str, &str); 5] = [
    ("helloasso/members.toml", include_str!("../../mappings/helloasso/members.toml")),
    ("helloasso/memberships.toml", include_str!("../../mappings/helloasso/memberships.toml")),
    ("helloasso/payments.toml", include_str!("../../mappings/helloasso/payments.toml")),
    ("odoo/partners.toml", include_str!("../../mappings/odoo/partners.toml")),
    ("odoo/memberships.toml", include_str!("../../mappings/odoo/memberships.toml")),
];

const SOURCE: &str = "helloasso_main";
const TARGET: &str = "odoo_main";
const STREAMS: [&str; 3] = ["members", "memberships", "payments"];
/// Odoo methods that change data.
const WRITE_METHODS: [&str; 4] = ["create", "write", "action_post", "action_create_payments"];
/// The first person index of the bench's payers (far from the sandboxes' seeded people).
const FIRST_PERSON: usize = 100_000;

fn base(started: &Started) -> String {
    started.running.base_url.trim_end_matches('/').to_string()
}

fn cred(v: &Value, key: &str) -> Result<String> {
    v[key].as_str().map(str::to_string).with_context(|| format!("sandbox credential `{key}` missing"))
}

/// The `[connectors.*]` tables for HelloAsso and Odoo (no Dokos, no Mattermost).
fn connectors_toml(helloasso: &Started, odoo: &Started) -> Result<String> {
    let (h, o) = (&helloasso.credentials, &odoo.credentials);
    let year = chrono::Utc::now().format("%Y");
    Ok(format!(
        r#"
[connectors.{SOURCE}]
kind = "helloasso"
base_url = "{}"
client_id = "{}"
client_secret = "{}"
organization_slug = "{}"
signature_key = "{}"

[connectors.{TARGET}]
kind = "odoo"
base_url = "{}"
database = "{}"
login = "{}"
api_key = "{}"
protocol = "json2"
membership_products = {{ "Individuelle" = "Adhésion individuelle {year}", "Famille" = "Adhésion famille {year}" }}
"#,
        cred(h, "base_url")?,
        cred(h, "client_id")?,
        cred(h, "client_secret")?,
        cred(h, "organization_slug")?,
        cred(h, "notification_signature_key")?,
        base(odoo),
        cred(o, "database")?,
        cred(o, "login")?,
        cred(o, "api_key")?,
    ))
}

/// N paid membership orders, ~32 in flight (not timed).
async fn create_orders(client: &reqwest::Client, helloasso: &Started, orders: usize) -> Result<()> {
    let url = format!("{}/_sandbox/payments", base(helloasso));
    let results: Vec<Result<()>> = futures::stream::iter(0..orders)
        .map(|i| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let resp = client
                    .post(&url)
                    .json(&json!({"formType": "Membership", "person": FIRST_PERSON + i}))
                    .send()
                    .await?;
                if !resp.status().is_success() {
                    bail!("creating order {i}: HTTP {}: {}", resp.status(), resp.text().await.unwrap_or_default());
                }
                Ok(())
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Odoo's call log (`GET /_sandbox/calls`).
async fn odoo_calls(client: &reqwest::Client, odoo: &Started) -> Result<Vec<Value>> {
    let v: Value =
        client.get(format!("{}/_sandbox/calls", base(odoo))).send().await?.error_for_status()?.json().await?;
    v.as_array().cloned().context("/_sandbox/calls is not an array")
}

fn count_writes(calls: &[Value]) -> (usize, BTreeMap<String, usize>) {
    let mut by_method = BTreeMap::new();
    for c in calls {
        let method = c["method"].as_str().unwrap_or_default();
        if WRITE_METHODS.contains(&method) {
            let key = format!("{}.{method}", c["model"].as_str().unwrap_or("?"));
            *by_method.entry(key).or_insert(0) += 1;
        }
    }
    (by_method.values().sum(), by_method)
}

/// Push counts of the Odoo target by status.
async fn target_counts(store: &Store) -> Result<BTreeMap<String, i64>> {
    Ok(store
        .push_counts()
        .await?
        .into_iter()
        .filter(|(t, _, _)| t == TARGET)
        .map(|(_, status, n)| (status, n))
        .collect())
}

fn get(counts: &BTreeMap<String, i64>, status: &str) -> i64 {
    counts.get(status).copied().unwrap_or(0)
}

/// A full backfill of the three streams; the summed report and its duration.
async fn backfill(app: &App) -> Result<(SyncReport, f64)> {
    let flows = app.flows();
    let started = Instant::now();
    let mut total = SyncReport::default();
    for stream in STREAMS {
        let r = sync_stream(&flows, SOURCE, stream, true, usize::MAX, &mut |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("sync of {SOURCE}/{stream} failed ({}): {}", e.class, e.message))?;
        total.pages += r.pages;
        total.records += r.records;
        total.created += r.created;
        total.updated += r.updated;
        total.unchanged += r.unchanged;
    }
    Ok((total, started.elapsed().as_secs_f64()))
}

/// Polls every 200 ms until the Odoo target has no pending push and its push count has not moved
/// for three polls (the planner has caught up); returns the instant pending first reached 0 in
/// that quiet stretch, and the final counts.
async fn settle(store: &Store) -> Result<(Instant, BTreeMap<String, i64>)> {
    let deadline = Instant::now() + Duration::from_secs(3600);
    let mut quiet: Option<(Instant, i64, u32)> = None;
    loop {
        let now = Instant::now();
        let counts = target_counts(store).await?;
        let total: i64 = counts.values().sum();
        if get(&counts, "pending") == 0 {
            quiet = match quiet {
                Some((at, t, n)) if t == total => Some((at, t, n + 1)),
                _ => Some((now, total, 1)),
            };
            if let Some((at, _, n)) = quiet
                && n >= 3
            {
                return Ok((at, counts));
            }
        } else {
            quiet = None;
        }
        if now > deadline {
            bail!("Odoo target not settled after an hour: {counts:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

struct Figures {
    orders: usize,
    first: SyncReport,
    t1: f64,
    t2: f64,
    first_pushes: BTreeMap<String, i64>,
    first_writes: usize,
    first_by_method: BTreeMap<String, usize>,
    second: SyncReport,
    t3: f64,
    t3_settled: f64,
    second_pushes: BTreeMap<String, i64>,
    second_writes: usize,
    second_by_method: BTreeMap<String, usize>,
}

async fn measure(server: Option<&str>, orders: usize) -> Result<Figures> {
    let helloasso = hub_sandbox::helloasso::start(SandboxOptions { seed: false, ..Default::default() }).await?;
    let odoo = hub_sandbox::odoo::start(SandboxOptions { seed: true, ..Default::default() }).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(32).build()?;
    let created_at = Instant::now();
    create_orders(&client, &helloasso, orders).await?;
    eprintln!("created {orders} HelloAsso orders in {:.1} s (not measured)", created_at.elapsed().as_secs_f64());

    let db = FreshDatabase::create(server).await.context("creating the bench database")?;
    let mut config = super::bench_config(&db.url, &db.dir, &connectors_toml(&helloasso, &odoo)?)?;
    write_files(&db.dir.join("mappings"), &MAPPINGS)?;
    config.queue.poll_interval_ms = 20;
    config.queue.backoff_base_ms = 50;
    config.queue.backoff_max_secs = 2;
    config.targets.concurrency = 16;
    config.targets.batch_size = 64;
    config.targets.poll_interval_ms = 20;
    config.targets.retry_schedule_secs = vec![0, 1, 1, 2, 2, 5];
    config.targets.jitter = 0.0;
    config.targets.lease_secs = 60;
    let app = App::build(config).await?;
    let running = app.clone().spawn().await?;

    // (1) and (2): the first backfill, into canonical records then Odoo.
    let calls_before = odoo_calls(&client, &odoo).await?.len();
    let started = Instant::now();
    let (first, t1) = backfill(&app).await?;
    let (settled_at, first_pushes) = settle(&app.store).await?;
    let t2 = settled_at.duration_since(started).as_secs_f64();
    let calls = odoo_calls(&client, &odoo).await?;
    let (first_writes, first_by_method) = count_writes(&calls[calls_before.min(calls.len())..]);

    // (3): the same unchanged data again.
    let calls_before = calls.len();
    let started = Instant::now();
    let (second, t3) = backfill(&app).await?;
    let (settled_at, after) = settle(&app.store).await?;
    let t3_settled = settled_at.duration_since(started).as_secs_f64();
    let second_pushes: BTreeMap<String, i64> = after
        .iter()
        .map(|(status, n)| (status.clone(), n - get(&first_pushes, status)))
        .filter(|(_, n)| *n != 0)
        .collect();
    let calls = odoo_calls(&client, &odoo).await?;
    let (second_writes, second_by_method) = count_writes(&calls[calls_before.min(calls.len())..]);

    running.stop().await?;
    db.drop_database().await;
    Ok(Figures {
        orders,
        first,
        t1,
        t2,
        first_pushes,
        first_writes,
        first_by_method,
        second,
        t3,
        t3_settled,
        second_pushes,
        second_writes,
        second_by_method,
    })
}

pub async fn run(orders: usize, postgres: Option<&str>) -> Result<()> {
    let mut runs = vec![("SQLite", None)];
    if let Some(pg) = postgres {
        runs.push(("PostgreSQL", Some(pg)));
    }
    let mut results = Vec::new();
    for (name, server) in runs {
        let f = measure(server, orders).await.with_context(|| format!("{name} run"))?;
        eprintln!(
            "{name}: first backfill {:?}; Odoo pushes {:?}; Odoo write calls {} {:?}",
            f.first, f.first_pushes, f.first_writes, f.first_by_method
        );
        eprintln!(
            "{name}: second backfill {:?}; new Odoo pushes {:?}; Odoo write calls {} {:?}; settled after {:.2} s",
            f.second, f.second_pushes, f.second_writes, f.second_by_method, f.t3_settled
        );
        results.push((name, f));
    }
    println!(
        "| database | orders | into canonical (T1) | into Odoo, end to end (T2) | Odoo pushes done (write calls) | second backfill | its new Odoo pushes done / skipped | its Odoo write calls |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, f) in &results {
        let n = f.orders as f64;
        println!(
            "| {name} | {} | {:.2} s, {:.0} orders/s ({} entities created) | {:.2} s, {:.0} orders/s | {} ({}) | {:.2} s | {} / {} | {} |",
            f.orders,
            f.t1,
            n / f.t1,
            f.first.created,
            f.t2,
            n / f.t2,
            get(&f.first_pushes, "done"),
            f.first_writes,
            f.t3,
            get(&f.second_pushes, "done"),
            get(&f.second_pushes, "skipped"),
            f.second_writes,
        );
    }
    for (name, f) in &results {
        let failed = get(&f.first_pushes, "failed") + get(&f.second_pushes, "failed");
        if failed > 0 {
            eprintln!("{name}: {failed} Odoo pushes failed");
        }
    }
    if let Some((name, f)) = results.iter().find(|(_, f)| f.second_writes > 0 || get(&f.second_pushes, "done") > 0) {
        bail!(
            "{name}: the second backfill of unchanged data wrote to Odoo: {} write calls {:?}, {} pushes done",
            f.second_writes,
            f.second_by_method,
            get(&f.second_pushes, "done")
        );
    }
    Ok(())
}
