//! Equipment moves for the hub's equipment scheduler: check an asset out to the booker when a
//! booking starts ([`SnipeItConnector::checkout_to`]) and back in when it ends
//! ([`SnipeItConnector::checkin`]). Each move first reads the asset (`GET /hardware/bytag/{tag}`)
//! and acts only when the asset is not already where the move would put it, so a retry after a
//! crash (or a lost answer) never acts twice; what another person did in between is reported as
//! an outcome (the hub tells the booking's chat channel), not as an error to retry.

use chrono::{DateTime, Utc};
use hub_connector_sdk::ConnectorError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    SnipeItConnector,
    api::{Answer, excerpt, refused},
    records::{self, AVAILABLE, Holder},
    users,
};

/// The person a booking is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booker {
    /// Their e-mail address: how they are found (or created) in Snipe-IT.
    pub email: String,
    /// Their display name (first word: first name, the rest: last name).
    pub name: String,
}

/// What [`SnipeItConnector::checkout_to`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CheckoutOutcome {
    /// Checked out now.
    CheckedOut { asset_id: u64, user_id: u64 },
    /// The asset already was with a user having the booker's address: nothing was sent.
    AlreadyWithBooker,
    /// Someone else holds it, it is not deployable (pending, in repair, archived), or the tag is
    /// unknown: nothing was done. Not worth a retry; the hub reports the reason.
    Unavailable { reason: String },
}

/// What [`SnipeItConnector::checkin`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CheckinOutcome {
    /// Checked in now.
    CheckedIn,
    /// The asset was not checked out: nothing was sent.
    NotCheckedOut,
    /// Someone other than the expected holder has it now: left alone, the hub reports it.
    HeldBySomeoneElse { holder: String },
}

/// Whether an asset can go to a booker now.
#[derive(Debug, Clone, PartialEq)]
enum Readiness {
    Ready,
    WithBooker,
    Unavailable(String),
}

fn readiness(asset: &Value, email: &str) -> Readiness {
    let tag = records::text(asset, "/asset_tag").unwrap_or_default();
    if asset.get("deleted_at").is_some_and(|d| !d.is_null()) {
        return Readiness::Unavailable(format!("asset {tag} is deleted in Snipe-IT"));
    }
    if let Some(holder) = Holder::of(asset) {
        return if holder.is_user_with_email(email) {
            Readiness::WithBooker
        } else {
            Readiness::Unavailable(format!("asset {tag} is checked out to {}", holder.describe()))
        };
    }
    if records::canonical_status(asset) != AVAILABLE {
        let label = records::text(asset, "/status_label/name").unwrap_or_else(|| "unknown".into());
        let kind = records::text(asset, "/status_label/status_meta")
            .or_else(|| records::text(asset, "/status_label/status_type"))
            .unwrap_or_else(|| "no status".into());
        return Readiness::Unavailable(format!("asset {tag} cannot be checked out: status `{label}` ({kind})"));
    }
    if asset.get("user_can_checkout") == Some(&Value::Bool(false)) {
        return Readiness::Unavailable(format!("asset {tag}: Snipe-IT says it cannot be checked out"));
    }
    Readiness::Ready
}

/// An e-mail address fit to look a user up with.
fn check_email(email: &str) -> Result<(), ConnectorError> {
    let email = email.trim();
    let fits = email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if fits { Ok(()) } else { Err(ConnectorError::Invalid(format!("booker e-mail `{email}` is not an address"))) }
}

fn check_tag(tag: &str) -> Result<&str, ConnectorError> {
    let tag = tag.trim();
    if tag.is_empty() { Err(ConnectorError::Invalid("asset tag: must not be empty".into())) } else { Ok(tag) }
}

/// A `"status":"success"` action answer, else Invalid naming the call.
fn success(what: &str, answer: &Value) -> Result<(), ConnectorError> {
    match answer.get("status").and_then(Value::as_str) {
        Some("success") => Ok(()),
        _ => Err(ConnectorError::Invalid(format!("{what}: unexpected answer {}", excerpt(answer)))),
    }
}

impl SnipeItConnector {
    /// The asset with this tag (the `AssetsTransformer` JSON), `None` when Snipe-IT has none.
    pub async fn asset_by_tag(&self, tag: &str) -> Result<Option<Value>, ConnectorError> {
        self.api.asset_by_tag(check_tag(tag)?).await
    }

    /// Checks the asset tagged `asset_tag` out to `person` (found by e-mail, created if need be),
    /// due back on `expected_checkin`'s UTC date, with `note` in its history. Idempotent: an asset
    /// already with the booker is [`CheckoutOutcome::AlreadyWithBooker`] and nothing is sent.
    pub async fn checkout_to(
        &self,
        asset_tag: &str,
        person: &Booker,
        expected_checkin: Option<DateTime<Utc>>,
        note: &str,
    ) -> Result<CheckoutOutcome, ConnectorError> {
        let tag = check_tag(asset_tag)?;
        check_email(&person.email)?;
        let email = person.email.trim();
        let Some(asset) = self.api.asset_by_tag(tag).await? else {
            return Ok(CheckoutOutcome::Unavailable { reason: format!("no asset with tag {tag} in Snipe-IT") });
        };
        let asset_id = records::asset_id(&asset)
            .ok_or_else(|| ConnectorError::Invalid(format!("asset {tag}: the answer has no numeric `id`")))?;
        match readiness(&asset, email) {
            Readiness::WithBooker => return Ok(CheckoutOutcome::AlreadyWithBooker),
            Readiness::Unavailable(reason) => return Ok(CheckoutOutcome::Unavailable { reason }),
            Readiness::Ready => {}
        }
        let (user_id, created) = users::find_or_create(&self.api, person).await?;
        if created {
            tracing::info!(instance = %self.settings.instance, user_id, "Snipe-IT user created for a booker");
        }
        let mut body = json!({"checkout_to_type": "user", "assigned_user": user_id});
        if let Some(at) = expected_checkin {
            body["expected_checkin"] = json!(at.date_naive().format("%Y-%m-%d").to_string());
        }
        if !note.trim().is_empty() {
            body["note"] = json!(note.trim());
        }
        let what = format!("POST /api/v1/hardware/{asset_id}/checkout");
        match self.api.checkout(asset_id, &body).await? {
            Answer::Done(answer) => {
                success(&what, &answer)?;
                tracing::info!(instance = %self.settings.instance, asset = %tag, asset_id, user_id, "asset checked out");
                Ok(CheckoutOutcome::CheckedOut { asset_id, user_id })
            }
            // Refused although it looked available: someone may have moved it in between.
            Answer::Refused { messages, .. } => match self.api.asset_by_tag(tag).await?.map(|a| readiness(&a, email)) {
                Some(Readiness::WithBooker) => Ok(CheckoutOutcome::AlreadyWithBooker),
                Some(Readiness::Unavailable(reason)) => {
                    Ok(CheckoutOutcome::Unavailable { reason: format!("{reason} (Snipe-IT: {messages})") })
                }
                None => Ok(CheckoutOutcome::Unavailable { reason: format!("asset {tag} vanished from Snipe-IT") }),
                Some(Readiness::Ready) => Err(refused(&what, &messages)),
            },
        }
    }

    /// Checks the asset tagged `asset_tag` back in, with `note` in its history. With
    /// `expected_holder_email`, only when a user with that address holds it. Idempotent: an
    /// asset not checked out is [`CheckinOutcome::NotCheckedOut`] and nothing is sent. An unknown
    /// tag is `Invalid`.
    pub async fn checkin(
        &self,
        asset_tag: &str,
        expected_holder_email: Option<&str>,
        note: &str,
    ) -> Result<CheckinOutcome, ConnectorError> {
        let tag = check_tag(asset_tag)?;
        let unknown = || ConnectorError::Invalid(format!("no asset with tag {tag} in Snipe-IT"));
        let asset = self.api.asset_by_tag(tag).await?.ok_or_else(unknown)?;
        let asset_id = records::asset_id(&asset)
            .ok_or_else(|| ConnectorError::Invalid(format!("asset {tag}: the answer has no numeric `id`")))?;
        let elsewhere = |holder: &Holder| expected_holder_email.is_some_and(|email| !holder.is_user_with_email(email));
        let Some(holder) = Holder::of(&asset) else { return Ok(CheckinOutcome::NotCheckedOut) };
        if elsewhere(&holder) {
            return Ok(CheckinOutcome::HeldBySomeoneElse { holder: holder.describe() });
        }
        let body = if note.trim().is_empty() { json!({}) } else { json!({"note": note.trim()}) };
        let what = format!("POST /api/v1/hardware/{asset_id}/checkin");
        match self.api.checkin(asset_id, &body).await? {
            Answer::Done(answer) => {
                success(&what, &answer)?;
                tracing::info!(instance = %self.settings.instance, asset = %tag, asset_id, "asset checked in");
                Ok(CheckinOutcome::CheckedIn)
            }
            // Refused: someone may have checked it in (or moved it) in between.
            Answer::Refused { messages, .. } => {
                let now = self.api.asset_by_tag(tag).await?.ok_or_else(unknown)?;
                match Holder::of(&now) {
                    None => Ok(CheckinOutcome::NotCheckedOut),
                    Some(h) if elsewhere(&h) => Ok(CheckinOutcome::HeldBySomeoneElse { holder: h.describe() }),
                    Some(_) => Err(refused(&what, &messages)),
                }
            }
        }
    }
}
