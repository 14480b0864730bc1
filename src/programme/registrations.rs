//! Registrations to events and to their tasks, with capacity and a waiting list.
//!
//! A registration is a canonical `registration` written through `apply_record` (system
//! `programme`, instance `registrations`, external id a random key kept in its `key` field), so it
//! has an audit trail and outbound webhooks emit `registration.created` / `.updated` / `.cancelled`.
//!
//! # Pools and limits
//! A task with its own `places` (facilitation, volunteers) is a pool of its own, limited by them.
//! Everything else — no task, or a task without places ("Participer") — shares the event's
//! capacity (the sheet's Jauge; none: no limit).
//!
//! # Safe under concurrency
//! Checking the count and inserting happen in one transaction holding the event's lock
//! (`queries::lock_event_in`: an advisory lock on PostgreSQL; on SQLite the single writer's
//! `BEGIN IMMEDIATE`), so two people can never take the last place together.
//!
//! # Waiting list and cancellation
//! A full pool answers `Full` unless the request asks for the waiting list (`waitlist: true`),
//! then the registration is `waitlisted` with its position (by `requested_at`). Cancelling (with
//! the token given at registration; only its SHA-256 is stored) frees the place, and the first of
//! the pool's waiting list moves up (`confirmed`, `promoted_at`) in the same transaction.

use chrono::{DateTime, Utc};
use hub_connector_sdk::{EntityKind, SourceRecord};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{REGISTRATIONS, SYSTEM, queries, tasks::Bound};
use crate::{
    flows::{Applied, apply::apply_record},
    queue::JobError,
    store::{EntityRow, Store, StoreError, Tx},
};

/// Confirmed and waitlisted registrations of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub confirmed: i64,
    pub waitlisted: i64,
}

impl Counts {
    pub fn of<'a>(registrations: impl Iterator<Item = &'a Value>) -> Counts {
        let mut c = Counts::default();
        for r in registrations {
            match status(r) {
                "confirmed" => c.confirmed += 1,
                "waitlisted" => c.waitlisted += 1,
                _ => {}
            }
        }
        c
    }
}

fn status(r: &Value) -> &str {
    r.get("status").and_then(Value::as_str).unwrap_or_default()
}

/// The task a registration is for.
pub fn task_of(r: &Value) -> Option<Uuid> {
    r.get("task").and_then(Value::as_str).and_then(|t| Uuid::parse_str(t).ok())
}

/// What someone asks for.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RegistrationRequest {
    /// The person's name as they want it shown.
    pub name: String,
    pub email: String,
    /// A task of the event: its slug (`animer`) or its id; none: the event itself.
    #[serde(default)]
    pub task: Option<String>,
    /// When the pool is full, join the waiting list instead of being refused.
    #[serde(default)]
    pub waitlist: bool,
}

/// A registration taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub id: Uuid,
    pub status: &'static str,
    /// Position on the waiting list (1 = next), when waitlisted.
    pub position: Option<i64>,
    /// The secret that cancels it (shown once).
    pub cancel_token: String,
    pub task: Option<String>,
}

/// A cancellation done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    pub already: bool,
    /// The registration that moved up from the waiting list.
    pub promoted: Option<Uuid>,
}

/// Why a registration or a cancellation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{detail}")]
    Full { detail: String },
    #[error("{0}")]
    Already(String),
    #[error("{0}")]
    Closed(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", .0.message)]
    Apply(JobError),
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn checked(req: &RegistrationRequest) -> Result<(String, String), RegistrationError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(RegistrationError::Invalid("`name` : indiquez un nom (200 caractères au plus)".into()));
    }
    let email = req.email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@'))
        && !email.contains(char::is_whitespace);
    if !valid {
        return Err(RegistrationError::Invalid(format!(
            "`email` : « {} » n'est pas une adresse e-mail",
            req.email.trim()
        )));
    }
    Ok((name.to_string(), email))
}

async fn apply(tx: &mut Tx, bound: &Bound, key: &str, data: Value) -> Result<Applied, RegistrationError> {
    let record = SourceRecord {
        stream: "registrations".into(),
        external_id: key.into(),
        updated_at: None,
        deleted: false,
        data,
    };
    apply_record(tx, SYSTEM, REGISTRATIONS, &bound.registrations, &record).await.map_err(RegistrationError::Apply)
}

/// The pool a registration for `task` belongs to: (its limit, whether a registration is in it).
fn pool<'a>(
    event: &'a Value,
    tasks: &'a [EntityRow],
    task: Option<&'a EntityRow>,
) -> (Option<i64>, impl Fn(&Value) -> bool + 'a) {
    let places = |row: &EntityRow| row.fields.0.get("places").and_then(Value::as_i64);
    let own: Vec<Uuid> = tasks.iter().filter(|t| places(t).is_some()).map(|t| t.id).collect();
    let limit = match task {
        Some(t) if places(t).is_some() => places(t),
        _ => event.get("capacity").and_then(Value::as_i64),
    };
    let own_task = task.filter(|t| places(t).is_some()).map(|t| t.id);
    let member = move |r: &Value| match own_task {
        Some(id) => task_of(r) == Some(id),
        None => task_of(r).is_none_or(|t| !own.contains(&t)),
    };
    (limit, member)
}

fn find_task<'a>(tasks: &'a [EntityRow], wanted: &str) -> Option<&'a EntityRow> {
    let wanted = wanted.trim();
    tasks.iter().find(|t| t.id.to_string() == wanted || t.fields.0.get("slug").and_then(Value::as_str) == Some(wanted))
}

/// Registers someone to `event` (or one of its tasks).
pub async fn register(bound: &Bound, event: Uuid, req: &RegistrationRequest) -> Result<Registered, RegistrationError> {
    let (name, email) = checked(req)?;
    // Durable: the hub is where this registration lives (see the store's module doc).
    let mut tx = bound.store.begin_durable().await?;
    queries::lock_event_in(&mut tx, event).await?;
    let row = Store::get_entity_in(&mut tx, EntityKind::Event, event)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or_else(|| RegistrationError::NotFound(format!("aucun événement {event} au programme")))?;
    let fields = &row.fields.0;
    let title = fields.get("title").and_then(Value::as_str).unwrap_or_default().to_string();
    if super::tasks::is_cancelled(fields) {
        return Err(RegistrationError::Closed(format!("« {title} » est annulé")));
    }
    let starts = fields.get("starts_at").and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    if starts.is_some_and(|s| s.with_timezone(&Utc) <= Utc::now()) {
        return Err(RegistrationError::Closed(format!("« {title} » a déjà commencé : les inscriptions sont closes")));
    }
    let tasks = queries::of_event_in(&mut tx, EntityKind::Task, event).await?;
    let task = match req.task.as_deref().filter(|t| !t.trim().is_empty()) {
        None => None,
        Some(wanted) => Some(find_task(&tasks, wanted).ok_or_else(|| {
            let known: Vec<&str> =
                tasks.iter().filter_map(|t| t.fields.0.get("slug").and_then(Value::as_str)).collect();
            RegistrationError::Invalid(format!(
                "`task` : « {wanted} » n'est pas une tâche de « {title} » (tâches : {})",
                known.join(", ")
            ))
        })?),
    };
    let registrations = queries::of_event_in(&mut tx, EntityKind::Registration, event).await?;
    let live = |r: &&EntityRow| matches!(status(&r.fields.0), "confirmed" | "waitlisted");
    let task_id = task.map(|t| t.id);
    if registrations
        .iter()
        .filter(live)
        .any(|r| r.email.as_deref() == Some(email.as_str()) && task_of(&r.fields.0) == task_id)
    {
        return Err(RegistrationError::Already(format!("{email} est déjà inscrit·e à « {title} »")));
    }
    let (limit, in_pool) = pool(fields, &tasks, task);
    let counts = Counts::of(registrations.iter().map(|r| &r.fields.0).filter(|r| in_pool(r)));
    let full = limit.is_some_and(|l| counts.confirmed >= l);
    if full && !req.waitlist {
        let what = task.and_then(|t| t.fields.0.get("title").and_then(Value::as_str)).unwrap_or(&title);
        return Err(RegistrationError::Full {
            detail: format!(
                "« {what} » est complet ({}) : demandez la liste d'attente avec \"waitlist\": true",
                super::french::places(limit.unwrap_or_default())
            ),
        });
    }
    let (key, token) = (Uuid::new_v4().to_string(), Uuid::new_v4().simple().to_string());
    let state = if full { "waitlisted" } else { "confirmed" };
    let data = json!({
        "key": key, "event": event.to_string(), "event_title": title, "task": task_id.map(|t| t.to_string()),
        "task_slug": task.and_then(|t| t.fields.0.get("slug").cloned()), "name": name, "email": email,
        "status": state, "requested_at": Utc::now().to_rfc3339(), "cancel_token_sha256": sha256(&token),
    });
    let Applied::Created(id) = apply(&mut tx, bound, &key, data).await? else {
        return Err(RegistrationError::Apply(JobError::permanent("registration", "the registration was not created")));
    };
    tx.commit().await?;
    let position = full.then_some(counts.waitlisted + 1);
    Ok(Registered { id, status: state, position, cancel_token: token, task: task_id.map(|t| t.to_string()) })
}

fn requested(r: &EntityRow) -> (String, Uuid) {
    (r.fields.0.get("requested_at").and_then(Value::as_str).unwrap_or_default().to_string(), r.id)
}

/// Cancels registration `id` with its token; the first waiting in its pool moves up.
pub async fn cancel(bound: &Bound, id: Uuid, token: &str) -> Result<Cancelled, RegistrationError> {
    let missing = || RegistrationError::NotFound(format!("aucune inscription {id}"));
    let found = bound
        .store
        .get_entity(EntityKind::Registration, id)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or_else(missing)?;
    let expected = found.fields.0.get("cancel_token_sha256").and_then(Value::as_str).unwrap_or_default();
    if !constant_time_eq(sha256(token.trim()).as_bytes(), expected.as_bytes()) {
        return Err(RegistrationError::Forbidden("jeton d'annulation invalide".into()));
    }
    let event = found
        .fields
        .0
        .get("event")
        .and_then(Value::as_str)
        .and_then(|e| Uuid::parse_str(e).ok())
        .ok_or_else(missing)?;
    // Durable: the hub is where this registration lives (see the store's module doc).
    let mut tx = bound.store.begin_durable().await?;
    queries::lock_event_in(&mut tx, event).await?;
    let registrations = queries::of_event_in(&mut tx, EntityKind::Registration, event).await?;
    let mine = registrations.iter().find(|r| r.id == id).ok_or_else(missing)?;
    let was = status(&mine.fields.0).to_string();
    if was == "cancelled" {
        return Ok(Cancelled { already: true, promoted: None });
    }
    let key = |r: &EntityRow| r.fields.0.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut data = mine.fields.0.clone();
    data["status"] = json!("cancelled");
    data["cancelled_at"] = json!(Utc::now().to_rfc3339());
    apply(&mut tx, bound, &key(mine), data).await?;
    let mut promoted = None;
    if was == "confirmed" {
        let event_row = Store::get_entity_in(&mut tx, EntityKind::Event, event).await?;
        let event_fields = event_row.map(|r| r.fields.0).unwrap_or(Value::Null);
        let tasks = queries::of_event_in(&mut tx, EntityKind::Task, event).await?;
        let task = task_of(&mine.fields.0).and_then(|t| tasks.iter().find(|row| row.id == t));
        let (limit, in_pool) = pool(&event_fields, &tasks, task);
        let others = registrations.iter().filter(|r| r.id != id && in_pool(&r.fields.0));
        let confirmed = others.clone().filter(|r| status(&r.fields.0) == "confirmed").count() as i64;
        let next = others.filter(|r| status(&r.fields.0) == "waitlisted").min_by_key(|r| requested(r));
        if let Some(next) = next.filter(|_| limit.is_none_or(|l| confirmed < l)) {
            let mut data = next.fields.0.clone();
            data["status"] = json!("confirmed");
            data["promoted_at"] = json!(Utc::now().to_rfc3339());
            apply(&mut tx, bound, &key(next), data).await?;
            promoted = Some(next.id);
        }
    }
    tx.commit().await?;
    Ok(Cancelled { already: false, promoted })
}
