//! What the connector remembers of reference data between writes: each plan's membership
//! product and each country's id, so a membership write does not look its product up again.
//!
//! Entries live [`LOOKUP_TTL`]: a product staff archive or replace in Odoo is seen within minutes,
//! and a write that fails on a stale id is retried after the entry expired.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a looked-up id is trusted.
pub const LOOKUP_TTL: Duration = Duration::from_secs(300);

/// A plan's `product.product`: (id, name, list price).
pub type Product = (i64, String, f64);

#[derive(Debug, Default)]
pub struct Lookups {
    products: Mutex<HashMap<String, (Instant, Product)>>,
    countries: Mutex<HashMap<String, (Instant, i64)>>,
}

fn fresh<T: Clone>(map: &Mutex<HashMap<String, (Instant, T)>>, key: &str) -> Option<T> {
    let map = map.lock().expect("lookups lock");
    map.get(key).filter(|(at, _)| at.elapsed() < LOOKUP_TTL).map(|(_, v)| v.clone())
}

impl Lookups {
    pub fn product(&self, plan: &str) -> Option<Product> {
        fresh(&self.products, plan)
    }
    pub fn remember_product(&self, plan: &str, product: Product) {
        self.products.lock().expect("lookups lock").insert(plan.to_string(), (Instant::now(), product));
    }
    pub fn country(&self, code: &str) -> Option<i64> {
        fresh(&self.countries, code)
    }
    pub fn remember_country(&self, code: String, id: i64) {
        self.countries.lock().expect("lookups lock").insert(code, (Instant::now(), id));
    }
}
