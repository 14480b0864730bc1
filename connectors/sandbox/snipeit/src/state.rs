//! The sandbox's in-memory Snipe-IT database: one map per table, soft deletes (`deleted_at`)
//! everywhere as in Snipe-IT, ids that are never reused, and the settings that change behaviour
//! (throttle, Slack-compatible integration).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// `Y-m-d H:i:s` in UTC, truncated to the second like a MySQL `timestamp`.
pub fn now() -> NaiveDateTime {
    let n = chrono::Utc::now().naive_utc();
    n - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&n)))
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusLabel {
    pub id: u64,
    pub name: String,
    /// `deployable`, `pending`, `archived` or `undeployable`.
    pub kind: String,
    pub color: Option<String>,
    pub show_in_nav: bool,
    pub default_label: bool,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Manufacturer {
    pub id: u64,
    pub name: String,
    pub url: String,
    pub support_url: String,
    pub support_phone: String,
    pub support_email: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: u64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct Supplier {
    pub id: u64,
    pub name: String,
    pub city: String,
    pub email: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetModel {
    pub id: u64,
    pub name: String,
    pub model_number: String,
    pub manufacturer_id: u64,
    pub category_id: u64,
    /// End of life, in months.
    pub eol: u32,
    pub image: String,
    pub notes: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub id: u64,
    pub name: String,
    pub address: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub zip: Option<String>,
    pub phone: Option<String>,
    pub currency: Option<String>,
    pub notes: Option<String>,
    pub parent_id: Option<u64>,
    pub manager_id: Option<u64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: u64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: String,
    pub email: Option<String>,
    pub employee_num: Option<String>,
    pub jobtitle: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub zip: Option<String>,
    pub locale: Option<String>,
    pub notes: Option<String>,
    pub location_id: Option<u64>,
    pub manager_id: Option<u64>,
    pub activated: bool,
    pub vip: bool,
    pub remote: bool,
    pub is_admin: bool,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub created_by: Option<u64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl User {
    pub fn full_name(&self) -> String {
        match &self.last_name {
            Some(l) if !l.is_empty() => format!("{} {l}", self.first_name),
            _ => self.first_name.clone(),
        }
    }
}

/// What an asset is checked out to (`assigned_type` in Snipe-IT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    User,
    Location,
    Asset,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "user" | "App\\Models\\User" => Some(Target::User),
            "location" | "App\\Models\\Location" => Some(Target::Location),
            "asset" | "App\\Models\\Asset" => Some(Target::Asset),
            _ => None,
        }
    }
    /// The Eloquent class name stored in `assets.assigned_type`.
    pub fn class(self) -> &'static str {
        match self {
            Target::User => "App\\Models\\User",
            Target::Location => "App\\Models\\Location",
            Target::Asset => "App\\Models\\Asset",
        }
    }
    pub fn word(self) -> &'static str {
        match self {
            Target::User => "user",
            Target::Location => "location",
            Target::Asset => "asset",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub id: u64,
    pub name: Option<String>,
    pub asset_tag: String,
    pub serial: Option<String>,
    pub model_id: u64,
    pub status_id: u64,
    pub company_id: Option<u64>,
    pub supplier_id: Option<u64>,
    pub location_id: Option<u64>,
    pub rtd_location_id: Option<u64>,
    pub assigned_to: Option<(Target, u64)>,
    pub notes: Option<String>,
    pub order_number: Option<String>,
    pub purchase_date: Option<NaiveDate>,
    pub purchase_cost: Option<f64>,
    pub warranty_months: Option<u32>,
    pub requestable: bool,
    pub byod: bool,
    pub last_checkout: Option<NaiveDateTime>,
    pub last_checkin: Option<NaiveDateTime>,
    pub expected_checkin: Option<NaiveDate>,
    pub last_audit_date: Option<NaiveDateTime>,
    pub next_audit_date: Option<NaiveDate>,
    pub checkin_counter: u32,
    pub checkout_counter: u32,
    pub requests_counter: u32,
    pub created_by: Option<u64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Maintenance {
    pub id: u64,
    pub asset_id: u64,
    pub supplier_id: Option<u64>,
    pub asset_maintenance_type: String,
    pub title: String,
    pub is_warranty: bool,
    pub start_date: NaiveDate,
    pub completion_date: Option<NaiveDate>,
    pub cost: Option<f64>,
    pub notes: Option<String>,
    pub created_by: u64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl Maintenance {
    /// Days between start and completion (`asset_maintenance_time`).
    pub fn time(&self) -> Option<i64> {
        self.completion_date.map(|c| (c - self.start_date).num_days())
    }
}

/// One row of the activity log (`action_logs`) about an asset.
#[derive(Debug, Clone, Serialize)]
pub struct ActionLog {
    pub id: u64,
    /// `create`, `update`, `delete`, `restore`, `checkout`, `checkin from`, `audit`.
    pub action_type: String,
    pub asset_id: u64,
    pub target: Option<(Target, u64)>,
    pub location_id: Option<u64>,
    pub note: Option<String>,
    pub created_by: u64,
    pub created_at: NaiveDateTime,
}

/// Admin → Settings → Integrations (Slack / Teams / Google Chat / "general" Slack-compatible webhook).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Integration {
    pub webhook_endpoint: String,
    #[serde(default = "default_channel")]
    pub webhook_channel: String,
    #[serde(default = "default_botname")]
    pub webhook_botname: String,
    /// `slack` or `general` (both send the Slack payload in this sandbox).
    #[serde(default = "default_selected")]
    pub webhook_selected: String,
}

fn default_channel() -> String {
    "#fablab".into()
}
fn default_botname() -> String {
    "Snipe-Bot".into()
}
fn default_selected() -> String {
    "slack".into()
}

/// The whole database.
#[derive(Debug, Default, Serialize)]
pub struct Db {
    pub status_labels: BTreeMap<u64, StatusLabel>,
    pub manufacturers: BTreeMap<u64, Manufacturer>,
    pub categories: BTreeMap<u64, Category>,
    pub suppliers: BTreeMap<u64, Supplier>,
    pub models: BTreeMap<u64, AssetModel>,
    pub locations: BTreeMap<u64, Location>,
    pub users: BTreeMap<u64, User>,
    pub assets: BTreeMap<u64, Asset>,
    pub maintenances: BTreeMap<u64, Maintenance>,
    /// `action_logs` (the activity report), oldest first.
    pub logs: Vec<ActionLog>,
    pub integration: Option<Integration>,
}

/// Next auto-increment id of a table (rows are soft-deleted, never removed, so ids are not reused).
pub fn next_id<T>(table: &BTreeMap<u64, T>) -> u64 {
    table.keys().next_back().map_or(1, |k| k + 1)
}

impl Db {
    pub fn label(&self, id: u64) -> Option<&StatusLabel> {
        self.status_labels.get(&id).filter(|l| l.deleted_at.is_none())
    }
    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.get(&id).filter(|u| u.deleted_at.is_none())
    }
    pub fn location(&self, id: u64) -> Option<&Location> {
        self.locations.get(&id).filter(|l| l.deleted_at.is_none())
    }
    pub fn asset(&self, id: u64) -> Option<&Asset> {
        self.assets.get(&id).filter(|a| a.deleted_at.is_none())
    }
    /// Snipe-IT's `Asset::availableForCheckout()`: not assigned, not deleted, deployable status.
    pub fn available_for_checkout(&self, a: &Asset) -> bool {
        a.assigned_to.is_none()
            && a.deleted_at.is_none()
            && self.status_labels.get(&a.status_id).is_some_and(|l| l.kind == "deployable")
    }
    /// `status_meta` of the asset presenter: `deployed` when assigned, else the label's type.
    pub fn status_meta(&self, a: &Asset) -> String {
        let kind = self.status_labels.get(&a.status_id).map_or("", |l| l.kind.as_str());
        if a.assigned_to.is_some() && kind == "deployable" { "deployed".into() } else { kind.into() }
    }
    /// Appends to the activity log (done by the admin, user 1: the token's owner).
    pub fn log(&mut self, action: &str, asset_id: u64, target: Option<(Target, u64)>, note: Option<String>) {
        let location_id = self.assets.get(&asset_id).and_then(|a| a.location_id);
        let id = self.logs.len() as u64 + 1;
        self.logs.push(ActionLog {
            id,
            action_type: action.into(),
            asset_id,
            target,
            location_id,
            note,
            created_by: 1,
            created_at: now(),
        });
    }
    pub fn assets_of_user(&self, user_id: u64) -> usize {
        self.assets
            .values()
            .filter(|a| a.deleted_at.is_none() && a.assigned_to == Some((Target::User, user_id)))
            .count()
    }
}
