//! The in-memory database: one table of records per model (a record is a JSON object of its stored
//! fields, many2one as a bare id), the values of computed/related fields, and `read`'s output
//! format (many2one as `[id, "display name"]`, empty values as `false`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::fields::{FType, Kind, ModelDef};

pub type Rec = Map<String, Value>;

/// The demo database's name, login, uid and secrets.
pub const DATABASE: &str = "tiers-lieu-demo";
pub const LOGIN: &str = "admin";
pub const UID: i64 = 2;
pub const PASSWORD: &str = "admin-sandbox";
/// A 40-hex-digit key like the ones Odoo generates.
pub const API_KEY: &str = "0d00sandb0x0a91e2b7c4f5d6e8a9b1c3d5e7f901";
/// The version `common.version()` reports (the examples' `17.0`).
pub const SERVER_SERIE: &str = "17.0";

#[derive(Debug, Default, Serialize)]
pub struct Table {
    pub rows: BTreeMap<i64, Rec>,
    pub next_id: i64,
}

/// One call a client made (for `/_sandbox/calls`).
#[derive(Debug, Clone, Serialize)]
pub struct CallLog {
    pub transport: &'static str,
    pub service: String,
    pub model: Option<String>,
    pub method: String,
    pub ok: bool,
    pub at: String,
}

#[derive(Debug, Default, Serialize)]
pub struct State {
    pub tables: BTreeMap<&'static str, Table>,
    /// Last invoice number used, per year (`INV/2026/00017`).
    pub sequences: BTreeMap<i32, u32>,
    pub calls: Vec<CallLog>,
    /// While seeding: skip the recomputation after each change (done once at the end).
    #[serde(skip)]
    pub defer_recompute: bool,
    /// Within one RPC call: what it touched, recomputed when it ends (`compute::in_one_flush`).
    #[serde(skip)]
    pub pending: Option<crate::compute::Touched>,
    /// Parent → children of the relations in [`INDEXED`] (what PostgreSQL's indexes give Odoo).
    #[serde(skip)]
    children_index: HashMap<(&'static str, &'static str), HashMap<i64, BTreeSet<i64>>>,
    /// Partners by lowercased e-mail (the `=ilike` lookups clients make for every contact).
    #[serde(skip)]
    email_index: HashMap<String, BTreeSet<i64>>,
}

/// The many2one relations the business rules walk on every write, kept indexed by parent: a
/// scan of every invoice line for each posted invoice made long runs quadratic.
const INDEXED: [(&str, &str); 3] = [
    ("account.move.line", "move_id"),
    ("membership.membership_line", "account_invoice_line"),
    ("membership.membership_line", "partner"),
];

pub fn indexed(model: &str, field: &str) -> Option<(&'static str, &'static str)> {
    INDEXED.iter().copied().find(|(m, f)| *m == model && *f == field)
}

/// Now, UTC, as Odoo writes datetimes (`YYYY-MM-DD HH:MM:SS`).
pub fn now_str() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `false` for empty values, as Odoo's marshaller sends them.
pub fn falsy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

impl State {
    pub fn new() -> State {
        let mut s = State::default();
        for m in crate::fields::models() {
            s.tables.insert(m.name, Table { rows: BTreeMap::new(), next_id: 1 });
        }
        s
    }

    pub fn table(&self, model: &str) -> &Table {
        self.tables.get(model).expect("every model has a table")
    }
    pub fn table_mut(&mut self, model: &str) -> &mut Table {
        self.tables.get_mut(model).expect("every model has a table")
    }
    pub fn rec(&self, model: &str, id: i64) -> Option<&Rec> {
        self.tables.get(model)?.rows.get(&id)
    }
    pub fn exists(&self, model: &str, id: i64) -> bool {
        self.rec(model, id).is_some()
    }
    pub fn ids(&self, model: &str) -> Vec<i64> {
        self.table(model).rows.keys().copied().collect()
    }
    /// A stored value (`false` when unset).
    pub fn get(&self, model: &str, id: i64, field: &str) -> Value {
        self.rec(model, id).and_then(|r| r.get(field)).cloned().unwrap_or(Value::Bool(false))
    }
    pub fn get_id(&self, model: &str, id: i64, field: &str) -> Option<i64> {
        self.get(model, id, field).as_i64()
    }
    pub fn get_str(&self, model: &str, id: i64, field: &str) -> Option<String> {
        self.get(model, id, field).as_str().map(str::to_string)
    }
    pub fn get_f64(&self, model: &str, id: i64, field: &str) -> f64 {
        self.get(model, id, field).as_f64().unwrap_or(0.0)
    }

    /// Inserts a record as is (seed and internal creations), setting id and magic fields.
    pub fn insert_raw(&mut self, model: &str, mut rec: Rec, at: &str) -> i64 {
        let table = self.table_mut(model);
        let id = table.next_id;
        table.next_id += 1;
        rec.insert("create_date".into(), json!(at));
        rec.insert("write_date".into(), json!(at));
        rec.insert("create_uid".into(), json!(UID));
        rec.insert("write_uid".into(), json!(UID));
        self.add_index(model, id, &rec);
        self.table_mut(model).rows.insert(id, rec);
        id
    }

    /// Removes a record (and its place in the children index).
    pub fn remove_row(&mut self, model: &str, id: i64) {
        if let Some(rec) = self.table_mut(model).rows.remove(&id) {
            self.remove_index(model, id, &rec);
        }
    }

    /// Inserts a record under a given id (reference data with Odoo's usual ids).
    pub fn insert_with_id(&mut self, model: &str, id: i64, rec: Rec, at: &str) {
        let table = self.table_mut(model);
        table.next_id = table.next_id.max(id);
        let got = self.insert_raw(model, rec, at);
        if got != id {
            let row = self.table_mut(model).rows.remove(&got).expect("just inserted");
            self.remove_index(model, got, &row);
            self.add_index(model, id, &row);
            self.table_mut(model).rows.insert(id, row);
        }
        let table = self.table_mut(model);
        table.next_id = table.next_id.max(id + 1);
    }

    /// Partners whose e-mail is `email`, case-insensitively (exactly, as `=ilike` without wildcards).
    pub fn partners_with_email(&self, email: &str) -> Vec<i64> {
        self.email_index.get(&email.to_lowercase()).into_iter().flatten().copied().collect()
    }

    fn add_index(&mut self, model: &str, id: i64, rec: &Rec) {
        if model == "res.partner"
            && let Some(email) = rec.get("email").and_then(Value::as_str)
        {
            self.email_index.entry(email.to_lowercase()).or_default().insert(id);
        }
        for key in INDEXED.iter().filter(|(m, _)| *m == model) {
            if let Some(parent) = rec.get(key.1).and_then(Value::as_i64) {
                self.children_index.entry(*key).or_default().entry(parent).or_default().insert(id);
            }
        }
    }

    fn remove_index(&mut self, model: &str, id: i64, rec: &Rec) {
        if model == "res.partner"
            && let Some(email) = rec.get("email").and_then(Value::as_str)
            && let Some(ids) = self.email_index.get_mut(&email.to_lowercase())
        {
            ids.remove(&id);
        }
        for key in INDEXED.iter().filter(|(m, _)| *m == model) {
            if let Some(parent) = rec.get(key.1).and_then(Value::as_i64)
                && let Some(children) = self.children_index.get_mut(key).and_then(|i| i.get_mut(&parent))
            {
                children.remove(&id);
            }
        }
    }

    /// Sets a stored field; bumps `write_date` when the value changed.
    pub fn set(&mut self, model: &str, id: i64, field: &str, value: Value, at: &str) -> bool {
        let key = indexed(model, field);
        let Some(rec) = self.table_mut(model).rows.get_mut(&id) else { return false };
        if rec.get(field) == Some(&value) {
            return false;
        }
        let old = rec.get(field).and_then(Value::as_i64);
        let new = value.as_i64();
        if model == "res.partner" && field == "email" {
            let old_email = rec.get("email").and_then(Value::as_str).map(str::to_lowercase);
            let new_email = value.as_str().map(str::to_lowercase);
            if let Some(old_email) = old_email
                && let Some(ids) = self.email_index.get_mut(&old_email)
            {
                ids.remove(&id);
            }
            if let Some(new_email) = new_email {
                self.email_index.entry(new_email).or_default().insert(id);
            }
        }
        let Some(rec) = self.table_mut(model).rows.get_mut(&id) else { return false };
        rec.insert(field.to_string(), value);
        if let Some(key) = key {
            let index = self.children_index.entry(key).or_default();
            if let Some(old) = old
                && let Some(children) = index.get_mut(&old)
            {
                children.remove(&id);
            }
            if let Some(new) = new {
                index.entry(new).or_default().insert(id);
            }
        }
        let Some(rec) = self.table_mut(model).rows.get_mut(&id) else { return false };
        rec.insert("write_date".into(), json!(at));
        rec.insert("write_uid".into(), json!(UID));
        true
    }

    /// The value of any field, computed ones included; many2one as a bare id (or `false`).
    pub fn value(&self, model: &ModelDef, id: i64, field: &str) -> Value {
        let m = model.name;
        match (m, field) {
            (_, "id") => json!(id),
            (_, "display_name") => json!(self.display_name(m, id)),
            ("res.partner", "company_type") => {
                json!(if self.get(m, id, "is_company") == json!(true) { "company" } else { "person" })
            }
            ("res.partner", "commercial_partner_id") => json!(self.commercial_partner(id)),
            ("account.move", "commercial_partner_id") => {
                self.get_id(m, id, "partner_id").map(|p| json!(self.commercial_partner(p))).unwrap_or(json!(false))
            }
            ("membership.membership_line", "account_invoice_id") => self
                .get_id(m, id, "account_invoice_line")
                .map(|l| self.get("account.move.line", l, "move_id"))
                .unwrap_or(json!(false)),
            ("product.template", "product_variant_id") => {
                let t = self.table("product.product");
                t.rows
                    .iter()
                    .find(|(_, r)| r.get("product_tmpl_id") == Some(&json!(id)))
                    .map(|(k, _)| json!(k))
                    .unwrap_or(json!(false))
            }
            ("product.product", f) if model.field(f).is_some_and(|d| d.kind == Kind::Virtual) => self
                .get_id(m, id, "product_tmpl_id")
                .map(|t| self.get("product.template", t, f))
                .unwrap_or(json!(false)),
            _ => match model.field(field).map(|d| d.ftype) {
                Some(FType::One2many(comodel, inverse)) => json!(self.children(comodel, inverse, id)),
                _ => self.get(m, id, field),
            },
        }
    }

    pub fn children(&self, comodel: &str, inverse: &str, id: i64) -> Vec<i64> {
        if let Some(key) = indexed(comodel, inverse) {
            return self.children_index.get(&key).and_then(|i| i.get(&id)).into_iter().flatten().copied().collect();
        }
        self.table(comodel).rows.iter().filter(|(_, r)| r.get(inverse) == Some(&json!(id))).map(|(k, _)| *k).collect()
    }

    fn commercial_partner(&self, id: i64) -> i64 {
        match self.get_id("res.partner", id, "parent_id") {
            Some(p) if self.get("res.partner", id, "is_company") != json!(true) && p != id => p,
            _ => id,
        }
    }

    pub fn display_name(&self, model: &str, id: i64) -> String {
        let name = |m: &str, i: i64| self.get_str(m, i, "name").unwrap_or_default();
        match model {
            "res.partner" => match self.get_id(model, id, "parent_id") {
                Some(p) if self.get(model, id, "is_company") != json!(true) && p != id => {
                    format!("{}, {}", name(model, p), name(model, id))
                }
                _ => name(model, id),
            },
            "membership.membership_line" => {
                self.get_id(model, id, "partner").map(|p| self.display_name("res.partner", p)).unwrap_or_default()
            }
            "account.move.line" => {
                let move_name = self.get_id(model, id, "move_id").map(|m| name("account.move", m)).unwrap_or_default();
                format!("{move_name} - {}", name(model, id))
            }
            "account.move" => {
                let n = name(model, id);
                if n == "/" || n.is_empty() { format!("Draft Invoice ({id})") } else { n }
            }
            "product.product" => self
                .get_id(model, id, "product_tmpl_id")
                .map(|t| self.display_name("product.template", t))
                .unwrap_or_default(),
            "product.template" => match self.get_str(model, id, "default_code") {
                Some(code) if !code.is_empty() => format!("[{code}] {}", name(model, id)),
                _ => name(model, id),
            },
            _ => name(model, id),
        }
    }

    /// A field as `read` returns it (`load` = `_classic_read` unless `classic` is false).
    pub fn read_value(&self, model: &ModelDef, id: i64, field: &str, classic: bool) -> Value {
        let v = self.value(model, id, field);
        let ftype = model.field(field).map(|d| d.ftype);
        match (ftype, v) {
            (Some(FType::Many2one(comodel)), Value::Number(n)) => match n.as_i64() {
                Some(rid) if self.exists(comodel, rid) => {
                    if classic {
                        json!([rid, self.display_name(comodel, rid)])
                    } else {
                        json!(rid)
                    }
                }
                _ => json!(false),
            },
            (Some(FType::One2many(..)), v) => v,
            (Some(FType::Float | FType::Monetary), Value::Number(n)) => json!(n.as_f64().unwrap_or(0.0)),
            (Some(FType::Float | FType::Monetary), _) => json!(0.0),
            (Some(FType::Integer), Value::Bool(false) | Value::Null) if field != "id" => json!(0),
            (_, v) if falsy(&v) && !matches!(v, Value::Array(_)) => json!(false),
            (_, v) => v,
        }
    }
}
