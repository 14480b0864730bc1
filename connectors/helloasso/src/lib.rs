//! The HelloAsso inbound connector (`kind = "helloasso"`): members, memberships and payments of one
//! organization, read from the HelloAsso API v5 (OAuth2 client credentials) and pushed as hints by
//! HelloAsso's notifications. HelloAsso is a source only: `write` answers Unsupported.
//!
//! # Streams and record shapes
//! Records keep HelloAsso's field names where they exist; an item's custom fields are flattened to
//! `customFields: {"Date de naissance": "12/04/1990", "Commune": "Montreuil"}` (name → answer).
//! Amounts are integers in euro cents. Ids are HelloAsso's, so re-reading an order gives the same
//! external ids and the same data.
//!
//! * `members` (person), one per person of each order:
//!   - the payer, `order-{orderId}-payer`: `firstName`, `lastName`, `email` (absent when HelloAsso
//!     sends it empty: never match on it), `address`, `city`, `zipCode`, `country`, `dateOfBirth`,
//!     `company` when present, `customFields` (those of the items without beneficiary or whose
//!     beneficiary has the payer's name), `role: "payer"`, `orderId`, `formType`, `formSlug`;
//!   - each item's beneficiary (`user`; a family membership has several), `item-{itemId}-user`:
//!     `firstName`, `lastName` (no `email`: HelloAsso has none for beneficiaries), `customFields`
//!     of the item, `role: "beneficiary"`, `orderId`, `itemId`, `formType`, `formSlug`. A
//!     beneficiary with the payer's first and last name is the payer: no record of its own.
//! * `memberships` (membership), one per item of type `Membership`, `item-{itemId}`: `itemId`,
//!   `orderId`, `tierId`, `tierName` (the item's `name`), `amount`, `state` (the item's state),
//!   `paymentState` (the order's: `Authorized`, `Refunded`, `None` without payment, or the first
//!   other state), `status`, `memberExternalId` (the `members` id of the beneficiary, or of the
//!   payer when there is none), `memberFirstName`, `memberLastName`, `memberEmail` (only when the
//!   member is the payer), `payerEmail`, `orderDate`, `formType`, `formSlug`, `membershipCardUrl`,
//!   `customFields`. `status` is `active` only when the order's payments are all Authorized (or it
//!   has none: a free tier) and the item is Processed/Registered; `refunded` when a payment of the
//!   order is Refunded/Refunding (or the item is Refunded) — so the hub cancels what it created;
//!   `cancelled` when the payment was refused, cancelled, abandoned or contested, `pending`
//!   otherwise (waiting for the bank): neither is a valid membership.
//! * `payments` (payment), one per payment, `payment-{paymentId}`: `paymentId`, `orderId`,
//!   `amount`, `state`, `date`, `payerEmail`, `payerFirstName`, `payerLastName`, `kind`
//!   (`membership`, `donation` (also CrowdFunding), `ticket` (Event), `shop`, otherwise `payment`),
//!   `formType`, `formSlug`, `paymentMeans`, `cashOutState`, `receiptUrl` (HelloAsso's
//!   `paymentReceiptUrl`) and `fiscalReceiptUrl` when present, `refundedAmount`.
//!
//! `updated_at` is the order's (payment's) `meta.updatedAt`, else its `date`; `deleted` is always
//! false (a refund is a `status`, not a deletion).
//!
//! # Cursor
//! `members` and `memberships` page through `GET /v5/organizations/{slug}/orders` (`withDetails=true`,
//! for the custom fields), `payments` through `…/payments`, both with `sortOrder=Asc`, `pageSize`
//! and HelloAsso's `continuationToken`, stopping on an empty `data` (NOTES §4: the token comes back
//! even on the last page). The cursor is `{"from": RFC 3339 | absent, "continuationToken": … |
//! absent, "seenUntil": RFC 3339 | absent}`: within a pass the token walks the pages; when a page
//! comes back empty the pass ends, the token is dropped and `from` becomes the latest order
//! (payment) date seen minus [`CURSOR_OVERLAP`]. The date is the durable part because HelloAsso
//! documents `from` (inclusive) while its tokens are opaque and their lifetime unknown; the
//! overlap re-reads the last minutes (records are idempotent) so orders that show up in the list a
//! little after their date are not missed. `has_more` is true after every non-empty page. The
//! first page of a pass asks `withCount=true` and reports `totalPages` as the page's
//! `total_pages` (the progress bar of `hub sync --full`); later pages do not ask (a count costs
//! HelloAsso a second query).
//! A refund does not change an order's date: an old order refunded later comes through the Payment
//! notification (read back by `records_for_event`) or a full re-read, not through the date cursor.
//!
//! # Notifications
//! `verify`: with `signature_key`, `x-ha-signature` must be the hex HMAC-SHA256 of the raw body
//! (constant-time); without one, the sender (`remote_addr`, already resolved through the hub's
//! trusted proxies) must be inside `allowed_sources`. `decode` turns `{eventType, data, metadata?}`
//! into an event without records: HelloAsso sends no event id, so the id is
//! `{eventType}:{data.id}:{data.state or ""}:{first 16 hex of sha256(body)}` — the same delivery
//! sent twice dedups, a new state of the same order/payment (a refund) is a new event, and the hash
//! keeps two different bodies apart. (A Form notification has no `data.id`: `{formType}/{formSlug}`
//! stands for it.) `records_for_event` never trusts the body: it reads the order back
//! (`GET /v5/orders/{id}`; for a Payment, `GET /v5/payments/{id}` then its order) and builds the
//! same records as the streams; Form and other events give none. A 404 there is permanent.

mod auth;
pub mod records;
pub mod webhook;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, InboundEvent, Page, SourceRecord,
    StreamInfo, SyncMode, WebhookDecoder, WebhookRequest, WriteOutcome,
    http::{HttpClient, HttpSettings, classify, json},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use auth::DEFAULT_TOKEN_LIFETIME;
use records::{MEMBERS, MEMBERSHIPS, PAYMENTS};

/// The default page size of list calls.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// How far back from the latest date seen a new incremental pass starts.
pub const CURSOR_OVERLAP: Duration = Duration::from_secs(300);
/// HelloAsso's production notification source address (NOTES §6 "Authenticity", from
/// dev.helloasso.com/docs/secure-webhook).
pub const PRODUCTION_NOTIFICATION_SOURCE: &str = "51.138.206.200/32";
/// HelloAsso's sandbox ("Test") notification source address (same page). Not in the default list:
/// anyone can open a HelloAsso sandbox account and aim its notifications at any URL.
pub const SANDBOX_NOTIFICATION_SOURCE: &str = "4.233.135.234/32";

/// The default allow-list of notification senders: HelloAsso's production address
/// 51.138.206.200 (NOTES §6, source dev.helloasso.com/docs/secure-webhook). Add
/// [`SANDBOX_NOTIFICATION_SOURCE`] when the instance talks to api.helloasso-sandbox.com.
pub fn default_allowed_sources() -> Vec<ipnet::IpNet> {
    vec![PRODUCTION_NOTIFICATION_SOURCE.parse().expect("a valid network")]
}

/// Settings of one instance (built by the hub's registry from `[connectors.NAME]`).
#[derive(Clone)]
pub struct HelloAssoSettings {
    pub instance: String,
    /// The API origin (https://api.helloasso.com, or a sandbox's base_url); paths /v5/... and /oauth2/token are appended.
    pub base_url: String,
    pub client_id: String,
    /// Never logged, never in Debug.
    pub client_secret: String,
    pub organization_slug: String,
    /// Partner notification signature key: when set, `x-ha-signature` (hex HMAC-SHA256 of the raw body) is required.
    pub signature_key: Option<String>,
    /// Otherwise notifications are accepted only from these source networks (see [`default_allowed_sources`]).
    pub allowed_sources: Vec<ipnet::IpNet>,
    /// Records asked per list call (default [`DEFAULT_PAGE_SIZE`]).
    pub page_size: u32,
}

impl HelloAssoSettings {
    /// Settings with no signature key, the default allow-list and page size.
    pub fn new(
        instance: impl Into<String>,
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        organization_slug: impl Into<String>,
    ) -> Self {
        HelloAssoSettings {
            instance: instance.into(),
            base_url: base_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            organization_slug: organization_slug.into(),
            signature_key: None,
            allowed_sources: default_allowed_sources(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// What is wrong with these settings, naming the field (`None`: nothing).
    pub fn problem(&self) -> Option<String> {
        let base = self.base_url.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            Some(format!("base_url: `{base}` is not an http(s) URL"))
        } else if self.client_id.trim().is_empty() {
            Some("client_id: must not be empty".into())
        } else if self.client_secret.is_empty() {
            Some("client_secret: must not be empty".into())
        } else if self.organization_slug.trim().is_empty() || self.organization_slug.contains(['/', '?', '#']) {
            Some(format!("organization_slug: `{}` is not an organization slug", self.organization_slug))
        } else if self.signature_key.as_deref().is_some_and(str::is_empty) {
            Some("signature_key: must not be empty when set".into())
        } else if self.page_size == 0 || self.page_size > 1000 {
            Some(format!("page_size: {} is not between 1 and 1000", self.page_size))
        } else {
            None
        }
    }
}

impl std::fmt::Debug for HelloAssoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelloAssoSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("organization_slug", &self.organization_slug)
            .field("signature_key", &self.signature_key.as_ref().map(|_| "[redacted]"))
            .field("allowed_sources", &self.allowed_sources)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// The connector.
#[derive(Debug)]
pub struct HelloAssoConnector {
    settings: HelloAssoSettings,
    http: HttpClient,
    tokens: auth::TokenSource,
}

/// The stream cursor (see the crate doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListCursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    continuation_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seen_until: Option<String>,
}

impl ListCursor {
    fn parse(cursor: Option<&Cursor>) -> Result<ListCursor, ConnectorError> {
        match cursor {
            None => Ok(ListCursor::default()),
            Some(Cursor(Value::Null)) => Ok(ListCursor::default()),
            Some(Cursor(value)) => serde_json::from_value(value.clone()).map_err(|e| {
                ConnectorError::Invalid(format!(
                    "the stored HelloAsso cursor does not fit `{{from, continuationToken, seenUntil}}`: {e}"
                ))
            }),
        }
    }

    fn to_cursor(&self) -> Cursor {
        Cursor(serde_json::to_value(self).expect("a cursor serializes"))
    }
}

/// A reqwest error and its causes, without the URL (it may carry query parameters).
pub(crate) fn describe(e: reqwest::Error) -> String {
    use std::error::Error as _;
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

fn format_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl HelloAssoConnector {
    pub fn new(settings: HelloAssoSettings) -> Result<HelloAssoConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("connector `{}`: {problem}", settings.instance)));
        }
        let base = settings.base_url.trim().trim_end_matches('/').to_string();
        let http = HttpClient::new(&HttpSettings::new(base.clone()))?;
        let tokens = auth::TokenSource::new(&base, &settings.client_id, &settings.client_secret, http.inner().clone())?;
        Ok(HelloAssoConnector { settings, http, tokens })
    }

    /// A GET on the API with a bearer token; on 401 the token is dropped and the call made once more.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
        let mut retried = false;
        loop {
            let token = self.tokens.token().await?;
            let request = self.http.get(path).query(query).bearer_auth(&token);
            let response = request
                .send()
                .await
                .map_err(|e| ConnectorError::transient(format!("GET {path} failed: {}", describe(e))))?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && !retried {
                tracing::debug!(path, "HelloAsso refused the access token; getting a new one");
                self.tokens.invalidate(&token).await;
                retried = true;
                continue;
            }
            return json(classify(response).await?).await;
        }
    }

    fn org_path(&self, what: &str) -> String {
        format!("/v5/organizations/{}/{what}", self.settings.organization_slug)
    }

    /// One page of a date-sorted list, records built by `build`, `date_of` giving each element's date.
    async fn read_list(
        &self,
        path: &str,
        extra: &[(&str, String)],
        cursor: Option<&Cursor>,
        build: impl Fn(&Value) -> Result<Vec<SourceRecord>, ConnectorError>,
    ) -> Result<Page, ConnectorError> {
        let state = ListCursor::parse(cursor)?;
        let mut query: Vec<(&str, String)> =
            vec![("pageSize", self.settings.page_size.to_string()), ("sortOrder", "Asc".into())];
        query.extend(extra.iter().cloned());
        if let Some(from) = &state.from {
            query.push(("from", from.clone()));
        }
        match &state.continuation_token {
            Some(token) => query.push(("continuationToken", token.clone())),
            // The first page of a pass asks for the count: `hub sync`'s progress bar.
            None => query.push(("withCount", "true".into())),
        }
        let answer = self.get(path, &query).await?;
        let total_pages = answer.pointer("/pagination/totalPages").and_then(Value::as_i64).filter(|p| *p >= 0);
        let data = answer
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| ConnectorError::Invalid(format!("GET {path}: the answer has no `data` array")))?;
        let mut seen_until = state.seen_until.as_deref().and_then(records::parse_date);
        let mut out = Vec::new();
        for element in data {
            out.extend(build(element)?);
            if let Some(at) = element.get("date").and_then(Value::as_str).and_then(records::parse_date) {
                seen_until = Some(seen_until.map_or(at, |s| s.max(at)));
            }
        }
        let token = answer.pointer("/pagination/continuationToken").and_then(Value::as_str).filter(|t| !t.is_empty());
        if token.is_some() && token == state.continuation_token.as_deref() && !data.is_empty() {
            return Err(ConnectorError::Invalid(format!(
                "GET {path}: pagination loops (the same continuationToken came back)"
            )));
        }
        let (next, has_more) = match token {
            Some(token) if !data.is_empty() => (
                ListCursor {
                    from: state.from.clone(),
                    continuation_token: Some(token.to_string()),
                    seen_until: seen_until.map(format_date),
                },
                true,
            ),
            _ => {
                // The pass is over: the next one starts from the latest date seen, minus the overlap.
                let from = match seen_until {
                    Some(at) => Some(format_date(at - chrono::Duration::from_std(CURSOR_OVERLAP).expect("small"))),
                    None => state.from.clone(),
                };
                (ListCursor { from, continuation_token: None, seen_until: None }, false)
            }
        };
        Ok(Page {
            records: out,
            next_cursor: Some(next.to_cursor()),
            has_more,
            total_pages: total_pages.map(|p| p as u64),
        })
    }

    /// The records of order `order_id`, read from the API.
    async fn order_records(&self, order_id: &str) -> Result<Vec<SourceRecord>, ConnectorError> {
        let order = self.get(&format!("/v5/orders/{order_id}"), &[("withDetails", "true".into())]).await.map_err(
            |e| match e {
                ConnectorError::Invalid(detail) => {
                    ConnectorError::Invalid(format!("reading HelloAsso order {order_id} back: {detail}"))
                }
                other => other,
            },
        )?;
        // A partner URL may receive other organizations' events: only this organization's orders
        // become records here.
        let org = order.get("organizationSlug").and_then(serde_json::Value::as_str);
        if org.is_some_and(|o| !o.eq_ignore_ascii_case(&self.settings.organization_slug)) {
            tracing::info!(instance = %self.settings.instance, order = %order_id, "order of another organization ignored");
            return Ok(Vec::new());
        }
        Ok(records::order_records(&order)?.into_all())
    }
}

/// The id part of an event id built by [`webhook::event_id`], checked to be a HelloAsso id.
fn event_object_id(event: &InboundEvent) -> Result<String, ConnectorError> {
    let id = event.event_id.split(':').nth(1).unwrap_or("");
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_string())
    } else {
        Err(ConnectorError::Invalid(format!("event `{}` names no HelloAsso id", event.event_id)))
    }
}

#[async_trait]
impl Connector for HelloAssoConnector {
    fn kind(&self) -> &'static str {
        "helloasso"
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let org = self.get(&format!("/v5/organizations/{}", self.settings.organization_slug), &[]).await?;
        let name = org.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
        Ok(CheckReport {
            ok: true,
            detail: format!(
                "HelloAsso organization `{name}` ({}) reachable at {}; credentials accepted",
                self.settings.organization_slug,
                self.http.base_url()
            ),
        })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        [(MEMBERS, EntityKind::Person), (MEMBERSHIPS, EntityKind::Membership), (PAYMENTS, EntityKind::Payment)]
            .into_iter()
            .map(|(name, entity)| StreamInfo { name: name.into(), entity, sync_mode: SyncMode::Incremental })
            .collect()
    }

    async fn read(&self, stream: &str, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let details = [("withDetails", "true".to_string())];
        match stream {
            MEMBERS => {
                self.read_list(&self.org_path("orders"), &details, cursor, |o| Ok(records::order_records(o)?.members))
                    .await
            }
            MEMBERSHIPS => {
                self.read_list(&self.org_path("orders"), &details, cursor, |o| {
                    Ok(records::order_records(o)?.memberships)
                })
                .await
            }
            PAYMENTS => {
                self.read_list(&self.org_path("payments"), &[], cursor, |p| {
                    Ok(vec![records::listed_payment_record(p)?])
                })
                .await
            }
            other => Err(ConnectorError::Unsupported(format!(
                "HelloAsso has no stream `{other}` (streams: {MEMBERS}, {MEMBERSHIPS}, {PAYMENTS})"
            ))),
        }
    }

    async fn write(&self, _change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        Err(ConnectorError::Unsupported("HelloAsso is a source only: writing to it is not supported".into()))
    }

    fn webhook(&self) -> Option<&dyn WebhookDecoder> {
        Some(self)
    }

    async fn records_for_event(&self, event: &InboundEvent) -> Result<Vec<SourceRecord>, ConnectorError> {
        match event.event_type.as_str() {
            "Order" => self.order_records(&event_object_id(event)?).await,
            "Payment" => {
                let payment_id = event_object_id(event)?;
                let payment = self.get(&format!("/v5/payments/{payment_id}"), &[]).await.map_err(|e| match e {
                    ConnectorError::Invalid(detail) => {
                        ConnectorError::Invalid(format!("reading HelloAsso payment {payment_id} back: {detail}"))
                    }
                    other => other,
                })?;
                let order_id = payment
                    .get("order")
                    .and_then(records::id_of)
                    .ok_or_else(|| ConnectorError::Invalid(format!("HelloAsso payment {payment_id} names no order")))?;
                self.order_records(&order_id.to_string()).await
            }
            _ => Ok(Vec::new()),
        }
    }
}

impl WebhookDecoder for HelloAssoConnector {
    fn verify(&self, request: &WebhookRequest<'_>) -> Result<(), ConnectorError> {
        match &self.settings.signature_key {
            Some(key) => webhook::verify_signature(key, request),
            None => webhook::verify_source(&self.settings.allowed_sources, request.remote_addr),
        }
    }

    fn decode(&self, request: &WebhookRequest<'_>) -> Result<InboundEvent, ConnectorError> {
        webhook::decode(request)
    }
}
