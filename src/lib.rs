//! The hub engine as a library: configuration, canonical store, job queue, HTTP surface, mapping,
//! reconciliation and flows. The `hub` binary (src/main.rs) is a thin CLI over it, and the
//! end-to-end tests drive it directly.

pub mod queue;
pub mod store;
pub mod config;
pub mod error;
