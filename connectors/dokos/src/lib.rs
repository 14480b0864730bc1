//! Dokos connector (Frappe REST API v1, as Dokos — the French fork of ERPNext — serves it).
//!
//! # Streams
//! - `customers` ([`EntityKind::Person`]): Customers of type `Individual`, each joined with its
//!   primary Contact (`customer_primary_contact`). A record's `data` is the Customer's columns
//!   (`name`, `customer_name`, `customer_type`, `customer_primary_contact`, `email_id`,
//!   `mobile_no`, `primary_address`, `language`, `disabled`, `creation`, `modified`) plus
//!   `contact` (the Contact's `name`, `first_name`, `last_name`, `email_id`, `phone`,
//!   `mobile_no`, `modified`, or null) and flat conveniences for the mapping: `given_name`,
//!   `family_name`, `email` (the Contact's, else the Customer's), `phone` (mobile first).
//!   Addresses are only what the Customer shows (`primary_address`, a text). A disabled
//!   Customer (`disabled: 1`, what a deletion written by the hub leaves) is `deleted: true`.
//! - `subscriptions` ([`EntityKind::Membership`]): Subscription documents (`name`, `customer`,
//!   `status`, `start`, `cancellation_date`, `current_invoice_start`, `current_invoice_end`,
//!   `billing_interval`, `billing_interval_count`, `total`, `grand_total`, `currency`,
//!   `company`, `modified`, ...), each read in full for its `plans` rows (`item`, `qty`, `rate`),
//!   plus `items` (the plan items), `plan` (the canonical plan whose `membership_plans` entry
//!   names the first item, or null) and `person_email` (the customer's e-mail).
//!
//! # Cursor
//! Both streams are incremental on Frappe's `modified` (site time, Europe/Paris, microseconds):
//! the cursor is `{"modified": "<last modified>", "name": "<last name>"}` and a page is
//! `filters=[["modified",">=",m]]` AND `or_filters=[["modified",">",m],["name",">",n]]`,
//! `order_by=modified asc, name asc`, `limit_start=0`, `limit_page_length=page_size` — a keyset
//! pagination that neither skips nor repeats rows when documents change between pages (an
//! offset would). Only saves move `modified`: a Contact edited alone in the desk does not move
//! its Customer (the connector's own writes re-save the Customer, so they do).
//! `updated_at` is `modified` read as Europe/Paris time.
//!
//! # Writes
//! - Person: the Customer named by `external_id`; else the Contact whose `email_id` equals the
//!   e-mail (trimmed, case-insensitive) and its linked Customer — reused, never duplicated;
//!   else a Contact (e-mail, mobile, names) is created first, then an `Individual` Customer
//!   pointing at it (`customer_primary_contact`), then the Contact gets its Dynamic Link row to
//!   the Customer (a retry after a failure in between finds the Contact by e-mail and goes on).
//!   Updates send only changed values, with the `modified` just read (Frappe answers
//!   `TimestampMismatchError` if someone saved in between: a retryable error). A deletion
//!   disables the Customer (`disabled: 1`): customers with invoices cannot be deleted.
//!   Address fields are not written (the Address DocType is out of scope).
//! - Membership: Dokos's own **Subscription** DocType (Dokos fields: `customer`, `start`,
//!   `plans` rows of `item`, `status`, `cancellation_date`) rather than ERPNext's
//!   `party`/`plans[plan]` schema or a Sales Invoice: a membership is a recurring subscription to
//!   an Item in Dokos, and invoices are derived from it. `membership_plans` maps the canonical
//!   plan to the Dokos Item of the plan row (an unknown plan is a permanent error). `active`
//!   creates (or reactivates) the Subscription of the customer found by `person_email`, starting
//!   on `period_start`, with `amount` as the row's fixed rate when given; it is found again by
//!   `external_id`, else by customer + start date + item, so a second write changes nothing.
//!   `cancelled`, `refunded` and deletions cancel it as the Dokos desk does: `status:
//!   "Cancelled"` and `cancellation_date` (`period_end`, else today). `pending` is refused (Dokos
//!   has no pending subscription); `expired` only records `period_end` as `cancellation_date` of
//!   an existing Subscription.
//!
//! # Limits
//! - Contacts are named after the person's full name; Dokos answers `DuplicateEntryError` for a
//!   second person with the same name (refused as Invalid before anything is created).
//! - Contact-only edits made in the desk reach the `customers` stream at the Customer's next save.
//! - No webhook decoder: both streams are polled.

mod api;
mod read;
mod write;

use std::collections::BTreeMap;

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, StreamInfo, SyncMode,
    WriteOutcome,
    http::{HttpClient, HttpSettings},
};

use crate::api::Api;

/// The connector's kind.
pub const KIND: &str = "dokos";

/// The `customers` stream.
pub const CUSTOMERS: &str = "customers";
/// The `subscriptions` stream.
pub const SUBSCRIPTIONS: &str = "subscriptions";

/// Settings of a Dokos instance (`[connectors.NAME]` with `kind = "dokos"`).
#[derive(Clone, PartialEq)]
pub struct DokosSettings {
    /// The connector instance's name.
    pub instance: String,
    /// The site's URL, e.g. `https://tiers-lieu.dokos.cloud`.
    pub base_url: String,
    /// The API user's key.
    pub api_key: String,
    /// The API user's secret (never logged).
    pub api_secret: String,
    /// Canonical membership plan → the Dokos Item of the Subscription's plan row.
    pub membership_plans: BTreeMap<String, String>,
    /// Rows per list page (1..=500).
    pub page_size: u32,
}

impl DokosSettings {
    /// Settings with no membership plans and 100 rows per page.
    pub fn new(
        instance: impl Into<String>,
        base_url: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> DokosSettings {
        DokosSettings {
            instance: instance.into(),
            base_url: base_url.into(),
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            membership_plans: BTreeMap::new(),
            page_size: 100,
        }
    }

    /// What is wrong with these settings, naming the field; `None` when they are usable.
    pub fn problem(&self) -> Option<String> {
        let base = self.base_url.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            Some(format!("base_url: `{base}` is not an http(s) URL"))
        } else if self.api_key.trim().is_empty() || self.api_key.contains([':', ' ']) {
            Some("api_key: must be a non-empty key without `:` or spaces".into())
        } else if self.api_secret.trim().is_empty() {
            Some("api_secret: must not be empty".into())
        } else if self.page_size == 0 || self.page_size > 500 {
            Some(format!("page_size: {} is not between 1 and 500", self.page_size))
        } else if let Some((plan, item)) =
            self.membership_plans.iter().find(|(plan, item)| plan.trim().is_empty() || item.trim().is_empty())
        {
            Some(format!("membership_plans: `{plan}` → `{item}` has an empty side"))
        } else {
            None
        }
    }
}

impl std::fmt::Debug for DokosSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokosSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("api_secret", &"[redacted]")
            .field("membership_plans", &self.membership_plans)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// A Dokos site as a hub connector.
#[derive(Debug)]
pub struct DokosConnector {
    settings: DokosSettings,
    api: Api,
}

impl DokosConnector {
    /// Checks the settings and builds the HTTP client (no request is sent).
    pub fn new(settings: DokosSettings) -> Result<DokosConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("dokos connector `{}`: {problem}", settings.instance)));
        }
        let http = HttpClient::new(&HttpSettings::new(settings.base_url.trim()))?;
        let api = Api::new(http, settings.api_key.trim(), &settings.api_secret);
        Ok(DokosConnector { settings, api })
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &DokosSettings {
        &self.settings
    }
}

#[async_trait]
impl Connector for DokosConnector {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let user = self.api.logged_user().await?;
        Ok(CheckReport { ok: true, detail: format!("Dokos at {} accepts the API key of {user}", self.api_base()) })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![
            StreamInfo { name: CUSTOMERS.into(), entity: EntityKind::Person, sync_mode: SyncMode::Incremental },
            StreamInfo { name: SUBSCRIPTIONS.into(), entity: EntityKind::Membership, sync_mode: SyncMode::Incremental },
        ]
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let position = read::Position::parse(cursor)?;
        match stream {
            CUSTOMERS => read::customers(&self.api, position.as_ref(), self.settings.page_size).await,
            SUBSCRIPTIONS => {
                read::subscriptions(
                    &self.api,
                    position.as_ref(),
                    self.settings.page_size,
                    &self.settings.membership_plans,
                )
                .await
            }
            other => Err(ConnectorError::Unsupported(format!(
                "dokos has no stream `{other}` (streams: {CUSTOMERS}, {SUBSCRIPTIONS})"
            ))),
        }
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        match change.entity_kind {
            EntityKind::Person => write::person(&self.api, change).await,
            EntityKind::Membership => write::membership(&self.api, change, &self.settings.membership_plans).await,
            other => {
                Err(ConnectorError::Unsupported(format!("dokos writes persons and memberships, not {other} entities")))
            }
        }
    }
}

impl DokosConnector {
    fn api_base(&self) -> &str {
        self.settings.base_url.trim().trim_end_matches('/')
    }
}
