//! The dispatcher: fan-out, one delivery loop per enabled endpoint, and one recorder.
//!
//! Why not one apalis job per delivery (as ARCHITECTURE.md first sketched): a job row per attempt
//! doubles the writes, the generic queue cannot hold back an entity's update until its create is
//! acknowledged, and a slow endpoint would occupy shared workers. Here each endpoint has its own
//! loop and in-flight limit (`concurrency_per_endpoint`), so a receiver answering in 1 s only slows
//! itself; deliveries are claimed in batches with a lease (a crashed process's claims come back
//! when the lease ends); results go to one recorder that writes attempts and outcomes in batched
//! transactions. A delivery counts as acknowledged once its 2xx is recorded: one answered but not
//! yet recorded when the process dies is sent again (same `webhook-id`, so receivers can dedupe).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;
use hub_connector_sdk::standard_webhooks::WebhookSecret;
use tokio::{
    sync::{Notify, Semaphore, mpsc, watch},
    task::JoinSet,
};
use uuid::Uuid;

use super::{
    fanout,
    guard::{self, AddressPolicy},
    retry::{RetryPolicy, Verdict, parse_retry_after, verdict},
    secret::signature_header,
};
use crate::{
    config::WebhooksConfig,
    store::{ClaimedDelivery, DeliveryOutcome, EndpointRow, NewAttempt, Store, StoreError, now_ms},
};

/// Settings taken from `[webhooks]`.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    pub retry: RetryPolicy,
    pub concurrency_per_endpoint: usize,
    pub poll: Duration,
    pub lease: Duration,
    pub excerpt_bytes: usize,
    pub disable_after: Duration,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub allow_networks: Vec<ipnet::IpNet>,
    pub retention: Duration,
}

impl DispatchSettings {
    pub fn from_config(c: &WebhooksConfig) -> DispatchSettings {
        DispatchSettings {
            retry: RetryPolicy {
                schedule: c.retry_schedule_secs.iter().map(|s| Duration::from_secs(*s)).collect(),
                jitter: c.jitter,
                retry_after_max: Duration::from_secs(c.retry_after_max_secs),
            },
            concurrency_per_endpoint: c.concurrency_per_endpoint,
            poll: Duration::from_millis(c.poll_interval_ms),
            lease: Duration::from_secs(c.lease_secs),
            excerpt_bytes: c.response_excerpt_bytes,
            disable_after: Duration::from_secs(c.disable_after_secs),
            connect_timeout: Duration::from_secs(c.connect_timeout_secs),
            request_timeout: Duration::from_secs(c.request_timeout_secs),
            allow_networks: c.allow_networks.clone(),
            retention: Duration::from_secs(c.retention_days * 24 * 3600),
        }
    }
}

/// The longest an idle endpoint loop sleeps between two claims when nothing wakes it.
const IDLE_MAX: Duration = Duration::from_secs(2);

/// Where and how one endpoint is delivered to (refreshed from the store).
struct Target {
    url: reqwest::Url,
    secret: String,
    previous: Option<(String, i64)>,
    fingerprint: String,
}

impl Target {
    fn from_row(row: &EndpointRow) -> Option<Target> {
        let url = reqwest::Url::parse(&row.url).ok()?;
        let previous = row.previous_secret.clone().zip(row.previous_secret_until_ms);
        let fingerprint = format!("{}|{}|{:?}", row.url, row.secret, row.previous_secret_until_ms);
        Some(Target { url, secret: row.secret.clone(), previous, fingerprint })
    }

    /// The current secret, and the previous one while its overlap lasts.
    fn secrets(&self) -> Vec<WebhookSecret> {
        let now = now_ms();
        std::iter::once(self.secret.as_str())
            .chain(self.previous.iter().filter(|(_, until)| *until > now).map(|(s, _)| s.as_str()))
            .filter_map(|s| WebhookSecret::parse(s).ok())
            .collect()
    }
}

/// One attempt's result, on its way to the recorder.
pub(super) struct Outcome {
    pub(super) attempt: NewAttempt,
    pub(super) outcome: DeliveryOutcome,
    pub(super) gone: bool,
}

pub(super) struct Shared {
    pub(super) store: Store,
    pub(super) settings: DispatchSettings,
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    /// Wakes an endpoint's loop (new deliveries, or a predecessor recorded).
    wake: Mutex<HashMap<Uuid, Arc<Notify>>>,
}

impl Shared {
    pub(super) fn waker(&self, id: Uuid) -> Arc<Notify> {
        self.wake.lock().expect("wake map").entry(id).or_default().clone()
    }

    fn wake_all(&self) {
        for n in self.wake.lock().expect("wake map").values() {
            n.notify_one();
        }
    }
}

/// Runs fan-out, delivery loops and the recorder until `shutdown`; in-flight deliveries finish
/// (bounded by the request timeout) and their results are recorded before it returns.
pub async fn run(
    store: Store,
    settings: DispatchSettings,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let policy = Arc::new(AddressPolicy::new(settings.allow_networks.clone()));
    let client = guard::delivery_client(policy.clone(), settings.connect_timeout, settings.request_timeout)
        .map_err(|e| StoreError::Task(format!("cannot build the delivery HTTP client: {e}")))?;
    let shared = Arc::new(Shared { store: store.clone(), settings, client, policy, wake: Mutex::default() });
    let (results_tx, results_rx) = mpsc::channel::<Outcome>(4096);
    let recorder = tokio::spawn(super::recorder::record(shared.clone(), results_rx));
    let fan = tokio::spawn(fan_out_loop(shared.clone(), shutdown.clone()));
    let mut loops: HashMap<Uuid, (String, watch::Sender<bool>)> = HashMap::new();
    let mut running = JoinSet::new();
    let mut last_purge: Option<Instant> = None;
    loop {
        if last_purge.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
            last_purge = Some(Instant::now());
            let before = now_ms() - shared.settings.retention.as_millis() as i64;
            match store.purge_webhook_history(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deliveries = n, "old webhook deliveries purged (retention)"),
                Err(e) => tracing::error!(error = %e, "cannot purge old webhook deliveries"),
            }
        }
        match store.list_endpoints().await {
            Ok(rows) => {
                let live: HashMap<Uuid, &EndpointRow> = rows.iter().filter(|r| r.enabled).map(|r| (r.id, r)).collect();
                loops.retain(|id, (fingerprint, stop)| {
                    let keep =
                        live.get(id).and_then(|r| Target::from_row(r)).is_some_and(|t| &t.fingerprint == fingerprint);
                    if !keep {
                        let _ = stop.send(true);
                    }
                    keep
                });
                for (id, row) in live {
                    if loops.contains_key(&id) {
                        continue;
                    }
                    let Some(target) = Target::from_row(row) else {
                        tracing::error!(endpoint = %id, "webhook endpoint has an unusable URL; not delivering");
                        continue;
                    };
                    let (stop_tx, stop_rx) = watch::channel(false);
                    loops.insert(id, (target.fingerprint.clone(), stop_tx));
                    running.spawn(endpoint_loop(shared.clone(), id, Arc::new(target), stop_rx, results_tx.clone()));
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read webhook endpoints"),
        }
        while running.try_join_next().is_some() {}
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    for (_, stop) in loops.values() {
        let _ = stop.send(true);
    }
    while running.join_next().await.is_some() {}
    drop(results_tx);
    let _ = fan.await;
    recorder.await.map_err(|e| StoreError::Task(e.to_string()))?;
    Ok(())
}

async fn fan_out_loop(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        match fanout::fan_out_once(&shared.store, 200).await {
            Ok(0) => {}
            Ok(_) => {
                shared.wake_all();
                continue;
            }
            Err(e) => tracing::error!(error = %e, "webhook fan-out failed; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(shared.settings.poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn endpoint_loop(
    shared: Arc<Shared>,
    id: Uuid,
    target: Arc<Target>,
    mut stop: watch::Receiver<bool>,
    results: mpsc::Sender<Outcome>,
) {
    let limit = shared.settings.concurrency_per_endpoint;
    let slots = Arc::new(Semaphore::new(limit));
    let refill = limit.div_ceil(2);
    let wake = shared.waker(id);
    let lease_ms = shared.settings.lease.as_millis() as i64;
    let mut sends = JoinSet::new();
    let mut idle = shared.settings.poll;
    while !*stop.borrow() {
        while sends.try_join_next().is_some() {}
        // Claim in batches: wait until half the slots are free (one claim per delivery would
        // cost a database round trip each).
        if slots.available_permits() < refill {
            tokio::select! {
                p = slots.clone().acquire_many_owned(refill as u32) => drop(p),
                _ = stop.changed() => {}
            }
        }
        if *stop.borrow() {
            break;
        }
        let free = slots.available_permits().max(1) as i64;
        let claimed = match shared.store.claim_deliveries(id, free, lease_ms).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(endpoint = %id, error = %e, "cannot claim deliveries");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            // Nothing due: poll less and less often (up to 2 s) until woken by new deliveries or a
            // recorded result, so an endpoint whose backlog all waits for retries does not scan it
            // ten times a second.
            tokio::select! {
                _ = wake.notified() => idle = shared.settings.poll,
                _ = tokio::time::sleep(idle) => idle = (idle * 2).min(IDLE_MAX.max(shared.settings.poll)),
                _ = stop.changed() => {}
            }
            continue;
        }
        idle = shared.settings.poll;
        // The endpoint as it is now (a rotation or a new URL applies from the next batch on, in
        // every process); disabled or deleted meanwhile: nothing is sent, the leases run out.
        let current = match shared.store.get_endpoint(id).await {
            Ok(Some(row)) if row.enabled => Target::from_row(&row).map(Arc::new),
            Ok(_) => None,
            Err(e) => {
                tracing::error!(endpoint = %id, error = %e, "cannot read the endpoint; using the last known settings");
                Some(target.clone())
            }
        };
        let Some(current) = current else {
            // Disabled or deleted since the claim: give the claims back and wait (the supervisor
            // stops this loop at its next refresh, or it resumes if the endpoint was re-enabled).
            let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
            if let Err(e) = shared.store.release_deliveries(&ids).await {
                tracing::error!(endpoint = %id, error = %e, "cannot release claimed deliveries; their leases will run out");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => {}
            }
            continue;
        };
        for delivery in claimed {
            let permit = slots.clone().acquire_owned().await.expect("never closed");
            let (shared, target, results) = (shared.clone(), current.clone(), results.clone());
            sends.spawn(async move {
                let outcome = send(&shared, id, &target, delivery).await;
                let _ = results.send(outcome).await;
                drop(permit);
            });
        }
    }
    while sends.join_next().await.is_some() {}
}

/// The error text of a failed request, without the URL (it may carry a token) and with its causes.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

async fn send(shared: &Shared, endpoint_id: Uuid, target: &Target, d: ClaimedDelivery) -> Outcome {
    let attempt_no = d.attempts + 1;
    let lease_until_ms = d.lease_until_ms;
    let attempted_at = Utc::now();
    let started = Instant::now();
    let ts = attempted_at.timestamp();
    let (status, retry_after, excerpt, error) = match shared.policy.check_url(&target.url) {
        Err(refused) => (None, None, None, Some(format!("target refused: {refused}"))),
        Ok(()) => {
            let signature = signature_header(&target.secrets(), &d.message_id, ts, d.body.as_bytes());
            let request = shared
                .client
                .post(target.url.clone())
                .header("content-type", "application/json")
                .header("webhook-id", &d.message_id)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", signature)
                .body(d.body);
            match request.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = matches!(status, 429 | 503)
                        .then(|| {
                            resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after)
                        })
                        .flatten();
                    let excerpt = guard::read_excerpt(resp, shared.settings.excerpt_bytes).await;
                    (Some(status), retry_after, Some(excerpt), None)
                }
                Err(e) => (None, None, None, Some(describe(e))),
            }
        }
    };
    let latency_ms = started.elapsed().as_millis() as i64;
    let judged = status.map_or(Verdict::Retry, verdict);
    let outcome = match judged {
        Verdict::Delivered => DeliveryOutcome::Delivered,
        Verdict::Gone => DeliveryOutcome::GaveUp,
        Verdict::Retry => match shared.settings.retry.next_delay(attempt_no, retry_after) {
            Some(delay) => DeliveryOutcome::RetryAt(now_ms() + delay.as_millis() as i64),
            None => DeliveryOutcome::GaveUp,
        },
    };
    if judged != Verdict::Delivered {
        // The endpoint's id, never its URL (a URL may carry a token).
        tracing::warn!(endpoint = %endpoint_id, message = %d.message_id, attempt = attempt_no, status, error = error.as_deref().unwrap_or(""), next = ?outcome, "webhook delivery failed");
    }
    metrics::counter!("hub_webhook_attempts_total", "result" => if judged == Verdict::Delivered { "delivered" } else { "failed" }).increment(1);
    metrics::histogram!("hub_webhook_attempt_seconds").record(latency_ms as f64 / 1000.0);
    Outcome {
        attempt: NewAttempt {
            delivery_id: d.id,
            endpoint_id,
            message_id: d.message_id,
            attempt: attempt_no,
            attempted_at,
            ok: judged == Verdict::Delivered,
            status_code: status.map(i64::from),
            latency_ms,
            response_excerpt: excerpt,
            error,
            lease_until_ms,
        },
        outcome,
        gone: judged == Verdict::Gone,
    }
}
