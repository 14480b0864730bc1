//! What every vendor sandbox shares: a server on 127.0.0.1 port 0 ([`serve`]), fault injection
//! settable at start-up and at run time ([`Faults`], `GET/PUT /_sandbox/faults`), webhook emission
//! with duplicates and reordering ([`WebhookEmitter`]), a deterministic French tiers-lieux data set
//! ([`seed`]) and, for tests, schema checks against the vendors' own documents ([`schema`]).
//!
//! Vendor crates never depend on the hub's connector crates: they are written from the vendor
//! specs and examples in `shared/vendor-specs/` and speak the vendors' wire formats.

mod faults;
mod server;
mod webhooks;

#[cfg(feature = "schema")]
pub mod schema;
pub mod seed;

pub use faults::{FaultHandle, Faults};
pub use server::{RunningSandbox, serve};
pub use webhooks::{EmittedWebhook, WebhookEmitter};

use std::net::SocketAddr;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where to listen (`127.0.0.1:0`: a free loopback port).
    pub bind: SocketAddr,
    pub faults: Faults,
    /// Load the French tiers-lieux data set (false: start empty).
    pub seed: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions { bind: SocketAddr::from(([127, 0, 0, 1], 0)), faults: Faults::default(), seed: true }
    }
}

/// A started sandbox and what a client needs to use it (`base_url` and the demo credentials).
pub struct Started {
    pub running: RunningSandbox,
    pub credentials: serde_json::Value,
}
