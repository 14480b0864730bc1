//! Records built from HelloAsso orders and payments (the shapes are documented in the crate doc).
//! Every record is a pure function of the API's JSON, so re-reading an order gives the same ids and data.

use chrono::{DateTime, Datelike, Utc};
use hub_connector_sdk::{ConnectorError, SourceRecord};
use serde_json::{Map, Value, json};

pub const MEMBERS: &str = "members";
pub const MEMBERSHIPS: &str = "memberships";
pub const PAYMENTS: &str = "payments";

/// An id HelloAsso sends as a number (or, leniently, as a string of digits).
pub fn id_of(value: &Value) -> Option<i64> {
    match value.get("id")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-empty string field.
fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A HelloAsso date (`2025-01-15T10:21:33.1234567+01:00`); `None` for the `0001-01-01` placeholder.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(text).ok()?.to_utc();
    (at.year() > 1900).then_some(at)
}

/// When HelloAsso last changed `value`: `meta.updatedAt`, else its `date`.
fn updated_at(value: &Value) -> Option<DateTime<Utc>> {
    value
        .pointer("/meta/updatedAt")
        .and_then(Value::as_str)
        .and_then(parse_date)
        .or_else(|| text(value, "date").and_then(parse_date))
}

/// An item's custom fields flattened to `{name: answer}`.
pub fn custom_fields(item: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for field in item.get("customFields").and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = text(field, "name") {
            let answer = field.get("answer").cloned().unwrap_or(Value::Null);
            out.insert(name.to_string(), answer);
        }
    }
    out
}

fn copy(from: &Value, keys: &[&str], to: &mut Map<String, Value>) {
    for key in keys {
        if let Some(v) = text(from, key) {
            to.insert((*key).to_string(), json!(v));
        }
    }
}

/// The payment state of an order as a whole: `Refunded` when a payment is refunded (or being
/// refunded), `Authorized` when every payment is, `None` when the order has no payment (a free
/// tier), otherwise the first payment state that is not `Authorized` (Pending, Refused, …).
pub fn order_payment_state(order: &Value) -> String {
    let states: Vec<&str> = order
        .get("payments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| text(p, "state").unwrap_or("Unknown"))
        .collect();
    if states.is_empty() {
        "None".into()
    } else if states.iter().any(|s| matches!(*s, "Refunded" | "Refunding")) {
        "Refunded".into()
    } else if let Some(other) = states.iter().find(|s| **s != "Authorized") {
        (*other).to_string()
    } else {
        "Authorized".into()
    }
}

/// The membership's `status`: `refunded` when its order is refunded (or the item is), `cancelled`
/// when its payment was refused, cancelled, abandoned or contested (or the item cancelled),
/// `active` when the order's payments are all Authorized (or it has none) and the item is
/// Processed/Registered, `pending` otherwise (waiting for the bank: not a valid membership yet).
pub fn membership_status(payment_state: &str, item_state: &str) -> &'static str {
    if payment_state == "Refunded" || item_state == "Refunded" {
        "refunded"
    } else if matches!(payment_state, "Refused" | "Canceled" | "Abandoned" | "Contested") || item_state == "Canceled" {
        "cancelled"
    } else if matches!(payment_state, "Authorized" | "None") && matches!(item_state, "Processed" | "Registered") {
        "active"
    } else {
        "pending"
    }
}

/// `city` and `birthDate` for the mappings: the form's "Commune" and "Date de naissance" custom
/// fields when the form asks them, else HelloAsso's own `city` and `dateOfBirth` (payers only).
fn place_and_birth(data: &mut Map<String, Value>, custom: &Map<String, Value>) {
    let answer = |label: &str| {
        custom.iter().find(|(k, _)| k.eq_ignore_ascii_case(label)).and_then(|(_, v)| v.as_str()).map(str::trim)
    };
    if let Some(city) = answer("Commune").filter(|c| !c.is_empty()) {
        data.insert("city".into(), json!(city));
    }
    let birth = answer("Date de naissance").filter(|d| !d.is_empty()).map(str::to_string).or_else(|| {
        data.get("dateOfBirth").and_then(Value::as_str).filter(|d| !d.starts_with("0001-")).map(str::to_string)
    });
    if let Some(birth) = birth {
        data.insert("birthDate".into(), json!(birth));
    }
}

/// The `kind` of a payment from its order's form type.
pub fn payment_kind(form_type: &str) -> &'static str {
    match form_type {
        "Membership" => "membership",
        "Donation" | "CrowdFunding" => "donation",
        "Event" => "ticket",
        "Shop" => "shop",
        _ => "payment",
    }
}

fn same_name(a: &Value, b: &Value) -> bool {
    let name = |v: &Value, k: &str| text(v, k).map(str::to_lowercase);
    name(a, "firstName").is_some()
        && name(a, "firstName") == name(b, "firstName")
        && name(a, "lastName") == name(b, "lastName")
}

/// What an order gives: its people, its memberships, its payments.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OrderRecords {
    pub members: Vec<SourceRecord>,
    pub memberships: Vec<SourceRecord>,
    pub payments: Vec<SourceRecord>,
}

impl OrderRecords {
    pub fn into_all(self) -> Vec<SourceRecord> {
        let mut all = self.members;
        all.extend(self.memberships);
        all.extend(self.payments);
        all
    }
}

fn record(
    stream: &str,
    external_id: String,
    updated_at: Option<DateTime<Utc>>,
    data: Map<String, Value>,
) -> SourceRecord {
    SourceRecord { stream: stream.into(), external_id, updated_at, deleted: false, data: Value::Object(data) }
}

/// The records of one order (as `GET /v5/orders/{id}` or the orders list with `withDetails=true` give it).
pub fn order_records(order: &Value) -> Result<OrderRecords, ConnectorError> {
    let order_id = id_of(order).ok_or_else(|| ConnectorError::Invalid("a HelloAsso order has no `id`".into()))?;
    let null = Value::Null;
    let payer = order.get("payer").unwrap_or(&null);
    let items: Vec<&Value> = order.get("items").and_then(Value::as_array).into_iter().flatten().collect();
    let form_type = text(order, "formType").unwrap_or("");
    let form_slug = text(order, "formSlug").unwrap_or("");
    let updated = updated_at(order);
    let payment_state = order_payment_state(order);
    let mut out = OrderRecords::default();

    // The payer: the custom fields of the items that are theirs (no beneficiary, or the payer's name).
    let payer_id = format!("order-{order_id}-payer");
    let mut data = Map::new();
    copy(
        payer,
        &["firstName", "lastName", "email", "address", "city", "zipCode", "country", "dateOfBirth", "company"],
        &mut data,
    );
    let mut fields = Map::new();
    for item in &items {
        match item.get("user") {
            Some(user) if !same_name(user, payer) => {}
            _ => fields.extend(custom_fields(item)),
        }
    }
    place_and_birth(&mut data, &fields);
    data.insert("customFields".into(), Value::Object(fields));
    data.insert("role".into(), json!("payer"));
    data.insert("orderId".into(), json!(order_id));
    data.insert("formType".into(), json!(form_type));
    data.insert("formSlug".into(), json!(form_slug));
    out.members.push(record(MEMBERS, payer_id.clone(), updated, data));

    for item in &items {
        let Some(item_id) = id_of(item) else { continue };
        let user = item.get("user").filter(|u| text(u, "firstName").is_some() || text(u, "lastName").is_some());
        // A beneficiary with the payer's name is the payer (one person, one record: the payer's,
        // which already carries this item's custom fields).
        let member_id = match user.filter(|u| !same_name(u, payer)) {
            Some(user) => {
                let id = format!("item-{item_id}-user");
                let mut data = Map::new();
                copy(user, &["firstName", "lastName", "email"], &mut data);
                let custom = custom_fields(item);
                place_and_birth(&mut data, &custom);
                data.insert("customFields".into(), Value::Object(custom));
                data.insert("role".into(), json!("beneficiary"));
                data.insert("orderId".into(), json!(order_id));
                data.insert("itemId".into(), json!(item_id));
                data.insert("formType".into(), json!(form_type));
                data.insert("formSlug".into(), json!(form_slug));
                out.members.push(record(MEMBERS, id.clone(), updated, data));
                id
            }
            None => payer_id.clone(),
        };
        if text(item, "type") != Some("Membership") {
            continue;
        }
        let item_state = text(item, "state").unwrap_or("Unknown");
        let person = user.unwrap_or(payer);
        let mut data = Map::new();
        data.insert("itemId".into(), json!(item_id));
        data.insert("orderId".into(), json!(order_id));
        if let Some(tier_id) = item.get("tierId").and_then(Value::as_i64) {
            data.insert("tierId".into(), json!(tier_id));
        }
        if let Some(name) = text(item, "name") {
            data.insert("tierName".into(), json!(name));
        }
        data.insert("amount".into(), item.get("amount").cloned().unwrap_or(json!(0)));
        data.insert("state".into(), json!(item_state));
        data.insert("paymentState".into(), json!(payment_state));
        data.insert("status".into(), json!(membership_status(&payment_state, item_state)));
        data.insert("memberExternalId".into(), json!(member_id));
        if let Some(v) = text(person, "firstName") {
            data.insert("memberFirstName".into(), json!(v));
        }
        if let Some(v) = text(person, "lastName") {
            data.insert("memberLastName".into(), json!(v));
        }
        let member_email = text(person, "email").or(if user.is_none_or(|u| same_name(u, payer)) {
            text(payer, "email")
        } else {
            None
        });
        if let Some(email) = member_email {
            data.insert("memberEmail".into(), json!(email));
        }
        if let Some(email) = text(payer, "email") {
            data.insert("payerEmail".into(), json!(email));
        }
        if let Some(date) = text(order, "date") {
            data.insert("orderDate".into(), json!(date));
        }
        data.insert("formType".into(), json!(form_type));
        data.insert("formSlug".into(), json!(form_slug));
        if let Some(url) = text(item, "membershipCardUrl") {
            data.insert("membershipCardUrl".into(), json!(url));
        }
        data.insert("customFields".into(), Value::Object(custom_fields(item)));
        out.memberships.push(record(MEMBERSHIPS, format!("item-{item_id}"), updated, data));
    }

    for payment in order.get("payments").and_then(Value::as_array).into_iter().flatten() {
        let context = PaymentContext { order_id, form_type, form_slug, payer };
        if let Some(r) = payment_record(payment, &context) {
            out.payments.push(r);
        }
    }
    Ok(out)
}

/// What a payment record takes from its order.
pub struct PaymentContext<'a> {
    pub order_id: i64,
    pub form_type: &'a str,
    pub form_slug: &'a str,
    pub payer: &'a Value,
}

/// The payment record of one element of the payments list (`order` and `payer` inside it).
pub fn listed_payment_record(payment: &Value) -> Result<SourceRecord, ConnectorError> {
    let null = Value::Null;
    let order = payment.get("order").unwrap_or(&null);
    let order_id =
        id_of(order).ok_or_else(|| ConnectorError::Invalid("a HelloAsso payment has no `order.id`".into()))?;
    let context = PaymentContext {
        order_id,
        form_type: text(order, "formType").unwrap_or(""),
        form_slug: text(order, "formSlug").unwrap_or(""),
        payer: payment.get("payer").unwrap_or(&null),
    };
    payment_record(payment, &context).ok_or_else(|| ConnectorError::Invalid("a HelloAsso payment has no `id`".into()))
}

/// One payment record; only fields both the payments list and an order's `payments[]` carry, so
/// both sources give the same record.
pub fn payment_record(payment: &Value, context: &PaymentContext<'_>) -> Option<SourceRecord> {
    let payment_id = id_of(payment)?;
    let mut data = Map::new();
    data.insert("paymentId".into(), json!(payment_id));
    data.insert("orderId".into(), json!(context.order_id));
    data.insert("amount".into(), payment.get("amount").cloned().unwrap_or(json!(0)));
    data.insert("state".into(), json!(text(payment, "state").unwrap_or("Unknown")));
    if let Some(date) = text(payment, "date") {
        data.insert("date".into(), json!(date));
    }
    for (from, to) in [("email", "payerEmail"), ("firstName", "payerFirstName"), ("lastName", "payerLastName")] {
        if let Some(v) = text(context.payer, from) {
            data.insert(to.into(), json!(v));
        }
    }
    data.insert("kind".into(), json!(payment_kind(context.form_type)));
    data.insert("formType".into(), json!(context.form_type));
    data.insert("formSlug".into(), json!(context.form_slug));
    copy(payment, &["paymentMeans", "cashOutState"], &mut data);
    if let Some(url) = text(payment, "paymentReceiptUrl") {
        data.insert("receiptUrl".into(), json!(url));
    }
    if let Some(url) = text(payment, "fiscalReceiptUrl") {
        data.insert("fiscalReceiptUrl".into(), json!(url));
    }
    let refunded: i64 = payment
        .get("refundOperations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("amount").and_then(Value::as_i64))
        .sum();
    data.insert("refundedAmount".into(), json!(refunded));
    Some(record(PAYMENTS, format!("payment-{payment_id}"), updated_at(payment), data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Value {
        let path = format!("{}/../../../shared/vendor-specs/helloasso/examples/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("example readable")).expect("example parses")
    }

    #[test]
    fn statuses_places_and_birth_dates() {
        assert_eq!(membership_status("Authorized", "Processed"), "active");
        assert_eq!(membership_status("Refused", "Processed"), "cancelled");
        assert_eq!(membership_status("Contested", "Processed"), "cancelled");
        assert_eq!(membership_status("Refunded", "Processed"), "refunded");
        assert_eq!(membership_status("WaitingBankValidation", "Processed"), "pending");
        let mut data = Map::new();
        data.insert("city".into(), json!("Nantes"));
        data.insert("dateOfBirth".into(), json!("1973-04-23T00:00:00+01:00"));
        place_and_birth(&mut data, &Map::new());
        assert_eq!(
            (data["city"].clone(), data["birthDate"].clone()),
            (json!("Nantes"), json!("1973-04-23T00:00:00+01:00"))
        );
        let mut custom = Map::new();
        custom.insert("Commune".into(), json!(" Montreuil "));
        custom.insert("Date de naissance".into(), json!("14/07/1989"));
        place_and_birth(&mut data, &custom);
        assert_eq!((data["city"].clone(), data["birthDate"].clone()), (json!("Montreuil"), json!("14/07/1989")));
    }

    #[test]
    fn a_membership_order_gives_payer_membership_and_payment() {
        let order = example("notification.Order.membership-with-customFields.CONSTRUCTED.json")["data"].clone();
        let r = order_records(&order).unwrap();
        let ids: Vec<&str> = r.members.iter().map(|m| m.external_id.as_str()).collect();
        assert_eq!(ids, ["order-50001-payer"], "a beneficiary with the payer's name is the payer");
        assert_eq!(r.members[0].data["email"], "camille.martin@example.org");
        assert_eq!(r.members[0].data["customFields"]["Téléphone"], "+33612345678");
        assert_eq!(r.memberships.len(), 1);
        let m = &r.memberships[0];
        assert_eq!(m.external_id, "item-50001");
        assert_eq!(m.data["tierName"], "Adhésion annuelle 2025");
        assert_eq!(m.data["amount"], 2500);
        assert_eq!(m.data["status"], "active");
        assert_eq!(m.data["paymentState"], "Authorized");
        assert_eq!(m.data["memberEmail"], "camille.martin@example.org");
        assert_eq!(m.data["customFields"]["Comment avez-vous connu le tiers-lieu ?"], "Bouche à oreille");
        assert_eq!(r.payments.len(), 1);
        assert_eq!(r.payments[0].external_id, "payment-31001");
        assert_eq!(r.payments[0].data["kind"], "membership");
        assert!(r.payments[0].data["receiptUrl"].as_str().unwrap().contains("paiement-attestation"));
        assert_eq!(order_records(&order).unwrap(), r, "the same order gives the same records");
    }

    #[test]
    fn a_refunded_order_gives_refunded_memberships() {
        let mut order = example("notification.Order.membership-with-customFields.CONSTRUCTED.json")["data"].clone();
        order["payments"][0]["state"] = json!("Refunded");
        order["payments"][0]["refundOperations"] = json!([{"id": 1, "amount": 2500}]);
        let r = order_records(&order).unwrap();
        assert_eq!(r.memberships[0].data["status"], "refunded");
        assert_eq!(r.payments[0].data["refundedAmount"], 2500);
        order["payments"][0]["state"] = json!("WaitingBankValidation");
        order["payments"][0]["refundOperations"] = json!([]);
        assert_eq!(order_records(&order).unwrap().memberships[0].data["status"], "pending");
    }

    #[test]
    fn a_beneficiary_who_is_not_the_payer_gets_no_email() {
        let order = example("notification.order.event-with-customFields.CONSTRUCTED.json")["data"].clone();
        let r = order_records(&order).unwrap();
        assert_eq!(r.members.len(), 2);
        assert_eq!(r.members[1].data["firstName"], "Victor");
        assert!(r.members[1].data.get("email").is_none());
        assert_eq!(r.members[1].data["customFields"]["Numéro de licence"], "K00000");
        assert!(r.memberships.is_empty(), "an event registration is not a membership");
        assert_eq!(r.payments[0].data["kind"], "ticket");
    }

    #[test]
    fn listed_and_ordered_payments_agree() {
        let notification = example("notification.payment.donation.json")["data"].clone();
        let listed = listed_payment_record(&notification).unwrap();
        let order = example("notification.order.donation.json")["data"].clone();
        let from_order = order_records(&order).unwrap().payments.remove(0);
        assert_eq!(listed, from_order);
        assert_eq!(listed.data["kind"], "donation");
    }

    #[test]
    fn placeholder_dates_are_ignored() {
        assert_eq!(parse_date("0001-01-01T00:00:00+00:00"), None);
        assert!(parse_date("2025-01-15T10:21:33.1234567+01:00").is_some());
    }
}
