//! Document life cycle as `frappe.model.document.Document` runs it: insert (naming, defaults,
//! mandatory and link checks), save / submit / cancel / update-after-submit with docstatus
//! transitions and the `modified` check, delete (blocked when linked or submitted; a
//! `Deleted Document` is kept). Each change returns the doc events it fires (for webhooks).

use serde_json::{Value, json};

use crate::{
    cast, compute,
    doctypes::{self, Meta, Naming, kind},
    errors::FrappeError,
    store::{Doc, State, f, s},
};

/// A saved change and the doc events it fired (`after_insert`, `on_update`, ...).
#[derive(Debug, Clone)]
pub struct Change {
    pub doctype: String,
    pub events: Vec<&'static str>,
    pub doc: Doc,
}

pub fn meta_of(doctype: &str) -> Result<&'static Meta, FrappeError> {
    doctypes::meta(doctype).ok_or_else(|| FrappeError::doctype_not_found(doctype))
}

/// A new empty document: every column null, numbers 0, tables empty, then the DocType defaults.
fn blank(meta: &Meta, st: &State) -> Doc {
    let mut doc = Doc::new();
    for (field, ftype) in meta.fields {
        let v = match kind(ftype) {
            "Table" => json!([]),
            "Check" | "Int" => json!(0),
            "Float" | "Currency" | "Percent" => json!(0.0),
            "Image" | "HTML" | "Button" => continue,
            _ => Value::Null,
        };
        doc.insert(field.to_string(), v);
    }
    compute::defaults(meta.name, &mut doc, st);
    doc
}

fn check_mandatory(meta: &Meta, doc: &Doc) -> Result<(), FrappeError> {
    let missing: Vec<(String, String)> = meta
        .mandatory
        .iter()
        .filter(|m| match doc.get(**m) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            _ => false,
        })
        .map(|m| (m.to_string(), doctypes::label(m)))
        .collect();
    if missing.is_empty() { Ok(()) } else { Err(FrappeError::mandatory(meta.name, &missing)) }
}

/// Link fields to Customer must point to an existing Customer (Link validation); Dynamic Links
/// and links to DocTypes the sandbox does not hold (Item, Company, ...) are not checked.
fn check_links(meta: &Meta, doc: &Doc, st: &State) -> Result<(), FrappeError> {
    for (field, ftype) in meta.fields {
        if kind(ftype) == "Link" && doctypes::options(ftype) == Some("Customer") {
            let value = s(doc, field);
            if !value.is_empty() && !st.exists("Customer", value) {
                return Err(FrappeError::link("Customer", value));
            }
        }
    }
    Ok(())
}

/// Controller checks of the Webhook DocType (`validate_docevent`, `validate_request_url`).
fn check_webhook(doc: &Doc) -> Result<(), FrappeError> {
    let target = s(doc, "webhook_doctype");
    let Some(meta) = doctypes::meta(target) else {
        return Err(FrappeError::link("DocType", target));
    };
    let event = s(doc, "webhook_docevent");
    if ["on_submit", "on_cancel", "on_update_after_submit"].contains(&event) && !meta.submittable {
        return Err(FrappeError::validation(
            "ValidationError",
            "DocType must be Submittable for the selected Doc Event".into(),
        ));
    }
    let url = s(doc, "request_url");
    let netloc = url.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or(""));
    if netloc.is_none_or(|n| n.is_empty()) {
        return Err(FrappeError::validation("ValidationError", "Check Request URL".into()));
    }
    Ok(())
}

fn set_children_parent(doc: &mut Doc, meta: &Meta) {
    let name = doc.get("name").cloned().unwrap_or(Value::Null);
    for (table, _) in meta.tables() {
        for row in doc.get_mut(table).and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(row) = row.as_object_mut() {
                row.insert("parent".into(), name.clone());
                row.insert("parenttype".into(), json!(meta.name));
            }
        }
    }
}

fn docstatus_of(data: &Doc, default: i64) -> Result<i64, FrappeError> {
    match data.get("docstatus") {
        None | Some(Value::Null) => Ok(default),
        Some(v) => cast::cast("", "docstatus", "Int", v)?
            .as_i64()
            .ok_or_else(|| FrappeError::validation("ValidationError", "docstatus must be 0, 1 or 2".into())),
    }
}

fn transition_error(from: i64, to: i64) -> FrappeError {
    FrappeError::validation("DocstatusTransitionError", format!("Cannot change docstatus from {from} to {to}"))
}

/// `frappe.new_doc(doctype, **data).insert()`.
pub fn insert(st: &mut State, doctype: &str, data: &Doc, user: &str) -> Result<Change, FrappeError> {
    insert_as(st, doctype, data, user, None)
}

/// [`insert`] with a given name (Frappe's `set_new_name` with `doc.name` set, e.g. by an import).
pub fn insert_as(
    st: &mut State,
    doctype: &str,
    data: &Doc,
    user: &str,
    given: Option<String>,
) -> Result<Change, FrappeError> {
    let meta = meta_of(doctype)?;
    let docstatus = docstatus_of(data, 0)?;
    if docstatus == 2 || (docstatus == 1 && !meta.submittable) {
        return Err(transition_error(0, docstatus));
    }
    let mut doc = blank(meta, st);
    cast::assign(meta, &mut doc, data, st)?;
    doc.insert("docstatus".into(), json!(docstatus));
    compute::derive(doctype, &mut doc, st);
    check_mandatory(meta, &doc)?;
    check_links(meta, &doc, st)?;
    if doctype == "Webhook" {
        check_webhook(&doc)?;
    }
    if docstatus == 1 && doctype == "Sales Invoice" {
        let grand = f(&doc, "grand_total");
        doc.insert("outstanding_amount".into(), json!(grand));
        compute::derive(doctype, &mut doc, st);
    }
    let now = st.now();
    let name = match meta.naming {
        _ if given.is_some() => given.unwrap_or_default(),
        Naming::FullName => s(&doc, "full_name").to_string(),
        _ => st.next_name(meta, now.format("%Y").to_string().parse().unwrap_or(2025)),
    };
    if st.exists(doctype, &name) {
        return Err(FrappeError::duplicate(doctype, &name));
    }
    let now = now.format(crate::store::DATETIME_FMT).to_string();
    for (k, v) in [
        ("name", json!(name)),
        ("owner", json!(user)),
        ("creation", json!(now)),
        ("modified", json!(now)),
        ("modified_by", json!(user)),
        ("idx", json!(0)),
        ("doctype", json!(doctype)),
    ] {
        doc.insert(k.into(), v);
    }
    set_children_parent(&mut doc, meta);
    st.put(doctype, doc.clone());
    let events = if docstatus == 1 {
        vec!["after_insert", "on_submit", "on_change"]
    } else {
        vec!["after_insert", "on_update", "on_change"]
    };
    Ok(Change { doctype: doctype.to_string(), events, doc })
}

/// `doc.update(data); doc.save()` (submit when docstatus goes 0 → 1, cancel when 1 → 2).
pub fn update(st: &mut State, doctype: &str, name: &str, data: &Doc, user: &str) -> Result<Change, FrappeError> {
    let meta = meta_of(doctype)?;
    let mut doc = st.get(doctype, name).cloned().ok_or_else(|| FrappeError::not_found(doctype, name))?;
    if let Some(sent) = data.get("modified").and_then(Value::as_str)
        && sent != s(&doc, "modified")
    {
        return Err(FrappeError::validation(
            "TimestampMismatchError",
            format!(
                "Error: Document has been modified after you have opened it ({sent}, {}). Please refresh to get the latest document.",
                s(&doc, "modified")
            ),
        ));
    }
    let old = f(&doc, "docstatus") as i64;
    let new = docstatus_of(data, old)?;
    let events = match (old, new) {
        (0, 0) => vec!["on_update", "on_change"],
        (0, 1) if meta.submittable => vec!["on_submit", "on_change"],
        (1, 2) => vec!["on_cancel", "on_change"],
        (1, 1) => vec!["on_update_after_submit", "on_change"],
        (2, 2) => {
            return Err(FrappeError::validation("UpdateAfterSubmitError", "Cannot edit cancelled document".into()));
        }
        (from, to) => return Err(transition_error(from, to)),
    };
    if old == 1 {
        // Only `allow_on_submit` fields may change; a cancel ignores the other values.
        let mut probe = doc.clone();
        cast::assign(meta, &mut probe, data, st)?;
        for (k, v) in &probe {
            let allowed = ["docstatus", "modified"].contains(&k.as_str()) || meta.allow_on_submit.contains(&k.as_str());
            if doc.get(k) != Some(v) && !allowed && new == 1 {
                let message = format!("Not allowed to change {} after submission", doctypes::label(k));
                return Err(FrappeError::validation("UpdateAfterSubmitError", message));
            }
        }
        if new == 1 {
            doc = probe;
        }
    } else {
        cast::assign(meta, &mut doc, data, st)?;
    }
    doc.insert("docstatus".into(), json!(new));
    if (old, new) == (0, 1) && doctype == "Sales Invoice" {
        let grand = f(&doc, "grand_total");
        doc.insert("outstanding_amount".into(), json!(grand));
    }
    compute::derive(doctype, &mut doc, st);
    check_mandatory(meta, &doc)?;
    check_links(meta, &doc, st)?;
    if doctype == "Webhook" {
        check_webhook(&doc)?;
    }
    set_children_parent(&mut doc, meta);
    let now = st.now_str();
    doc.insert("modified".into(), json!(now));
    doc.insert("modified_by".into(), json!(user));
    st.put(doctype, doc.clone());
    Ok(Change { doctype: doctype.to_string(), events, doc })
}

/// `frappe.delete_doc(doctype, name)`.
pub fn delete(st: &mut State, doctype: &str, name: &str, user: &str) -> Result<Change, FrappeError> {
    meta_of(doctype)?;
    let doc = st.get(doctype, name).cloned().ok_or_else(|| FrappeError::not_found(doctype, name))?;
    if f(&doc, "docstatus") == 1.0 {
        return Err(FrappeError::validation(
            "ValidationError",
            format!("Submitted Record cannot be deleted. You must Cancel it first. ({doctype} {name})"),
        ));
    }
    if doctype == "Customer" {
        for other in ["Sales Invoice", "Subscription"] {
            let linked = st.table(other).and_then(|t| t.values().find(|d| s(d, "customer") == name));
            if let Some(linked) = linked {
                return Err(FrappeError::validation(
                    "LinkExistsError",
                    format!(
                        "Cannot delete or cancel because {doctype} {name} is linked with {other} {}",
                        s(linked, "name")
                    ),
                ));
            }
        }
    }
    st.remove(doctype, name);
    if doctype != "Deleted Document" {
        let data = crate::pyjson::dumps(&Value::Object(doc.clone()));
        let record = serde_json::Map::from_iter([
            ("deleted_name".to_string(), json!(name)),
            ("deleted_doctype".to_string(), json!(doctype)),
            ("data".to_string(), json!(data)),
        ]);
        insert(st, "Deleted Document", &record, user)?;
    }
    Ok(Change { doctype: doctype.to_string(), events: vec!["on_trash"], doc })
}
