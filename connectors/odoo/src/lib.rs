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
//! * membership, status `active` or `pending`: the partner by `person_email` (else
//!   `payer_email`), the product from `membership_products[plan]`, then Odoo's own way of selling a
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
//!   external id, or a partner that already has a live line for that product, reuses that line's
//!   invoice (posting it if still draft) instead of invoicing again.
//! * membership, status `refunded`/`cancelled` (or a deletion): the line's invoice is reset to draft
//!   when posted (`button_draft`) and cancelled (`button_cancel`), so the line becomes `canceled`.
//!   `expired` is what Odoo computes itself from the dates: an existing line is returned as is.
//!
//! Other entities are Unsupported. Odoo has no outgoing webhooks in its external API: no decoder.

mod rpc;
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
        Ok(OdooConnector { settings, rpc, schema: tokio::sync::OnceCell::new() })
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
        let answer = self.rpc.execute(model, "search_read", None, &args, None).await?;
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

    /// One page of `model` after `cursor`.
    async fn page(
        &self,
        stream: &str,
        model: &str,
        base: Vec<Value>,
        fields: &[String],
        cursor: Option<&Cursor>,
    ) -> Result<(Vec<Value>, Option<Cursor>, bool), ConnectorError> {
        let cursor: Option<StreamCursor> = match cursor {
            None => None,
            Some(c) if c.0.is_null() => None,
            Some(c) => Some(serde_json::from_value(c.0.clone()).map_err(|e| {
                ConnectorError::Invalid(format!("the {stream} cursor is not {{write_date, ids}}: {e}"))
            })?),
        };
        let mut domain = base;
        if let Some(c) = &cursor {
            domain.extend(c.domain());
        }
        let limit = self.settings.page_size;
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let rows = self.search_read(model, Value::Array(domain), &fields, limit, "write_date asc, id asc").await?;
        let has_more = rows.len() as u64 >= u64::from(limit);
        let Some(next) = StreamCursor::after(cursor.as_ref(), &rows) else {
            return Ok((rows, None, false));
        };
        let next = serde_json::to_value(next).map_err(|e| ConnectorError::Invalid(format!("cursor: {e}")))?;
        Ok((rows, Some(Cursor(next)), has_more))
    }

    /// The `name` of the given records (archived ones included).
    async fn names_of(&self, model: &str, ids: Vec<i64>) -> Result<HashMap<i64, String>, ConnectorError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let args = [
            ("domain", json!([["id", "in", ids]])),
            ("fields", json!(["id", "name"])),
            ("offset", json!(0)),
            ("limit", json!(ids.len())),
            ("order", json!("id asc")),
        ];
        let answer = self.rpc.execute(model, "search_read", None, &args, Some(json!({"active_test": false}))).await?;
        Ok(answer
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("name")?.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// ISO codes of the given `res.country` ids.
    async fn country_codes(&self, ids: Vec<i64>) -> Result<HashMap<i64, String>, ConnectorError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self.search_read("res.country", json!([["id", "in", ids]]), &["id", "code"], 1000, "id asc").await?;
        Ok(rows.iter().filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("code")?.as_str()?.to_string()))).collect())
    }

    async fn read_partners(&self, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let base = vec![json!(["is_company", "=", false]), json!(["type", "not in", ["invoice", "delivery"]])];
        let fields = &self.schema().await?.partner_fields;
        let (rows, next_cursor, has_more) = self.page("partners", "res.partner", base, fields, cursor).await?;
        let mut countries: Vec<i64> = rows.iter().filter_map(|r| m2o_id(r.get("country_id"))).collect();
        countries.sort_unstable();
        countries.dedup();
        let codes = self.country_codes(countries).await?;
        let records = rows
            .into_iter()
            .filter_map(|mut row| {
                let id = row.get("id")?.as_i64()?;
                let updated_at = parse_odoo_datetime(row.get("write_date"));
                let obj = row.as_object_mut()?;
                if let Some(name) = obj.get("name").and_then(Value::as_str).map(str::trim).map(str::to_string) {
                    match name.split_once(' ') {
                        Some((first, last)) => {
                            obj.insert("firstName".into(), json!(first));
                            obj.insert("lastName".into(), json!(last.trim()));
                        }
                        None if !name.is_empty() => {
                            obj.insert("firstName".into(), json!(name));
                        }
                        None => {}
                    }
                }
                if let Some(code) = m2o_id(obj.get("country_id")).and_then(|c| codes.get(&c)) {
                    obj.insert("countryCode".into(), json!(code));
                }
                Some(SourceRecord {
                    stream: "partners".into(),
                    external_id: id.to_string(),
                    updated_at,
                    deleted: false,
                    data: row,
                })
            })
            .collect();
        Ok(Page { records, next_cursor, has_more })
    }

    async fn read_memberships(&self, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let names = self.line_names().await?;
        let (rows, next_cursor, has_more) =
            self.page("memberships", "membership.membership_line", vec![], &names.fields, cursor).await?;
        let mut partners: Vec<i64> = rows.iter().filter_map(|r| m2o_id(r.get(names.partner))).collect();
        partners.sort_unstable();
        partners.dedup();
        let emails: HashMap<i64, Value> = if partners.is_empty() {
            HashMap::new()
        } else {
            let ctx = json!({"active_test": false});
            let args = [
                ("domain", json!([["id", "in", partners]])),
                ("fields", json!(["id", "email"])),
                ("offset", json!(0)),
                ("limit", json!(partners.len())),
                ("order", json!("id asc")),
            ];
            let answer = self.rpc.execute("res.partner", "search_read", None, &args, Some(ctx)).await?;
            answer
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("email").cloned().unwrap_or(json!(false)))))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut products: Vec<i64> = rows.iter().filter_map(|r| m2o_id(r.get("membership_id"))).collect();
        products.sort_unstable();
        products.dedup();
        let product_names = self.names_of("product.product", products).await?;
        let records = rows
            .into_iter()
            .filter_map(|mut row| {
                let id = row.get("id")?.as_i64()?;
                let updated_at = parse_odoo_datetime(row.get("write_date"));
                let obj = row.as_object_mut()?;
                let partner = m2o_id(obj.get(names.partner));
                obj.insert("partnerId".into(), json!(partner));
                let email = partner.and_then(|p| emails.get(&p)).cloned().unwrap_or(json!(false));
                obj.insert("partnerEmail".into(), email);
                let product = m2o_id(obj.get("membership_id"));
                let name =
                    product.and_then(|p| product_names.get(&p).cloned()).or_else(|| m2o_name(obj.get("membership_id")));
                obj.insert("productName".into(), json!(name));
                let cents = obj.get("member_price").and_then(Value::as_f64).map(|a| (a * 100.0).round() as i64);
                obj.insert("amountCents".into(), json!(cents));
                Some(SourceRecord {
                    stream: "memberships".into(),
                    external_id: id.to_string(),
                    updated_at,
                    deleted: false,
                    data: row,
                })
            })
            .collect();
        Ok(Page { records, next_cursor, has_more })
    }

    /// Partners whose email is `email`, case-insensitively and trimmed (oldest first).
    async fn partners_by_email(&self, email: &str) -> Result<Vec<i64>, ConnectorError> {
        let wanted = email.trim().to_lowercase();
        let rows = self
            .search_read("res.partner", json!([["email", "=ilike", email.trim()]]), &["id", "email"], 20, "id asc")
            .await?;
        Ok(rows
            .iter()
            .filter(|r| r.get("email").and_then(Value::as_str).is_some_and(|e| e.trim().to_lowercase() == wanted))
            .filter_map(|r| r.get("id").and_then(Value::as_i64))
            .collect())
    }

    async fn exists(&self, model: &str, id: i64) -> Result<bool, ConnectorError> {
        let args = [
            ("domain", json!([["id", "=", id]])),
            ("fields", json!(["id"])),
            ("offset", json!(0)),
            ("limit", json!(1)),
            ("order", json!("id asc")),
        ];
        let answer = self.rpc.execute(model, "search_read", None, &args, Some(json!({"active_test": false}))).await?;
        Ok(answer.as_array().is_some_and(|a| !a.is_empty()))
    }

    async fn country_id(&self, code: &str) -> Result<i64, ConnectorError> {
        let rows = self.search_read("res.country", json!([["code", "=ilike", code]]), &["id"], 1, "id asc").await?;
        rows.first()
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64)
            .ok_or_else(|| ConnectorError::Invalid(format!("Odoo has no country with the ISO code {code:?}")))
    }

    async fn write_person(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        if change.op == ChangeOp::Deleted {
            return Err(ConnectorError::Unsupported(
                "deleting an Odoo contact from the hub is not supported (archive it in Odoo)".into(),
            ));
        }
        let f = &change.fields;
        let mut vals = Map::new();
        let name =
            [field(f, "given_name"), field(f, "family_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            vals.insert("name".into(), json!(name));
        }
        let email = field(f, "email");
        if let Some(email) = email {
            vals.insert("email".into(), json!(email));
        }
        for (canonical, odoo) in [("phone", "phone"), ("street", "street"), ("postal_code", "zip"), ("city", "city")] {
            if let Some(v) = field(f, canonical) {
                vals.insert(odoo.into(), json!(v));
            }
        }
        if let Some(code) = field(f, "country") {
            vals.insert("country_id".into(), json!(self.country_id(code).await?));
        }
        let mut partner = None;
        if let Some(ext) = change.external_id.as_deref() {
            let id = parse_id(ext, "res.partner")?;
            if self.exists("res.partner", id).await? {
                partner = Some(id);
            }
        }
        if partner.is_none()
            && let Some(email) = email
        {
            partner = self.partners_by_email(email).await?.first().copied();
        }
        let id = match partner {
            Some(id) => {
                if !vals.is_empty() {
                    self.write_vals("res.partner", id, Value::Object(vals)).await?;
                }
                id
            }
            None => {
                if !vals.contains_key("name") {
                    let fallback = email.map(str::to_string).ok_or_else(|| {
                        ConnectorError::Invalid(
                            "a new Odoo contact needs a name: the person has no given_name, family_name or email"
                                .into(),
                        )
                    })?;
                    vals.insert("name".into(), json!(fallback));
                }
                vals.insert("is_company".into(), json!(false));
                vals.insert("type".into(), json!("contact"));
                self.create("res.partner", Value::Object(vals)).await?
            }
        };
        Ok(WriteOutcome { external_id: id.to_string(), remote_updated_at: self.write_date("res.partner", id).await? })
    }

    /// The `product.product` id of a canonical plan.
    /// The `product.product` of a canonical plan: (id, name, list price).
    async fn membership_product(&self, plan: &str) -> Result<(i64, String, f64), ConnectorError> {
        let configured = || self.settings.membership_products.keys().cloned().collect::<Vec<_>>().join(", ");
        let template = self.settings.membership_products.get(plan).ok_or_else(|| {
            ConnectorError::Invalid(format!(
                "no Odoo product for the plan {plan:?} in membership_products (configured plans: {})",
                if self.settings.membership_products.is_empty() { "none".into() } else { configured() }
            ))
        })?;
        let rows = self
            .search_read(
                "product.template",
                json!([["name", "=", template]]),
                &["id", "name", "list_price", "membership", "product_variant_id"],
                2,
                "id asc",
            )
            .await?;
        let row = rows.first().ok_or_else(|| {
            ConnectorError::Invalid(format!("Odoo has no product {template:?} (membership_products[{plan:?}])"))
        })?;
        if row.get("membership") != Some(&json!(true)) {
            return Err(ConnectorError::Invalid(format!(
                "the Odoo product {template:?} (membership_products[{plan:?}]) is not a membership product"
            )));
        }
        let id = m2o_id(row.get("product_variant_id"))
            .ok_or_else(|| ConnectorError::Invalid(format!("the Odoo product {template:?} has no variant")))?;
        let price = row.get("list_price").and_then(Value::as_f64).unwrap_or(0.0);
        Ok((id, template.clone(), price))
    }

    /// A membership line's state and invoice (`None`: no such line).
    async fn line(&self, id: i64) -> Result<Option<(String, Option<i64>)>, ConnectorError> {
        let names = self.line_names().await?;
        let rows = self
            .search_read(
                "membership.membership_line",
                json!([["id", "=", id]]),
                &["state", names.invoice_line],
                1,
                "id asc",
            )
            .await?;
        let Some(row) = rows.first() else { return Ok(None) };
        let state = row.get("state").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(aml) = m2o_id(row.get(names.invoice_line)) else { return Ok(Some((state, None))) };
        let lines = self.search_read("account.move.line", json!([["id", "=", aml]]), &["move_id"], 1, "id asc").await?;
        Ok(Some((state, lines.first().and_then(|l| m2o_id(l.get("move_id"))))))
    }

    /// The membership line of a change: its external id, else the partner's live line for that product.
    async fn find_line(
        &self,
        change: &CanonicalChange,
        partner: Option<i64>,
        product: Option<i64>,
    ) -> Result<Option<i64>, ConnectorError> {
        if let Some(ext) = change.external_id.as_deref() {
            let id = parse_id(ext, "membership.membership_line")?;
            if self.line(id).await?.is_some() {
                return Ok(Some(id));
            }
        }
        let (Some(partner), Some(product)) = (partner, product) else { return Ok(None) };
        let names = self.line_names().await?;
        let domain = json!([
            [names.partner, "=", partner],
            ["membership_id", "=", product],
            ["state", "in", ["waiting", "invoiced", "paid"]]
        ]);
        let rows = self.search_read("membership.membership_line", domain, &["id"], 1, "id desc").await?;
        Ok(rows.first().and_then(|r| r.get("id")).and_then(Value::as_i64))
    }

    async fn membership_partner(&self, fields: &Value) -> Result<Option<i64>, ConnectorError> {
        let Some(email) = field(fields, "person_email").or_else(|| field(fields, "payer_email")) else {
            return Ok(None);
        };
        Ok(self.partners_by_email(email).await?.first().copied())
    }

    /// Registers the full payment of a posted invoice through `account.payment.register`.
    async fn register_payment(&self, invoice: i64) -> Result<(), ConnectorError> {
        let ctx = json!({"active_model": "account.move", "active_ids": [invoice], "active_id": invoice});
        let created = self
            .rpc
            .execute("account.payment.register", "create", None, &[("vals_list", json!([{}]))], Some(ctx.clone()))
            .await;
        let wizard = match created {
            Ok(v) => ids_of(&v),
            // The model itself is missing (KeyError over RPC, 404 "does not exist" over JSON-2).
            Err(ConnectorError::Invalid(detail))
                if detail.contains("account.payment.register")
                    && (detail.contains("KeyError") || detail.contains("does not exist")) =>
            {
                tracing::warn!(
                    instance = %self.settings.instance,
                    invoice,
                    "Odoo has no account.payment.register: the membership invoice is posted but not marked paid"
                );
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.rpc.execute("account.payment.register", "action_create_payments", Some(&wizard), &[], Some(ctx)).await?;
        Ok(())
    }

    async fn write_membership(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        let f = &change.fields;
        let status = if change.op == ChangeOp::Deleted { "cancelled" } else { field(f, "status").unwrap_or("active") };
        match status {
            "active" | "pending" => {
                let plan = field(f, "plan").ok_or_else(|| {
                    ConnectorError::Invalid("the membership has no plan to pick an Odoo product".into())
                })?;
                let (product, product_name, list_price) = self.membership_product(plan).await?;
                let partner = self.membership_partner(f).await?.ok_or_else(|| {
                    ConnectorError::Invalid(format!(
                        "no Odoo contact with the email {:?}: write the person first",
                        field(f, "person_email").or_else(|| field(f, "payer_email")).unwrap_or("(none)")
                    ))
                })?;
                let (line, invoice) = match self.find_line(change, Some(partner), Some(product)).await? {
                    Some(line) => {
                        let invoice = self.line(line).await?.and_then(|l| l.1);
                        (line, invoice)
                    }
                    None => {
                        // What `res.partner.create_membership_invoice` does, as plain ORM calls: that
                        // method takes a product *record*, which RPC cannot pass.
                        let amount = f.get("amount").and_then(Value::as_f64).map_or(list_price, |c| c / 100.0);
                        let invoice_vals = json!({
                            "move_type": "out_invoice",
                            "partner_id": partner,
                            "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 1.0,
                                "price_unit": amount, "name": product_name}]],
                        });
                        let invoice = self.create("account.move", invoice_vals).await?;
                        let link = format!("{}.move_id", self.line_names().await?.invoice_line);
                        let domain = json!([[link, "=", invoice]]);
                        let rows = self.search_read("membership.membership_line", domain, &["id"], 1, "id asc").await?;
                        let line = rows.first().and_then(|r| r.get("id")).and_then(Value::as_i64).ok_or_else(|| {
                            ConnectorError::Invalid(format!(
                                "the invoice {invoice} has no membership line (is the product a membership product?)"
                            ))
                        })?;
                        (line, Some(invoice))
                    }
                };
                if let Some(invoice) = invoice {
                    let rows = self
                        .search_read(
                            "account.move",
                            json!([["id", "=", invoice]]),
                            &["state", "payment_state"],
                            1,
                            "id asc",
                        )
                        .await?;
                    let state = rows.first().and_then(|r| r.get("state")).and_then(Value::as_str).unwrap_or_default();
                    let payment = rows
                        .first()
                        .and_then(|r| r.get("payment_state"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    if state == "cancel" {
                        self.call("account.move", "button_draft", &[invoice]).await?;
                    }
                    if state == "draft" || state == "cancel" {
                        self.call("account.move", "action_post", &[invoice]).await?;
                    }
                    if status == "active" && !matches!(payment.as_str(), "paid" | "in_payment") {
                        self.register_payment(invoice).await?;
                    }
                }
                Ok(WriteOutcome {
                    external_id: line.to_string(),
                    remote_updated_at: self.write_date("membership.membership_line", line).await?,
                })
            }
            "refunded" | "cancelled" => {
                let product = match field(f, "plan") {
                    Some(plan) if change.external_id.is_none() => Some(self.membership_product(plan).await?.0),
                    _ => None,
                };
                let partner = if change.external_id.is_none() { self.membership_partner(f).await? } else { None };
                let line = self.find_line(change, partner, product).await?.ok_or_else(|| {
                    ConnectorError::Invalid(format!(
                        "cannot cancel the membership: no Odoo membership line for external id {:?}",
                        change.external_id
                    ))
                })?;
                if let Some((state, Some(invoice))) = self.line(line).await?
                    && state != "canceled"
                {
                    let rows = self
                        .search_read("account.move", json!([["id", "=", invoice]]), &["state"], 1, "id asc")
                        .await?;
                    let move_state =
                        rows.first().and_then(|r| r.get("state")).and_then(Value::as_str).unwrap_or_default();
                    if move_state == "posted" {
                        self.call("account.move", "button_draft", &[invoice]).await?;
                    }
                    if move_state != "cancel" {
                        self.call("account.move", "button_cancel", &[invoice]).await?;
                    }
                }
                Ok(WriteOutcome {
                    external_id: line.to_string(),
                    remote_updated_at: self.write_date("membership.membership_line", line).await?,
                })
            }
            "expired" => {
                let line = self.find_line(change, None, None).await?.ok_or_else(|| {
                    ConnectorError::Unsupported(
                        "an expired membership unknown to Odoo is not created (Odoo computes expiry from its dates)"
                            .into(),
                    )
                })?;
                Ok(WriteOutcome {
                    external_id: line.to_string(),
                    remote_updated_at: self.write_date("membership.membership_line", line).await?,
                })
            }
            other => Err(ConnectorError::Invalid(format!(
                "unknown membership status {other:?} (expected pending, active, expired, cancelled or refunded)"
            ))),
        }
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
            other => Err(ConnectorError::Unsupported(format!("the odoo connector does not write {other} entities"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OdooSettings {
        OdooSettings {
            instance: "odoo".into(),
            base_url: "https://odoo.example".into(),
            database: "db".into(),
            login: "admin".into(),
            api_key: "very-secret-key".into(),
            protocol: OdooProtocol::Json2,
            membership_products: BTreeMap::from([("Individuelle".into(), "Adhésion individuelle 2026".into())]),
            page_size: 50,
        }
    }

    #[test]
    fn debug_hides_the_key_and_problems_name_the_field() {
        let s = settings();
        assert!(!format!("{s:?}").contains("very-secret-key"));
        assert_eq!(s.problem(), None);
        let bad = OdooSettings { page_size: 0, ..settings() };
        assert!(bad.problem().unwrap().contains("page_size"));
        let bad = OdooSettings { api_key: " ".into(), ..settings() };
        assert!(bad.problem().unwrap().contains("api_key"));
        let bad = OdooSettings { base_url: "odoo.example".into(), ..settings() };
        assert!(OdooConnector::new(bad).unwrap_err().to_string().contains("base_url"));
        let connector = OdooConnector::new(settings()).unwrap();
        assert!(!format!("{connector:?}").contains("very-secret-key"));
    }

    #[test]
    fn the_cursor_keeps_the_ids_of_the_last_second() {
        let row = |id: i64, at: &str| json!({"id": id, "write_date": at});
        let first = StreamCursor::after(
            None,
            &[row(4, "2026-01-01 10:00:00"), row(2, "2026-01-01 10:00:01"), row(9, "2026-01-01 10:00:01")],
        )
        .unwrap();
        assert_eq!(first, StreamCursor { write_date: "2026-01-01 10:00:01".into(), ids: vec![2, 9] });
        // A next page still in the same second adds its ids; a later second starts afresh.
        let same = StreamCursor::after(Some(&first), &[row(11, "2026-01-01 10:00:01")]).unwrap();
        assert_eq!(same.ids, vec![2, 9, 11]);
        let later = StreamCursor::after(Some(&same), &[row(3, "2026-01-01 10:00:05")]).unwrap();
        assert_eq!(later, StreamCursor { write_date: "2026-01-01 10:00:05".into(), ids: vec![3] });
        assert_eq!(StreamCursor::after(Some(&later), &[]), None);
        assert_eq!(
            later.domain().to_vec(),
            vec![
                json!("|"),
                json!(["write_date", ">", "2026-01-01 10:00:05"]),
                json!("&"),
                json!(["write_date", "=", "2026-01-01 10:00:05"]),
                json!(["id", "not in", [3]]),
            ]
        );
    }

    #[test]
    fn the_schema_follows_the_odoo_version() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Odoo 17/18 with the core add-on.
        let core_line = names(&LINE_FIELDS.iter().copied().chain(["company_id"]).collect::<Vec<_>>());
        let core = Schema::from_fields(&names(PARTNER_FIELDS), Some(&core_line));
        assert_eq!(core.partner_fields, names(PARTNER_FIELDS));
        let line = core.line.unwrap();
        assert_eq!((line.partner, line.invoice_line), ("partner", "account_invoice_line"));
        assert_eq!(line.fields, names(LINE_FIELDS));
        // Odoo 19: no `mobile`, the OCA add-on's names.
        let partner19: Vec<String> = names(PARTNER_FIELDS).into_iter().filter(|f| f != "mobile").collect();
        let oca = names(&[
            "id",
            "partner_id",
            "membership_id",
            "date_from",
            "date_to",
            "date_cancel",
            "member_price",
            "state",
            "account_invoice_line_id",
            "write_date",
            "category_id",
        ]);
        let v19 = Schema::from_fields(&partner19, Some(&oca));
        assert!(!v19.partner_fields.contains(&"mobile".to_string()));
        let line = v19.line.unwrap();
        assert_eq!((line.partner, line.invoice_line), ("partner_id", "account_invoice_line_id"));
        assert!(line.fields.contains(&"partner_id".to_string()) && !line.fields.contains(&"partner".to_string()));
        // No membership add-on at all.
        assert_eq!(Schema::from_fields(&partner19, None).line, None);
    }

    #[test]
    fn protocol_names_in_config() {
        let p: OdooProtocol = serde_json::from_value(json!("xml_rpc")).unwrap();
        assert_eq!(p, OdooProtocol::XmlRpc);
        let p: OdooProtocol = serde_json::from_value(json!("jsonrpc")).unwrap();
        assert_eq!(p, OdooProtocol::JsonRpc);
        let p: OdooProtocol = serde_json::from_value(json!("json2")).unwrap();
        assert_eq!(p, OdooProtocol::Json2);
    }

    #[test]
    fn odoo_values() {
        assert_eq!(m2o_id(Some(&json!([75, "France"]))), Some(75));
        assert_eq!(m2o_id(Some(&json!(false))), None);
        assert_eq!(m2o_name(Some(&json!([3, "Adhésion"]))), Some("Adhésion".into()));
        let at = parse_odoo_datetime(Some(&json!("2026-11-24 10:00:05"))).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-24T10:00:05+00:00");
        assert_eq!(parse_odoo_datetime(Some(&json!(false))), None);
        assert!(parse_id("12", "x").is_ok());
        assert!(parse_id("abc", "x").is_err());
    }
}
