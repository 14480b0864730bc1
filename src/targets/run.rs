//! The target loops: one planner over the outbox, one pusher per target instance, until shutdown
//! (pushes in flight finish and are recorded first).

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::{
    sync::{Notify, Semaphore, watch},
    task::JoinSet,
};

use super::{TargetSettings, push_one};
use crate::{
    registry::{Instance, Registry},
    store::{PushEnd, Store, StoreError},
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
        let free = slots.available_permits().min(settings.batch_size as usize).max(1) as i64;
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
        for push in claimed {
            let permit = slots.clone().acquire_owned().await.expect("never closed");
            let (store, registry, name, retry) =
                (store.clone(), registry.clone(), name.clone(), settings.retry.clone());
            running.spawn(async move {
                let Some(target) = registry.get(&name) else { return };
                push_and_record(&store, target, registry.resources(), &push, &retry).await;
                drop(permit);
            });
        }
    }
    while running.join_next().await.is_some() {}
    tracing::debug!(target_instance = %name, kind = target.kind, "target loop stopped");
}

async fn push_and_record(
    store: &Store,
    target: &Instance,
    places: &std::collections::BTreeMap<String, crate::config::ResourceConfig>,
    push: &crate::store::ClaimedPush,
    retry: &crate::webhooks::retry::RetryPolicy,
) {
    let end = match push_one(store, target, places, push, retry).await {
        Ok(end) => end,
        Err(e) => PushEnd::RetryAt {
            at_ms: crate::store::now_ms() + 1000,
            error: format!("the hub's database failed while preparing the push: {e}"),
        },
    };
    match &end {
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
    let result = match &end {
        PushEnd::Done { .. } => "done",
        PushEnd::Skipped { .. } => "skipped",
        PushEnd::RetryAt { .. } => "retry",
        PushEnd::Deferred { .. } => "deferred",
        PushEnd::Failed { .. } => "failed",
    };
    metrics::counter!("hub_target_pushes_total", "target" => target.name.clone(), "result" => result).increment(1);
    if let Err(e) = store.finish_push(&target.name, push, &end).await {
        tracing::error!(target_instance = %target.name, error = %e, "cannot record a push; it is tried again after its lease");
    }
}
