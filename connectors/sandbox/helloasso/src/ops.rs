//! State changes shared by the API, the seed and the `/_sandbox` triggers: a payer pays on a form
//! (order + items + payment), a payment is refunded, an order's future instalments are cancelled.

use chrono::{DateTime, Utc};

use crate::model::{Answer, Item, Order, Payer, Payment, Refund, Store};

/// What a payer buys: one item of `tier_id` on a form.
pub struct Purchase {
    pub form_type: String,
    pub form_slug: String,
    pub tier_id: i64,
    pub payer: Payer,
    /// Cents; `None`: the tier's price (or its minimum for a free amount).
    pub amount: Option<i64>,
    /// Custom field answers by label.
    pub answers: Vec<(String, String)>,
    /// PaymentState of the payment: Authorized, Refused, WaitingBankValidation…
    pub payment_state: String,
    pub at: DateTime<Utc>,
    /// The people the order is for, one item each (a family membership: a parent pays for
    /// two children); empty: one item for the payer.
    pub beneficiaries: Vec<Beneficiary>,
}

/// Someone an item is for: names (HelloAsso asks no e-mail of them) and their answers.
#[derive(Debug, Clone, Default)]
pub struct Beneficiary {
    pub first_name: String,
    pub last_name: String,
    pub answers: Vec<(String, String)>,
}

/// Creates the order and its payment; returns (order id, payment id), or why it cannot.
pub fn purchase(store: &mut Store, p: Purchase) -> Result<(i64, i64), String> {
    let form = store.form(&p.form_type, &p.form_slug).ok_or_else(|| format!("form {} not found", p.form_slug))?;
    let tier = form.tiers.iter().find(|t| t.id == p.tier_id).ok_or_else(|| format!("tier {} not found", p.tier_id))?;
    let (form_type, form_slug) = (form.form_type.clone(), form.slug.clone());
    let amount = p.amount.unwrap_or(if tier.price > 0 { tier.price } else { tier.min_amount.unwrap_or(0) });
    if amount < 0 {
        return Err("amount must not be negative".into());
    }
    let price_category = match (tier.price, tier.min_amount) {
        (0, Some(_)) => "Pwyw",
        (0, None) => "Free",
        _ => "Fixed",
    };
    let answers_of = |given: &[(String, String)]| -> Vec<Answer> {
        tier.custom_fields
            .iter()
            .filter_map(|c| {
                given.iter().find(|(k, _)| k == &c.label).map(|(_, v)| Answer {
                    id: c.id,
                    name: c.label.clone(),
                    field_type: c.field_type.clone(),
                    answer: v.clone(),
                })
            })
            .collect()
    };
    let people: Vec<(String, String, Vec<Answer>)> = if p.beneficiaries.is_empty() {
        vec![(p.payer.first_name.clone(), p.payer.last_name.clone(), answers_of(&p.answers))]
    } else {
        p.beneficiaries.iter().map(|b| (b.first_name.clone(), b.last_name.clone(), answers_of(&b.answers))).collect()
    };
    let (tier_id, tier_label, tier_type, tier_description) =
        (tier.id, tier.label.clone(), tier.tier_type.clone(), tier.description.clone());
    let order_id = store.id();
    let authorized = matches!(p.payment_state.as_str(), "Authorized" | "Registered");
    let item_state = match p.payment_state.as_str() {
        "Authorized" | "Registered" => "Processed",
        "Refused" | "Error" => "Refused",
        "Canceled" | "Abandoned" => "Canceled",
        _ => "Waiting",
    };
    let created = p.at - chrono::Duration::seconds(30);
    let mut items = Vec::new();
    for (first_name, last_name, custom_fields) in people {
        items.push(Item {
            id: store.id(),
            tier_id: Some(tier_id),
            name: tier_label.clone(),
            tier_type: tier_type.clone(),
            tier_description: tier_description.clone(),
            price_category: price_category.into(),
            amount,
            initial_amount: amount,
            state: item_state.into(),
            user_first_name: first_name,
            user_last_name: last_name,
            custom_fields,
        });
    }
    let payment_id = store.id();
    let amount = amount * items.len() as i64;
    let old = (Utc::now() - p.at).num_days() > 7;
    let payment = Payment {
        id: payment_id,
        order_id,
        amount,
        date: p.at,
        state: p.payment_state.clone(),
        means: "Card".into(),
        cash_out_state: if !authorized {
            "Unknown"
        } else if old {
            "Transfered"
        } else {
            "MoneyIn"
        }
        .into(),
        refunds: Vec::new(),
        created,
        updated: p.at,
    };
    let order = Order {
        id: order_id,
        form_type,
        form_slug,
        date: p.at,
        payer: p.payer,
        items,
        payment_ids: vec![payment_id],
        checkout_intent_id: None,
        created,
        updated: p.at,
    };
    store.insert(order, vec![payment]);
    Ok((order_id, payment_id))
}

/// Why a refund was refused (the API answers 404 or 409).
pub enum RefundError {
    NotFound,
    Conflict(String),
}

/// Refunds `amount` cents of a payment (0: all of it); a full refund marks the payment Refunded
/// and, with `cancel_order`, the order's items Canceled. Returns the refund operation's id.
pub fn refund(
    store: &mut Store,
    payment_id: i64,
    amount: i64,
    cancel_order: bool,
    send_refund_mail: bool,
    comment: Option<String>,
    at: DateTime<Utc>,
) -> Result<i64, RefundError> {
    let refund_id = store.id();
    let payment = store.payments.get_mut(&payment_id).ok_or(RefundError::NotFound)?;
    if payment.state != "Authorized" {
        return Err(RefundError::Conflict(format!(
            "Payment {payment_id} is in state {}: it cannot be refunded",
            payment.state
        )));
    }
    let refunded: i64 = payment.refunds.iter().map(|r| r.amount).sum();
    let left = payment.amount - refunded;
    let amount = if amount == 0 { left } else { amount };
    if amount <= 0 || amount > left {
        return Err(RefundError::Conflict(format!(
            "Refund amount {amount} exceeds the {left} cents left on the payment"
        )));
    }
    if cancel_order && amount != left {
        return Err(RefundError::Conflict("cancelOrder is possible only with a full refund".into()));
    }
    payment.refunds.push(Refund {
        id: refund_id,
        amount,
        status: "Processed".into(),
        cancel_order,
        send_refund_mail,
        comment,
        created: at,
    });
    if amount == left {
        payment.state = "Refunded".into();
        payment.cash_out_state = "Refunded".into();
    }
    payment.updated = at;
    let order_id = payment.order_id;
    if let Some(order) = store.orders.get_mut(&order_id) {
        if cancel_order {
            for item in &mut order.items {
                item.state = "Canceled".into();
            }
        }
        order.updated = at;
    }
    Ok(refund_id)
}
