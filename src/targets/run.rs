//! The target loops: one planner over the outbox, one pusher per target instance, until shutdown
//! (pushes in flight finish and are recorded first).

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::{
    sync::{Notify, Semaphore, watch},
    task::JoinSet,
};

use std::collections::BTreeMap;

use hub_connector_sdk::EntityKind;

use super::{Prepared, TargetSettings, end_of_write, prepare_push, push_one};
use crate::{
    config::ResourceConfig,
    registry::{Instance, Registry},
    store::{ClaimedPush, PushEnd, Store, StoreError},
    webhooks::retry::RetryPolicy,
};

/// The longest an idle pusher sleeps between two claims when nothing wakes it.
const IDLE_MAX: Duration = Duration::from_secs(2);

/// Runs planning and one loop per enabled instance that writes something. Returns at once when
/// no instance writes anything (changes are still marked planned, so adding a target later does
/// not flood it with history).
pub async fn run(
    store: Store,
    registry: Arc<Registry>,
    settings: TargetSettings,
    shutdown: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let targets: Vec<(String, Vec<String>)> = registry
        .instances()
        .filter(|i| i.enabled && !i.writes.is_empty())
        .map(|i| (i.name.clone(), i.writes.iter().map(|k| k.as_str().to_string()).collect()))
        .collect();
    let wakers: HashMap<String, Arc<Notify>> = targets.iter().map(|(n, _)| (n.clone(), Arc::default())).collect();
    let mut loops = JoinSet::new();
    for (name, waker) in &wakers {
        let Some(inst) = registry.get(name) else { continue };
        tracing::info!(target_instance = %name, kind = inst.kind, writes = ?inst.writes, "pushing canonical changes to this instance");
        loops.spawn(push_loop(
            store.clone(),
            registry.clone(),
            name.clone(),
            settings.clone(),
            waker.clone(),
            shutdown.clone(),
        ));
    }
    plan_loop(&store, &targets, &wakers, &settings, shutdown).await;
    while loops.join_next().await.is_some() {}
    Ok(())
}

async fn plan_loop(
    store: &Store,
    targets: &[(String, Vec<String>)],
    wakers: &HashMap<String, Arc<Notify>>,
    settings: &TargetSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        match store.plan_pushes_once(targets, 500).await {
            Ok(0) => {}
            Ok(_) => {
                for w in wakers.values() {
                    w.notify_one();
                }
                continue;
            }
            Err(e) => tracing::error!(error = %e, "planning target pushes failed; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn push_loop(
    store: Store,
    registry: Arc<Registry>,
    name: String,
    settings: TargetSettings,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let Some(target) = registry.get(&name) else { return };
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    let lease_ms = settings.lease.as_millis() as i64;
    let mut idle = settings.poll;
    let mut running = JoinSet::new();
    let refill = settings.concurrency.div_ceil(2);
    let batching = target.writes.iter().any(|k| target.connector.write_batch_limit(*k) > 1);
    while !*shutdown.borrow() {
        while running.try_join_next().is_some() {}
        // Claim when half the slots are free (a claim per push would cost a round trip each); a
        // push in flight holds its lease, a deferred one is due later: neither is claimed twice.
        if slots.available_permits() < refill {
            tokio::select! {
                p = slots.clone().acquire_many_owned(refill as u32) => drop(p),
                _ = shutdown.changed() => {}
            }
            continue;
        }
        // A target that writes in batches takes a whole batch per slot.
        let free = if batching {
            settings.batch_size
        } else {
            slots.available_permits().min(settings.batch_size as usize).max(1) as i64
        };
        let claimed = match store.claim_pushes(&name, free, lease_ms).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(target_instance = %name, error = %e, "cannot claim target pushes");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                _ = wake.notified() => idle = settings.poll,
                _ = tokio::time::sleep(idle) => idle = (idle * 2).min(IDLE_MAX.max(settings.poll)),
                _ = shutdown.changed() => {}
            }
            continue;
        }
        idle = settings.poll;
        for group in batches(target, claimed) {
            let permit = slots.clone().acquire_owned().await.expect("never closed");
            let (store, registry, name, retry) =
                (store.clone(), registry.clone(), name.clone(), settings.retry.clone());
            running.spawn(async move {
                let Some(target) = registry.get(&name) else { return };
                match <[_; 1]>::try_from(group) {
                    Ok([push]) => push_and_record(&store, target, registry.resources(), &push, &retry).await,
                    Err(group) => push_batch_and_record(&store, target, registry.resources(), group, &retry).await,
                }
                drop(permit);
            });
        }
    }
    while running.join_next().await.is_some() {}
    tracing::debug!(target_instance = %name, kind = target.kind, "target loop stopped");
}

/// The claimed pushes in the groups they are sent in: one per push, or batches of one entity
/// kind up to the connector's `write_batch_limit` (in claim order).
fn batches(target: &Instance, claimed: Vec<ClaimedPush>) -> Vec<Vec<ClaimedPush>> {
    let mut out: Vec<Vec<ClaimedPush>> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    for push in claimed {
        let limit = EntityKind::parse(&push.entity_kind).map_or(1, |k| target.connector.write_batch_limit(k));
        match open.get(&push.entity_kind) {
            Some(&i) if limit > 1 && out[i].len() < limit => out[i].push(push),
            _ => {
                if limit > 1 {
                    open.insert(push.entity_kind.clone(), out.len());
                }
                out.push(vec![push]);
            }
        }
    }
    out
}

/// What a push ends with when the hub's own database failed while preparing it.
fn database_failed(e: StoreError) -> PushEnd {
    PushEnd::RetryAt {
        at_ms: crate::store::now_ms() + 1000,
        error: format!("the hub's database failed while preparing the push: {e}"),
    }
}

async fn push_and_record(
    store: &Store,
    target: &Instance,
    places: &BTreeMap<String, ResourceConfig>,
    push: &ClaimedPush,
    retry: &RetryPolicy,
) {
    let end = push_one(store, target, places, push, retry).await.unwrap_or_else(database_failed);
    record(store, target, push, end).await;
}

/// Prepares each push, sends what is to be written in one `write_batch`, and records every end.
async fn push_batch_and_record(
    store: &Store,
    target: &Instance,
    places: &BTreeMap<String, ResourceConfig>,
    pushes: Vec<ClaimedPush>,
    retry: &RetryPolicy,
) {
    let mut ends: Vec<Option<PushEnd>> = (0..pushes.len()).map(|_| None).collect();
    let mut writes = Vec::new();
    // Prepared side by side: each is a few reads of the hub's own tables.
    let prepared = futures::future::join_all(pushes.iter().map(|push| prepare_push(store, target, places, push))).await;
    for (i, prepared) in prepared.into_iter().enumerate() {
        match prepared {
            Ok(Prepared::End(end)) => ends[i] = Some(end),
            Ok(Prepared::Write { change, pushed_hash }) => writes.push((i, change, pushed_hash)),
            Err(e) => ends[i] = Some(database_failed(e)),
        }
    }
    if !writes.is_empty() {
        let changes: Vec<_> = writes.iter().map(|(_, change, _)| change.clone()).collect();
        let mut answers = target.connector.write_batch(&changes).await.into_iter();
        for (i, _, pushed_hash) in writes {
            let answer = answers.next().unwrap_or_else(|| {
                Err(hub_connector_sdk::ConnectorError::Invalid(format!(
                    "the {} connector answered fewer changes than it was sent",
                    target.kind
                )))
            });
            ends[i] = Some(end_of_write(target, &pushes[i], pushed_hash, answer, retry));
        }
    }
    let ends: Vec<PushEnd> = ends.into_iter().map(|e| e.expect("every push has an end")).collect();
    for (push, end) in pushes.iter().zip(&ends) {
        tell(target, push, end);
    }
    let pairs: Vec<(&ClaimedPush, &PushEnd)> = pushes.iter().zip(&ends).collect();
    if let Err(e) = store.finish_pushes(&target.name, &pairs).await {
        tracing::error!(target_instance = %target.name, error = %e, "cannot record a batch of pushes; they are tried again after their lease");
    }
}

/// Logs, counts and stores how a push ended.
async fn record(store: &Store, target: &Instance, push: &ClaimedPush, end: PushEnd) {
    tell(target, push, &end);
    if let Err(e) = store.finish_push(&target.name, push, &end).await {
        tracing::error!(target_instance = %target.name, error = %e, "cannot record a push; it is tried again after its lease");
    }
}

/// Logs and counts how a push ended.
fn tell(target: &Instance, push: &ClaimedPush, end: &PushEnd) {
    match end {
        PushEnd::Done { external_id, .. } => {
            tracing::debug!(target_instance = %target.name, entity = %push.entity_id, kind = %push.entity_kind, external_id = %external_id, "pushed")
        }
        PushEnd::RetryAt { error, .. } => {
            tracing::warn!(target_instance = %target.name, entity = %push.entity_id, kind = %push.entity_kind, attempt = push.attempts + 1, error = %error, "push failed; will retry")
        }
        PushEnd::Failed { error } => {
            tracing::error!(target_instance = %target.name, entity = %push.entity_id, kind = %push.entity_kind, error = %error, "push failed for good")
        }
        PushEnd::Skipped { .. } | PushEnd::Deferred { .. } => {}
    }
    let result = match end {
        PushEnd::Done { .. } => "done",
        PushEnd::Skipped { .. } => "skipped",
        PushEnd::RetryAt { .. } => "retry",
        PushEnd::Deferred { .. } => "deferred",
        PushEnd::Failed { .. } => "failed",
    };
    metrics::counter!("hub_target_pushes_total", "target" => target.name.clone(), "result" => result).increment(1);
}
