//! The command line (clap): serve, migrate, config check, check, sync, jobs, webhooks, targets,
//! programme, bench.

mod auth;
mod programme;
mod sandbox;
mod targets;
mod webhooks;

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::{
    app::{App, load_definitions},
    config::{self, Config, LogFormat},
    flows::sync,
    store::Store,
};

#[derive(Debug, Parser)]
#[command(name = "hub", version, about = "Integration and sync hub for tiers-lieux")]
pub struct Cli {
    /// Configuration file (default: ./hub.toml when present)
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server, the workers and the schedules
    Serve,
    /// Apply database migrations and exit
    Migrate,
    /// Validate configuration and mappings
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Check each connector's credentials and reachability
    Check,
    /// Sync one connector instance now
    Sync {
        instance: String,
        #[arg(long)]
        stream: Option<String>,
        /// Read from scratch instead of from the stored cursor
        #[arg(long)]
        full: bool,
    },
    /// Inspect and revive jobs
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Outbound webhooks: endpoints, attempts, replays
    Webhooks {
        #[command(subcommand)]
        action: webhooks::WebhooksAction,
    },
    /// Authorize the hub on a tool that needs a person's consent (Google Calendar)
    Auth {
        #[command(subcommand)]
        action: auth::AuthAction,
    },
    /// Connector targets: what was pushed to Odoo, Dokos, Mattermost…, failures, retry
    Targets {
        #[command(subcommand)]
        action: targets::TargetsAction,
    },
    /// The monthly programme: printable page, PDF and newsletter block
    Programme {
        #[command(subcommand)]
        action: programme::ProgrammeAction,
    },
    /// The seven tools' sandboxes and the hub on one machine, a scenario played through them
    Demo {
        /// Where the hub listens
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Where its SQLite database goes
        #[arg(long, default_value = "./data/demo")]
        data_dir: PathBuf,
        /// Play the scenario and stop (no waiting for Ctrl-C)
        #[arg(long)]
        once: bool,
    },
    /// The seven tools' sandboxes on loopback, with their base URLs and demo credentials
    Sandbox {
        /// First line: one JSON object keyed calcom, odoo, dokos, snipeit, mattermost, helloasso, stripe, google_calendar
        #[arg(long)]
        json: bool,
        /// Faults for every sandbox at start-up, e.g. '{"error_rate": 0.2, "duplicate_webhook_rate": 0.1}'
        #[arg(long)]
        faults: Option<String>,
        /// Address to listen on (ports are picked free)
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
    },
    /// Benchmarks (release build recommended)
    Bench {
        #[command(subcommand)]
        which: crate::bench::BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Report every problem of the configuration and of every mapping
    Check { file: Option<PathBuf> },
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Recent jobs
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Dead letters with their last error
    Dead {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Send a dead job back to the queue
    Retry { id: Uuid },
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HUB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn load(path: Option<&std::path::Path>) -> Result<Config> {
    config::load(path).map_err(|e| anyhow!("invalid configuration:\n{e}"))
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Config { action: ConfigAction::Check { file } } = &cli.command {
        return Ok(config_check(file.as_deref().or(cli.config.as_deref())));
    }
    if let Command::Sandbox { json, faults, bind } = cli.command {
        return sandbox::run(json, faults, bind).await;
    }
    if let Command::Demo { bind, data_dir, once } = cli.command {
        init_logging(&Config {
            log: config::LogConfig { level: "warn".into(), ..Default::default() },
            ..Default::default()
        });
        return crate::demo::run(crate::demo::DemoOptions { bind, data_dir, once }).await.map(|_| ExitCode::SUCCESS);
    }
    if let Command::Bench { which } = cli.command {
        // Quiet unless HUB_LOG asks (`HUB_LOG=sqlx::query=debug` counts a bench's statements).
        init_logging(&Config {
            log: config::LogConfig { level: "error".into(), ..Default::default() },
            ..Default::default()
        });
        return crate::bench::run(which).await.map(|_| ExitCode::SUCCESS);
    }
    let config = load(cli.config.as_deref())?;
    init_logging(&config);
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let store = Store::connect(&config.database_url(), config.database.max_connections).await?;
            store.migrate().await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => check(config).await,
        Command::Sync { instance, stream, full } => sync_now(config, &instance, stream, full).await,
        Command::Jobs { action } => jobs(config, action).await,
        Command::Webhooks { action } => webhooks::run(config, action).await,
        Command::Targets { action } => targets::run(config, action).await,
        Command::Auth { action } => auth::run(config, action).await,
        Command::Programme { action } => programme::run(config, action).await,
        Command::Config { .. } | Command::Bench { .. } | Command::Sandbox { .. } | Command::Demo { .. } => {
            unreachable!("handled above")
        }
    }
}

async fn serve(config: Config) -> Result<ExitCode> {
    let bind = config.http.bind;
    let app = App::build(config).await?;
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(addr = %listener.local_addr()?, sqlite = app.store.is_sqlite(), "hub serving");
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown requested: intake stops, running jobs finish");
        let _ = tx.send(true);
    });
    app.run(listener, rx).await?;
    tracing::info!("hub stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn config_check(file: Option<&std::path::Path>) -> ExitCode {
    let config = match config::load(file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match load_definitions(&config) {
        Ok((registry, mappings)) => {
            println!(
                "configuration OK: {} connector instance(s), {} mapping(s)",
                registry.instances().count(),
                mappings.names().len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn check(config: Config) -> Result<ExitCode> {
    let (registry, _) = load_definitions(&config)?;
    let mut ok = true;
    for inst in registry.instances() {
        match inst.connector.check().await {
            Ok(r) if r.ok => println!("ok    {:<24} {:<12} {}", inst.name, inst.kind, r.detail),
            Ok(r) => {
                ok = false;
                println!("FAIL  {:<24} {:<12} {}", inst.name, inst.kind, r.detail);
            }
            Err(e) => {
                ok = false;
                println!("FAIL  {:<24} {:<12} {e}", inst.name, inst.kind);
            }
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn sync_now(config: Config, instance: &str, stream: Option<String>, full: bool) -> Result<ExitCode> {
    let app = App::build(config).await?;
    let flows = app.flows();
    let inst = app.registry.get(instance).ok_or_else(|| anyhow!("no connector instance `{instance}`"))?;
    let streams: Vec<String> = match stream {
        Some(s) => vec![s],
        None => inst.connector.streams().into_iter().map(|s| s.name).collect(),
    };
    for stream in streams {
        // A spinner until the tool says how many pages the read holds, then a bar.
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!("{instance}/{stream}"));
        let bar_style = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pages, ETA {eta}")
            .expect("a valid template")
            .progress_chars("=> ");
        let mut on_page = |r: &sync::SyncReport| {
            if let Some(total) = r.total_pages
                && bar.length().is_none()
            {
                bar.set_style(bar_style.clone());
                bar.set_length(total.max(1));
            }
            if let Some(total) = bar.length() {
                // The last page (an empty one that ends the pass) may come after the count.
                bar.set_length(total.max(r.pages as u64));
            }
            bar.set_position(r.pages as u64);
            bar.set_message(format!("{instance}/{stream}: {} records", r.records));
        };
        let report = sync::sync_stream(&flows, instance, &stream, full, usize::MAX, &mut on_page)
            .await
            .map_err(|e| anyhow!("sync of {instance}/{stream} failed ({}): {}", e.class, e.message))?;
        bar.finish_and_clear();
        println!(
            "{instance}/{stream}: {} records in {} pages ({} created, {} updated, {} unchanged)",
            report.records, report.pages, report.created, report.updated, report.unchanged
        );
        programme::print_problems(inst);
    }
    Ok(ExitCode::SUCCESS)
}

async fn jobs(config: Config, action: JobsAction) -> Result<ExitCode> {
    let store = Store::connect(&config.database_url(), config.database.max_connections).await?;
    let print = |rows: Vec<crate::store::JobRow>| {
        for j in rows {
            println!(
                "{}  {:<16} {:<8} attempts {}/{}  {}",
                j.id,
                j.kind,
                j.status,
                j.attempts,
                j.max_attempts,
                j.last_error.unwrap_or_default()
            );
        }
    };
    match action {
        JobsAction::List { status, limit } => print(store.list_jobs(status.as_deref(), limit).await?),
        JobsAction::Dead { limit } => print(store.list_jobs(Some("dead"), limit).await?),
        JobsAction::Retry { id } => {
            if !store.retry_dead_job(id).await? {
                return Err(anyhow!("job {id} is not a dead letter"));
            }
            println!("job {id} re-queued");
        }
    }
    Ok(ExitCode::SUCCESS)
}
