//! The in-memory account: every object by id (as JSON, the way Stripe returns it), the creation
//! order per object type (lists are newest first), saved idempotent responses, webhook endpoint
//! secrets. Also the generic pieces every route uses: ids, lookups, list pages, `expand[]` and
//! the rendering of embedded lists (`payment_intent.charges`, `charge.refunds`, `invoice.lines`).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use hub_sandbox_core::WebhookEmitter;
use serde_json::{Value, json};

use crate::{error::ApiError, form};

/// A saved response for an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub enum Saved {
    InFlight { fingerprint: String },
    Done { fingerprint: String, status: u16, body: Vec<u8>, request_id: String },
}

/// The account's state.
pub struct Store {
    pub objects: HashMap<String, Value>,
    pub order: HashMap<String, Vec<String>>,
    pub idempotency: HashMap<String, Saved>,
    /// Webhook endpoint id → its `whsec_…` secret.
    pub secrets: HashMap<String, String>,
    /// Payment methods whose charges fail (test cards like `pm_card_chargeDeclined`).
    pub declining: std::collections::HashSet<String>,
    /// Ids of deleted objects (retrieving them answers `deleted: true`).
    pub deleted: std::collections::HashSet<String>,
    /// Checkout session id → its line items (`item` objects).
    pub line_items: HashMap<String, Vec<Value>>,
    pub emitter: WebhookEmitter,
    rng: fastrand::Rng,
    pub invoice_counter: u64,
}

/// Shared application state.
#[derive(Clone)]
pub struct App {
    pub store: Arc<Mutex<Store>>,
    pub api_key: String,
    pub webhook_secret: String,
}

impl App {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Human label of an id's object type, for `No such …` messages.
pub fn label(kind: &str) -> &'static str {
    match kind {
        "customer" => "customer",
        "product" => "product",
        "price" => "price",
        "payment_intent" => "payment_intent",
        "charge" => "charge",
        "refund" => "refund",
        "checkout.session" => "checkout.session",
        "invoice" => "invoice",
        "invoiceitem" => "invoiceitem",
        "event" => "event",
        "webhook_endpoint" => "webhook_endpoint",
        "payment_method" => "PaymentMethod",
        _ => "object",
    }
}

impl Store {
    pub fn new(emitter: WebhookEmitter) -> Store {
        Store {
            objects: HashMap::new(),
            order: HashMap::new(),
            idempotency: HashMap::new(),
            secrets: HashMap::new(),
            declining: Default::default(),
            deleted: Default::default(),
            line_items: HashMap::new(),
            emitter,
            rng: fastrand::Rng::with_seed(0x0571_219E),
            invoice_counter: 0,
        }
    }

    /// A fresh random string of `n` letters and digits.
    pub fn random(&mut self, n: usize) -> String {
        (0..n).map(|_| ALNUM[self.rng.usize(..ALNUM.len())] as char).collect()
    }

    /// A new Stripe id (`cus_…`, `pi_…`, `cs_test_…`).
    pub fn new_id(&mut self, prefix: &str) -> String {
        let len = if prefix == "cs_test" { 58 } else { 24 };
        format!("{prefix}_{}", self.random(len))
    }

    /// Stores a new object (its `object` field gives the type).
    pub fn insert(&mut self, obj: Value) -> Value {
        let id = obj["id"].as_str().unwrap_or_default().to_string();
        let kind = obj["object"].as_str().unwrap_or_default().to_string();
        self.order.entry(kind).or_default().push(id.clone());
        self.objects.insert(id, obj.clone());
        obj
    }

    /// Replaces a stored object.
    pub fn put(&mut self, obj: Value) {
        let id = obj["id"].as_str().unwrap_or_default().to_string();
        self.objects.insert(id, obj);
    }

    /// Removes an object (it disappears from lists).
    pub fn remove(&mut self, kind: &str, id: &str) {
        self.objects.remove(id);
        if let Some(ids) = self.order.get_mut(kind) {
            ids.retain(|x| x != id);
        }
    }

    /// The stored object of type `kind` with `id` (404 `No such …` otherwise).
    pub fn get(&self, kind: &str, id: &str, param: &str) -> Result<Value, ApiError> {
        match self.objects.get(id) {
            Some(v) if v["object"] == kind => Ok(v.clone()),
            _ => Err(ApiError::no_such(label(kind), id, param)),
        }
    }

    /// Stored objects of `kind`, oldest first.
    pub fn all(&self, kind: &str) -> Vec<Value> {
        self.order
            .get(kind)
            .map(|ids| ids.iter().filter_map(|id| self.objects.get(id).cloned()).collect())
            .unwrap_or_default()
    }

    /// Fills the lists Stripe embeds in objects, as they are now.
    pub fn render(&self, mut v: Value) -> Value {
        let id = v["id"].as_str().unwrap_or_default().to_string();
        match v["object"].as_str() {
            Some("payment_intent") => {
                let charges: Vec<Value> = self
                    .all("charge")
                    .into_iter()
                    .rev()
                    .filter(|c| c["payment_intent"] == id.as_str())
                    .map(|c| self.render(c))
                    .collect();
                v["charges"] = json!({"object": "list", "data": charges, "has_more": false, "total_count": charges.len(), "url": format!("/v1/charges?payment_intent={id}")});
            }
            Some("charge") => {
                let refunds: Vec<Value> =
                    self.all("refund").into_iter().rev().filter(|r| r["charge"] == id.as_str()).collect();
                v["refunds"] = json!({"object": "list", "data": refunds, "has_more": false, "total_count": refunds.len(), "url": format!("/v1/charges/{id}/refunds")});
            }
            Some("invoice") => crate::routes::invoices::render_totals(self, &mut v),
            _ => {}
        }
        v
    }

    /// Renders and applies `expand[]` (dotted paths; `data.` inside lists).
    pub fn out(&self, v: Value, params: &Value) -> Value {
        let mut v = self.render(v);
        for path in form::expand_list(params) {
            let segs: Vec<&str> = path.split('.').collect();
            self.expand(&mut v, &segs);
        }
        v
    }

    fn expand(&self, v: &mut Value, segs: &[&str]) {
        let Some((first, rest)) = segs.split_first() else { return };
        let Some(field) = v.get_mut(*first) else { return };
        if let Value::Array(items) = field {
            for item in items.iter_mut() {
                self.expand(item, rest);
            }
            return;
        }
        if let Some(id) = field.as_str()
            && let Some(obj) = self.objects.get(id)
        {
            *field = self.render(obj.clone());
        }
        self.expand(field, rest);
    }

    /// One page of `kind`, newest first, Stripe style (`limit`, `starting_after`, `ending_before`,
    /// `created[gte|gt|lte|lt]`), after `keep` filters.
    pub fn list(&self, kind: &str, url: &str, p: &Value, keep: impl Fn(&Value) -> bool) -> Result<Value, ApiError> {
        let limit = form::opt_int(p, "limit")?.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid_request(
                "Invalid limit: must be between 1 and 100".into(),
                Some("limit"),
                Some("parameter_invalid_integer"),
            ));
        }
        let created_ok = created_filter(p)?;
        let mut items: Vec<Value> =
            self.all(kind).into_iter().rev().filter(|o| keep(o) && created_ok(o["created"].as_i64())).collect();
        let position = |param: &str, id: &str, items: &[Value]| {
            items.iter().position(|o| o["id"] == id).ok_or_else(|| ApiError::no_such(label(kind), id, param))
        };
        let has_more;
        if let Some(after) = form::opt_str(p, "starting_after").filter(|s| !s.is_empty()) {
            let at = position("starting_after", &after, &items)?;
            items.drain(..=at);
            has_more = items.len() > limit as usize;
            items.truncate(limit as usize);
        } else if let Some(before) = form::opt_str(p, "ending_before").filter(|s| !s.is_empty()) {
            let at = position("ending_before", &before, &items)?;
            items.truncate(at);
            has_more = items.len() > limit as usize;
            let skip = items.len().saturating_sub(limit as usize);
            items.drain(..skip);
        } else {
            has_more = items.len() > limit as usize;
            items.truncate(limit as usize);
        }
        let data: Vec<Value> = items.into_iter().map(|o| self.render(o)).collect();
        Ok(json!({"object": "list", "data": data, "has_more": has_more, "url": url}))
    }
}

/// `created=ts` or `created[gte]=…` filters.
fn created_filter(p: &Value) -> Result<impl Fn(Option<i64>) -> bool, ApiError> {
    let mut bounds: Vec<(String, i64)> = Vec::new();
    match p.get("created") {
        Some(Value::Object(m)) => {
            for (op, v) in m {
                let n = v.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| ApiError::invalid_integer("created"))?;
                bounds.push((op.clone(), n));
            }
        }
        Some(_) => bounds.push(("eq".into(), form::opt_int(p, "created")?.unwrap_or(0))),
        None => {}
    }
    Ok(move |c: Option<i64>| {
        let c = c.unwrap_or(0);
        bounds.iter().all(|(op, n)| match op.as_str() {
            "gt" => c > *n,
            "gte" => c >= *n,
            "lt" => c < *n,
            "lte" => c <= *n,
            _ => c == *n,
        })
    })
}
