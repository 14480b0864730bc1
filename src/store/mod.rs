//! The canonical store: one enum over a SQLite or a PostgreSQL pool, runtime queries only.
//!
//! The same SQL text (with `$n` placeholders) runs on both databases almost everywhere; where the
//! dialects differ (row locking for the job queue), the module says so. `on_pool!`, `on_write!`
//! and `on_tx!` expand one body twice, once per driver, so each query is written once. SQLite runs
//! in WAL mode with `synchronous = NORMAL` and one writer connection: writers queue on the pool
//! (async, in order) instead of spinning in SQLite's busy handler, and readers use their own pool,
//! which WAL never blocks. The job queue lives in our own `jobs` table in the same database, so an
//! inbox row and its job are written in one transaction (see `queue/`). Rule for callers: never
//! hold a transaction across a network call (read from the remote tool first, then write).
//!
//! # Durability on PostgreSQL: first-hand writes wait for the disk, derived ones do not
//! Sessions run with `synchronous_commit = off`: a commit returns before its WAL is flushed
//! (PostgreSQL flushes within three `wal_writer_delay`s, 600 ms by default). A crash of the hub
//! loses nothing by it (the server has the commit); a crash of the PostgreSQL server can forget
//! the last instants of commits, but never half of one. That is safe for everything the hub
//! derives (jobs' progress, canonical records, planned and finished pushes, deliveries): each is
//! redone from what stays durable, by the same idempotent paths a crash of the hub already takes
//! (a job runs again, a push is sent again and finds its first write). What the hub cannot
//! redo is written with [`Store::begin_durable`] (`synchronous_commit = on`, the commit waits for
//! the flush): an inbox row a vendor was told was received, a registration to the programme (the
//! hub is its system of record), and what an administrator did (OAuth tokens, webhook endpoints
//! and replays, dead jobs and failed pushes sent back). Measured with `hub bench booking --postgres`: waiting for every
//! flush made the commit the hub's largest cost (10 ms each on this machine's disk).

mod calendars;
mod entities;
mod equipment;
mod inbox;
mod jobs;
mod links;
mod misc;
mod oauth;
mod target_pushes;
mod webhook_deliveries;
mod webhook_endpoints;
mod webhook_history;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use entities::{EntityRow, entity_table};
pub use equipment::{LOAN_IN, LOAN_OUT, LOAN_UNAVAILABLE, LoanRow};
pub use inbox::{InboxInsert, InboxRow};
pub use jobs::{ClaimedJob, JobRow, NewJob};
pub use links::LinkRow;
pub use misc::{AuditEntry, AuditRow, ChangeSource, OutboxRow};
pub use oauth::PendingConsent;
pub use target_pushes::{ClaimedPush, PushEnd, PushRow};
pub use webhook_deliveries::{
    AttemptRow, ClaimedDelivery, DeliveryOutcome, DeliveryRow, MessageRow, NewAttempt, NewMessage,
};
pub use webhook_endpoints::{EndpointPatch, EndpointRow, NewEndpoint};

/// A store failure. Every variant is a server-side problem (HTTP 500), never the client's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("stored data is not what the hub wrote: {0}")]
    Corrupt(String),
    #[error("a database task stopped: {0}")]
    Task(String),
}

impl StoreError {
    /// A unique-constraint violation: another writer got there first; the job retries and matches.
    pub fn is_conflict(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// The two databases the hub runs on.
#[derive(Clone, Debug)]
pub enum Db {
    /// Readers, and the single writer.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// The canonical store.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
}

/// A transaction on either database.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs a read with `$pool` bound to the concrete (reader) pool.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite { read: $pool, .. } => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs a write with `$pool` bound to the concrete writer pool.
macro_rules! on_write {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite { write: $pool, .. } => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs one first-hand write in its own durable transaction ([`Store::begin_durable`]), with
/// `$conn` bound to its connection.
macro_rules! on_durable_write {
    ($store:expr, $conn:ident => $body:expr) => {{
        let mut tx = $store.begin_durable().await?;
        let out = $crate::store::on_tx!(&mut tx, $conn => $body);
        tx.commit().await?;
        out
    }};
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_durable_write;
pub(crate) use on_pool;
pub(crate) use on_tx;
pub(crate) use on_write;

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Store {
    /// Connects to `url` (`sqlite:` or `postgres:`), creating the SQLite file and its folder.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .pragma("temp_store", "memory");
            if let Some(parent) = opts.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|source| StoreError::DataDir { path: parent.display().to_string(), source })?;
            }
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(120))
                .connect_with(opts.clone())
                .await?;
            let read = SqlitePoolOptions::new().max_connections(max_connections.max(2)).connect_with(opts).await?;
            Ok(Store { db: Db::Sqlite { read, write } })
        } else {
            let opts = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "off")]);
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Store { db: Db::Postgres(pool) })
        }
    }

    /// Opens an SQLite database file (tests, benches).
    pub async fn open_sqlite_file(path: &Path) -> Result<Store, StoreError> {
        Store::connect(&format!("sqlite://{}?mode=rwc", path.display()), 10).await
    }

    /// Applies the migrations of this database's dialect (our own `_sqlx_migrations` table).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Whether every migration this binary knows is applied (for `/readyz`).
    pub async fn migrations_applied(&self) -> Result<bool, StoreError> {
        let (migrator, applied): (sqlx::migrate::Migrator, Vec<i64>) = match &self.db {
            Db::Sqlite { read: p, .. } => (
                sqlx::migrate!("./migrations/sqlite"),
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(p)
                    .await
                    .unwrap_or_default(),
            ),
            Db::Postgres(p) => (
                sqlx::migrate!("./migrations/postgres"),
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(p)
                    .await
                    .unwrap_or_default(),
            ),
        };
        Ok(migrator.iter().all(|m| applied.contains(&m.version)))
    }

    /// A trivial round trip (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, p => { sqlx::query("SELECT 1").execute(p).await?; });
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.db, Db::Sqlite { .. })
    }

    /// Begins a transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken up front,
    /// so reads inside it are consistent and it never fails later upgrading a read lock.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.db {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Begins a transaction whose commit waits for the disk on PostgreSQL even though sessions
    /// do not (see the module doc): for what the hub cannot redo if the server forgot it.
    pub async fn begin_durable(&self) -> Result<Tx, StoreError> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query("SET LOCAL synchronous_commit = on").execute(&mut **t).await?;
        }
        Ok(tx)
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Milliseconds since the Unix epoch, the queue's clock.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
