//! Outbound webhooks: the hub tells other tools what changed, signed to the Standard Webhooks spec.
//!
//! Path of a change: the entity's transaction appends an outbox row whose type comes from
//! `catalogue` → `fanout` turns it into a message (body fixed once) and one delivery per subscribed
//! endpoint → `dispatch` sends each (signed by `secret`, through the SSRF `guard`), retried per
//! `retry`, every attempt logged → admin API (`http/webhooks.rs`) and `hub webhooks …` show, replay
//! and manage. Endpoints come from `[webhooks.endpoints]` and the admin API (`endpoints`).

pub mod catalogue;
pub mod dispatch;
pub mod endpoints;
pub mod fanout;
pub mod guard;
mod recorder;
pub mod replay;
pub mod retry;
pub mod secret;
