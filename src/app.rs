//! Assembles the hub from its configuration: store, mappings, connectors, queue, HTTP server,
//! workers and schedules; runs them until a shutdown signal; and spawns whole apps for tests.

use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{
    config::Config,
    flows::Flows,
    http::{self, AppState},
    mapping::{MappingErrors, MappingSet},
    queue::{self, QueueHandle, QueueSettings, RetrySettings, ScheduleEntry},
    registry::{Registry, RegistryError},
    store::{Store, StoreError},
};

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("invalid mappings:\n{0}")]
    Mappings(MappingErrors),
    #[error("invalid connectors:\n{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Connectors(Vec<RegistryError>),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// A built hub, not yet serving.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub registry: Arc<Registry>,
    pub mappings: Arc<MappingSet>,
    pub queue: QueueHandle,
}

/// Loads mappings and connectors and checks them against each other; all problems at once.
pub fn load_definitions(config: &Config) -> Result<(Arc<Registry>, Arc<MappingSet>), AppError> {
    let mappings = MappingSet::load_dir(Path::new(&config.mappings.dir)).map_err(AppError::Mappings)?;
    let registry = Registry::from_config(config).map_err(AppError::Connectors)?;
    let problems = registry.check_mappings(&mappings);
    if !problems.is_empty() {
        return Err(AppError::Connectors(problems));
    }
    Ok((Arc::new(registry), Arc::new(mappings)))
}

impl App {
    /// Connects to the database, applies migrations, loads mappings and connectors.
    pub async fn build(config: Config) -> Result<App, AppError> {
        let (registry, mappings) = load_definitions(&config)?;
        // Every worker holds at most one connection; keep a few for intake, claims and the API.
        let connections = config.database.max_connections.max(config.queue.concurrency as u32 + 4);
        let store = Store::connect(&config.database_url(), connections).await?;
        store.migrate().await?;
        registry.bind_programme(&store, &mappings);
        crate::consent::load_tokens(&store, &config, &registry, 0).await;
        crate::webhooks::endpoints::sync_config(&store, &config.webhooks).await?;
        let queue = QueueHandle::new(store.clone(), config.queue.max_attempts);
        Ok(App { config: Arc::new(config), store, registry, mappings, queue })
    }

    pub fn flows(&self) -> Flows {
        Flows {
            store: self.store.clone(),
            registry: self.registry.clone(),
            mappings: self.mappings.clone(),
            queue: self.queue.clone(),
        }
    }

    pub fn queue_settings(&self) -> QueueSettings {
        let q = &self.config.queue;
        QueueSettings {
            concurrency: q.concurrency,
            batch: q.batch_size,
            poll: Duration::from_millis(q.poll_interval_ms),
            lease: Duration::from_secs(q.lease_secs),
            shutdown_timeout: Duration::from_secs(q.shutdown_timeout_secs),
            retry: RetrySettings {
                max_attempts: q.max_attempts,
                base: Duration::from_millis(q.backoff_base_ms),
                max: Duration::from_secs(q.backoff_max_secs),
                retry_after_max: Duration::from_secs(q.retry_after_max_secs),
            },
        }
    }

    fn state(&self) -> AppState {
        AppState {
            store: self.store.clone(),
            queue: self.queue.clone(),
            registry: self.registry.clone(),
            admin_token: self.config.admin.token.clone(),
            body_limit: self.config.http.body_limit_bytes,
            trusted_proxies: Arc::new(self.config.http.trusted_proxies.clone()),
            webhook_policy: Arc::new(crate::webhooks::guard::AddressPolicy::new(
                self.config.webhooks.allow_networks.clone(),
            )),
            rotation_overlap_secs: self.config.webhooks.rotation_overlap_secs,
            config: self.config.clone(),
        }
    }

    fn schedules(&self) -> Vec<ScheduleEntry> {
        let mut out = Vec::new();
        for inst in self.registry.instances().filter(|i| i.enabled) {
            for (stream, cron) in &inst.schedules {
                match ScheduleEntry::parse(&inst.name, stream, cron) {
                    Ok(e) => out.push(e),
                    Err(e) => {
                        tracing::error!(instance = %inst.name, stream, error = %e, "schedule ignored")
                    }
                }
            }
        }
        out
    }

    /// Serves HTTP on `listener` and runs the workers and schedules until `shutdown` turns true:
    /// then intake stops, and in-flight jobs get `queue.shutdown_timeout_secs` to finish.
    pub async fn run(self, listener: TcpListener, shutdown: watch::Receiver<bool>) -> Result<(), AppError> {
        let _ = http::metrics::prometheus();
        let router = http::router(self.state());
        let local = listener.local_addr().ok();
        let server_stop = wait_for(shutdown.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(server_stop)
                .await
        });
        let scheduler = tokio::spawn(queue::run_scheduler(self.schedules(), self.queue.clone()));
        let tokens = tokio::spawn(reload_consents(self.store.clone(), self.config.clone(), self.registry.clone()));
        let channels =
            local.map(|addr| tokio::spawn(crate::google_push::run(self.config.clone(), self.registry.clone(), addr)));
        let dispatcher = self.config.webhooks.enabled.then(|| {
            let settings = crate::webhooks::dispatch::DispatchSettings::from_config(&self.config.webhooks);
            tokio::spawn(crate::webhooks::dispatch::run(self.store.clone(), settings, shutdown.clone()))
        });
        let pusher = self.config.targets.enabled.then(|| {
            let settings = crate::targets::TargetSettings::from_config(&self.config.targets);
            tokio::spawn(crate::targets::run(self.store.clone(), self.registry.clone(), settings, shutdown.clone()))
        });
        let equipment = crate::equipment::Equipment::from_config(&self.config, &self.store, &self.registry)
            .map(|equipment| tokio::spawn(equipment.run(shutdown.clone())));
        let workers = queue::run_workers(
            self.store.clone(),
            self.queue.clone(),
            Arc::new(self.flows()),
            self.queue_settings(),
            wait_for(shutdown),
        )
        .await;
        scheduler.abort();
        tokens.abort();
        if let Some(channels) = channels {
            channels.abort();
        }
        if let Err(e) = workers {
            tracing::error!(error = %e, "workers stopped with an error");
        }
        if let Some(dispatcher) = dispatcher {
            match dispatcher.await {
                Ok(Err(e)) => tracing::error!(error = %e, "webhook dispatcher stopped with an error"),
                Err(e) => tracing::error!(error = %e, "webhook dispatcher panicked"),
                Ok(Ok(())) => {}
            }
        }
        if let Some(equipment) = equipment
            && let Err(e) = equipment.await
        {
            tracing::error!(error = %e, "equipment loans loop panicked");
        }
        if let Some(pusher) = pusher {
            match pusher.await {
                Ok(Err(e)) => tracing::error!(error = %e, "target pushes stopped with an error"),
                Err(e) => tracing::error!(error = %e, "target pushes panicked"),
                Ok(Ok(())) => {}
            }
        }
        let served = server.await.map_err(|e| AppError::Serve(std::io::Error::other(e)))?;
        self.store.close().await;
        served.map_err(AppError::Serve)
    }

    /// Binds `config.http.bind` (port 0 picks a free port) and runs in the background.
    pub async fn spawn(self) -> Result<RunningApp, AppError> {
        let bind = self.config.http.bind;
        let listener = TcpListener::bind(bind).await.map_err(|source| AppError::Bind { addr: bind, source })?;
        let addr = listener.local_addr().map_err(|source| AppError::Bind { addr: bind, source })?;
        let (tx, rx) = watch::channel(false);
        let store = self.store.clone();
        let handle = tokio::spawn(self.run(listener, rx));
        Ok(RunningApp { addr, store, shutdown: tx, handle })
    }
}

/// Gives the Google connectors their stored refresh tokens, then looks for newer ones (a consent
/// received by another process) every [`crate::consent::RELOAD_EVERY`].
async fn reload_consents(store: Store, config: Arc<Config>, registry: Arc<Registry>) {
    if !registry.instances().any(|i| i.google.is_some()) {
        return;
    }
    let mut since = 0;
    loop {
        since = crate::consent::load_tokens(&store, &config, &registry, since).await;
        tokio::time::sleep(crate::consent::RELOAD_EVERY).await;
    }
}

async fn wait_for(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// A hub running in the background (tests, `hub bench`).
pub struct RunningApp {
    pub addr: SocketAddr,
    pub store: Store,
    shutdown: watch::Sender<bool>,
    handle: JoinHandle<Result<(), AppError>>,
}

impl RunningApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Graceful stop: intake closes, running jobs finish, then everything is dropped.
    pub async fn stop(self) -> Result<(), AppError> {
        let _ = self.shutdown.send(true);
        self.handle.await.map_err(|e| AppError::Serve(std::io::Error::other(e)))?
    }
}
