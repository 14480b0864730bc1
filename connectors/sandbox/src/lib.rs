//! The sandboxes of the seven tools, one module per vendor, and [`start_all`] for `hub sandbox`,
//! `hub demo` and the tests.
//!
//! Each vendor is its own small crate (re-exported here as a module) so that each can be built
//! and tested alone; none depends on the hub's connector crates: they are written from the
//! vendor specs and examples in `shared/vendor-specs/` and speak the vendors' wire formats.

pub use hub_sandbox_calcom as calcom;
pub use hub_sandbox_core as core;
pub use hub_sandbox_dokos as dokos;
pub use hub_sandbox_google_calendar as google_calendar;
pub use hub_sandbox_helloasso as helloasso;
pub use hub_sandbox_mattermost as mattermost;
pub use hub_sandbox_odoo as odoo;
pub use hub_sandbox_snipeit as snipeit;
pub use hub_sandbox_stripe as stripe;

use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Map, Value};

/// The keys of `hub sandbox --json`, in order.
pub const KEYS: [&str; 8] =
    ["calcom", "odoo", "dokos", "snipeit", "mattermost", "helloasso", "stripe", "google_calendar"];

/// All seven running.
pub struct AllSandboxes {
    pub started: Vec<(&'static str, Started)>,
}

impl AllSandboxes {
    /// `{calcom: {base_url, …credentials}, odoo: …, …}`.
    pub fn credentials(&self) -> Value {
        let mut out = Map::new();
        for (key, s) in &self.started {
            out.insert((*key).to_string(), s.credentials.clone());
        }
        Value::Object(out)
    }

    pub fn get(&self, key: &str) -> Option<&Started> {
        self.started.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }
}

/// Starts every sandbox with the same options (each on its own port when `bind` has port 0).
pub async fn start_all(opts: &SandboxOptions) -> std::io::Result<AllSandboxes> {
    let started = vec![
        ("calcom", calcom::start(opts.clone()).await?),
        ("odoo", odoo::start(opts.clone()).await?),
        ("dokos", dokos::start(opts.clone()).await?),
        ("snipeit", snipeit::start(opts.clone()).await?),
        ("mattermost", mattermost::start(opts.clone()).await?),
        ("helloasso", helloasso::start(opts.clone()).await?),
        ("stripe", stripe::start(opts.clone()).await?),
        ("google_calendar", google_calendar::start(opts.clone()).await?),
    ];
    Ok(AllSandboxes { started })
}
