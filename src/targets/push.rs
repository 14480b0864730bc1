//! One push: the entity as it is now, sent to one target through `Connector::write`, and how it
//! ended (done, skipped, retry, deferred behind the member's contact, failed).

use std::{collections::BTreeMap, time::Duration};

use hub_connector_sdk::{CanonicalChange, ChangeOp, ConnectorError, EntityKind, WriteOutcome};
use serde_json::{Value, json};

use super::member::{MemberLookup, add_member, member_link_in, member_of};
use crate::{
    config::ResourceConfig,
    registry::Instance,
    store::{ClaimedPush, PushEnd, Store, StoreError, now_ms},
    webhooks::retry::RetryPolicy,
};

/// How long a membership waits before looking again at its person's pending push.
const DEPENDENCY_WAIT: Duration = Duration::from_millis(300);
/// How long a membership waits for a member who is not in the canonical store yet.
const DEPENDENCY_PATIENCE: Duration = Duration::from_secs(3600);

/// Adds what the configuration says of a booking's resource: `resource_name`, `resource_channel`
/// (Mattermost's booking route posts there), `resource_public`, `asset_tags`. A booking of a
/// resource the configuration does not name gets nothing (its route then says what is missing).
fn add_resource(fields: &mut Value, places: &BTreeMap<String, ResourceConfig>) {
    let Some(slug) = fields.get("resource").and_then(Value::as_str).map(str::to_string) else { return };
    let (Some(place), Some(obj)) = (places.get(&slug), fields.as_object_mut()) else { return };
    obj.insert("resource_name".into(), json!(place.display_name(&slug)));
    obj.insert("resource_channel".into(), json!(place.channel_name(&slug)));
    obj.insert("resource_public".into(), json!(place.public));
    obj.insert("asset_tags".into(), json!(place.asset_tags));
}

/// Adds `conflicts` to a live booking: the other live bookings of its resource that overlap it
/// (their title or booker, start and end), so the resource's channel hears about a double
/// booking — a Google Calendar closure over a Cal.com booking, say. Shared spaces (`coworking`)
/// take several bookings at once and have no conflicts.
async fn add_conflicts(
    store: &Store,
    id: uuid::Uuid,
    fields: &mut Value,
    places: &BTreeMap<String, ResourceConfig>,
) -> Result<(), StoreError> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(slug), Some(start), Some(end)) =
        (text(fields, "resource"), text(fields, "starts_at"), text(fields, "ends_at"))
    else {
        return Ok(());
    };
    if places.get(&slug).is_some_and(|p| p.kind == "coworking")
        || matches!(text(fields, "status").as_deref(), Some("cancelled" | "rejected"))
    {
        return Ok(());
    }
    let others: Vec<Value> = store
        .overlapping_bookings(&slug, &start, &end, id)
        .await?
        .into_iter()
        .map(|r| r.fields.0)
        .filter(|f| !matches!(text(f, "status").as_deref(), Some("cancelled" | "rejected")))
        .map(|f| {
            let who = text(&f, "booker_name").or_else(|| text(&f, "title")).unwrap_or_else(|| "réservation".into());
            json!({"who": who, "starts_at": f.get("starts_at"), "ends_at": f.get("ends_at")})
        })
        .collect();
    if !others.is_empty()
        && let Some(obj) = fields.as_object_mut()
    {
        obj.insert("conflicts".into(), Value::Array(others));
    }
    Ok(())
}

/// A claimed push made ready: it ends without a call, or this change is to be written.
pub enum Prepared {
    End(PushEnd),
    Write { change: CanonicalChange, pushed_hash: String },
}

/// Runs one claimed push against `target` (never holds a transaction across the call).
pub async fn push_one(
    store: &Store,
    target: &Instance,
    places: &BTreeMap<String, ResourceConfig>,
    push: &ClaimedPush,
    retry: &RetryPolicy,
) -> Result<PushEnd, StoreError> {
    Ok(match prepare_push(store, target, places, push).await? {
        Prepared::End(end) => end,
        Prepared::Write { change, pushed_hash } => {
            end_of_write(target, push, pushed_hash, target.connector.write(&change).await, retry)
        }
    })
}

/// Reads the entity as it is now and decides: skipped (unchanged, unknown resource), deferred
/// (behind its member), or the change to write.
pub async fn prepare_push(
    store: &Store,
    target: &Instance,
    places: &BTreeMap<String, ResourceConfig>,
    push: &ClaimedPush,
) -> Result<Prepared, StoreError> {
    let Some(kind) = EntityKind::parse(&push.entity_kind) else {
        return Ok(Prepared::End(PushEnd::Skipped { reason: format!("unknown entity kind `{}`", push.entity_kind) }));
    };
    let Some((mut fields, hash, deleted)) = store.entity_for_push(kind, push.entity_id).await? else {
        return Ok(Prepared::End(PushEnd::Skipped { reason: "the entity no longer exists".into() }));
    };
    let pushed_hash = if deleted { format!("deleted:{hash}") } else { hash };
    let links = store.links_of(kind.as_str(), push.entity_id).await?;
    let link = links
        .iter()
        .filter(|l| l.system == target.kind && l.instance == target.name)
        .max_by_key(|l| l.updated_at)
        .cloned();
    if link.as_ref().and_then(|l| l.last_pushed_hash.as_deref()) == Some(pushed_hash.as_str()) {
        return Ok(Prepared::End(PushEnd::Skipped { reason: "unchanged since the last push".into() }));
    }
    if matches!(kind, EntityKind::Membership | EntityKind::Payment) {
        // The tool finds the member's (or donor's) contact: it must be written first.
        let waits_for_person = target.writes.contains(&EntityKind::Person);
        match member_of(store, &fields, &links).await? {
            MemberLookup::Found { id, fields: person } => {
                if waits_for_person
                    && let Some(due) = store.pending_push_before(&target.name, "person", id, i64::MAX).await?
                {
                    let at_ms = due.max(now_ms() + DEPENDENCY_WAIT.as_millis() as i64);
                    return Ok(Prepared::End(PushEnd::Deferred {
                        at_ms,
                        reason: "waiting for the member's contact to be written".into(),
                    }));
                }
                let in_target = member_link_in(store, target, id).await?;
                add_member(&mut fields, id, &person, in_target);
            }
            // Streams are read one by one: a membership may arrive before its member. Wait for
            // the person (within reason): the tool would be asked for a contact it lacks, and
            // an announcement would lack the member's name.
            MemberLookup::NotYet
                if kind == EntityKind::Membership
                    && now_ms() - push.created_at_ms < DEPENDENCY_PATIENCE.as_millis() as i64 =>
            {
                return Ok(Prepared::End(PushEnd::Deferred {
                    at_ms: now_ms() + DEPENDENCY_WAIT.as_millis() as i64 * 3,
                    reason: "waiting for the member (not in the canonical store yet)".into(),
                }));
            }
            MemberLookup::NotYet | MemberLookup::Unnamed => {}
        }
    }
    if kind == EntityKind::Booking {
        let resource = fields.get("resource").and_then(Value::as_str).unwrap_or_default();
        if !places.contains_key(resource) {
            // A Cal.com event type no `[resources.SLUG]` lists (a meeting, a tool the place does
            // not announce): nothing to tell a resource's channel or calendar.
            return Ok(Prepared::End(PushEnd::Skipped {
                reason: format!("booking of `{resource}`, which is not a configured resource ([resources.SLUG])"),
            }));
        }
        add_resource(&mut fields, places);
        // Conflicts are told in announcements; calendars show the overlap themselves.
        if !deleted && target.kind == "mattermost" {
            add_conflicts(store, push.entity_id, &mut fields, places).await?;
        }
    }
    let op = if deleted {
        ChangeOp::Deleted
    } else if link.is_some() {
        ChangeOp::Updated
    } else {
        ChangeOp::Created
    };
    let change = CanonicalChange {
        entity_kind: kind,
        entity_id: push.entity_id,
        op,
        fields,
        external_id: link.map(|l| l.external_id),
        first_attempt: push.attempts == 0 && push.claims <= 1,
    };
    Ok(Prepared::Write { change, pushed_hash })
}

/// How a push ends given the tool's answer to its change.
pub fn end_of_write(
    target: &Instance,
    push: &ClaimedPush,
    pushed_hash: String,
    answer: Result<WriteOutcome, ConnectorError>,
    retry: &RetryPolicy,
) -> PushEnd {
    match answer {
        Ok(out) => PushEnd::Done { system: target.kind.to_string(), external_id: out.external_id, pushed_hash },
        Err(ConnectorError::Unsupported(reason)) => PushEnd::Skipped { reason },
        Err(e) if e.is_retryable() => match retry.next_delay(push.attempts, e.retry_after()) {
            Some(delay) => PushEnd::RetryAt { at_ms: now_ms() + delay.as_millis() as i64, error: e.to_string() },
            None => PushEnd::Failed { error: format!("gave up after {} attempts: {e}", push.attempts + 1) },
        },
        Err(e) => PushEnd::Failed { error: e.to_string() },
    }
}
