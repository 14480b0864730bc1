//! Records → HelloAsso JSON: orders (StatisticsOrder/OrderDetail), payments (Payment/PaymentDetail),
//! items (Item/ItemDetail), forms (FormLightModel/FormPublicModel), following the docs' examples
//! (e.g. `isAnonymous`/`isAmountHidden` on orders, `formName` on a payment notification's order).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::model::{Answer, Form, Item, Order, Payer, Payment, Store};
use crate::wire::{birth_date, date_time};

/// The public site the receipts and cards point to (the vendor's sandbox site).
pub const PUBLIC_SITE: &str = "https://www.helloasso-sandbox.com";

/// The URL segment of a form type on the public site.
pub fn form_segment(form_type: &str) -> &'static str {
    match form_type {
        "Membership" => "adhesions",
        "Event" => "evenements",
        "Donation" => "formulaires",
        "Checkout" => "checkout",
        "Shop" => "boutiques",
        "CrowdFunding" => "collectes",
        _ => "paiements",
    }
}

fn form_url(store: &Store, form_type: &str, slug: &str) -> String {
    format!("{PUBLIC_SITE}/associations/{}/{}/{slug}", store.org.slug, form_segment(form_type))
}

fn meta(created: chrono::DateTime<chrono::Utc>, updated: chrono::DateTime<chrono::Utc>) -> Value {
    json!({"createdAt": date_time(created), "updatedAt": date_time(updated)})
}

fn put_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.into(), json!(v));
    }
}

pub fn payer(p: &Payer) -> Value {
    let mut m = Map::new();
    m.insert("email".into(), json!(p.email));
    put_opt(&mut m, "address", &p.address);
    put_opt(&mut m, "city", &p.city);
    put_opt(&mut m, "zipCode", &p.zip_code);
    m.insert("country".into(), json!(p.country));
    if let Some(d) = p.date_of_birth {
        m.insert("dateOfBirth".into(), json!(birth_date(d)));
    }
    m.insert("firstName".into(), json!(p.first_name));
    m.insert("lastName".into(), json!(p.last_name));
    Value::Object(m)
}

fn custom_fields(answers: &[Answer]) -> Value {
    answers.iter().map(|a| json!({"id": a.id, "name": a.name, "type": a.field_type, "answer": a.answer})).collect()
}

/// `ItemId:ticks`, base64, like the examples' `qrCode`.
fn qr_code(item: &Item, order: &Order) -> String {
    let ticks = order.created.timestamp() as i128 * 10_000_000 + 621_355_968_000_000_000;
    base64::engine::general_purpose::STANDARD.encode(format!("{}:{ticks}", item.id))
}

/// The fields an item shows inside an order and in the items list.
fn item_common(store: &Store, order: &Order, item: &Item, details: bool, m: &mut Map<String, Value>) {
    if item.tier_type != "Donation" {
        m.insert("name".into(), json!(item.name));
        m.insert("user".into(), json!({"firstName": item.user_first_name, "lastName": item.user_last_name}));
    }
    m.insert("priceCategory".into(), json!(item.price_category));
    if details && !item.custom_fields.is_empty() {
        m.insert("customFields".into(), custom_fields(&item.custom_fields));
    }
    let base = form_url(store, &order.form_type, &order.form_slug);
    match order.form_type.as_str() {
        "Membership" => {
            m.insert("membershipCardUrl".into(), json!(format!("{base}/carte-adherent?id={}", item.id)));
        }
        "Event" => {
            m.insert("ticketUrl".into(), json!(format!("{base}/ticket?ticketId={}&ag={}", item.id, item.id)));
        }
        _ => {}
    }
    m.insert("qrCode".into(), json!(qr_code(item, order)));
    m.insert("tierDescription".into(), json!(item.tier_description));
    if let Some(tier_id) = item.tier_id {
        m.insert("tierId".into(), json!(tier_id));
    }
    m.insert("id".into(), json!(item.id));
    m.insert("amount".into(), json!(item.amount));
    m.insert("type".into(), json!(item.tier_type));
    m.insert("initialAmount".into(), json!(item.initial_amount));
    m.insert("state".into(), json!(item.state));
}

/// The part of payment `p` that went to item `it` (a single-item order: all of it).
fn share(o: &Order, it: &Item, p: &Payment) -> i64 {
    if o.items.len() == 1 { p.amount } else { it.amount }
}

fn refund_operations(p: &Payment) -> Value {
    p.refunds
        .iter()
        .map(|r| {
            json!({"id": r.id, "amount": r.amount, "amountTip": 0, "status": r.status,
                "meta": meta(r.created, r.created)})
        })
        .collect()
}

fn receipt_url(store: &Store, order: &Order, p: &Payment) -> String {
    format!("{}/paiement-attestation/{}/{}", form_url(store, &order.form_type, &order.form_slug), order.id, p.id)
}

/// The fields common to every payment shape (OrderPayment, Payment, ItemPayment).
fn payment_common(store: &Store, order: &Order, p: &Payment, m: &mut Map<String, Value>) {
    m.insert("cashOutState".into(), json!(p.cash_out_state));
    m.insert("paymentReceiptUrl".into(), json!(receipt_url(store, order, p)));
    m.insert("id".into(), json!(p.id));
    m.insert("amount".into(), json!(p.amount));
    m.insert("date".into(), json!(date_time(p.date)));
    m.insert("paymentMeans".into(), json!(p.means));
    m.insert("installmentNumber".into(), json!(1));
    m.insert("state".into(), json!(p.state));
    m.insert("meta".into(), meta(p.created, p.updated));
    m.insert("refundOperations".into(), refund_operations(p));
}

fn org_fields(store: &Store, m: &mut Map<String, Value>) {
    m.insert("organizationName".into(), json!(store.org.name));
    m.insert("organizationSlug".into(), json!(store.org.slug));
    m.insert("organizationType".into(), json!(store.org.org_type));
    m.insert("organizationIsUnderColucheLaw".into(), json!(false));
}

/// StatisticsOrder / OrderDetail (`details`: with the items' custom fields).
pub fn order(store: &Store, o: &Order, details: bool) -> Value {
    let mut m = Map::new();
    m.insert("payer".into(), payer(&o.payer));
    let payments: Vec<&Payment> = o.payment_ids.iter().filter_map(|id| store.payments.get(id)).collect();
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|it| {
            let mut im = Map::new();
            im.insert(
                "payments".into(),
                payments.iter().map(|p| json!({"id": p.id, "shareAmount": share(o, it, p)})).collect(),
            );
            item_common(store, o, it, details, &mut im);
            Value::Object(im)
        })
        .collect();
    m.insert("items".into(), Value::Array(items));
    let pays: Vec<Value> = payments
        .iter()
        .map(|p| {
            let mut pm = Map::new();
            pm.insert(
                "items".into(),
                o.items
                    .iter()
                    .map(|it| json!({"id": it.id, "shareAmount": share(o, it, p), "shareItemAmount": share(o, it, p)}))
                    .collect(),
            );
            payment_common(store, o, p, &mut pm);
            Value::Object(pm)
        })
        .collect();
    m.insert("payments".into(), Value::Array(pays));
    let total: i64 = o.items.iter().map(|i| i.amount).sum();
    m.insert("amount".into(), json!({"total": total, "vat": 0, "discount": 0}));
    m.insert("id".into(), json!(o.id));
    m.insert("date".into(), json!(date_time(o.date)));
    m.insert("formSlug".into(), json!(o.form_slug));
    m.insert("formType".into(), json!(o.form_type));
    org_fields(store, &mut m);
    if let Some(id) = o.checkout_intent_id {
        m.insert("checkoutIntentId".into(), json!(id));
    }
    m.insert("meta".into(), meta(o.created, o.updated));
    m.insert("isAnonymous".into(), json!(false));
    m.insert("isAmountHidden".into(), json!(false));
    Value::Object(m)
}

/// OrderLight (`form_name`: the notification variant, which names the form).
pub fn order_light(store: &Store, o: &Order, form_name: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(o.id));
    m.insert("date".into(), json!(date_time(o.date)));
    m.insert("formSlug".into(), json!(o.form_slug));
    m.insert("formType".into(), json!(o.form_type));
    org_fields(store, &mut m);
    if let Some(id) = o.checkout_intent_id {
        m.insert("checkoutIntentId".into(), json!(id));
    }
    if form_name {
        let title = match store.form(&o.form_type, &o.form_slug) {
            Some(f) => f.title.clone(),
            None => o.form_type.clone(), // "Checkout", as in the checkout examples
        };
        m.insert("formName".into(), json!(title));
    }
    m.insert("meta".into(), meta(o.created, o.updated));
    m.insert("isAnonymous".into(), json!(false));
    m.insert("isAmountHidden".into(), json!(false));
    Value::Object(m)
}

/// Payment / PaymentDetail (`notification`: the order carries `formName`).
pub fn payment(store: &Store, o: &Order, p: &Payment, notification: bool) -> Value {
    let mut m = Map::new();
    m.insert("order".into(), order_light(store, o, notification));
    m.insert("payer".into(), payer(&o.payer));
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|it| {
            let mut im = Map::new();
            im.insert("shareAmount".into(), json!(share(o, it, p)));
            im.insert("shareItemAmount".into(), json!(share(o, it, p)));
            im.insert("id".into(), json!(it.id));
            im.insert("amount".into(), json!(it.amount));
            im.insert("type".into(), json!(it.tier_type));
            im.insert("state".into(), json!(it.state));
            if it.tier_type != "Donation" {
                im.insert("name".into(), json!(it.name));
            }
            Value::Object(im)
        })
        .collect();
    m.insert("items".into(), Value::Array(items));
    payment_common(store, o, p, &mut m);
    Value::Object(m)
}

/// Item / ItemDetail.
pub fn item(store: &Store, o: &Order, it: &Item, details: bool) -> Value {
    let mut m = Map::new();
    m.insert("order".into(), order_light(store, o, false));
    m.insert("payer".into(), payer(&o.payer));
    let pays: Vec<Value> = o
        .payment_ids
        .iter()
        .filter_map(|id| store.payments.get(id))
        .map(|p| {
            let mut pm = Map::new();
            payment_common(store, o, p, &mut pm);
            pm.remove("paymentReceiptUrl"); // not part of ItemPayment
            pm.insert("shareAmount".into(), json!(share(o, it, p)));
            Value::Object(pm)
        })
        .collect();
    m.insert("payments".into(), Value::Array(pays));
    item_common(store, o, it, details, &mut m);
    Value::Object(m)
}

fn form_common(store: &Store, f: &Form, m: &mut Map<String, Value>) {
    m.insert("currency".into(), json!("EUR"));
    m.insert("description".into(), json!(f.description));
    if let Some(s) = f.start {
        m.insert("startDate".into(), json!(date_time(s)));
    }
    if let Some(e) = f.end {
        m.insert("endDate".into(), json!(date_time(e)));
    }
    m.insert("meta".into(), meta(f.created, f.updated));
    m.insert("state".into(), json!(f.state));
    m.insert("title".into(), json!(f.title));
    let url = form_url(store, &f.form_type, &f.slug);
    m.insert("widgetButtonUrl".into(), json!(format!("{url}/widget-bouton")));
    m.insert("widgetFullUrl".into(), json!(format!("{url}/widget")));
    m.insert("widgetVignetteHorizontalUrl".into(), json!(format!("{url}/widget-vignette-horizontale")));
    m.insert("widgetVignetteVerticalUrl".into(), json!(format!("{url}/widget-vignette")));
    m.insert("widgetCounterUrl".into(), json!(format!("{url}/widget-compteur")));
    m.insert("formSlug".into(), json!(f.slug));
    m.insert("formType".into(), json!(f.form_type));
    m.insert("url".into(), json!(url));
    m.insert("organizationSlug".into(), json!(store.org.slug));
}

/// FormLightModel.
pub fn form_light(store: &Store, f: &Form) -> Value {
    let mut m = Map::new();
    form_common(store, f, &mut m);
    Value::Object(m)
}

/// FormPublicModel: tiers with their custom fields.
pub fn form_public(store: &Store, f: &Form) -> Value {
    let mut m = Map::new();
    m.insert("organizationName".into(), json!(store.org.name));
    let tiers: Vec<Value> = f
        .tiers
        .iter()
        .map(|t| {
            let fields: Vec<Value> = t
                .custom_fields
                .iter()
                .map(|c| {
                    let values = if c.values.is_empty() { Value::Null } else { json!(c.values) };
                    json!({"id": c.id, "values": values, "isRequired": c.required,
                        "type": c.field_type, "label": c.label})
                })
                .collect();
            let mut tm = Map::new();
            tm.insert("customFields".into(), Value::Array(fields));
            tm.insert("extraOptions".into(), json!([]));
            tm.insert("id".into(), json!(t.id));
            tm.insert("label".into(), json!(t.label));
            tm.insert("description".into(), json!(t.description));
            tm.insert("tierType".into(), json!(t.tier_type));
            tm.insert("price".into(), json!(t.price));
            tm.insert("vatRate".into(), json!(0.0));
            if let Some(min) = t.min_amount {
                tm.insert("minAmount".into(), json!(min));
            }
            tm.insert("paymentFrequency".into(), json!("Single"));
            tm.insert("isEligibleTaxReceipt".into(), json!(t.tier_type == "Donation"));
            tm.insert("isExcludedFromFormPaymentTerms".into(), json!(false));
            tm.insert("isFavorite".into(), json!(false));
            Value::Object(tm)
        })
        .collect();
    m.insert("tiers".into(), Value::Array(tiers));
    if f.form_type == "Membership" {
        m.insert("validityType".into(), json!("Custom"));
    }
    form_common(store, f, &mut m);
    Value::Object(m)
}
