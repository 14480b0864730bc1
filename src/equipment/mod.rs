//! Equipment loans: a booking of a resource listing Snipe-IT `asset_tags` checks those assets
//! out to the booker when it starts (`[equipment] checkout_lead_secs` before) and back in when it
//! ends, is cancelled or deleted, or moves away from now.
//!
//! # Shape: a polling loop over the store, not jobs planned at exact times
//! A job queued for "check out at 14:00" would be planned from the booking as it was then; the
//! booking moves, is cancelled or changes resource afterwards, and every such change would have
//! to find and cancel or re-plan its jobs. Instead, every `poll_interval_secs` the loop reads the
//! bookings as they are now (the live ones of equipped resources not yet ended, and any booking —
//! deleted or ended — with a loan still out: one query, then one for their loans), decides with
//! the pure [`plan`] what is due, and acts. Nothing can fire for an outdated time, a restart
//! loses nothing, and an idle tick costs two small reads. The price is precision: moves happen
//! within one interval of the due time.
//!
//! # State and idempotency
//! `equipment_loans` (migration 0006) holds, per booking and tag, `out`, `in` or `unavailable`.
//! The move is made first, then recorded: a crash in between leaves the row behind, and the next
//! tick makes the same move again, which the connector answers `AlreadyWithBooker` or
//! `NotCheckedOut` without acting. What someone else did (the asset held by another person, in
//! repair, unknown; or held by someone else at return time) and the errors a retry cannot fix
//! (Snipe-IT's HTTP 200 `status:error` refusals arrive as Invalid) are posted ONCE in the
//! resource's Mattermost channel (the first enabled `mattermost` instance) and recorded
//! `unavailable`, never retried; so is a booking without booker e-mail. Transient failures,
//! rate limits and refused credentials are logged and retried next tick. A notice whose post
//! failed transiently is retried too (the loan is recorded only once the post went out).
//! Two hub processes running the loop at once could post a notice twice (no lock is taken).

mod plan;

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use hub_connector_mattermost::{MattermostConnector, render::french_datetime};
use hub_connector_sdk::ConnectorError;
use hub_connector_snipeit::{Booker, CheckinOutcome, CheckoutOutcome, SnipeItConnector};
use tokio::sync::watch;

pub use plan::{Action, Booking, Return, plan};

use crate::{
    config::{Config, MAX_LEAD_SECS},
    registry::Registry,
    store::{LOAN_IN, LOAN_OUT, LOAN_UNAVAILABLE, Store, StoreError},
};

/// The notice of an asset that could not go out.
pub const OUT_HEADING: &str = "Matériel indisponible";
/// The notice of an asset that could not come back.
pub const BACK_HEADING: &str = "Retour du matériel impossible";

/// A tick that could not read or record (the database); the loop logs it and tries again.
#[derive(Debug, thiserror::Error)]
pub enum EquipmentError {
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What the loop needs, resolved once at start.
#[derive(Clone)]
pub struct Equipment {
    pub store: Store,
    pub registry: Arc<Registry>,
    pub snipeit: Arc<SnipeItConnector>,
    /// Where notices go (none: they are only logged).
    pub chat: Option<Arc<MattermostConnector>>,
    pub poll: Duration,
    pub lead: chrono::Duration,
}

impl Equipment {
    /// The loop's parts, or `None` when it has nothing to do: `[equipment]` disabled, no enabled
    /// `snipeit` instance, or no resource with `asset_tags`.
    pub fn from_config(config: &Config, store: &Store, registry: &Arc<Registry>) -> Option<Equipment> {
        let snipeit = registry.instances().filter(|i| i.enabled).find_map(|i| i.snipeit.clone())?;
        let equipped = registry.resources().values().any(|r| !r.asset_tags.is_empty());
        if !config.equipment.enabled || !equipped {
            return None;
        }
        Some(Equipment {
            store: store.clone(),
            registry: registry.clone(),
            snipeit,
            chat: registry.instances().filter(|i| i.enabled).find_map(|i| i.mattermost.clone()),
            poll: Duration::from_secs(config.equipment.poll_interval_secs.max(1)),
            lead: chrono::Duration::seconds(
                i64::try_from(config.equipment.checkout_lead_secs.min(MAX_LEAD_SECS)).unwrap_or(0),
            ),
        })
    }

    /// Ticks every `poll` until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(every_secs = self.poll.as_secs(), "equipment loans loop started");
        while !*shutdown.borrow() {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "equipment tick failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                changed = shutdown.changed() => if changed.is_err() { return },
            }
        }
    }

    /// One look at the bookings; returns the moves planned (made or not).
    pub async fn tick(&self) -> Result<usize, EquipmentError> {
        let now = Utc::now();
        let resources = self.registry.resources();
        let equipped: Vec<String> =
            resources.iter().filter(|(_, r)| !r.asset_tags.is_empty()).map(|(s, _)| s.clone()).collect();
        let since = (now - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let rows = self.store.equipment_bookings(&equipped, &since).await?;
        let bookings: Vec<Booking> = rows.iter().filter_map(Booking::from_row).collect();
        let ids: Vec<uuid::Uuid> = bookings.iter().map(|b| b.id).collect();
        let loans = self.store.equipment_loans(&ids).await?;
        let actions = plan(&bookings, &loans, resources, now, self.lead);
        for action in &actions {
            self.act(action).await?;
        }
        Ok(actions.len())
    }

    async fn act(&self, action: &Action) -> Result<(), EquipmentError> {
        match action {
            Action::Checkout { booking, tag } => {
                let email = booking.booker_email.clone().unwrap_or_default();
                let name = booking.booker_name.clone().unwrap_or_else(|| email.clone());
                let note = format!(
                    "Réservation {} du {} au {}",
                    self.resource_name(booking),
                    french_datetime(&booking.starts_at),
                    french_datetime(&booking.ends_at)
                );
                let booker = Booker { email, name };
                match self.snipeit.checkout_to(tag, &booker, Some(booking.ends_at), &note).await {
                    Ok(CheckoutOutcome::CheckedOut { .. } | CheckoutOutcome::AlreadyWithBooker) => {
                        tracing::info!(booking = %booking.id, tag, "equipment checked out");
                        self.store.set_loan(booking.id, tag, LOAN_OUT, "").await?;
                    }
                    Ok(CheckoutOutcome::Unavailable { reason }) => {
                        self.unavailable(booking, tag, OUT_HEADING, &reason).await?
                    }
                    Err(e) => self.failed(booking, tag, OUT_HEADING, e).await?,
                }
            }
            Action::Checkin { booking, tag, why } => {
                let note = format!("Retour : {} ({})", why.french(), self.resource_name(booking));
                match self.snipeit.checkin(tag, booking.booker_email.as_deref(), &note).await {
                    Ok(CheckinOutcome::CheckedIn | CheckinOutcome::NotCheckedOut) => {
                        tracing::info!(booking = %booking.id, tag, why = why.french(), "equipment checked in");
                        self.store.set_loan(booking.id, tag, LOAN_IN, why.french()).await?;
                    }
                    Ok(CheckinOutcome::HeldBySomeoneElse { holder }) => {
                        let reason = format!("détenu par {holder}, laissé tel quel");
                        self.unavailable(booking, tag, BACK_HEADING, &reason).await?;
                    }
                    Err(e) => self.failed(booking, tag, BACK_HEADING, e).await?,
                }
            }
            Action::NoEmail { booking, tag } => {
                let reason = "la réservation n'a pas d'adresse e-mail, le prêt est impossible";
                self.unavailable(booking, tag, OUT_HEADING, reason).await?;
            }
        }
        Ok(())
    }

    /// A failed move: retried next tick when it may pass later (network, rate limit, refused
    /// token: someone fixes it), else reported once.
    async fn failed(&self, b: &Booking, tag: &str, heading: &str, e: ConnectorError) -> Result<(), EquipmentError> {
        if e.is_retryable() || matches!(e, ConnectorError::Auth(_)) {
            tracing::warn!(booking = %b.id, tag, error = %e, "equipment move failed, retried next tick");
            return Ok(());
        }
        self.unavailable(b, tag, heading, &format!("Snipe-IT refuse : {e}")).await
    }

    /// Posts the notice once, then records the loan `unavailable` (not when the post failed
    /// transiently: next tick tries again).
    async fn unavailable(
        &self,
        booking: &Booking,
        tag: &str,
        heading: &str,
        reason: &str,
    ) -> Result<(), EquipmentError> {
        tracing::warn!(booking = %booking.id, tag, reason, "equipment not lent or not returned");
        let text = format!(
            "{heading} pour la réservation de {} ({}, {}) : {tag} — {reason}",
            self.resource_name(booking),
            booking.booker_name.as_deref().unwrap_or("sans nom"),
            french_datetime(&booking.starts_at)
        );
        let channel = self
            .registry
            .resources()
            .get(&booking.resource)
            .map_or(booking.resource.as_str(), |r| r.channel_name(&booking.resource));
        match &self.chat {
            None => tracing::warn!(booking = %booking.id, tag, "no enabled mattermost instance: notice not posted"),
            Some(chat) => match chat.notify(channel, &text).await {
                Ok(_) => {}
                Err(e) if e.is_retryable() => {
                    tracing::warn!(booking = %booking.id, tag, channel, error = %e, "notice not posted, retried next tick");
                    return Ok(());
                }
                Err(e) => tracing::error!(booking = %booking.id, tag, channel, error = %e, "notice not posted"),
            },
        }
        self.store.set_loan(booking.id, tag, LOAN_UNAVAILABLE, reason).await?;
        Ok(())
    }

    fn resource_name(&self, booking: &Booking) -> String {
        let slug = booking.resource.as_str();
        self.registry.resources().get(slug).map_or(slug, |r| r.display_name(slug)).to_string()
    }
}
