//! Writes: persons as Customer + Contact, memberships as Subscriptions (see the crate docs).

use std::collections::BTreeMap;

use chrono::Utc;
use hub_connector_sdk::{CanonicalChange, ChangeOp, ConnectorError, WriteOutcome};
use serde_json::{Value, json};

use crate::{
    api::{Api, Doc, ListQuery},
    read::{CONTACT_FIELDS, SITE_TZ, parse_modified, plan_items},
};

fn text<'a>(doc: &'a Doc, field: &str) -> &'a str {
    doc.get(field).and_then(Value::as_str).unwrap_or("")
}

/// A canonical field as trimmed text (`None` when absent, null or blank).
fn field<'a>(change: &'a CanonicalChange, name: &str) -> Option<&'a str> {
    change.fields.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
}

fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn outcome(doc: &Doc) -> WriteOutcome {
    WriteOutcome {
        external_id: text(doc, "name").to_string(),
        remote_updated_at: parse_modified(text(doc, "modified")),
    }
}

/// The Contact whose primary e-mail is `email` (trimmed, case-insensitive), read in full.
async fn contact_by_email(api: &Api, email: &str) -> Result<Option<Doc>, ConnectorError> {
    let pattern = email.trim().replace('%', "\\%");
    let q = ListQuery {
        fields: CONTACT_FIELDS.to_vec(),
        filters: vec![json!(["email_id", "like", pattern])],
        order_by: Some("creation asc"),
        limit_page_length: 20,
        ..ListQuery::default()
    };
    let rows = api.list("Contact", &q).await?;
    let Some(row) = rows.iter().find(|r| same_email(text(r, "email_id"), email)) else { return Ok(None) };
    api.get("Contact", text(row, "name")).await
}

/// The Customer a Contact is linked to (its first Dynamic Link row to a Customer that exists).
async fn linked_customer(api: &Api, contact: &Doc) -> Result<Option<Doc>, ConnectorError> {
    for link in contact.get("links").and_then(Value::as_array).into_iter().flatten() {
        if link.get("link_doctype").and_then(Value::as_str) == Some("Customer")
            && let Some(name) = link.get("link_name").and_then(Value::as_str)
            && let Some(customer) = api.get("Customer", name).await?
        {
            return Ok(Some(customer));
        }
    }
    Ok(None)
}

/// The Customer of the person with this e-mail.
pub(crate) async fn customer_by_email(api: &Api, email: &str) -> Result<Option<Doc>, ConnectorError> {
    match contact_by_email(api, email).await? {
        Some(contact) => linked_customer(api, &contact).await,
        None => Ok(None),
    }
}

/// The wanted person, from the canonical fields.
struct PersonFields<'a> {
    given: Option<&'a str>,
    family: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    language: Option<String>,
}

impl<'a> PersonFields<'a> {
    fn of(change: &'a CanonicalChange) -> PersonFields<'a> {
        PersonFields {
            given: field(change, "given_name"),
            family: field(change, "family_name"),
            email: field(change, "email"),
            phone: field(change, "phone"),
            language: field(change, "locale").map(|l| l.split(['-', '_']).next().unwrap_or(l).to_lowercase()),
        }
    }

    fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.given, self.family].into_iter().flatten().collect();
        if parts.is_empty() { self.email.map(str::to_string) } else { Some(parts.join(" ")) }
    }
}

/// Writes a person: find (by external id, else by e-mail), then create or update.
pub(crate) async fn person(api: &Api, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
    let wanted = PersonFields::of(change);
    let mut customer = match &change.external_id {
        Some(id) => api.get("Customer", id).await?,
        None => None,
    };
    let mut contact = None;
    if customer.is_none()
        && let Some(email) = wanted.email
    {
        contact = contact_by_email(api, email).await?;
        if let Some(c) = &contact {
            customer = linked_customer(api, c).await?;
        }
    }
    if change.op == ChangeOp::Deleted {
        let Some(customer) = customer else {
            return Err(ConnectorError::Invalid("no Dokos customer matches the deleted person".into()));
        };
        if customer.get("disabled").and_then(Value::as_i64) == Some(1) {
            return Ok(outcome(&customer));
        }
        let values = json!({"disabled": 1, "modified": text(&customer, "modified")});
        return Ok(outcome(&api.update("Customer", text(&customer, "name"), &values).await?));
    }
    match customer {
        Some(customer) => update_person(api, &wanted, customer).await,
        None => create_person(api, &wanted, contact).await,
    }
}

fn contact_values(wanted: &PersonFields<'_>) -> serde_json::Map<String, Value> {
    let mut values = serde_json::Map::new();
    if let Some(given) = wanted.given {
        values.insert("first_name".into(), json!(given));
    }
    if let Some(family) = wanted.family {
        values.insert("last_name".into(), json!(family));
    }
    if let Some(email) = wanted.email {
        values.insert("email_ids".into(), json!([{"email_id": email, "is_primary": 1}]));
    }
    if let Some(phone) = wanted.phone {
        values.insert("phone_nos".into(), json!([{"phone": phone, "is_primary_mobile_no": 1}]));
    }
    values
}

/// Adds a Dynamic Link row to `customer` on the Contact, keeping its other rows.
async fn link_contact(api: &Api, contact: &Doc, customer: &str) -> Result<Doc, ConnectorError> {
    let mut links: Vec<Value> = contact
        .get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|l| json!({"link_doctype": l.get("link_doctype"), "link_name": l.get("link_name")}))
        .collect();
    if links.iter().any(|l| l["link_doctype"] == "Customer" && l["link_name"] == customer) {
        return Ok(contact.clone());
    }
    links.push(json!({"link_doctype": "Customer", "link_name": customer}));
    let values = json!({"links": links, "is_primary_contact": 1, "modified": text(contact, "modified")});
    api.update("Contact", text(contact, "name"), &values).await
}

async fn create_person(
    api: &Api,
    wanted: &PersonFields<'_>,
    contact: Option<Doc>,
) -> Result<WriteOutcome, ConnectorError> {
    let (Some(name), Some(_)) = (wanted.full_name(), wanted.email) else {
        return Err(ConnectorError::Invalid(
            "a person needs an email to be created in Dokos (customers are matched by their contact's e-mail)".into(),
        ));
    };
    // The Contact first: a retry after a later failure finds it by e-mail instead of duplicating.
    let contact = match contact {
        Some(contact) => contact,
        None => {
            let mut values = contact_values(wanted);
            values.insert("is_primary_contact".into(), json!(1));
            if !values.contains_key("first_name") {
                values.insert("first_name".into(), json!(name));
            }
            api.insert("Contact", &Value::Object(values)).await?
        }
    };
    let mut values = json!({
        "customer_name": name,
        "customer_type": "Individual",
        "customer_primary_contact": text(&contact, "name"),
    });
    if let Some(language) = &wanted.language {
        values["language"] = json!(language);
    }
    let customer = api.insert("Customer", &values).await?;
    link_contact(api, &contact, text(&customer, "name")).await?;
    tracing::info!(customer = text(&customer, "name"), "dokos customer created");
    Ok(outcome(&customer))
}

async fn update_person(api: &Api, wanted: &PersonFields<'_>, customer: Doc) -> Result<WriteOutcome, ConnectorError> {
    let cname = text(&customer, "name").to_string();
    let mut contact = match text(&customer, "customer_primary_contact") {
        "" => None,
        primary => api.get("Contact", primary).await?,
    };
    if contact.is_none()
        && let Some(email) = wanted.email
    {
        contact = contact_by_email(api, email).await?;
    }
    let contact = match contact {
        Some(contact) => {
            let mut values = serde_json::Map::new();
            for (key, want) in [("first_name", wanted.given), ("last_name", wanted.family)] {
                if let Some(want) = want
                    && text(&contact, key) != want
                {
                    values.insert(key.into(), json!(want));
                }
            }
            if let Some(email) = wanted.email
                && !same_email(text(&contact, "email_id"), email)
            {
                let mut rows = vec![json!({"email_id": email, "is_primary": 1})];
                for row in contact.get("email_ids").and_then(Value::as_array).into_iter().flatten() {
                    let old = row.get("email_id").and_then(Value::as_str).unwrap_or("");
                    if !old.is_empty() && !same_email(old, email) {
                        rows.push(json!({"email_id": old, "is_primary": 0}));
                    }
                }
                values.insert("email_ids".into(), json!(rows));
            }
            if let Some(phone) = wanted.phone
                && text(&contact, "mobile_no") != phone
                && text(&contact, "phone") != phone
            {
                values.insert("phone_nos".into(), json!([{"phone": phone, "is_primary_mobile_no": 1}]));
            }
            let contact = if values.is_empty() {
                contact
            } else {
                values.insert("modified".into(), json!(text(&contact, "modified")));
                api.update("Contact", text(&contact, "name"), &Value::Object(values)).await?
            };
            link_contact(api, &contact, &cname).await?
        }
        None => {
            if wanted.email.is_none() && wanted.phone.is_none() {
                Doc::new()
            } else {
                let mut values = contact_values(wanted);
                if !values.contains_key("first_name") {
                    values.insert("first_name".into(), json!(wanted.full_name().unwrap_or_else(|| cname.clone())));
                }
                values.insert("is_primary_contact".into(), json!(1));
                values.insert("links".into(), json!([{"link_doctype": "Customer", "link_name": cname}]));
                api.insert("Contact", &Value::Object(values)).await?
            }
        }
    };
    let mut values = serde_json::Map::new();
    if let Some(name) = wanted.full_name().filter(|_| wanted.given.is_some() || wanted.family.is_some())
        && text(&customer, "customer_name") != name
    {
        values.insert("customer_name".into(), json!(name));
    }
    let contact_name = text(&contact, "name");
    if !contact_name.is_empty() {
        let stale = text(&customer, "customer_primary_contact") != contact_name
            || !same_email(text(&customer, "email_id"), text(&contact, "email_id"))
            || text(&customer, "mobile_no") != text(&contact, "mobile_no");
        if stale {
            // Saving the Customer refreshes its fetched e-mail / mobile and moves `modified`.
            values.insert("customer_primary_contact".into(), json!(contact_name));
        }
    }
    if customer.get("disabled").and_then(Value::as_i64) == Some(1) {
        values.insert("disabled".into(), json!(0));
    }
    if let Some(language) = &wanted.language
        && text(&customer, "language") != language
    {
        values.insert("language".into(), json!(language));
    }
    if values.is_empty() {
        return Ok(outcome(&customer));
    }
    values.insert("modified".into(), json!(text(&customer, "modified")));
    Ok(outcome(&api.update("Customer", &cname, &Value::Object(values)).await?))
}

/// Writes a membership as a Subscription.
pub(crate) async fn membership(
    api: &Api,
    change: &CanonicalChange,
    plans: &BTreeMap<String, String>,
) -> Result<WriteOutcome, ConnectorError> {
    let status = if change.op == ChangeOp::Deleted { "cancelled" } else { field(change, "status").unwrap_or("") };
    let item = match field(change, "plan") {
        Some(plan) => Some(plans.get(plan).ok_or_else(|| {
            let known: Vec<&str> = plans.keys().map(String::as_str).collect();
            ConnectorError::Invalid(format!(
                "membership plan `{plan}` has no Dokos item in membership_plans (known: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })?),
        None => None,
    };
    let start = field(change, "period_start");
    let existing = find_subscription(api, change, item.map(String::as_str), start).await?;
    match status {
        "active" => {
            let item = item.ok_or_else(|| ConnectorError::Invalid("an active membership needs a `plan`".into()))?;
            match existing {
                Some(doc) => reactivate(api, change, doc, item).await,
                None => create_subscription(api, change, item, start).await,
            }
        }
        "cancelled" | "refunded" => {
            let doc = existing.ok_or_else(|| {
                ConnectorError::Invalid("no Dokos subscription matches this membership: nothing to cancel".into())
            })?;
            if text(&doc, "status") == "Cancelled" {
                return Ok(outcome(&doc));
            }
            let end = field(change, "period_end")
                .map(str::to_string)
                .unwrap_or_else(|| Utc::now().with_timezone(&SITE_TZ).format("%Y-%m-%d").to_string());
            let values = json!({"status": "Cancelled", "cancellation_date": end, "modified": text(&doc, "modified")});
            Ok(outcome(&api.update("Subscription", text(&doc, "name"), &values).await?))
        }
        "expired" => {
            let doc = existing.ok_or_else(|| {
                ConnectorError::Unsupported(
                    "an expired membership is not created in Dokos (no subscription found)".into(),
                )
            })?;
            let Some(end) = field(change, "period_end") else {
                return Err(ConnectorError::Invalid("an expired membership needs `period_end`".into()));
            };
            if text(&doc, "cancellation_date") == end {
                return Ok(outcome(&doc));
            }
            let values = json!({"cancellation_date": end, "modified": text(&doc, "modified")});
            Ok(outcome(&api.update("Subscription", text(&doc, "name"), &values).await?))
        }
        "pending" => Err(ConnectorError::Unsupported(
            "Dokos has no pending subscription: the membership is written once active".into(),
        )),
        other => Err(ConnectorError::Invalid(format!(
            "membership status `{other}` is not one of pending, active, expired, cancelled, refunded"
        ))),
    }
}

/// The Subscription by external id, else the customer's one with the same start and item.
async fn find_subscription(
    api: &Api,
    change: &CanonicalChange,
    item: Option<&str>,
    start: Option<&str>,
) -> Result<Option<Doc>, ConnectorError> {
    if let Some(id) = &change.external_id
        && let Some(doc) = api.get("Subscription", id).await?
    {
        return Ok(Some(doc));
    }
    let (Some(email), Some(start)) = (field(change, "person_email"), start) else { return Ok(None) };
    let Some(customer) = customer_by_email(api, email).await? else { return Ok(None) };
    let q = ListQuery {
        fields: vec!["name"],
        filters: vec![json!(["customer", "=", text(&customer, "name")]), json!(["start", "=", start])],
        order_by: Some("creation asc"),
        limit_page_length: 50,
        ..ListQuery::default()
    };
    for row in api.list("Subscription", &q).await? {
        if let Some(doc) = api.get("Subscription", text(&row, "name")).await?
            && item.is_none_or(|item| plan_items(&doc).iter().any(|i| i == item))
        {
            return Ok(Some(doc));
        }
    }
    Ok(None)
}

fn plan_row(change: &CanonicalChange, item: &str, start: Option<&str>) -> Value {
    let mut row = json!({"item": item, "qty": 1});
    if let Some(cents) = change.fields.get("amount").and_then(Value::as_i64) {
        row["price_determination"] = json!("Fixed rate");
        row["fixed_rate"] = json!(cents as f64 / 100.0);
    } else {
        row["price_determination"] = json!("Based on price list");
    }
    if let Some(start) = start {
        row["from_date"] = json!(start);
    }
    row
}

async fn create_subscription(
    api: &Api,
    change: &CanonicalChange,
    item: &str,
    start: Option<&str>,
) -> Result<WriteOutcome, ConnectorError> {
    let Some(email) = field(change, "person_email") else {
        return Err(ConnectorError::Invalid("a membership needs `person_email` to find its Dokos customer".into()));
    };
    let Some(start) = start else {
        return Err(ConnectorError::Invalid("a membership needs `period_start` (the subscription's start)".into()));
    };
    let customer = customer_by_email(api, email).await?.ok_or_else(|| {
        ConnectorError::Invalid(format!(
            "no Dokos customer has a contact with the membership's e-mail: write the person first ({email})"
        ))
    })?;
    let values = json!({
        "customer": text(&customer, "name"),
        "start": start,
        "plans": [plan_row(change, item, Some(start))],
    });
    let doc = api.insert("Subscription", &values).await?;
    tracing::info!(subscription = text(&doc, "name"), "dokos subscription created");
    Ok(outcome(&doc))
}

async fn reactivate(api: &Api, change: &CanonicalChange, doc: Doc, item: &str) -> Result<WriteOutcome, ConnectorError> {
    let mut values = serde_json::Map::new();
    if text(&doc, "status") == "Cancelled" {
        values.insert("status".into(), json!("Active"));
        values.insert("cancellation_date".into(), Value::Null);
    }
    if plan_items(&doc) != [item] {
        let start = doc.get("start").and_then(Value::as_str).map(str::to_string);
        values.insert("plans".into(), json!([plan_row(change, item, start.as_deref())]));
    }
    if values.is_empty() {
        return Ok(outcome(&doc));
    }
    values.insert("modified".into(), json!(text(&doc, "modified")));
    Ok(outcome(&api.update("Subscription", text(&doc, "name"), &Value::Object(values)).await?))
}
