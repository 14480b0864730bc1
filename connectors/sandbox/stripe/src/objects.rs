//! Builders of Stripe objects with every field the 2022 spec requires and the current fixtures
//! show (e.g. both `payment_intent.charges` (2022) and `payment_intent.latest_charge` (current)).

use serde_json::{Value, json};

use crate::state::{Store, now};

fn null_address() -> Value {
    json!({"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null})
}

/// An address from `address[…]` params, every field present.
pub fn address(p: Option<&Value>) -> Value {
    let mut a = null_address();
    if let Some(Value::Object(m)) = p {
        for k in ["city", "country", "line1", "line2", "postal_code", "state"] {
            if let Some(v) = m.get(k) {
                a[k] = v.clone();
            }
        }
    }
    a
}

/// A `shipping` hash from `shipping[…]` params, every field present.
pub fn shipping(p: &Value) -> Value {
    let mut sh = json!({"address": address(p.get("address")), "carrier": null, "name": null, "phone": null, "tracking_number": null});
    for k in ["carrier", "name", "phone", "tracking_number"] {
        if let Some(v) = p.get(k) {
            sh[k] = v.clone();
        }
    }
    sh
}

pub fn customer(s: &mut Store, created: i64) -> Value {
    let id = s.new_id("cus");
    let prefix = s.random(8).to_uppercase();
    json!({
        "id": id, "object": "customer", "address": null, "balance": 0, "created": created, "currency": null,
        "default_source": null, "delinquent": false, "description": null, "discount": null, "email": null,
        "invoice_prefix": prefix,
        "invoice_settings": {"custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null},
        "livemode": false, "metadata": {}, "name": null, "next_invoice_sequence": 1, "phone": null,
        "preferred_locales": [], "shipping": null, "tax_exempt": "none", "test_clock": null
    })
}

pub fn product(s: &mut Store, name: &str, created: i64) -> Value {
    let id = s.new_id("prod");
    json!({
        "id": id, "object": "product", "active": true, "created": created, "default_price": null, "description": null,
        "images": [], "livemode": false, "marketing_features": [], "metadata": {}, "name": name,
        "package_dimensions": null, "shippable": null, "statement_descriptor": null, "tax_code": null,
        "type": "service", "unit_label": null, "updated": created, "url": null
    })
}

/// A price; `recurring` is `Some((interval, count))` for subscriptions' prices.
pub fn price(s: &mut Store, product: &str, currency: &str, unit_amount: i64, recurring: Option<(&str, i64)>) -> Value {
    let id = s.new_id("price");
    let recurring_v = recurring.map(|(interval, count)| json!({"aggregate_usage": null, "interval": interval, "interval_count": count, "meter": null, "trial_period_days": null, "usage_type": "licensed"}));
    json!({
        "id": id, "object": "price", "active": true, "billing_scheme": "per_unit", "created": now(),
        "currency": currency, "custom_unit_amount": null, "livemode": false, "lookup_key": null, "metadata": {},
        "nickname": null, "product": product, "recurring": recurring_v, "tax_behavior": "unspecified",
        "tiers_mode": null, "transform_quantity": null,
        "type": if recurring.is_some() { "recurring" } else { "one_time" },
        "unit_amount": unit_amount, "unit_amount_decimal": unit_amount.to_string()
    })
}

pub fn payment_intent(s: &mut Store, amount: i64, currency: &str) -> Value {
    let id = s.new_id("pi");
    let secret = format!("{id}_secret_{}", s.random(25));
    json!({
        "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_details": {"tip": {}},
        "amount_received": 0, "application": null, "application_fee_amount": null, "automatic_payment_methods": null,
        "canceled_at": null, "cancellation_reason": null, "capture_method": "automatic",
        "charges": {"object": "list", "data": [], "has_more": false, "url": format!("/v1/charges?payment_intent={id}")},
        "client_secret": secret, "confirmation_method": "automatic", "created": now(), "currency": currency,
        "customer": null, "customer_account": null, "description": null, "excluded_payment_method_types": null,
        "invoice": null, "last_payment_error": null, "latest_charge": null, "managed_payments": {"enabled": false},
        "livemode": false, "metadata": {}, "next_action": null, "on_behalf_of": null, "payment_method": null,
        "payment_method_configuration_details": null, "payment_method_options": {}, "payment_method_types": ["card"],
        "processing": null, "receipt_email": null, "review": null, "setup_future_usage": null, "shipping": null, "source": null,
        "statement_descriptor": null, "statement_descriptor_suffix": null, "status": "requires_payment_method",
        "transfer_data": null, "transfer_group": null
    })
}

/// A card charge for a payment intent; `ok: false` gives a declined (failed) charge.
pub fn charge(s: &mut Store, pi: &Value, pm: &Value, ok: bool, capture: bool) -> Value {
    let id = s.new_id("ch");
    let txn = if ok { Value::String(s.new_id("txn")) } else { Value::Null };
    let receipt = format!("https://pay.stripe.com/receipts/payment/{}", s.random(40));
    let amount = pi["amount"].as_i64().unwrap_or(0);
    let billing = pm
        .get("billing_details")
        .cloned()
        .unwrap_or_else(|| json!({"address": null_address(), "email": null, "name": null, "phone": null}));
    let card = &pm["card"];
    json!({
        "id": id, "object": "charge", "amount": amount, "amount_captured": if ok && capture { amount } else { 0 },
        "amount_refunded": 0, "application": null, "application_fee": null, "application_fee_amount": null,
        "balance_transaction": txn, "billing_details": billing, "calculated_statement_descriptor": "TIERS-LIEU SANDBOX",
        "captured": ok && capture, "created": now(), "currency": pi["currency"], "customer": pi["customer"],
        "description": pi["description"], "disputed": false, "failure_balance_transaction": null,
        "failure_code": if ok { Value::Null } else { json!("card_declined") },
        "failure_message": if ok { Value::Null } else { json!("Your card was declined.") },
        "fraud_details": {}, "invoice": pi["invoice"], "livemode": false, "metadata": pi["metadata"], "on_behalf_of": null,
        "order": null,
        "outcome": {
            "network_status": if ok { "approved_by_network" } else { "declined_by_network" },
            "reason": if ok { Value::Null } else { json!("generic_decline") },
            "risk_level": "normal", "risk_score": 20,
            "seller_message": if ok { "Payment complete." } else { "The bank did not return any further details with this decline." },
            "type": if ok { "authorized" } else { "issuer_declined" }
        },
        "paid": ok, "payment_intent": pi["id"], "payment_method": pm["id"],
        "payment_method_details": {"card": {
            "amount_authorized": amount, "brand": card["brand"], "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass"},
            "country": card["country"], "exp_month": card["exp_month"], "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"], "funding": card["funding"], "installments": null, "last4": card["last4"],
            "mandate": null, "network": card["brand"], "three_d_secure": null, "wallet": null
        }, "type": "card"},
        "receipt_email": pi["receipt_email"], "receipt_number": null, "receipt_url": receipt, "refunded": false,
        "refunds": {"object": "list", "data": [], "has_more": false, "url": format!("/v1/charges/{id}/refunds")},
        "review": null, "shipping": pi["shipping"], "source": null, "source_transfer": null, "statement_descriptor": null,
        "statement_descriptor_suffix": null, "status": if ok { "succeeded" } else { "failed" },
        "transfer_data": null, "transfer_group": null
    })
}

pub fn refund(s: &mut Store, charge: &Value, amount: i64, reason: Value) -> Value {
    let id = s.new_id("re");
    let txn = s.new_id("txn");
    json!({
        "id": id, "object": "refund", "amount": amount, "balance_transaction": txn, "charge": charge["id"],
        "created": now(), "currency": charge["currency"], "customer": charge["customer"], "customer_account": null,
        "destination_details": {"card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"}, "type": "card"},
        "metadata": {}, "payment_intent": charge["payment_intent"], "payment_method": charge["payment_method"], "reason": reason, "receipt_number": null,
        "source_transfer_reversal": null, "status": "succeeded", "transfer_reversal": null
    })
}

/// A card payment method; `brand`/`last4` from the test card named.
pub fn payment_method(s: &mut Store, test_card: &str) -> Value {
    let id = s.new_id("pm");
    let (brand, last4) = if test_card.contains("mastercard") {
        ("mastercard", "4444")
    } else if test_card.contains("Declined") {
        ("visa", "0002")
    } else if test_card.contains("Fail") {
        ("visa", "0341")
    } else {
        ("visa", "4242")
    };
    let fingerprint = s.random(16);
    json!({
        "id": id, "object": "payment_method",
        "billing_details": {"address": null_address(), "email": null, "name": null, "phone": null},
        "card": {"brand": brand, "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "unchecked"},
                 "country": "FR", "exp_month": 12, "exp_year": 2034, "fingerprint": fingerprint, "funding": "credit",
                 "generated_from": null, "last4": last4, "networks": {"available": [brand], "preferred": null},
                 "three_d_secure_usage": {"supported": true}, "wallet": null},
        "created": now(), "customer": null, "livemode": false, "metadata": {}, "type": "card"
    })
}
