//! The models the sandbox knows and their fields, as `fields_get` describes them: `res.partner`
//! (base + the ≤18.0 core `membership` extension), `membership.membership_line`, `product.template`,
//! `product.product`, `account.move`, `account.move.line`, the `account.payment.register` wizard
//! (Register Payment), and the small reference models
//! `res.country`, `res.currency`, `res.company`, `res.users`.

use std::sync::LazyLock;

/// An Odoo field type (what `fields_get` calls `type`), with its relation where it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FType {
    Char,
    Html,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    Selection(&'static [(&'static str, &'static str)]),
    Many2one(&'static str),
    /// Comodel and its inverse many2one.
    One2many(&'static str, &'static str),
}

impl FType {
    pub fn type_name(self) -> &'static str {
        match self {
            FType::Char => "char",
            FType::Html => "html",
            FType::Integer => "integer",
            FType::Float => "float",
            FType::Monetary => "monetary",
            FType::Boolean => "boolean",
            FType::Date => "date",
            FType::Datetime => "datetime",
            FType::Selection(_) => "selection",
            FType::Many2one(_) => "many2one",
            FType::One2many(..) => "one2many",
        }
    }
}

/// How a field gets its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Stored, written by clients.
    Plain,
    /// Stored, computed by the sandbox after every change (readonly over RPC; writes ignored).
    Stored,
    /// Computed on read, not stored (readonly; writes ignored).
    Virtual,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: &'static str,
    pub string: &'static str,
    pub ftype: FType,
    pub kind: Kind,
    pub required: bool,
    pub help: &'static str,
}

#[derive(Debug)]
pub struct ModelDef {
    pub name: &'static str,
    /// `ir.model` description (used in error messages).
    pub description: &'static str,
    /// Default `_order`.
    pub order: &'static str,
    pub fields: Vec<FieldDef>,
}

impl ModelDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn has_active(&self) -> bool {
        self.field("active").is_some()
    }
}

pub const MEMBERSHIP_STATE: &[(&str, &str)] = &[
    ("none", "Non Member"),
    ("canceled", "Cancelled Member"),
    ("old", "Old Member"),
    ("waiting", "Waiting Member"),
    ("invoiced", "Invoiced Member"),
    ("free", "Free Member"),
    ("paid", "Paid Member"),
];
const COMPANY_TYPE: &[(&str, &str)] = &[("person", "Individual"), ("company", "Company")];
const PARTNER_TYPE: &[(&str, &str)] = &[
    ("contact", "Contact"),
    ("invoice", "Invoice Address"),
    ("delivery", "Delivery Address"),
    ("other", "Other Address"),
];
const LANG: &[(&str, &str)] = &[("fr_FR", "French / Français"), ("en_US", "English (US)")];
const MOVE_TYPE: &[(&str, &str)] = &[
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
];
const MOVE_STATE: &[(&str, &str)] = &[("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")];
const PAYMENT_STATE: &[(&str, &str)] = &[
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("invoicing_legacy", "Invoicing App Legacy"),
];

fn f(name: &'static str, string: &'static str, ftype: FType) -> FieldDef {
    FieldDef { name, string, ftype, kind: Kind::Plain, required: false, help: "" }
}
fn req(mut d: FieldDef) -> FieldDef {
    d.required = true;
    d
}
fn stored(mut d: FieldDef) -> FieldDef {
    d.kind = Kind::Stored;
    d
}
fn virt(mut d: FieldDef) -> FieldDef {
    d.kind = Kind::Virtual;
    d
}
fn help(mut d: FieldDef, text: &'static str) -> FieldDef {
    d.help = text;
    d
}

fn magic() -> Vec<FieldDef> {
    use FType::*;
    vec![
        virt(f("id", "Id", Integer)),
        virt(f("display_name", "Display Name", Char)),
        stored(f("create_date", "Created on", Datetime)),
        stored(f("create_uid", "Created by", Many2one("res.users"))),
        stored(f("write_date", "Last Updated on", Datetime)),
        stored(f("write_uid", "Last Updated by", Many2one("res.users"))),
    ]
}

fn model(name: &'static str, description: &'static str, order: &'static str, own: Vec<FieldDef>) -> ModelDef {
    let mut fields = own;
    fields.extend(magic());
    ModelDef { name, description, order, fields }
}

static MODELS: LazyLock<Vec<ModelDef>> = LazyLock::new(|| {
    use FType::*;
    vec![
        model(
            "res.partner",
            "Contact",
            "name asc, id desc",
            vec![
                f("name", "Name", Char),
                f("email", "Email", Char),
                f("phone", "Phone", Char),
                f("mobile", "Mobile", Char),
                f("street", "Street", Char),
                f("street2", "Street2", Char),
                f("zip", "Zip", Char),
                f("city", "City", Char),
                f("country_id", "Country", Many2one("res.country")),
                f("is_company", "Is a Company", Boolean),
                virt(f("company_type", "Company Type", Selection(COMPANY_TYPE))),
                f("parent_id", "Related Company", Many2one("res.partner")),
                virt(f("child_ids", "Contact", One2many("res.partner", "parent_id"))),
                virt(f("commercial_partner_id", "Commercial Entity", Many2one("res.partner"))),
                f("type", "Address Type", Selection(PARTNER_TYPE)),
                f("ref", "Reference", Char),
                f("vat", "Tax ID", Char),
                f("lang", "Language", Selection(LANG)),
                f("comment", "Notes", Html),
                f("active", "Active", Boolean),
                f("company_id", "Company", Many2one("res.company")),
                help(
                    f("associate_member", "Associate Member", Many2one("res.partner")),
                    "A member with whom you want to associate your membership. It will consider the membership state of the associated member.",
                ),
                virt(f("member_lines", "Membership", One2many("membership.membership_line", "partner"))),
                help(f("free_member", "Free Member", Boolean), "Select if you want to give free membership."),
                help(f("membership_amount", "Membership Amount", Float), "The price negotiated by the partner"),
                help(
                    stored(f("membership_state", "Current Membership Status", Selection(MEMBERSHIP_STATE))),
                    "It indicates the membership state.",
                ),
                help(
                    stored(f("membership_start", "Membership Start Date", Date)),
                    "Date from which membership becomes active.",
                ),
                help(
                    stored(f("membership_stop", "Membership End Date", Date)),
                    "Date until which membership remains active.",
                ),
                help(
                    stored(f("membership_cancel", "Cancel Membership Date", Date)),
                    "Date on which membership has been cancelled",
                ),
            ],
        ),
        model(
            "membership.membership_line",
            "Membership Line",
            "id desc",
            vec![
                f("partner", "Member", Many2one("res.partner")),
                req(f("membership_id", "Membership", Many2one("product.product"))),
                f("date_from", "From", Date),
                f("date_to", "To", Date),
                f("date_cancel", "Cancel date", Date),
                help(f("date", "Join Date", Date), "Date on which member has joined the membership"),
                req(f("member_price", "Membership Fee", Float)),
                f("account_invoice_line", "Account Invoice line", Many2one("account.move.line")),
                virt(f("account_invoice_id", "Invoice", Many2one("account.move"))),
                f("company_id", "Company", Many2one("res.company")),
                stored(f("state", "Membership Status", Selection(MEMBERSHIP_STATE))),
            ],
        ),
        model(
            "product.template",
            "Product",
            "name asc, id asc",
            vec![
                req(f("name", "Name", Char)),
                f("list_price", "Sales Price", Float),
                f("active", "Active", Boolean),
                f("default_code", "Internal Reference", Char),
                help(f("membership", "Membership", Boolean), "Check if the product is eligible for membership."),
                f("membership_date_from", "Membership Start Date", Date),
                f("membership_date_to", "Membership End Date", Date),
                virt(f("product_variant_id", "Product", Many2one("product.product"))),
                f("company_id", "Company", Many2one("res.company")),
            ],
        ),
        model(
            "product.product",
            "Product Variant",
            "name asc, id asc",
            vec![
                req(f("product_tmpl_id", "Product Template", Many2one("product.template"))),
                virt(f("name", "Name", Char)),
                virt(f("list_price", "Sales Price", Float)),
                f("active", "Active", Boolean),
                virt(f("default_code", "Internal Reference", Char)),
                virt(f("membership", "Membership", Boolean)),
                virt(f("membership_date_from", "Membership Start Date", Date)),
                virt(f("membership_date_to", "Membership End Date", Date)),
            ],
        ),
        model(
            "account.move",
            "Journal Entry",
            "date desc, name desc, id desc",
            vec![
                stored(f("name", "Number", Char)),
                req(f("move_type", "Type", Selection(MOVE_TYPE))),
                stored(f("state", "Status", Selection(MOVE_STATE))),
                f("partner_id", "Partner", Many2one("res.partner")),
                virt(f("commercial_partner_id", "Commercial Entity", Many2one("res.partner"))),
                f("invoice_date", "Invoice/Bill Date", Date),
                f("invoice_date_due", "Due Date", Date),
                f("date", "Date", Date),
                f("ref", "Reference", Char),
                f("payment_reference", "Payment Reference", Char),
                f("invoice_origin", "Origin", Char),
                f("currency_id", "Currency", Many2one("res.currency")),
                f("company_id", "Company", Many2one("res.company")),
                virt(f("invoice_line_ids", "Invoice lines", One2many("account.move.line", "move_id"))),
                virt(f("line_ids", "Journal Items", One2many("account.move.line", "move_id"))),
                stored(f("amount_untaxed", "Untaxed Amount", Monetary)),
                stored(f("amount_tax", "Tax", Monetary)),
                stored(f("amount_total", "Total", Monetary)),
                stored(f("amount_residual", "Amount Due", Monetary)),
                stored(f("payment_state", "Payment Status", Selection(PAYMENT_STATE))),
            ],
        ),
        model(
            "account.move.line",
            "Journal Item",
            "id asc",
            vec![
                f("move_id", "Journal Entry", Many2one("account.move")),
                f("product_id", "Product", Many2one("product.product")),
                f("name", "Label", Char),
                f("quantity", "Quantity", Float),
                f("price_unit", "Unit Price", Float),
                stored(f("price_subtotal", "Subtotal", Monetary)),
                stored(f("price_total", "Total", Monetary)),
            ],
        ),
        model(
            "res.country",
            "Country",
            "name asc, id asc",
            vec![req(f("name", "Country Name", Char)), f("code", "Country Code", Char)],
        ),
        model(
            "res.currency",
            "Currency",
            "name asc, id asc",
            vec![req(f("name", "Currency", Char)), f("symbol", "Symbol", Char), f("active", "Active", Boolean)],
        ),
        model(
            "account.payment.register",
            "Pay",
            "id asc",
            vec![
                f("payment_date", "Payment Date", Date),
                f("amount", "Amount", Monetary),
                f("communication", "Memo", Char),
                // Odoo keeps the context's invoices as `line_ids` (a many2many of their receivable
                // lines); the sandbox, which has no many2many, keeps the moves' ids as text.
                help(
                    stored(f("x_sandbox_move_ids", "Invoices (sandbox)", Char)),
                    "The account.move ids of the context's active_ids, comma-separated.",
                ),
            ],
        ),
        model("res.company", "Companies", "id asc", vec![req(f("name", "Company Name", Char))]),
        model(
            "res.users",
            "User",
            "name asc, id asc",
            vec![f("name", "Name", Char), req(f("login", "Login", Char)), f("active", "Active", Boolean)],
        ),
    ]
});

/// The model called `name`, if the sandbox has it.
pub fn model_def(name: &str) -> Option<&'static ModelDef> {
    MODELS.iter().find(|m| m.name == name)
}

/// All the models (for `/_sandbox/state`).
pub fn models() -> &'static [ModelDef] {
    &MODELS
}
