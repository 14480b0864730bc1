//! `hub bench webhooks`: N changes fanned out to M endpoints on loopback, from a backlog, until every
//! delivery is acknowledged and recorded; then the same with one more endpoint answering in 1 s,
//! to show a slow receiver does not slow the others. Receivers run in the same process (they share
//! the machine's cores with the hub: the figures are a floor, not a ceiling).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use axum::{Router, extract::State, http::StatusCode, routing::post};
use serde_json::json;
use uuid::Uuid;

use crate::{
    config::WebhooksConfig,
    store::{ChangeSource, NewEndpoint, Store},
    testing::FreshDatabase,
    webhooks::{dispatch, secret},
};

struct Receiver {
    url: String,
    hits: Arc<AtomicUsize>,
}

async fn start_receiver(delay: Duration) -> Result<Receiver> {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route(
            "/",
            post(|State((hits, delay)): State<(Arc<AtomicUsize>, Duration)>| async move {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                hits.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state((hits.clone(), delay));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Receiver { url, hits })
}

async fn fill_outbox(store: &Store, events: usize) -> Result<()> {
    let who = ChangeSource { system: "bench", instance: "bench" };
    let mut done = 0;
    while done < events {
        let mut tx = store.begin().await?;
        for n in done..(done + 1000).min(events) {
            let fields = json!({"email": format!("member{n}@example.org"), "given_name": "Camille", "family_name": format!("Martin {n}")});
            Store::append_outbox(&mut tx, "member.created", "person", Uuid::now_v7(), "created", &who, &fields).await?;
        }
        tx.commit().await?;
        done = (done + 1000).min(events);
    }
    Ok(())
}

/// Figures of one run.
struct Figures {
    deliveries: usize,
    acknowledged_secs: f64,
    recorded_secs: f64,
    slow_delivered: Option<usize>,
}

async fn measure(server: Option<&str>, events: usize, endpoints: usize, slow: bool) -> Result<Figures> {
    let db = FreshDatabase::create(server).await.context("creating the bench database")?;
    let store = Store::connect(&db.url, 16).await?;
    store.migrate().await?;
    let mut fast = Vec::new();
    for _ in 0..endpoints {
        fast.push(start_receiver(Duration::ZERO).await?);
    }
    let slow_receiver = if slow { Some(start_receiver(Duration::from_secs(1)).await?) } else { None };
    for r in fast.iter().chain(slow_receiver.iter()) {
        let s = secret::generate();
        let ep = NewEndpoint {
            name: None,
            url: &r.url,
            description: "",
            event_types: &[],
            secret: &s,
            enabled: true,
            origin: "api",
        };
        store.insert_endpoint(&ep).await?;
    }
    fill_outbox(&store, events).await?;
    let config =
        WebhooksConfig { allow_networks: vec!["127.0.0.0/8".parse()?], poll_interval_ms: 20, ..Default::default() };
    let settings = dispatch::DispatchSettings::from_config(&config);
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let dispatcher = tokio::spawn(dispatch::run(store.clone(), settings, stop_rx));
    let target = events * endpoints;
    let acked = |fast: &[Receiver]| fast.iter().map(|r| r.hits.load(Ordering::Relaxed)).sum::<usize>();
    while acked(&fast) < target {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let acknowledged_secs = started.elapsed().as_secs_f64();
    let slow_delivered = slow_receiver.as_ref().map(|r| r.hits.load(Ordering::Relaxed));
    loop {
        let delivered: i64 =
            store.delivery_counts().await?.into_iter().filter(|(s, _)| s == "delivered").map(|(_, n)| n).sum();
        if delivered as usize >= target {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recorded_secs = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let _ = dispatcher.await;
    store.close().await;
    db.drop_database().await;
    Ok(Figures { deliveries: target, acknowledged_secs, recorded_secs, slow_delivered })
}

pub async fn run(events: usize, endpoints: usize, postgres: Option<&str>) -> Result<()> {
    let mut servers: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(pg) = postgres {
        servers.push(("PostgreSQL", Some(pg)));
    }
    println!("{events} changes × {endpoints} endpoints on loopback (a backlog fanned out and delivered)");
    println!(
        "| backend | slow endpoint (1 s) too | deliveries | acknowledged/s | recorded/s | slow endpoint's deliveries meanwhile |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, server) in servers {
        for slow in [false, true] {
            let f = measure(server, events, endpoints, slow).await?;
            println!(
                "| {name} | {} | {} | {:.0} | {:.0} | {} |",
                if slow { "yes" } else { "no" },
                f.deliveries,
                f.deliveries as f64 / f.acknowledged_secs,
                f.deliveries as f64 / f.recorded_secs,
                f.slow_delivered.map_or("–".to_string(), |n| n.to_string()),
            );
        }
    }
    Ok(())
}
