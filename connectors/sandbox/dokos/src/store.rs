//! In-memory site: documents per DocType (full `as_dict` with child rows), naming counters, the
//! site clock (Europe/Paris local time, microseconds, strictly increasing so `modified` cursors
//! work), login sessions.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, TimeDelta};
use serde_json::{Map, Value};

use crate::doctypes::{Meta, Naming};

pub type Doc = Map<String, Value>;

/// The site's time zone (System Settings).
pub const SITE_TZ: chrono_tz::Tz = chrono_tz::Europe::Paris;
pub const DATETIME_FMT: &str = "%Y-%m-%d %H:%M:%S%.6f";

pub struct State {
    /// DocType → name → document.
    pub docs: BTreeMap<String, BTreeMap<String, Doc>>,
    counters: HashMap<String, u32>,
    last: Option<NaiveDateTime>,
    /// Seeding runs on a fake clock.
    pub fixed_now: Option<NaiveDateTime>,
    rng: fastrand::Rng,
    /// `sid` cookie → user.
    pub sessions: HashMap<String, String>,
}

impl State {
    pub fn new(seed: u64) -> State {
        State {
            docs: BTreeMap::new(),
            counters: HashMap::new(),
            last: None,
            fixed_now: None,
            rng: fastrand::Rng::with_seed(seed),
            sessions: HashMap::new(),
        }
    }

    /// The site's local time now, strictly after the previous call.
    pub fn now(&mut self) -> NaiveDateTime {
        let wall = self.fixed_now.unwrap_or_else(|| chrono::Utc::now().with_timezone(&SITE_TZ).naive_local());
        let t = match self.last {
            Some(last) if wall <= last => last + TimeDelta::microseconds(1),
            _ => wall,
        };
        self.last = Some(t);
        t
    }

    pub fn now_str(&mut self) -> String {
        self.now().format(DATETIME_FMT).to_string()
    }

    /// Today in the site's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.fixed_now.map(|t| t.date()).unwrap_or_else(|| chrono::Utc::now().with_timezone(&SITE_TZ).date_naive())
    }

    /// A Frappe `hash` name (10 hex characters).
    pub fn hash(&mut self) -> String {
        (0..10).map(|_| char::from_digit(self.rng.u32(0..16), 16).unwrap_or('0')).collect()
    }

    pub fn random_token(&mut self, len: usize) -> String {
        (0..len).map(|_| self.rng.alphanumeric()).collect()
    }

    /// The next name for a new document of `meta` (not for [`Naming::FullName`]).
    pub fn next_name(&mut self, meta: &Meta, year: i32) -> String {
        let prefix = match meta.naming {
            Naming::Series(series) => series
                .split('.')
                .filter(|p| !p.starts_with('#'))
                .map(|p| if p == "YYYY" { year.to_string() } else { p.to_string() })
                .collect::<String>(),
            Naming::Counter(prefix) => prefix.to_string(),
            Naming::Hash | Naming::FullName => return self.hash(),
        };
        let n = self.counters.entry(prefix.clone()).or_insert(0);
        *n += 1;
        format!("{prefix}{n:05}")
    }

    pub fn table(&self, doctype: &str) -> Option<&BTreeMap<String, Doc>> {
        self.docs.get(doctype)
    }

    pub fn get(&self, doctype: &str, name: &str) -> Option<&Doc> {
        self.docs.get(doctype)?.get(name)
    }

    pub fn exists(&self, doctype: &str, name: &str) -> bool {
        self.get(doctype, name).is_some()
    }

    pub fn put(&mut self, doctype: &str, doc: Doc) {
        let name = doc.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        self.docs.entry(doctype.to_string()).or_default().insert(name, doc);
    }

    pub fn remove(&mut self, doctype: &str, name: &str) -> Option<Doc> {
        self.docs.get_mut(doctype)?.remove(name)
    }

    /// Counts per DocType.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.docs.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    }
}

/// `doc[field]` as a string ("" when absent or null).
pub fn s<'a>(doc: &'a Doc, field: &str) -> &'a str {
    doc.get(field).and_then(Value::as_str).unwrap_or("")
}

/// `doc[field]` as a number (0 when absent).
pub fn f(doc: &Doc, field: &str) -> f64 {
    doc.get(field).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Frappe's `flt(x, 2)`.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
