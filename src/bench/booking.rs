//! `hub bench booking`: Cal.com bookings made at a steady rate on the Cal.com sandbox, each
//! followed from its webhook's arrival at the hub (the inbox row's `received_at_ms`) to the moment
//! both its Mattermost post and its Google Calendar event are written (the `done_at_ms` of the
//! two target pushes): p50, p90, p99 and max of that latency, and the rate actually held.
//! Everything on loopback: the three sandboxes, the hub in this process, SQLite or PostgreSQL.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::json;

use crate::{
    app::App,
    store::{Store, on_pool},
    testing::{FreshDatabase, write_files},
};

const MAPPINGS: [(&str, &str); 2] = [
    ("calcom/bookings.toml", include_str!("../../mappings/calcom/bookings.toml")),
    ("google_calendar/events.toml", include_str!("../../mappings/google_calendar/events.toml")),
];
const ROOMS: [&str; 4] = ["salle-hypatia", "salle-olympe-de-gouges", "atelier-bois", "studio-son"];
const TOKEN_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

fn cred(s: &Started, key: &str) -> Result<String> {
    s.credentials[key].as_str().map(str::to_string).with_context(|| format!("sandbox credential `{key}` missing"))
}

fn config_toml(cal: &Started, google: &Started, mm: &Started) -> Result<String> {
    let mut toml = format!(
        "[connectors.calcom_main]\nkind = \"calcom\"\nbase_url = \"{}\"\napi_key = \"{}\"\nwebhook_secret = \"{}\"\n\
         [connectors.google_main]\nkind = \"google_calendar\"\nbase_url = \"{}\"\nauth_url = \"{}\"\ntoken_url = \"{}\"\n\
         client_id = \"{}\"\nclient_secret = \"{}\"\ntoken_key = \"{TOKEN_KEY}\"\n\
         [connectors.equipe]\nkind = \"mattermost\"\nbase_url = \"{}\"\ntoken = \"{}\"\nteam = \"{}\"\nwrites = [\"booking\"]\n\
         [targets]\npoll_interval_ms = 10\nconcurrency = 16\n",
        cal.running.base_url.trim_end_matches('/'),
        cred(cal, "api_key")?,
        cred(cal, "webhook_secret")?,
        google.running.base_url.trim_end_matches('/'),
        cred(google, "auth_url")?,
        cred(google, "token_url")?,
        cred(google, "client_id")?,
        cred(google, "client_secret")?,
        cred(mm, "base_url")?,
        cred(mm, "token")?,
        cred(mm, "team")?,
    );
    for room in ROOMS {
        toml.push_str(&format!("[resources.{room}]\ncalendar = \"c_{room}@group.calendar.google.com\"\n"));
    }
    Ok(toml)
}

/// Latencies (ms) of the bookings whose webhook arrived and whose two pushes are done, and of
/// the first stage (webhook received to canonical booking written, its inbox row processed): three
/// plain reads joined here (a join on `event_id LIKE …` in SQL costs a scan per booking, and
/// the bench's own reads must not load the hub it measures).
async fn latencies(store: &Store) -> Result<Vec<(i64, i64)>> {
    let inbox: Vec<(String, i64, Option<i64>)> = on_pool!(store, p => sqlx::query_as(
        "SELECT event_id, received_at_ms, processed_at_ms FROM inbox WHERE instance = 'calcom_main' AND event_id LIKE 'BOOKING_CREATED:%'")
        .fetch_all(p).await.context("reading the inbox")?);
    let links: Vec<(String, uuid::Uuid)> = on_pool!(store, p => sqlx::query_as(
        "SELECT external_id, entity_id FROM external_links WHERE system = 'calcom' AND instance = 'calcom_main'")
        .fetch_all(p).await.context("reading the links")?);
    let pushes: Vec<(uuid::Uuid, String, Option<i64>)> = on_pool!(store, p => sqlx::query_as(
        "SELECT entity_id, target, done_at_ms FROM target_pushes WHERE status = 'done'")
        .fetch_all(p).await.context("reading the pushes")?);
    // The first copy of each booking's webhook: (received, processed).
    let mut received: HashMap<&str, (i64, i64)> = HashMap::new();
    for (event, at, processed) in &inbox {
        if let Some(uid) = event.split(':').nth(1) {
            let first = received.entry(uid).or_insert((*at, processed.unwrap_or(i64::MAX)));
            if *at < first.0 {
                *first = (*at, processed.unwrap_or(i64::MAX));
            }
        }
    }
    let mut done: HashMap<uuid::Uuid, (HashSet<&str>, i64)> = HashMap::new();
    for (entity, target, at) in &pushes {
        let e = done.entry(*entity).or_default();
        e.0.insert(target.as_str());
        e.1 = e.1.max(at.unwrap_or(0));
    }
    Ok(links
        .iter()
        .filter_map(|(uid, entity)| {
            let (targets, at) = done.get(entity)?;
            let (got, processed) = received.get(uid.as_str())?;
            (targets.len() >= 2).then_some((at - got, processed - got))
        })
        .collect())
}

/// How many pushes are done (cheap: polled while the hub finishes).
async fn pushes_done(store: &Store) -> Result<i64> {
    Ok(on_pool!(store, p => sqlx::query_scalar("SELECT COUNT(*) FROM target_pushes WHERE status = 'done'")
        .fetch_one(p).await.context("counting the pushes")?))
}

async fn run_on(url: &str, dir: &std::path::Path, bookings: usize, rate: u32) -> Result<()> {
    let opts = || SandboxOptions { seed: true, ..Default::default() };
    let cal = hub_sandbox::calcom::start(opts()).await?;
    let google = hub_sandbox::google_calendar::start(opts()).await?;
    let mm = hub_sandbox::mattermost::start(opts()).await?;
    let mut config = super::bench_config(url, dir, &config_toml(&cal, &google, &mm)?)?;
    write_files(&dir.join("mappings"), &MAPPINGS)?;
    config.queue.poll_interval_ms = 10;
    config.log.level = "warn".into();
    let built = App::build(config).await?;
    let app = built.clone().spawn().await?;
    let redirect = crate::consent::redirect_url(&built.config, "google_main", app.addr);
    let consent = crate::consent::begin(&built.store, &built.config, &built.registry, "google_main", &redirect).await?;
    if !reqwest::get(consent).await?.status().is_success() {
        bail!("the Google consent failed");
    }
    let client = reqwest::Client::new();
    let cal_base = cal.running.base_url.trim_end_matches('/').to_string();
    let sub = json!({"subscriberUrl": app.url("/hooks/calcom_main"), "active": true, "triggers": ["BOOKING_CREATED"],
        "secret": cred(&cal, "webhook_secret")?});
    client.post(format!("{cal_base}/v2/webhooks")).bearer_auth(cred(&cal, "api_key")?).json(&sub).send().await?;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
    let mut sent = tokio::task::JoinSet::new();
    let day0 = chrono::NaiveDate::from_ymd_opt(2029, 1, 1).context("date")?;
    for i in 0..bookings {
        tick.tick().await;
        let room = ROOMS[i % ROOMS.len()];
        let slot = i / ROOMS.len();
        let day = day0 + chrono::Duration::days((slot / 4) as i64);
        let start = format!("{}T{:02}:00:00Z", day.format("%Y-%m-%d"), 6 + (slot % 4) * 3);
        let body = json!({"eventTypeSlug": room, "start": start, "seedPerson": i % 200});
        let (client, url) = (client.clone(), format!("{cal_base}/_sandbox/bookings"));
        sent.spawn(async move { client.post(url).json(&body).send().await.map(|r| r.status().is_success()) });
    }
    let mut refused = 0;
    while let Some(done) = sent.join_next().await {
        if !matches!(done, Ok(Ok(true))) {
            refused += 1;
        }
    }
    let offered = bookings as f64 / started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(120);
    let expected = 2 * (bookings - refused) as i64;
    while pushes_done(&app.store).await? < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let both = latencies(&app.store).await?;
    let mut lat: Vec<i64> = both.iter().map(|(total, _)| *total).collect();
    let mut first: Vec<i64> = both.iter().map(|(_, stage)| *stage).collect();
    lat.sort_unstable();
    first.sort_unstable();
    let p = |q| super::percentile(&lat, q);
    println!(
        "| {} | {bookings} | {offered:.0}/s | {} | {} ms | {} ms | {} ms | {} ms |",
        if url.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" },
        lat.len(),
        p(50.0),
        p(90.0),
        p(99.0),
        lat.last().copied().unwrap_or(0)
    );
    println!(
        "  (webhook to canonical booking: p50 {} ms, p99 {} ms; the rest is planning and the two pushes)",
        super::percentile(&first, 50.0),
        super::percentile(&first, 99.0)
    );
    if refused > 0 {
        println!("  ({refused} bookings refused by the Cal.com sandbox)");
    }
    app.stop().await?;
    Ok(())
}

pub async fn run(bookings: usize, rate: u32, postgres: Option<&str>) -> Result<()> {
    println!("| database | bookings | rate held | measured | p50 | p90 | p99 | max |");
    println!("|---|---|---|---|---|---|---|---|");
    let servers: Vec<Option<&str>> = std::iter::once(None).chain(postgres.map(Some)).collect();
    for server in servers {
        let db = FreshDatabase::create(server).await.context("creating the bench database")?;
        let result = run_on(&db.url, &db.dir, bookings, rate).await;
        if std::env::var_os("HUB_BENCH_KEEP").is_some() {
            println!("  (database kept for inspection: {})", db.url);
        } else {
            db.drop_database().await;
        }
        result?;
    }
    Ok(())
}
