//! `hub bench …`: benchmarks run against a real hub on loopback and a real database, printing
//! figures for docs/BENCHMARKS.md. Never used as timed assertions in tests.

mod apalis_compare;
mod booking;
mod intake;
mod membership;
mod programme;
mod queue;
mod webhooks;

use clap::Subcommand;

pub use intake::{
    BENCH_SECRET, IntakeFigures, bench_config, bench_config_toml, bench_mapping_files, signed_member_event,
};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Signed events posted to /hooks/{instance} until stored as canonical entities
    Intake {
        /// Events to post in the sustained run
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        /// Concurrent HTTP clients
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// Seconds of the paced run at half the sustained rate
        #[arg(long, default_value_t = 10)]
        paced_secs: u64,
        /// Also run on this PostgreSQL server (a fresh database is created and dropped)
        #[arg(long)]
        postgres: Option<String>,
    },
    /// No-op jobs through the queue at growing queue sizes (the apalis-sqlite cliff check)
    Queue {
        /// Queue sizes to measure, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<usize>,
        /// Worker concurrency
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Also run on this PostgreSQL server
        #[arg(long)]
        postgres: Option<String>,
        /// Also measure apalis-sqlite 1.0 at these sizes, for comparison (comma-separated)
        #[arg(long, value_delimiter = ',')]
        apalis: Vec<usize>,
    },
    /// The monthly programme: a sheet of N rows synced from scratch (events, then their tasks), then
    /// re-synced with one row changed (exactly one event update)
    Programme {
        #[arg(long, default_value_t = 2000)]
        rows: usize,
        /// Also run on this PostgreSQL server (a fresh database is created and dropped)
        #[arg(long)]
        postgres: Option<String>,
    },
    /// HelloAsso → canonical → Odoo backfill of N paid membership orders, then a second backfill of
    /// the same unchanged data (which must make no Odoo write)
    Membership {
        #[arg(long, default_value_t = 20_000)]
        orders: usize,
        /// Also run on this PostgreSQL server (a fresh database is created and dropped)
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Cal.com bookings at a steady rate, each timed from its webhook's arrival at the hub to its
    /// Mattermost post and Google Calendar event both written
    Booking {
        #[arg(long, default_value_t = 2000)]
        bookings: usize,
        /// Bookings made per second on the Cal.com sandbox
        #[arg(long, default_value_t = 200)]
        rate: u32,
        /// Also run on this PostgreSQL server (a fresh database is created and dropped)
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Outbound webhooks: changes fanned out to endpoints on loopback, with and without a slow one
    Webhooks {
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        #[arg(long, default_value_t = 10)]
        endpoints: usize,
        /// Also run on this PostgreSQL server
        #[arg(long)]
        postgres: Option<String>,
    },
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Webhooks { events, endpoints, postgres } => {
            webhooks::run(events, endpoints, postgres.as_deref()).await
        }
        BenchCommand::Booking { bookings, rate, postgres } => booking::run(bookings, rate, postgres.as_deref()).await,
        BenchCommand::Programme { rows, postgres } => programme::run(rows, postgres.as_deref()).await,
        BenchCommand::Membership { orders, postgres } => membership::run(orders, postgres.as_deref()).await,
        BenchCommand::Intake { events, clients, paced_secs, postgres } => {
            intake::run(events, clients, paced_secs, postgres.as_deref()).await
        }
        BenchCommand::Queue { sizes, concurrency, postgres, apalis } => {
            queue::run(&sizes, concurrency, postgres.as_deref()).await?;
            for &n in &apalis {
                let rate = apalis_compare::measure_sqlite(n, concurrency).await?;
                println!("| apalis-sqlite 1.0 (for comparison) | {n} | {rate:.0} |");
            }
            if let Some(pg) = postgres.as_deref() {
                for &n in &apalis {
                    let rate = apalis_compare::measure_postgres(pg, n, concurrency).await?;
                    println!("| apalis-postgres 1.0 (for comparison) | {n} | {rate:.0} |");
                }
            }
            Ok(())
        }
    }
}

/// The p-th percentile (0–100) of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
