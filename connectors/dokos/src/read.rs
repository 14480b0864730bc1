//! The two streams, read with a keyset cursor on (`modified`, `name`); see the crate docs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use hub_connector_sdk::{ConnectorError, Cursor, Page, SourceRecord};
use serde_json::{Value, json};

use crate::{
    CUSTOMERS, SUBSCRIPTIONS,
    api::{Api, Doc, ListQuery},
};

/// The site time zone `modified` is written in (Dokos sites are French).
pub(crate) const SITE_TZ: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// Where a stream stands: the last (`modified`, `name`) read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Position {
    pub modified: String,
    pub name: String,
}

impl Position {
    pub(crate) fn parse(cursor: Option<&Cursor>) -> Result<Option<Position>, ConnectorError> {
        let Some(cursor) = cursor else { return Ok(None) };
        let field = |k: &str| cursor.0.get(k).and_then(Value::as_str).map(str::to_string);
        match (field("modified"), field("name")) {
            (Some(modified), Some(name)) if parse_modified(&modified).is_some() => {
                Ok(Some(Position { modified, name }))
            }
            _ => Err(ConnectorError::Invalid(format!(
                "dokos cursor must be {{\"modified\": \"YYYY-MM-DD HH:MM:SS.ffffff\", \"name\": \"...\"}}, got {}",
                cursor.0
            ))),
        }
    }

    fn cursor(&self) -> Cursor {
        Cursor(json!({ "modified": self.modified, "name": self.name }))
    }
}

/// Frappe's `modified` (site time, optional microseconds) as UTC.
pub(crate) fn parse_modified(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()?;
    SITE_TZ.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

fn text<'a>(doc: &'a Doc, field: &str) -> &'a str {
    doc.get(field).and_then(Value::as_str).unwrap_or("")
}

/// One keyset page of `doctype` after `position`.
async fn page(
    api: &Api,
    doctype: &str,
    fields: &[&'static str],
    mut filters: Vec<Value>,
    position: Option<&Position>,
    page_size: u32,
) -> Result<Vec<Doc>, ConnectorError> {
    let mut or_filters = Vec::new();
    if let Some(p) = position {
        filters.push(json!(["modified", ">=", p.modified]));
        or_filters.push(json!(["modified", ">", p.modified]));
        or_filters.push(json!(["name", ">", p.name]));
    }
    let q = ListQuery {
        fields: fields.to_vec(),
        filters,
        or_filters,
        order_by: Some("modified asc, name asc"),
        limit_start: 0,
        limit_page_length: u64::from(page_size),
    };
    api.list(doctype, &q).await
}

fn finish(stream: &str, rows: &[Doc], records: Vec<SourceRecord>, page_size: u32) -> Page {
    let next = rows.last().map(|last| {
        Position { modified: text(last, "modified").to_string(), name: text(last, "name").to_string() }.cursor()
    });
    let has_more = rows.len() >= page_size as usize;
    tracing::debug!(stream, records = records.len(), has_more, "dokos page read");
    Page { records, next_cursor: next, has_more, total_pages: None }
}

/// Documents of `doctype` whose `name` is in `names`, by name.
async fn by_names(
    api: &Api,
    doctype: &str,
    fields: &[&'static str],
    names: Vec<String>,
) -> Result<HashMap<String, Doc>, ConnectorError> {
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let q = ListQuery {
        fields: fields.to_vec(),
        filters: vec![json!(["name", "in", names])],
        limit_page_length: names.len() as u64,
        ..ListQuery::default()
    };
    Ok(api.list(doctype, &q).await?.into_iter().map(|d| (text(&d, "name").to_string(), d)).collect())
}

const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "customer_name",
    "customer_type",
    "customer_primary_contact",
    "email_id",
    "mobile_no",
    "primary_address",
    "language",
    "disabled",
    "creation",
    "modified",
];

pub(crate) const CONTACT_FIELDS: &[&str] =
    &["name", "first_name", "last_name", "email_id", "phone", "mobile_no", "modified"];

/// One page of `customers`.
pub(crate) async fn customers(api: &Api, position: Option<&Position>, page_size: u32) -> Result<Page, ConnectorError> {
    let filters = vec![json!(["customer_type", "=", "Individual"])];
    let rows = page(api, "Customer", CUSTOMER_FIELDS, filters, position, page_size).await?;
    let wanted: Vec<String> =
        rows.iter().map(|r| text(r, "customer_primary_contact").to_string()).filter(|n| !n.is_empty()).collect();
    let contacts = by_names(api, "Contact", CONTACT_FIELDS, wanted).await?;
    let records = rows
        .iter()
        .map(|row| {
            let contact = contacts.get(text(row, "customer_primary_contact"));
            customer_record(row, contact)
        })
        .collect();
    Ok(finish(CUSTOMERS, &rows, records, page_size))
}

fn first_non_empty<'a>(values: &[&'a str]) -> Option<&'a str> {
    values.iter().map(|v| v.trim()).find(|v| !v.is_empty())
}

fn customer_record(row: &Doc, contact: Option<&Doc>) -> SourceRecord {
    let c = |field: &str| contact.map(|c| text(c, field)).unwrap_or("");
    let email = first_non_empty(&[c("email_id"), text(row, "email_id")]);
    let phone = first_non_empty(&[c("mobile_no"), c("phone"), text(row, "mobile_no")]);
    let mut data = row.clone();
    data.insert("contact".into(), contact.map(|c| Value::Object(c.clone())).unwrap_or(Value::Null));
    data.insert("given_name".into(), json!(first_non_empty(&[c("first_name")])));
    data.insert("family_name".into(), json!(first_non_empty(&[c("last_name")])));
    data.insert("email".into(), json!(email));
    data.insert("phone".into(), json!(phone));
    SourceRecord {
        stream: CUSTOMERS.into(),
        external_id: text(row, "name").to_string(),
        updated_at: parse_modified(text(row, "modified")),
        deleted: row.get("disabled").and_then(Value::as_i64) == Some(1),
        data: Value::Object(data),
    }
}

const SUBSCRIPTION_FIELDS: &[&str] = &["name", "modified"];

/// One page of `subscriptions`: the keyset list, then each document in full (for its plan rows).
pub(crate) async fn subscriptions(
    api: &Api,
    position: Option<&Position>,
    page_size: u32,
    plans: &BTreeMap<String, String>,
) -> Result<Page, ConnectorError> {
    let rows = page(api, "Subscription", SUBSCRIPTION_FIELDS, Vec::new(), position, page_size).await?;
    let mut docs = Vec::with_capacity(rows.len());
    for row in &rows {
        let name = text(row, "name");
        let doc = api.get("Subscription", name).await?.ok_or_else(|| {
            ConnectorError::transient(format!("Subscription {name} disappeared while being read; reading again"))
        })?;
        docs.push(doc);
    }
    let customers: Vec<String> =
        docs.iter().map(|d| text(d, "customer").to_string()).filter(|c| !c.is_empty()).collect();
    let mut unique = customers.clone();
    unique.sort();
    unique.dedup();
    let emails = by_names(api, "Customer", &["name", "email_id"], unique).await?;
    let records = docs
        .into_iter()
        .map(|doc| {
            let email = emails.get(text(&doc, "customer")).map(|c| text(c, "email_id")).filter(|e| !e.is_empty());
            subscription_record(doc, email, plans)
        })
        .collect();
    Ok(finish(SUBSCRIPTIONS, &rows, records, page_size))
}

/// The Items of a Subscription's plan rows.
pub(crate) fn plan_items(doc: &Doc) -> Vec<String> {
    doc.get("plans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|row| row.get("item").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

fn subscription_record(mut doc: Doc, email: Option<&str>, plans: &BTreeMap<String, String>) -> SourceRecord {
    let items = plan_items(&doc);
    let plan = items.iter().find_map(|item| plans.iter().find(|(_, i)| *i == item).map(|(plan, _)| plan.clone()));
    let external_id = text(&doc, "name").to_string();
    let updated_at = parse_modified(text(&doc, "modified"));
    doc.insert("items".into(), json!(items));
    doc.insert("plan".into(), json!(plan));
    doc.insert("person_email".into(), json!(email.map(str::trim)));
    SourceRecord { stream: SUBSCRIPTIONS.into(), external_id, updated_at, deleted: false, data: Value::Object(doc) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_is_paris_time() {
        let t = parse_modified("2025-01-02 09:00:00.000001").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-01-02T08:00:00.000001+00:00");
        let summer = parse_modified("2025-07-01 12:00:00").unwrap();
        assert_eq!(summer.to_rfc3339(), "2025-07-01T10:00:00+00:00");
        assert!(parse_modified("yesterday").is_none());
    }

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let p = Position { modified: "2025-01-02 09:00:00.000001".into(), name: "CUST-2025-00001".into() };
        assert_eq!(Position::parse(Some(&p.cursor())).unwrap(), Some(p));
        assert_eq!(Position::parse(None).unwrap(), None);
        let bad = Position::parse(Some(&Cursor(json!({"modified": "soon", "name": "x"})))).unwrap_err();
        assert_eq!(bad.class(), "invalid");
    }
}
