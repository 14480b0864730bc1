//! Targets: canonical changes pushed to the connector instances that write them (Odoo and Dokos
//! contacts and memberships, Mattermost announcements), through `Connector::write`.
//!
//! # Shape
//! * **Planning** (`plan`): one loop reads the outbox rows not yet planned and, in the same
//!   transaction that marks them planned, inserts one pending push per target whose `writes`
//!   list has the entity's kind — except the instance the change came from, so a change read from
//!   Odoo is never written back to Odoo (no ping-pong). The outbox row is only a trigger: a push
//!   always sends the entity as it is when the push runs.
//! * **Pushing** (`run`): one loop per target claims due pushes with a lease (the oldest pending
//!   one of each entity: one entity's changes go in order; earliest due first, so pushes deferred
//!   behind others cannot fill every claim ahead of what they wait for), runs up to `targets.concurrency` at
//!   once, and records each end only while it still holds its claim. A success writes the
//!   external link `(kind, instance, external id)` with `last_pushed_hash` = the entity's content
//!   hash in the same transaction, so a later push of an unchanged entity is skipped without a
//!   call (a replayed or duplicated change costs nothing).
//! * **Batches**: a connector that writes several changes per call (`write_batch_limit` > 1:
//!   Odoo's contacts and new memberships) gets the claimed pushes of one kind together, up to
//!   its limit, in one `write_batch`; each push still ends on its own (done, retried, failed),
//!   and the batch's ends are recorded in one transaction.
//! * **Dependencies**: a membership waits (deferred, not an attempt) while its member has a
//!   pending push to the same target, or while the member is not in the canonical store yet
//!   (streams are read one by one: a membership can arrive before its member; after an hour it
//!   goes anyway and the tool's refusal says why). The member is the person the source named
//!   (`member_external_id`, through the source's own link: each beneficiary of a family
//!   membership), else the person with its e-mail (see `member`). A membership or payment is sent
//!   with `person_id`, the member's names and e-mail when it lacks them, and the member's id in
//!   the target (`person_external_id`), which Odoo takes before any e-mail.
//! * **Bookings** get what the configuration says of their resource (`resource_name`,
//!   `resource_channel`, `resource_public`, `asset_tags`) and, for Mattermost, the live bookings they
//!   overlap (`conflicts`); a booking of no configured resource is skipped by every target.
//! * **Failures**: `Unsupported` (Dokos has no pending subscription) ends the push as skipped,
//!   with the reason; retryable errors (timeouts, 5xx, 429 with its `Retry-After`) follow
//!   `targets.retry_schedule_secs` with jitter; permanent errors and an exhausted schedule end as
//!   failed and emit `sync.failed`. `hub targets retry NAME` sets failed pushes back to pending.
//! * **Crash safety**: a push answered but not yet recorded when the process dies is sent again
//!   after its lease; connectors' writes are idempotent by external id, then by e-mail (Odoo,
//!   Dokos) or by the entity id they carry (Mattermost's `hub_entity_id`), so the retry finds what
//!   the first attempt created instead of duplicating it.
//!
//! Why not one job per push on the generic queue: the queue's unique keys cannot hold an entity's
//! update behind its create, nor a membership behind its person, and planning must happen in the
//! transaction that marks the outbox row (the same reason as outbound webhooks' fan-out).

mod member;
mod push;
mod run;

pub use push::{Prepared, end_of_write, prepare_push, push_one};
pub use run::run;

use std::time::Duration;

use crate::{config::TargetsConfig, webhooks::retry::RetryPolicy};

/// Settings taken from `[targets]`.
#[derive(Debug, Clone)]
pub struct TargetSettings {
    pub concurrency: usize,
    pub batch_size: i64,
    pub poll: Duration,
    pub lease: Duration,
    pub retry: RetryPolicy,
}

impl TargetSettings {
    pub fn from_config(c: &TargetsConfig) -> TargetSettings {
        TargetSettings {
            concurrency: c.concurrency,
            batch_size: i64::from(c.batch_size),
            poll: Duration::from_millis(c.poll_interval_ms),
            lease: Duration::from_secs(c.lease_secs),
            retry: RetryPolicy {
                schedule: c.retry_schedule_secs.iter().map(|s| Duration::from_secs(*s)).collect(),
                jitter: c.jitter,
                retry_after_max: Duration::from_secs(c.retry_after_max_secs),
            },
        }
    }
}
