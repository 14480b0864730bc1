//! The DocTypes the sandbox knows (meta): fields and their types, child tables, naming,
//! submittable or not, and which fields Frappe (or the controller) requires.

use crate::fields;

/// How new documents are named.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Naming {
    /// `naming_series:` — e.g. `CUST-.YYYY.-` → `CUST-2025-00012` (5 digits when the series has no `#`).
    Series(&'static str),
    /// Contact: the full name (Frappe's Contact.autoname).
    FullName,
    /// `EV.#####` style prefix counter.
    Counter(&'static str),
    /// Frappe's 10-hex `hash` naming.
    Hash,
}

pub struct Meta {
    pub name: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
    pub naming: Naming,
    pub submittable: bool,
    /// Required after defaults are applied (DocType `reqd` plus controller checks).
    pub mandatory: &'static [&'static str],
    /// Fields that may change after submit (`allow_on_submit`).
    pub allow_on_submit: &'static [&'static str],
}

pub const STANDARD: &[&str] = &["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"];
pub const CHILD_STANDARD: &[&str] = &["name", "parent", "parentfield", "parenttype", "idx", "doctype"];

static METAS: &[Meta] = &[
    Meta {
        name: "Customer",
        fields: fields::CUSTOMER,
        naming: Naming::Series("CUST-.YYYY.-"),
        submittable: false,
        mandatory: &["customer_name", "customer_type", "customer_group", "territory"],
        allow_on_submit: &[],
    },
    Meta {
        name: "Contact",
        fields: fields::CONTACT,
        naming: Naming::FullName,
        submittable: false,
        mandatory: &["first_name"],
        allow_on_submit: &[],
    },
    Meta {
        name: "Sales Invoice",
        fields: fields::SALES_INVOICE,
        naming: Naming::Series("ACC-SINV-.YYYY.-"),
        submittable: true,
        mandatory: &["customer", "company", "posting_date", "currency", "items", "debit_to"],
        allow_on_submit: &[
            "title",
            "po_no",
            "po_date",
            "letter_head",
            "group_same_items",
            "select_print_heading",
            "sales_team",
            "from_date",
            "to_date",
            "auto_repeat",
            "external_reference",
        ],
    },
    Meta {
        name: "Subscription",
        fields: fields::SUBSCRIPTION,
        naming: Naming::Series("ACC-SUB-.YYYY.-.#####"),
        submittable: false,
        mandatory: &["customer", "start", "plans", "company", "currency"],
        allow_on_submit: &[],
    },
    Meta {
        name: "Item Booking",
        fields: fields::ITEM_BOOKING,
        naming: Naming::Series("STO-BOOK-.YYYY.-"),
        // The 1.4.11 JSON has `amended_from` and `allow_on_submit` fields but no `is_submittable`;
        // the Item Booking example is submitted (docstatus 1): submittable here.
        submittable: true,
        mandatory: &["item", "starts_on", "ends_on"],
        // From the JSON, plus `status` (Dokos sets it with db_set on submitted bookings).
        allow_on_submit: &["party_name", "party_type", "status", "notes"],
    },
    Meta {
        name: "Event",
        fields: fields::EVENT,
        naming: Naming::Counter("EV"),
        submittable: false,
        mandatory: &["subject", "event_type", "starts_on"],
        allow_on_submit: &[],
    },
    Meta {
        name: "Webhook",
        fields: fields::WEBHOOK,
        naming: Naming::Counter("HOOK-"),
        submittable: false,
        mandatory: &["webhook_doctype", "webhook_docevent", "request_url"],
        allow_on_submit: &[],
    },
    Meta {
        name: "ToDo",
        fields: fields::TODO,
        naming: Naming::Hash,
        submittable: false,
        mandatory: &["description"],
        allow_on_submit: &[],
    },
    Meta {
        name: "Deleted Document",
        fields: fields::DELETED_DOCUMENT,
        naming: Naming::Hash,
        submittable: false,
        mandatory: &[],
        allow_on_submit: &[],
    },
];

/// Child DocTypes: (name, fields, mandatory row fields).
/// `(fieldname, "Fieldtype [options]")` pairs.
pub type Fields = &'static [(&'static str, &'static str)];

static CHILDREN: &[(&str, Fields, &[&str])] = &[
    ("Sales Invoice Item", fields::SALES_INVOICE_ITEM, &["item_name", "uom", "income_account"]),
    ("Subscription Plan Detail", fields::SUBSCRIPTION_PLAN_DETAIL, &["item", "qty"]),
    ("Contact Email", fields::CONTACT_EMAIL, &["email_id"]),
    ("Contact Phone", fields::CONTACT_PHONE, &["phone"]),
    ("Dynamic Link", fields::DYNAMIC_LINK, &["link_doctype", "link_name"]),
    ("Event Participants", fields::EVENT_PARTICIPANTS, &["reference_doctype", "reference_docname"]),
    ("Webhook Header", fields::WEBHOOK_HEADER, &[]),
    ("Webhook Data", fields::WEBHOOK_DATA, &["fieldname", "key"]),
];

pub fn meta(doctype: &str) -> Option<&'static Meta> {
    METAS.iter().find(|m| m.name == doctype)
}

/// A child DocType's fields and mandatory fields (unknown children: no fields, rows kept as sent).
pub fn child(doctype: &str) -> Option<(Fields, &'static [&'static str])> {
    CHILDREN.iter().find(|c| c.0 == doctype).map(|c| (c.1, c.2))
}

/// `Link [Customer] *` → `Link`.
pub fn kind(ftype: &str) -> &str {
    let end = ftype.find([' ', '[', '*', '(']).unwrap_or(ftype.len());
    let mut k = &ftype[..end];
    // Two-word types.
    for two in ["Dynamic Link", "Read Only", "Small Text", "Text Editor", "Attach Image"] {
        if ftype.starts_with(two) {
            k = two;
        }
    }
    k
}

/// `Select [A|B]` → `Some("A|B")`.
pub fn options(ftype: &str) -> Option<&str> {
    let start = ftype.find('[')?;
    let end = ftype[start..].find(']')? + start;
    Some(&ftype[start + 1..end])
}

/// Whether a field kind is a DB column (Frappe: not a table, not a display field).
pub fn is_column(ftype: &str) -> bool {
    !matches!(kind(ftype), "Table" | "Image" | "HTML" | "Button")
}

impl Meta {
    pub fn field(&self, name: &str) -> Option<&'static str> {
        self.fields.iter().find(|f| f.0 == name).map(|f| f.1)
    }
    /// Whether `name` is a column usable in `fields`/`filters`/`order_by`.
    pub fn has_column(&self, name: &str) -> bool {
        STANDARD.contains(&name) || self.field(name).is_some_and(is_column)
    }
    /// (fieldname, child DocType) of each child table.
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.fields.iter().filter(|f| kind(f.1) == "Table").filter_map(|f| Some((f.0, options(f.1)?)))
    }
}

/// Frappe labels from fieldnames (`customer_name` → `Customer Name`).
pub fn label(field: &str) -> String {
    field
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
