//! The hub engine as a library: configuration, canonical store, job queue, HTTP surface, mapping,
//! reconciliation and flows. The `hub` binary (src/main.rs) is a thin CLI over it, and the
//! end-to-end tests drive it directly.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod consent;
pub mod demo;
pub mod equipment;
pub mod error;
pub mod flows;
pub mod google_push;
pub mod http;
pub mod mapping;
pub mod programme;
pub mod queue;
pub mod reconcile;
pub mod registry;
pub mod resource_feed;
pub mod store;
pub mod targets;
pub mod testing;
pub mod webhooks;
