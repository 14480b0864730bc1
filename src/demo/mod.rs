//! `hub demo`: the whole system on one machine with no account anywhere. Starts the seven
//! sandboxes, writes a configuration pointing at them (embedded SQLite under `data/demo/`), starts
//! the hub, plays a short scenario through the flows that exist, prints where each record went,
//! then serves until Ctrl-C (or returns at once with `--once`, for tests and CI).
//!
//! Flows that exist today: a tool posting signed members (`kind = "webhook"`) → canonical person →
//! outbound webhook to the place's website (a receiver in this process). The vendor flows
//! (HelloAsso → Odoo/Dokos, Cal.com → Mattermost/Google Calendar/Snipe-IT, the programme) are
//! separate issues: until their connectors exist, the demo says so instead of pretending.

mod helloasso;
mod scenario;
mod website;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use hub_sandbox::core::SandboxOptions;
use secrecy::ExposeSecret;

use crate::{app::App, config::Config, webhooks::secret};

/// What `hub demo` takes from the command line.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// Play the scenario, print, stop (no waiting for Ctrl-C).
    pub once: bool,
}

/// The mappings the demo uses, written to its data folder (so it also runs outside the repo).
const MAPPINGS: [(&str, &str); 4] = [
    ("webhook/members.toml", include_str!("../../mappings/webhook/members.toml")),
    ("helloasso/members.toml", include_str!("../../mappings/helloasso/members.toml")),
    ("helloasso/memberships.toml", include_str!("../../mappings/helloasso/memberships.toml")),
    ("helloasso/payments.toml", include_str!("../../mappings/helloasso/payments.toml")),
];

/// A demo configuration: the hub on `bind`, SQLite in `data_dir`, the member form, the website endpoint.
pub fn demo_config(
    opts: &DemoOptions,
    form_secret: &str,
    site_url: &str,
    site_secret: &str,
    helloasso: &serde_json::Value,
) -> Result<Config> {
    let mappings = opts.data_dir.join("mappings");
    crate::testing::write_files(&mappings, &MAPPINGS)?;
    let toml = format!(
        r#"data_dir = "{data}"
[http]
bind = "{bind}"
[admin]
token = "{admin}"
[queue]
poll_interval_ms = 50
[mappings]
dir = "{mappings}"
[webhooks]
allow_networks = ["127.0.0.0/8"]
poll_interval_ms = 50
[webhooks.endpoints.site_web]
url = "{site_url}"
description = "Le site web du tiers-lieu (démo)"
event_types = ["member.*", "membership.*", "donation.received", "payment.*", "booking.*", "event.*"]
secret = "{site_secret}"
[connectors.formulaire_adhesion]
kind = "webhook"
secret = "{form_secret}"
stream = "members"
entity = "person"
mapping = "webhook/members"
[connectors.helloasso_main]
kind = "helloasso"
base_url = "{ha_base}"
client_id = "{ha_id}"
client_secret = "{ha_secret}"
organization_slug = "{ha_org}"
signature_key = "{ha_key}"
"#,
        ha_base = helloasso["base_url"].as_str().unwrap_or_default(),
        ha_id = helloasso["client_id"].as_str().unwrap_or_default(),
        ha_secret = helloasso["client_secret"].as_str().unwrap_or_default(),
        ha_org = helloasso["organization_slug"].as_str().unwrap_or_default(),
        ha_key = helloasso["notification_signature_key"].as_str().unwrap_or_default(),
        data = opts.data_dir.display(),
        bind = opts.bind,
        admin = admin_token(),
        mappings = mappings.display(),
    );
    Config::from_toml_str(&toml).map_err(|e| anyhow::anyhow!("the demo configuration is invalid:\n{e}"))
}

fn admin_token() -> String {
    secret::generate().trim_start_matches("whsec_").replace(['+', '/', '='], "x")
}

pub async fn run(opts: DemoOptions) -> Result<()> {
    std::fs::create_dir_all(&opts.data_dir).with_context(|| format!("cannot create {}", opts.data_dir.display()))?;
    // Each demo starts from an empty database, so the scenario reads the same every time.
    for file in ["hub.db", "hub.db-wal", "hub.db-shm"] {
        let _ = std::fs::remove_file(opts.data_dir.join(file));
    }
    println!("hub demo — tout sur cette machine, aucun compte nulle part\n");
    let sandboxes = hub_sandbox::start_all(&SandboxOptions::default()).await.context("starting the sandboxes")?;
    println!("Bacs à sable (les API des outils, simulées ; `hub sandbox --json` pour les identifiants) :");
    for (key, s) in &sandboxes.started {
        println!("  {key:<16} {}", s.running.base_url);
    }
    let site = website::start().await?;
    let (form_secret, site_secret) = (secret::generate(), secret::generate());
    let helloasso = sandboxes.get("helloasso").map(|s| s.credentials.clone()).unwrap_or_default();
    let config = demo_config(&opts, &form_secret, &site.url, &site_secret, &helloasso)?;
    let token = config.admin.token.as_ref().map(|t| t.expose_secret().to_string()).unwrap_or_default();
    site.set_secret(&site_secret);
    let app = App::build(config).await.context("starting the hub")?.spawn().await?;
    println!("\nLe hub écoute sur http://{} (SQLite : {}/hub.db)", app.addr, opts.data_dir.display());
    println!("  API d'administration : Authorization: Bearer {token}");
    println!("  OpenAPI : http://{}/api/v1/openapi.json   métriques : http://{}/metrics\n", app.addr, app.addr);

    let report = scenario::play(&app, &form_secret, &site, &sandboxes).await;
    for line in &report {
        println!("{line}");
    }
    if opts.once {
        app.stop().await?;
        return Ok(());
    }
    println!("\nLe hub et les bacs à sable tournent ; Ctrl-C pour arrêter.");
    tokio::signal::ctrl_c().await.ok();
    println!("arrêt…");
    tokio::time::timeout(Duration::from_secs(30), app.stop()).await.ok();
    Ok(())
}
