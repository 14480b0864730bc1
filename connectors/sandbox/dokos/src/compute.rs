//! Per-DocType defaults and derived fields, as the Frappe/ERPNext/Dokos controllers set them on
//! `validate`: Contact's full name and primary e-mail/phone, Customer's fetched contact fields,
//! Sales Invoice totals/outstanding/status, Subscription totals, Item Booking title.

use serde_json::{Value, json};

use crate::store::{Doc, State, f, round2, s};

pub const COMPANY: &str = "Tiers-Lieu Démo";
pub const CURRENCY: &str = "EUR";

/// Defaults applied to a new document before the client's values.
pub fn defaults(doctype: &str, doc: &mut Doc, st: &State) {
    let today = st.today().format("%Y-%m-%d").to_string();
    let set = |doc: &mut Doc, k: &str, v: Value| {
        doc.insert(k.to_string(), v);
    };
    match doctype {
        "Customer" => {
            set(doc, "naming_series", json!("CUST-.YYYY.-"));
            set(doc, "customer_type", json!("Company"));
            set(doc, "customer_group", json!("All Customer Groups"));
            set(doc, "territory", json!("All Territories"));
            set(doc, "default_currency", json!(CURRENCY));
            set(doc, "language", json!("fr"));
        }
        "Contact" => set(doc, "status", json!("Passive")),
        "ToDo" => {
            set(doc, "status", json!("Open"));
            set(doc, "priority", json!("Medium"));
        }
        "Sales Invoice" => {
            set(doc, "naming_series", json!("ACC-SINV-.YYYY.-"));
            set(doc, "company", json!(COMPANY));
            set(doc, "posting_date", json!(today));
            set(doc, "currency", json!(CURRENCY));
            set(doc, "conversion_rate", json!(1.0));
            set(doc, "selling_price_list", json!("Standard Selling"));
            set(doc, "price_list_currency", json!(CURRENCY));
            set(doc, "plc_conversion_rate", json!(1.0));
            set(doc, "party_account_currency", json!(CURRENCY));
            set(doc, "debit_to", json!("411000 - Clients - TLD"));
            set(doc, "status", json!("Draft"));
            set(doc, "is_opening", json!("No"));
            set(doc, "c_form_applicable", json!("No"));
        }
        "Subscription" => {
            set(doc, "naming_series", json!("ACC-SUB-.YYYY.-.#####"));
            set(doc, "company", json!(COMPANY));
            set(doc, "currency", json!(CURRENCY));
            set(doc, "status", json!("Active"));
            set(doc, "billing_interval", json!("Month"));
            set(doc, "billing_interval_count", json!(1));
            set(doc, "generate_invoice_at_period_start", json!(1));
            set(doc, "submit_invoice", json!(1));
        }
        "Item Booking" => {
            set(doc, "naming_series", json!("STO-BOOK-.YYYY.-"));
            set(doc, "status", json!("Not confirmed"));
            set(doc, "color", json!("#5e64ff"));
        }
        "Event" => {
            set(doc, "event_type", json!("Private"));
            set(doc, "event_category", json!("Event"));
            set(doc, "status", json!("Open"));
            set(doc, "send_reminder", json!(1));
        }
        "Webhook" => {
            set(doc, "enabled", json!(1));
            set(doc, "request_method", json!("POST"));
            set(doc, "request_structure", json!(""));
        }
        _ => {}
    }
}

/// Defaults of a child row.
pub fn row_defaults(child: &str, row: &mut Doc) {
    let set_if_empty = |row: &mut Doc, k: &str, v: Value| {
        if row.get(k).is_none_or(|x| x.is_null() || x == "") {
            row.insert(k.to_string(), v);
        }
    };
    match child {
        "Sales Invoice Item" => {
            let code = row.get("item_code").cloned().unwrap_or(Value::Null);
            set_if_empty(row, "item_name", code);
            let name = row.get("item_name").cloned().unwrap_or(Value::Null);
            set_if_empty(row, "description", name);
            set_if_empty(row, "uom", json!("Unit"));
            set_if_empty(row, "stock_uom", json!("Unit"));
            set_if_empty(row, "income_account", json!("706000 - Prestations de services - TLD"));
            set_if_empty(row, "cost_center", json!("Principal - TLD"));
            if f(row, "conversion_factor") == 0.0 {
                row.insert("conversion_factor".into(), json!(1.0));
            }
        }
        "Subscription Plan Detail" => {
            let item = row.get("item").cloned().unwrap_or(Value::Null);
            set_if_empty(row, "item_name", item);
            set_if_empty(row, "uom", json!("Unit"));
            set_if_empty(row, "price_determination", json!("Fixed rate"));
            set_if_empty(row, "status", json!("Active"));
            if f(row, "qty") == 0.0 {
                row.insert("qty".into(), json!(1));
            }
        }
        _ => {}
    }
}

fn rows_mut<'a>(doc: &'a mut Doc, table: &str) -> impl Iterator<Item = &'a mut Doc> {
    doc.get_mut(table).and_then(Value::as_array_mut).into_iter().flatten().filter_map(Value::as_object_mut)
}

fn rows<'a>(doc: &'a Doc, table: &str) -> impl Iterator<Item = &'a Doc> {
    doc.get(table).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

fn primary(doc: &Doc, table: &str, flag: &str, field: &str) -> Value {
    let all: Vec<&Doc> = rows(doc, table).collect();
    let row = all.iter().find(|r| f(r, flag) == 1.0).copied();
    let row = if table == "email_ids" { row.or(all.first().copied()) } else { row };
    row.and_then(|r| r.get(field)).cloned().unwrap_or(Value::Null)
}

/// Derived fields, recomputed on every save.
pub fn derive(doctype: &str, doc: &mut Doc, st: &State) {
    match doctype {
        "Contact" => {
            let full = ["first_name", "middle_name", "last_name"]
                .iter()
                .map(|k| s(doc, k).trim())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            doc.insert("full_name".into(), json!(full));
            let email = primary(doc, "email_ids", "is_primary", "email_id");
            let phone = primary(doc, "phone_nos", "is_primary_phone", "phone");
            let mobile = primary(doc, "phone_nos", "is_primary_mobile_no", "phone");
            doc.insert("email_id".into(), email);
            doc.insert("phone".into(), phone);
            doc.insert("mobile_no".into(), mobile);
            for link in rows_mut(doc, "links") {
                let title = st.get(s(link, "link_doctype"), s(link, "link_name")).map(|d| {
                    let t = s(d, "customer_name");
                    if t.is_empty() { s(d, "name").to_string() } else { t.to_string() }
                });
                link.insert("link_title".into(), title.map(Value::String).unwrap_or(Value::Null));
            }
        }
        "Customer" => {
            let contact = st.get("Contact", s(doc, "customer_primary_contact")).cloned();
            let (email, mobile) = match contact {
                Some(c) => (c.get("email_id").cloned(), c.get("mobile_no").cloned()),
                None => (None, None),
            };
            doc.insert("email_id".into(), email.unwrap_or(Value::Null));
            doc.insert("mobile_no".into(), mobile.unwrap_or(Value::Null));
        }
        "Sales Invoice" => derive_invoice(doc, st),
        "Subscription" => {
            let mut total = 0.0;
            for plan in rows_mut(doc, "plans") {
                if s(plan, "price_determination") == "Fixed rate" {
                    let rate = f(plan, "fixed_rate");
                    plan.insert("rate".into(), json!(rate));
                }
                total += f(plan, "qty") * f(plan, "rate");
            }
            doc.insert("total".into(), json!(round2(total)));
            doc.insert("grand_total".into(), json!(round2(total)));
        }
        "Item Booking" => {
            if f(doc, "docstatus") == 2.0 {
                doc.insert("status".into(), json!("Cancelled"));
            }
            let item = s(doc, "item").to_string();
            doc.insert("item_name".into(), json!(item));
            let party = s(doc, "party_name");
            let title = if party.is_empty() { item } else { format!("{item} - {party}") };
            doc.insert("title".into(), json!(title));
        }
        _ => {}
    }
}

fn derive_invoice(doc: &mut Doc, st: &State) {
    let customer_name = st.get("Customer", s(doc, "customer")).map(|c| s(c, "customer_name").to_string());
    let customer_name = customer_name.unwrap_or_else(|| s(doc, "customer").to_string());
    doc.insert("customer_name".into(), json!(customer_name));
    doc.insert("title".into(), json!(customer_name));
    if s(doc, "due_date").is_empty() {
        let posting = doc.get("posting_date").cloned().unwrap_or(Value::Null);
        doc.insert("due_date".into(), posting);
    }
    let (mut total, mut qty) = (0.0, 0.0);
    for item in rows_mut(doc, "items") {
        let amount = round2(f(item, "qty") * f(item, "rate"));
        for (k, v) in [("amount", amount), ("base_amount", amount), ("net_amount", amount), ("base_net_amount", amount)]
        {
            item.insert(k.into(), json!(v));
        }
        for k in ["base_rate", "net_rate", "base_net_rate"] {
            let rate = f(item, "rate");
            item.insert(k.into(), json!(rate));
        }
        let stock_qty = f(item, "qty") * f(item, "conversion_factor");
        item.insert("stock_qty".into(), json!(stock_qty));
        total += amount;
        qty += f(item, "qty");
    }
    let total = round2(total);
    let mut taxes = 0.0;
    for tax in rows_mut(doc, "taxes") {
        if let Some(rate) = tax.get("rate").and_then(Value::as_f64) {
            let amount = round2(total * rate / 100.0);
            tax.insert("tax_amount".into(), json!(amount));
        }
        taxes += f(tax, "tax_amount");
    }
    let taxes = round2(taxes);
    let grand = round2(total + taxes);
    for (k, v) in [
        ("total_qty", qty),
        ("total", total),
        ("base_total", total),
        ("net_total", total),
        ("base_net_total", total),
        ("total_taxes_and_charges", taxes),
        ("base_total_taxes_and_charges", taxes),
        ("grand_total", grand),
        ("base_grand_total", grand),
        ("rounded_total", grand.round()),
        ("base_rounded_total", grand.round()),
        ("rounding_adjustment", round2(grand.round() - grand)),
    ] {
        doc.insert(k.into(), json!(v));
    }
    if f(doc, "docstatus") == 0.0 {
        doc.insert("outstanding_amount".into(), json!(grand));
    }
    let status = invoice_status(doc, st.today());
    doc.insert("status".into(), json!(status));
}

/// ERPNext's Sales Invoice `set_status` (the 1.4.11 options: no "Partly Paid").
pub fn invoice_status(doc: &Doc, today: chrono::NaiveDate) -> &'static str {
    match f(doc, "docstatus") as i64 {
        0 => "Draft",
        2 => "Cancelled",
        _ if f(doc, "is_return") == 1.0 => "Return",
        _ if f(doc, "outstanding_amount") <= 0.0 => "Paid",
        _ if s(doc, "due_date") < today.format("%Y-%m-%d").to_string().as_str() => "Overdue",
        _ => "Unpaid",
    }
}
