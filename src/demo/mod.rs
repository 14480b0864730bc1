//! `hub demo`: the whole system on one machine with no account anywhere. Starts the seven
//! sandboxes, writes a configuration pointing at them (embedded SQLite under `data/demo/`), starts
//! the hub, plays a short scenario through the flows that exist, prints where each record went,
//! then serves until Ctrl-C (or returns at once with `--once`, for tests and CI).
//!
//! Flows shown: a tool posting signed members (`kind = "webhook"`) → canonical person → outbound
//! webhook to the place's website (a receiver in this process); a HelloAsso membership → canonical
//! member, membership and payment → Odoo partner with a paid membership line, Dokos customer with
//! its subscription, one Mattermost post in `adhesions`; next month's programme from a CSV sheet →
//! events, their tasks, announcements in `programme`, the printable page and the feeds; Google
//! Calendar authorized through the hub's redirect, a room booked on Cal.com → a post in the room's
//! channel, an event in the room's calendar, the room's ICS feed. Flows whose connectors are not
//! wired (Stripe) are said to be missing, not pretended.

mod booking;
mod helloasso;
mod programme;
mod scenario;
mod website;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use hub_sandbox::{AllSandboxes, core::SandboxOptions};
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
const MAPPINGS: [(&str, &str); 10] = [
    ("calcom/bookings.toml", include_str!("../../mappings/calcom/bookings.toml")),
    ("google_calendar/events.toml", include_str!("../../mappings/google_calendar/events.toml")),
    ("webhook/members.toml", include_str!("../../mappings/webhook/members.toml")),
    ("odoo/partners.toml", include_str!("../../mappings/odoo/partners.toml")),
    ("odoo/memberships.toml", include_str!("../../mappings/odoo/memberships.toml")),
    ("dokos/customers.toml", include_str!("../../mappings/dokos/customers.toml")),
    ("dokos/subscriptions.toml", include_str!("../../mappings/dokos/subscriptions.toml")),
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
    sandboxes: &AllSandboxes,
) -> Result<Config> {
    let cred = |tool: &str| sandboxes.get(tool).map(|s| s.credentials.clone()).unwrap_or_default();
    let base = |tool: &str| sandboxes.get(tool).map(|s| s.running.base_url.trim_end_matches('/').to_string());
    let (helloasso, odoo, dokos, mattermost) = (cred("helloasso"), cred("odoo"), cred("dokos"), cred("mattermost"));
    let (calcom, google) = (cred("calcom"), cred("google_calendar"));
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let year = chrono::Utc::now().format("%Y");
    let mappings = opts.data_dir.join("mappings");
    crate::testing::write_files(&mappings, &MAPPINGS)?;
    crate::testing::write_files(&mappings, &crate::programme::shipped_mapping_files())?;
    let sheet = opts.data_dir.join("programme.csv");
    std::fs::write(&sheet, programme::sheet(programme::month()))
        .with_context(|| format!("cannot write {}", sheet.display()))?;
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
[connectors.odoo_main]
kind = "odoo"
base_url = "{odoo_base}"
database = "{odoo_db}"
login = "{odoo_login}"
api_key = "{odoo_key}"
protocol = "json2"
membership_products = {{ "Individuelle" = "Adhésion individuelle {year}", "Famille" = "Adhésion famille {year}" }}
donation_product = "Don"
writes = ["person", "membership", "payment"]
[connectors.dokos_main]
kind = "dokos"
base_url = "{dokos_base}"
api_key = "{dokos_key}"
api_secret = "{dokos_secret}"
membership_plans = {{ "Individuelle" = "Adhésion annuelle", "Famille" = "Adhésion annuelle" }}
[connectors.equipe]
kind = "mattermost"
base_url = "{mm_base}"
token = "{mm_token}"
team = "{mm_team}"
[connectors.planning]
kind = "spreadsheet"
source = "{sheet}"
[connectors.calcom_main]
kind = "calcom"
base_url = "{cal_base}"
api_key = "{cal_key}"
webhook_secret = "{cal_secret}"
[connectors.google_main]
kind = "google_calendar"
base_url = "{g_base}"
auth_url = "{g_auth}"
token_url = "{g_token}"
client_id = "{g_id}"
client_secret = "{g_secret}"
token_key = "{g_key}"
[programme]
title = "Programme du tiers-lieu (démo)"
{resources}"#,
        cal_base = text(&calcom, "base_url").trim_end_matches('/'),
        cal_key = text(&calcom, "api_key"),
        cal_secret = text(&calcom, "webhook_secret"),
        g_base = text(&google, "base_url").trim_end_matches('/'),
        g_auth = text(&google, "auth_url"),
        g_token = text(&google, "token_url"),
        g_id = text(&google, "client_id"),
        g_secret = text(&google, "client_secret"),
        g_key = hub_connector_google_calendar::token_store::TokenKey::generate()?,
        resources = seed_resources(),
        sheet = sheet.display(),
        odoo_base = base("odoo").unwrap_or_default(),
        odoo_db = text(&odoo, "database"),
        odoo_login = text(&odoo, "login"),
        odoo_key = text(&odoo, "api_key"),
        dokos_base = base("dokos").unwrap_or_default(),
        dokos_key = text(&dokos, "api_key"),
        dokos_secret = text(&dokos, "api_secret"),
        mm_base = text(&mattermost, "base_url"),
        mm_token = text(&mattermost, "token"),
        mm_team = text(&mattermost, "team"),
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

/// One `[resources.SLUG]` per seed room: its Cal.com event type, Google calendar and channel
/// all carry the slug in the sandboxes.
fn seed_resources() -> String {
    hub_sandbox::core::seed::rooms()
        .iter()
        .map(|r| {
            format!(
                "[resources.{slug}]\nname = \"{name}\"\nkind = \"{kind}\"\ncapacity = {cap}\n\
                 calendar = \"c_{slug}@group.calendar.google.com\"\n",
                slug = r.slug,
                name = r.name,
                kind = r.kind,
                cap = r.capacity
            )
        })
        .collect()
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
    let config = demo_config(&opts, &form_secret, &site.url, &site_secret, &sandboxes)?;
    let token = config.admin.token.as_ref().map(|t| t.expose_secret().to_string()).unwrap_or_default();
    site.set_secret(&site_secret);
    let built = App::build(config).await.context("starting the hub")?;
    let app = built.clone().spawn().await?;
    println!("\nLe hub écoute sur http://{} (SQLite : {}/hub.db)", app.addr, opts.data_dir.display());
    println!("  API d'administration : Authorization: Bearer {token}");
    println!("  OpenAPI : http://{}/api/v1/openapi.json   métriques : http://{}/metrics\n", app.addr, app.addr);

    let mut report = scenario::play(&app, &form_secret, &site, &sandboxes).await;
    report.extend(booking::flow(&built, &app, &sandboxes).await);
    report.extend(programme::flow(&built, &format!("http://{}", app.addr), &sandboxes).await);
    report.push("6. Dans les autres outils (bacs à sable), ce que le personnel et le public y font :".into());
    for line in scenario::tool_activity(&sandboxes).await {
        report.push(format!("   - {line}"));
    }
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
