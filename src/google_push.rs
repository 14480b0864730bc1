//! Google push channels: for each `google_calendar` instance with a `channel_token`, one channel
//! per resource calendar towards the hub's `/hooks/{instance}` (`push_url`, else this hub's own
//! address: enough for the sandbox and a local Google test, not for Google itself, which wants
//! HTTPS), opened at start and renewed before it expires (the connector's `needs_renewal`, an
//! hour ahead); a calendar whose channel cannot be opened is tried again next check. Channels are
//! kept in memory: after a restart new ones are opened and the old ones simply expire (a second
//! notification is only a second hint; `records_for_event` reads the calendar's changes once).
//! A notification carries no data: the connector verifies its token and reads the changes.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use chrono::Utc;
use hub_connector_google_calendar::{Channel, GoogleCalendarConnector, needs_renewal};

use crate::{
    config::{Config, ConnectorConfig},
    registry::Registry,
};

/// How often open channels are checked for renewal.
pub const CHECK_EVERY: Duration = Duration::from_secs(60);
/// How soon a missing channel is tried again (no consent yet, or Google refused).
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

struct Watcher {
    instance: String,
    connector: Arc<GoogleCalendarConnector>,
    address: String,
    ttl: Option<chrono::Duration>,
    channels: BTreeMap<String, Channel>,
}

impl Watcher {
    /// Opens what is missing, renews what is due; whether every calendar has its channel.
    async fn check(&mut self) -> bool {
        if !self.connector.is_authorized() {
            return false;
        }
        let calendars: Vec<String> = self.connector.settings().calendars.values().cloned().collect();
        for calendar in calendars {
            let result = match self.channels.get(&calendar) {
                None => self.connector.watch(&calendar, &self.address, self.ttl).await,
                Some(old) if needs_renewal(old, Utc::now()) => self.connector.renew(old, &self.address, self.ttl).await,
                Some(_) => continue,
            };
            match result {
                Ok(channel) => {
                    tracing::info!(instance = %self.instance, calendar = %calendar, expires = ?channel.expiration,
                        "Google push channel open");
                    self.channels.insert(calendar, channel);
                }
                Err(e) => tracing::warn!(instance = %self.instance, calendar = %calendar, error = %e,
                    "Google push channel not opened; the scheduled sync still reads the calendar"),
            }
        }
        self.channels.len() >= self.connector.settings().calendars.len()
    }
}

/// The watchers of the configured instances (those with a `channel_token`).
fn watchers(config: &Config, registry: &Registry, hub: SocketAddr) -> Vec<Watcher> {
    let host = if hub.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], hub.port())) } else { hub };
    config
        .connectors
        .iter()
        .filter_map(|(name, table)| {
            let ConnectorConfig::GoogleCalendar(c) = table else { return None };
            let connector = registry.get(name).filter(|i| i.enabled)?.google.clone()?;
            c.channel_token.as_ref()?;
            Some(Watcher {
                instance: name.clone(),
                connector,
                address: c.push_url.clone().unwrap_or_else(|| format!("http://{host}/hooks/{name}")),
                ttl: c.channel_ttl_secs.map(|s| chrono::Duration::seconds(s as i64)),
                channels: BTreeMap::new(),
            })
        })
        .collect()
}

/// Runs until aborted (the app aborts it at shutdown).
pub async fn run(config: Arc<Config>, registry: Arc<Registry>, hub: SocketAddr) {
    let mut all = watchers(&config, &registry, hub);
    if all.is_empty() {
        return;
    }
    loop {
        let mut complete = true;
        for w in &mut all {
            complete &= w.check().await;
        }
        // Until every channel is open (consent not given yet, Google unreachable), look again soon.
        tokio::time::sleep(if complete { CHECK_EVERY } else { RETRY_EVERY }).await;
    }
}
