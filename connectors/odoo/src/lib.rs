//! The Odoo connector (`kind = "odoo"`): contacts and memberships of one Odoo database, read and
//! written through Odoo's external API.
//!
//! # Versions and protocols
//! [`OdooProtocol`] is chosen by configuration: `json2` for Odoo 19 and later (`POST
//! /json/2/{model}/{method}`, `Authorization: bearer <api key>`, `X-Odoo-Database`, named
//! arguments), `xml_rpc` or `json_rpc` for Odoo 17.0/18.0 (`/xmlrpc/2/common` `authenticate`, whose
//! uid is cached, then `/xmlrpc/2/object` `execute_kw` with the API key as password; `/jsonrpc`
//! carries the same calls in a JSON envelope). Every ORM operation goes through one function (the
//! `rpc` module), so reads and writes behave the same on the three transports; the classic
//! transports are deprecated in 19 and scheduled for removal (Odoo 20 or 22, the docs disagree).
//!
//! The membership model is the core `membership` add-on of **Odoo 17.0/18.0**:
//! `membership.membership_line` with `partner`, `membership_id` (a `product.product`),
//! `account_invoice_line`, `date_from`/`date_to`, `member_price`, `state`; the partner's stored
//! `membership_state`, which follows the invoice of each line (draft → `waiting`, posted →
//! `invoiced`, paid → `paid`, cancelled → `canceled`). In **Odoo 19** that add-on left core: the
//! line lives in the OCA module `membership` (vertical-association), which renames `partner` →
//! `partner_id` and `account_invoice_line` → `account_invoice_line_id` (`member_lines` →
//! `member_line_ids` on the partner); 19 also drops `res.partner.mobile`. The connector reads each
//! model's field names once with `fields_get` and uses whichever names the database has; without a
//! `membership.membership_line` model the `memberships` stream and membership writes answer
//! Unsupported. (The sandbox serves the 17/18 model on all three transports; the OCA names are
//! covered by a unit test only.)
//!
//! # Streams and record shapes
//! Records are Odoo's `search_read` rows (many2one as `[id, "display name"]`, empty values as
//! `false`), plus a few flattened helpers; the external id is the Odoo id.
//! * `partners` (person): active `res.partner` with `is_company = false` that are not invoice or
//!   delivery addresses (`type not in (invoice, delivery)`): `id`, `name`, `email`, `phone`,
//!   `mobile` (not on 19), `street`, `street2`, `zip`, `city`, `country_id`, `lang`,
//!   `membership_state`, `write_date`, plus `firstName`/`lastName` (Odoo has one `name`: split on the first space,
//!   `lastName` absent for a one-word name) and `countryCode` (ISO alpha-2 of `country_id`).
//! * `memberships` (membership): `membership.membership_line`: `id`, `partner` (OCA 19:
//!   `partner_id`), `membership_id`, `date_from`, `date_to`, `date_cancel`, `member_price` (the
//!   amount, euros), `state` (`none`, `waiting`, `invoiced`, `paid`, `canceled`, `old`, `free`),
//!   `account_invoice_line` (OCA 19: `account_invoice_line_id`), `write_date`, plus the
//!   version-neutral `partnerId`, `partnerEmail`, `productName` (the product's name, as in
//!   `membership_products`) and `amountCents`.
//!
//! `updated_at` is `write_date` (UTC); `deleted` is always false (archived contacts are not read).
//!
//! # Cursor
//! Odoo has no change feed: both streams read `search_read(domain, order = "write_date asc, id
//! asc", limit = page_size)` and the cursor is `{"write_date": "YYYY-MM-DD HH:MM:SS", "ids": [ids
//! read with exactly that write_date]}`. The next page asks for `write_date > w` or (`write_date =
//! w` and `id not in ids`): `write_date` has one-second precision, so a strict `>` would lose a
//! record written in the same second as the last one read, and `>=` alone would read the last ones
//! again forever. Keeping the ids of the last second (rather than only the last id) also catches a
//! record with a smaller id written later in that same second. No offset is used, so records moving
//! between pages (a write during the read) are neither skipped nor repeated. A stored computed field
//! (membership state) moves `write_date`, so a payment shows up in both streams. An empty page
//! keeps the cursor. The one miss left: a record read at second `w` and written again within that
//! same second is not seen until its next change (Odoo's RPC output has no finer precision).
//!
//! # Write
//! * person: the partner is the one of `external_id` when it still exists, else the first partner
//!   whose email matches `=ilike` (case-insensitive, trimmed; the candidates are compared again
//!   exactly, as `_`/`%` are wildcards for Odoo), else a new one. `name` (given + family),
//!   `email`, `phone`, `street`, `zip`, `city` and `country_id` (looked up by ISO code) are written
//!   when the change carries them. A deletion is refused (Unsupported): contacts are not deleted
//!   from the hub.
//! * membership, status `active` or `pending`: the member's partner, by `person_external_id`
//!   (the hub's link to the member here) while it exists, else by `person_email` (else
//!   `payer_email` when the change names no member: a beneficiary is not their payer), the product from `membership_products[plan]`, then Odoo's own way of selling a
//!   membership: a draft customer invoice (`account.move` `out_invoice` with one line of the
//!   membership product at `amount`/100 euros, or the product's list price) whose membership
//!   product line makes Odoo create the membership line — what the add-on's
//!   `res.partner.create_membership_invoice(product, amount)` does, called as plain ORM calls
//!   because that method expects a product *record*, which RPC cannot pass —, then
//!   `account.move.action_post`, and
//!   for `active` only (a `pending` one stays invoiced, unpaid) the payment through the `account.payment.register` wizard (context
//!   `active_model = account.move`, `active_ids`), whose `action_create_payments` reconciles the
//!   invoice so the line and the partner become `paid`. A bare membership line without invoice is
//!   not a paid member in Odoo, so none is created directly. Where the wizard model is missing (an
//!   Odoo without accounting payments, or the sandbox), the invoice stays posted (`invoiced`) and a
//!   warning is logged. The external id is the membership line id. Idempotent: a change with an
//!   external id, or whose invoice already exists (found by its `invoice_origin`, `Hub <canonical
//!   membership id>`, unless the push is a first attempt), reuses that line's invoice (posting it
//!   if still draft) instead of invoicing again. A second membership of the same member and
//!   product (paid twice, renewed within the product's year) is its own invoice and line.
//! * membership, status `refunded`/`cancelled` (or a deletion): the line's invoice is reset to draft
//!   when posted (`button_draft`) and cancelled (`button_cancel`), so the line becomes `canceled`.
//!   `expired` is what Odoo computes itself from the dates: an existing line is returned as is.
//!
//! * batches (`write_batch`, up to 50 contacts or new memberships): the same outcome in a few
//!   calls per batch (module `batch`); reads that fail transiently are tried again in place, and
//!   each plan's product and each country's id are remembered five minutes (module `lookups`).
//!
//! Other entities are Unsupported. Odoo has no outgoing webhooks in its external API: no decoder.

mod batch;
mod donation;
mod lookups;
mod read;
mod rpc;
mod write;
pub mod xmlrpc;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use hub_connector_sdk::{
    CanonicalChange, ChangeOp, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, SourceRecord,
    StreamInfo, SyncMode, WriteOutcome,
    http::{HttpClient, HttpSettings},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::rpc::Rpc;

/// The default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// A `search_read` that fails transiently (5xx, 429, network) is tried again in place, up to
/// this many times: a read changes nothing, and a batch write is about ten calls, so one failed
/// read would otherwise send the whole batch back to the queue (at 20% of calls failing, ten
/// calls in a row succeed one time in ten). Writes are not retried here: the push's retry finds
/// what a write did before failing.
const READ_RETRIES: u32 = 3;
/// The first wait before a read is tried again (doubled each time) when Odoo gives no Retry-After.
const READ_BACKOFF: std::time::Duration = std::time::Duration::from_millis(50);
/// The longest wait before a read is tried again in place: a longer Retry-After goes back to
/// the caller (the queue waits as asked).
const READ_RETRY_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The transport to the Odoo server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OdooProtocol {
    /// Odoo 19+: `/json/2/{model}/{method}` with a bearer API key.
    Json2,
    /// Odoo 17/18 (deprecated in 19): `/xmlrpc/2/common` and `/xmlrpc/2/object`.
    #[serde(alias = "xmlrpc")]
    XmlRpc,
    /// Odoo 17/18 (deprecated in 19): `/jsonrpc`.
    #[serde(alias = "jsonrpc")]
    JsonRpc,
}

/// One `[connectors.NAME]` table of kind `odoo`.
#[derive(Clone, Serialize, Deserialize)]
pub struct OdooSettings {
    /// The connector instance's name.
    pub instance: String,
    /// The server, e.g. `https://tiers-lieu.odoo.com`.
    pub base_url: String,
    pub database: String,
    /// The user's login (the API key's owner).
    pub login: String,
    /// Secret: the API key (password of `execute_kw`, bearer of JSON-2).
    pub api_key: String,
    pub protocol: OdooProtocol,
    /// Canonical plan (e.g. HelloAsso's tier "Individuelle") → Odoo `product.template` name.
    #[serde(default)]
    pub membership_products: BTreeMap<String, String>,
    /// The name of the (non-membership) product a donation is invoiced with; `None`: donations
    /// are not written to this Odoo.
    #[serde(default)]
    pub donation_product: Option<String>,
    /// Records per page (1..=1000).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl std::fmt::Debug for OdooSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("database", &self.database)
            .field("login", &self.login)
            .field("api_key", &"<redacted>")
            .field("protocol", &self.protocol)
            .field("membership_products", &self.membership_products)
            .field("donation_product", &self.donation_product)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl OdooSettings {
    /// The first thing wrong with these settings, naming the field.
    pub fn problem(&self) -> Option<String> {
        let url = self.base_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Some(format!("base_url must be an http(s) URL, not {:?}", self.base_url));
        }
        if self.database.trim().is_empty() {
            return Some("database is empty".into());
        }
        if self.login.trim().is_empty() {
            return Some("login is empty".into());
        }
        if self.api_key.trim().is_empty() {
            return Some("api_key is empty".into());
        }
        if self.page_size == 0 || self.page_size > 1000 {
            return Some(format!("page_size must be between 1 and 1000, not {}", self.page_size));
        }
        if let Some((plan, _)) = self.membership_products.iter().find(|(_, product)| product.trim().is_empty()) {
            return Some(format!("membership_products[{plan:?}] is empty"));
        }
        None
    }
}

const PARTNER_FIELDS: &[&str] = &[
    "id",
    "name",
    "email",
    "phone",
    "mobile",
    "street",
    "street2",
    "zip",
    "city",
    "country_id",
    "lang",
    "membership_state",
    "write_date",
];

const LINE_FIELDS: &[&str] = &[
    "id",
    "partner",
    "membership_id",
    "date_from",
    "date_to",
    "date_cancel",
    "member_price",
    "state",
    "account_invoice_line",
    "write_date",
];

/// What this database has: the partner fields to read (Odoo 19 dropped `mobile`; `membership_state`
/// needs the add-on) and the membership line's field names (core ≤18 or OCA 19), read once with
/// `fields_get`.
#[derive(Debug, Clone, PartialEq)]
struct Schema {
    partner_fields: Vec<String>,
    /// `None`: no `membership.membership_line` model (no membership add-on).
    line: Option<LineNames>,
}

#[derive(Debug, Clone, PartialEq)]
struct LineNames {
    /// `partner` (core ≤18) or `partner_id` (OCA 19).
    partner: &'static str,
    /// `account_invoice_line` (core ≤18) or `account_invoice_line_id` (OCA 19).
    invoice_line: &'static str,
    fields: Vec<String>,
}

impl Schema {
    /// From the field names `fields_get` lists (`line`: None when the model does not exist).
    fn from_fields(partner: &[String], line: Option<&[String]>) -> Schema {
        let has = |names: &[String], f: &str| names.iter().any(|n| n == f);
        let partner_fields =
            PARTNER_FIELDS.iter().filter(|f| has(partner, f)).map(|f| f.to_string()).collect::<Vec<_>>();
        let line = line.map(|names| {
            let oca = !has(names, "partner") && has(names, "partner_id");
            let (partner, invoice_line) =
                if oca { ("partner_id", "account_invoice_line_id") } else { ("partner", "account_invoice_line") };
            let fields = LINE_FIELDS
                .iter()
                .map(|f| match *f {
                    "partner" => partner,
                    "account_invoice_line" => invoice_line,
                    other => other,
                })
                .filter(|f| has(names, f))
                .map(str::to_string)
                .collect();
            LineNames { partner, invoice_line, fields }
        });
        Schema { partner_fields, line }
    }
}

/// An Odoo connector instance.
pub struct OdooConnector {
    settings: OdooSettings,
    rpc: Rpc,
    schema: tokio::sync::OnceCell<Schema>,
    lookups: lookups::Lookups,
}

impl std::fmt::Debug for OdooConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooConnector").field("settings", &self.settings).finish()
    }
}

/// The stream cursor (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct StreamCursor {
    write_date: String,
    #[serde(default)]
    ids: Vec<i64>,
}

impl StreamCursor {
    /// The domain of what comes after this cursor (see the module doc).
    fn domain(&self) -> [Value; 5] {
        [
            json!("|"),
            json!(["write_date", ">", self.write_date]),
            json!("&"),
            json!(["write_date", "=", self.write_date]),
            json!(["id", "not in", self.ids]),
        ]
    }

    /// The cursor after `rows` (read in `write_date, id` order from `previous`); `None` for no rows.
    fn after(previous: Option<&StreamCursor>, rows: &[Value]) -> Option<StreamCursor> {
        let last = rows.last()?.get("write_date")?.as_str()?.to_string();
        let mut ids: Vec<i64> = match previous {
            Some(c) if c.write_date == last => c.ids.clone(),
            _ => vec![],
        };
        ids.extend(
            rows.iter()
                .filter(|r| r.get("write_date").and_then(Value::as_str) == Some(last.as_str()))
                .filter_map(|r| r.get("id").and_then(Value::as_i64)),
        );
        Some(StreamCursor { write_date: last, ids })
    }
}

/// The id of a many2one value (`[id, "name"]`, a bare id, or `false`).
fn m2o_id(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Array(a) => a.first().and_then(Value::as_i64),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn m2o_name(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Array(a) => a.get(1).and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// Odoo's datetime (`YYYY-MM-DD HH:MM:SS`, UTC).
fn parse_odoo_datetime(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let text = v?.as_str()?;
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok().map(|d| d.and_utc())
}

/// A non-empty trimmed string field of the canonical change.
fn field<'a>(fields: &'a Value, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The e-mail naming a membership's member: `person_email`; `payer_email` only when the change
/// names no member (`person_id`: a beneficiary without e-mail is not their payer).
fn member_email(fields: &Value) -> Option<&str> {
    field(fields, "person_email")
        .or_else(|| if field(fields, "person_id").is_none() { field(fields, "payer_email") } else { None })
}

fn ids_of(v: &Value) -> Vec<i64> {
    match v {
        Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
        Value::Number(n) => n.as_i64().into_iter().collect(),
        _ => vec![],
    }
}

fn parse_id(external_id: &str, what: &str) -> Result<i64, ConnectorError> {
    external_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ConnectorError::Invalid(format!("the external id {external_id:?} is not an Odoo {what} id")))
}

impl OdooConnector {
    pub fn new(settings: OdooSettings) -> Result<OdooConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("connector {:?}: {problem}", settings.instance)));
        }
        let http = HttpClient::new(&HttpSettings::new(settings.base_url.trim()))?;
        let rpc = Rpc::new(
            http,
            settings.protocol,
            settings.database.clone(),
            settings.login.clone(),
            settings.api_key.clone(),
        );
        Ok(OdooConnector { settings, rpc, schema: tokio::sync::OnceCell::new(), lookups: Default::default() })
    }

    async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        limit: u32,
        order: &str,
    ) -> Result<Vec<Value>, ConnectorError> {
        let args = [
            ("domain", domain),
            ("fields", json!(fields)),
            ("offset", json!(0)),
            ("limit", json!(limit)),
            ("order", json!(order)),
        ];
        let mut attempt = 0;
        let answer = loop {
            match self.rpc.execute(model, "search_read", None, &args, None).await {
                Err(e)
                    if e.is_retryable()
                        && attempt < READ_RETRIES
                        && e.retry_after().is_none_or(|wait| wait <= READ_RETRY_MAX_WAIT) =>
                {
                    attempt += 1;
                    let backoff = READ_BACKOFF * 2u32.pow(attempt - 1);
                    tokio::time::sleep(e.retry_after().unwrap_or(backoff).min(READ_RETRY_MAX_WAIT)).await;
                }
                other => break other?,
            }
        };
        match answer {
            Value::Array(rows) => Ok(rows),
            other => Err(ConnectorError::Invalid(format!("{model}.search_read answered {}", kind_of(&other)))),
        }
    }

    async fn create(&self, model: &str, vals: Value) -> Result<i64, ConnectorError> {
        let answer = self.rpc.execute(model, "create", None, &[("vals_list", json!([vals]))], None).await?;
        ids_of(&answer)
            .first()
            .copied()
            .ok_or_else(|| ConnectorError::Invalid(format!("{model}.create answered {}", kind_of(&answer))))
    }

    async fn write_vals(&self, model: &str, id: i64, vals: Value) -> Result<(), ConnectorError> {
        self.rpc.execute(model, "write", Some(&[id]), &[("vals", vals)], None).await?;
        Ok(())
    }

    async fn call(&self, model: &str, method: &str, ids: &[i64]) -> Result<Value, ConnectorError> {
        self.rpc.execute(model, method, Some(ids), &[], None).await
    }

    async fn write_date(&self, model: &str, id: i64) -> Result<Option<DateTime<Utc>>, ConnectorError> {
        let rows = self.search_read(model, json!([["id", "=", id]]), &["write_date"], 1, "id asc").await?;
        Ok(rows.first().and_then(|r| parse_odoo_datetime(r.get("write_date"))))
    }

    /// The field names of `model` (`None`: Odoo says the model does not exist).
    async fn field_names(&self, model: &str) -> Result<Option<Vec<String>>, ConnectorError> {
        let args = [("allfields", Value::Null), ("attributes", json!(["type"]))];
        match self.rpc.execute(model, "fields_get", None, &args, None).await {
            Ok(Value::Object(fields)) => Ok(Some(fields.keys().cloned().collect())),
            Ok(other) => Err(ConnectorError::Invalid(format!("{model}.fields_get answered {}", kind_of(&other)))),
            Err(ConnectorError::Invalid(detail))
                if detail.contains(model) && (detail.contains("KeyError") || detail.contains("does not exist")) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn schema(&self) -> Result<&Schema, ConnectorError> {
        self.schema
            .get_or_try_init(|| async {
                let partner = self
                    .field_names("res.partner")
                    .await?
                    .ok_or_else(|| ConnectorError::Invalid("Odoo answered that res.partner does not exist".into()))?;
                let line = self.field_names("membership.membership_line").await?;
                Ok(Schema::from_fields(&partner, line.as_deref()))
            })
            .await
    }

    async fn line_names(&self) -> Result<&LineNames, ConnectorError> {
        self.schema().await?.line.as_ref().ok_or_else(|| {
            ConnectorError::Unsupported(
                "this Odoo database has no membership.membership_line model (install the membership add-on)".into(),
            )
        })
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[async_trait]
impl Connector for OdooConnector {
    fn kind(&self) -> &'static str {
        "odoo"
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let detail = match self.settings.protocol {
            OdooProtocol::Json2 => {
                let ctx = self.rpc.execute("res.users", "context_get", None, &[], None).await?;
                let uid = ctx.get("uid").and_then(Value::as_i64).map(|u| format!(" (uid {u})")).unwrap_or_default();
                format!("JSON-2 API key accepted on database {:?}{uid}", self.settings.database)
            }
            OdooProtocol::XmlRpc | OdooProtocol::JsonRpc => {
                let uid = self.rpc.authenticate().await?;
                self.rpc
                    .execute("res.partner", "search_count", None, &[("domain", json!([["id", "=", 0]]))], None)
                    .await?;
                format!("logged in as {:?} (uid {uid}) on database {:?}", self.settings.login, self.settings.database)
            }
        };
        Ok(CheckReport { ok: true, detail })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        vec![
            StreamInfo { name: "partners".into(), entity: EntityKind::Person, sync_mode: SyncMode::Incremental },
            StreamInfo { name: "memberships".into(), entity: EntityKind::Membership, sync_mode: SyncMode::Incremental },
        ]
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        match stream {
            "partners" => self.read_partners(cursor).await,
            "memberships" => self.read_memberships(cursor).await,
            other => Err(ConnectorError::Unsupported(format!("the odoo connector has no stream {other:?}"))),
        }
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        match change.entity_kind {
            EntityKind::Person => self.write_person(change).await,
            EntityKind::Membership => self.write_membership(change).await,
            EntityKind::Payment => self.write_donation(change).await,
            other => Err(ConnectorError::Unsupported(format!("the odoo connector does not write {other} entities"))),
        }
    }

    fn write_batch_limit(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::Person | EntityKind::Membership => batch::BATCH_LIMIT,
            _ => 1,
        }
    }

    async fn write_batch(&self, changes: &[CanonicalChange]) -> Vec<Result<WriteOutcome, ConnectorError>> {
        self.write_many(changes).await
    }
}

#[cfg(test)]
mod tests;
