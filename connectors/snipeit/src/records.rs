//! Records built from Snipe-IT hardware (the `AssetsTransformer` shape `GET /hardware` and
//! `GET /hardware/bytag/{tag}` answer): the asset JSON untouched under `asset`, beside flat
//! helpers for the mappings (field list in the crate doc), and the reading of an asset the
//! checkout logic shares: canonical status, holder, HTML-unescaped texts. Pure functions: reading
//! an asset twice gives the same record.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use hub_connector_sdk::{ConnectorError, SourceRecord};
use serde_json::{Map, Value, json};

/// The one stream: assets (canonical `asset`).
pub const ASSETS: &str = "assets";

/// Canonical statuses.
pub const AVAILABLE: &str = "available";
pub const CHECKED_OUT: &str = "checked_out";
pub const MAINTENANCE: &str = "maintenance";

/// Undoes Laravel's `e()` (`htmlspecialchars` with `ENT_QUOTES`): Snipe-IT's transformers escape
/// names, tags and e-mails (`Macbook Pro 13&quot;` in the vendor's example).
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A non-empty, trimmed, unescaped string at `pointer`.
pub fn text(value: &Value, pointer: &str) -> Option<String> {
    value.pointer(pointer).and_then(Value::as_str).map(|s| unescape(s.trim())).filter(|s| !s.is_empty())
}

/// The asset's numeric id.
pub fn asset_id(asset: &Value) -> Option<u64> {
    asset.get("id").and_then(Value::as_u64)
}

/// Whether two e-mail addresses are the same mailbox (trimmed, case-insensitive).
pub fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Who or what an asset is checked out to (`assigned_to`).
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// `user`, `location` or `asset`.
    pub kind: String,
    pub id: Option<u64>,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Holder {
    /// The holder of `asset`, `None` when it is checked in.
    pub fn of(asset: &Value) -> Option<Holder> {
        let assigned = asset.get("assigned_to").filter(|a| a.is_object())?;
        Some(Holder {
            kind: text(assigned, "/type").unwrap_or_else(|| "user".into()),
            id: assigned.get("id").and_then(Value::as_u64),
            name: text(assigned, "/name"),
            email: text(assigned, "/email"),
        })
    }

    /// Whether this holder is a user with that e-mail address.
    pub fn is_user_with_email(&self, email: &str) -> bool {
        self.kind == "user" && self.email.as_deref().is_some_and(|e| same_email(e, email))
    }

    /// For people: `Camille Martin <camille@…>`, `location Atelier`, `asset FAB-0003`.
    pub fn describe(&self) -> String {
        let name = self.name.clone().unwrap_or_else(|| format!("#{}", self.id.unwrap_or_default()));
        match (self.kind.as_str(), &self.email) {
            ("user", Some(email)) => format!("{name} <{email}>"),
            ("user", None) => name,
            (kind, _) => format!("{kind} {name}"),
        }
    }
}

/// The canonical status: `checked_out` when assigned (whatever the label says) or `status_meta`
/// is `deployed`; `available` for `deployable`; `maintenance` for `pending`, `undeployable`,
/// `archived`, and anything unknown (never offered as available on a guess).
pub fn canonical_status(asset: &Value) -> &'static str {
    if Holder::of(asset).is_some() {
        return CHECKED_OUT;
    }
    let label = asset.get("status_label");
    let meta = label.and_then(|l| l.get("status_meta")).and_then(Value::as_str);
    let kind = label.and_then(|l| l.get("status_type")).and_then(Value::as_str);
    match meta.or(kind) {
        Some("deployable") => AVAILABLE,
        Some("deployed") => CHECKED_OUT,
        _ => MAINTENANCE,
    }
}

/// A Snipe-IT date-time: `{"datetime": "Y-m-d H:i:s", …}` (the instance's time zone, taken as
/// UTC, see the crate doc), or a raw `Y-m-d H:i:s` / RFC 3339 string.
pub fn parse_datetime(value: &Value) -> Option<DateTime<Utc>> {
    let raw = value.get("datetime").unwrap_or(value).as_str()?.trim();
    if let Ok(t) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S") {
        return Some(t.and_utc());
    }
    DateTime::parse_from_rfc3339(raw).ok().map(|t| t.to_utc())
}

/// A Snipe-IT date: `{"date": "Y-m-d", …}` or a raw `Y-m-d`.
pub fn parse_date(value: &Value) -> Option<NaiveDate> {
    let raw = value.get("date").unwrap_or(value).as_str()?.trim();
    NaiveDate::parse_from_str(raw.get(..10).unwrap_or(raw), "%Y-%m-%d").ok()
}

/// The record of one asset.
pub fn asset_record(asset: &Value) -> Result<SourceRecord, ConnectorError> {
    if !asset.is_object() {
        return Err(ConnectorError::Invalid("a Snipe-IT asset is not a JSON object".into()));
    }
    let id = asset_id(asset).ok_or_else(|| ConnectorError::Invalid("a Snipe-IT asset has no numeric `id`".into()))?;
    let updated_at = asset.get("updated_at").and_then(parse_datetime);
    let holder = Holder::of(asset);
    let deleted = asset.get("deleted_at").is_some_and(|d| !d.is_null());

    let mut data = Map::new();
    data.insert("id".into(), json!(id));
    data.insert("tag".into(), json!(text(asset, "/asset_tag")));
    data.insert("name".into(), json!(text(asset, "/name")));
    data.insert("model".into(), json!(text(asset, "/model/name")));
    data.insert("category".into(), json!(text(asset, "/category/name")));
    data.insert("status".into(), json!(canonical_status(asset)));
    data.insert("status_label".into(), json!(text(asset, "/status_label/name")));
    data.insert("holder_type".into(), json!(holder.as_ref().map(|h| h.kind.clone())));
    data.insert("holder_email".into(), json!(holder.as_ref().and_then(|h| h.email.clone())));
    data.insert("holder_name".into(), json!(holder.as_ref().and_then(|h| h.name.clone())));
    data.insert(
        "expected_checkin".into(),
        json!(asset.get("expected_checkin").and_then(parse_date).map(|d| d.to_string())),
    );
    data.insert("updated_at".into(), json!(updated_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))));
    data.insert("asset".into(), asset.clone());

    Ok(SourceRecord {
        stream: ASSETS.into(),
        external_id: id.to_string(),
        updated_at,
        deleted,
        data: Value::Object(data),
    })
}
