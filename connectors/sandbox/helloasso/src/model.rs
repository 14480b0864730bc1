//! The sandbox's in-memory records (organization, forms, orders with their items, payments,
//! refunds, OAuth2 tokens, notification registrations) and the store holding them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// The one organization the demo client administers.
#[derive(Debug, Clone, Serialize)]
pub struct Org {
    pub slug: String,
    pub name: String,
    pub org_type: String,
    pub city: String,
    pub zip_code: String,
    pub description: String,
}

/// A custom field asked on a tier ("Date de naissance", "Commune"…).
#[derive(Debug, Clone, Serialize)]
pub struct FieldDef {
    pub id: i64,
    pub label: String,
    /// FieldType: Date, TextInput, ChoiceList, Phone, Zipcode…
    pub field_type: String,
    pub values: Vec<String>,
    pub required: bool,
}

/// A price level of a form.
#[derive(Debug, Clone, Serialize)]
pub struct Tier {
    pub id: i64,
    pub label: String,
    pub description: String,
    /// TierType: Membership, Donation, Registration…
    pub tier_type: String,
    /// Cents; 0 with `min_amount` set: free amount (Pwyw).
    pub price: i64,
    pub min_amount: Option<i64>,
    pub custom_fields: Vec<FieldDef>,
}

/// A membership, donation or event form.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub form_type: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    /// FormState: Public, Private, Draft, Disabled…
    pub state: String,
    pub tiers: Vec<Tier>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// Who paid.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Payer {
    pub email: String,
    pub address: Option<String>,
    pub city: Option<String>,
    pub zip_code: Option<String>,
    pub country: String,
    pub date_of_birth: Option<NaiveDate>,
    pub first_name: String,
    pub last_name: String,
}

/// One answer to a custom field on an item.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub id: i64,
    pub name: String,
    pub field_type: String,
    pub answer: String,
}

/// An item of an order (one membership, one ticket, one donation).
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    /// `None` for a checkout's item.
    pub tier_id: Option<i64>,
    pub name: String,
    pub tier_type: String,
    pub tier_description: String,
    pub price_category: String,
    pub amount: i64,
    pub initial_amount: i64,
    /// ItemState: Processed, Canceled, Refused, Waiting…
    pub state: String,
    pub user_first_name: String,
    pub user_last_name: String,
    pub custom_fields: Vec<Answer>,
}

/// An order: what a payer bought on a form.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: i64,
    pub form_type: String,
    pub form_slug: String,
    pub date: DateTime<Utc>,
    pub payer: Payer,
    pub items: Vec<Item>,
    pub payment_ids: Vec<i64>,
    pub checkout_intent_id: Option<i64>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// A checkout intent created by `POST /v5/organizations/{slug}/checkout-intents`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckoutIntent {
    pub id: i64,
    pub total_amount: i64,
    pub initial_amount: i64,
    pub item_name: String,
    pub contains_donation: bool,
    pub back_url: String,
    pub error_url: String,
    pub return_url: String,
    pub payer: Option<Payer>,
    /// Echoed in the notifications' `metadata` and in the intent.
    pub metadata: Option<serde_json::Value>,
    /// Set once the payer has paid.
    pub order_id: Option<i64>,
    pub created: DateTime<Utc>,
}

/// A refund operation on a payment.
#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    pub id: i64,
    pub amount: i64,
    /// OperationState: Processed.
    pub status: String,
    pub cancel_order: bool,
    pub send_refund_mail: bool,
    pub comment: Option<String>,
    pub created: DateTime<Utc>,
}

/// A payment of an order (one per order here: no instalments).
#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    pub id: i64,
    pub order_id: i64,
    pub amount: i64,
    pub date: DateTime<Utc>,
    /// PaymentState: Authorized, Refused, Refunded…
    pub state: String,
    pub means: String,
    pub cash_out_state: String,
    pub refunds: Vec<Refund>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// An issued access token.
#[derive(Debug, Clone, Serialize)]
pub struct AccessToken {
    pub client_id: String,
    pub expires_at: DateTime<Utc>,
}

/// An issued refresh token.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshToken {
    pub client_id: String,
    pub expires_at: DateTime<Utc>,
}

/// A notification URL registered by the partner API (signed) or the back office (unsigned).
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    pub url: String,
    /// `None`: every event type.
    pub notification_type: Option<String>,
    /// `None`: partner-wide; `Some(slug)`: one organization.
    pub organization: Option<String>,
    /// `None` for the association's back-office URL (HelloAsso signs partner URLs only).
    pub signature_key: Option<String>,
}

/// Everything the sandbox holds.
pub struct Store {
    pub org: Org,
    pub forms: Vec<Form>,
    pub orders: BTreeMap<i64, Order>,
    pub payments: BTreeMap<i64, Payment>,
    /// Item id → order id.
    pub item_orders: HashMap<i64, i64>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub registrations: Vec<Registration>,
    pub checkout_intents: BTreeMap<i64, CheckoutIntent>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// The next seed person a trigger uses when none is named.
    pub next_person: usize,
    next_id: i64,
    pub rng: fastrand::Rng,
}

impl Store {
    pub fn new(org: Org) -> Store {
        Store {
            org,
            forms: Vec::new(),
            orders: BTreeMap::new(),
            payments: BTreeMap::new(),
            item_orders: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            registrations: Vec::new(),
            checkout_intents: BTreeMap::new(),
            access_token_ttl_secs: 1800,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            next_person: 0,
            next_id: 10_001,
            rng: fastrand::Rng::new(),
        }
    }

    /// A fresh id (orders, items, payments, tiers, fields and refunds share one sequence).
    pub fn id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn form(&self, form_type: &str, slug: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.form_type.eq_ignore_ascii_case(form_type) && f.slug == slug)
    }

    /// Inserts an order and its payments, indexing its items.
    pub fn insert(&mut self, order: Order, payments: Vec<Payment>) {
        for item in &order.items {
            self.item_orders.insert(item.id, order.id);
        }
        for p in payments {
            self.payments.insert(p.id, p);
        }
        self.orders.insert(order.id, order);
    }
}
