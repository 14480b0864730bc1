//! Donations: a canonical payment of kind `donation` becomes a customer invoice of the configured
//! `donation_product`, posted and paid (as for a membership, minus the membership line), so the
//! donor's gift shows in Odoo's accounting and on their contact.
//!
//! * `authorized` / `registered` (HelloAsso's paid states): the invoice is created (or found: its
//!   external id, else its `invoice_origin`, `Hub <payment id>`, unless the push is a first
//!   attempt), posted, and paid through the `account.payment.register` wizard.
//! * `refunded` / `refused` / `canceled`: an invoice the hub made is reset to draft and cancelled;
//!   with none, nothing is written (Unsupported, with the reason).
//! * Other payment kinds (a membership's or a ticket's payment: the membership is its record) and
//!   any payment when no `donation_product` is configured: Unsupported, so the push is skipped
//!   with the reason.
//!
//! The external id is the invoice (`account.move`) id. The donor's partner is found as a
//! member's is (`person_external_id`, else e-mail).

use super::write::{invoice_origin, invoice_vals, no_partner};
use super::*;

impl OdooConnector {
    /// The `product.product` of `donation_product`: (id, name), remembered as membership products are.
    async fn donation_product(&self, name: &str) -> Result<(i64, String), ConnectorError> {
        let key = format!("donation:{name}");
        if let Some((id, name, _)) = self.lookups.product(&key) {
            return Ok((id, name));
        }
        let rows = self
            .search_read("product.template", json!([["name", "=", name]]), &["id", "product_variant_id"], 2, "id asc")
            .await?;
        let id = rows.first().and_then(|r| m2o_id(r.get("product_variant_id"))).ok_or_else(|| {
            ConnectorError::Invalid(format!("Odoo has no product {name:?} (donation_product) with a variant"))
        })?;
        self.lookups.remember_product(&key, (id, name.to_string(), 0.0));
        Ok((id, name.to_string()))
    }

    /// The invoice a donation made: its external id while it exists, else found by its origin.
    async fn donation_invoice(
        &self,
        change: &CanonicalChange,
    ) -> Result<Option<(i64, String, String)>, ConnectorError> {
        let fields = ["id", "state", "payment_state"];
        let found = |rows: Vec<Value>| {
            rows.first().and_then(|r| {
                let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                Some((r.get("id")?.as_i64()?, text("state"), text("payment_state")))
            })
        };
        if let Some(ext) = change.external_id.as_deref() {
            let id = parse_id(ext, "account.move")?;
            if let Some(invoice) =
                found(self.search_read("account.move", json!([["id", "=", id]]), &fields, 1, "id asc").await?)
            {
                return Ok(Some(invoice));
            }
        }
        if change.first_attempt && change.external_id.is_none() {
            return Ok(None);
        }
        let domain = json!([["invoice_origin", "=", invoice_origin(change)], ["move_type", "=", "out_invoice"]]);
        Ok(found(self.search_read("account.move", domain, &fields, 1, "id asc").await?))
    }

    pub(crate) async fn write_donation(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        let f = &change.fields;
        let kind = field(f, "kind").unwrap_or("payment");
        if kind != "donation" {
            return Err(ConnectorError::Unsupported(format!(
                "the odoo connector writes donations only; a {kind} payment is recorded by what it paid for"
            )));
        }
        let Some(product_name) = self.settings.donation_product.as_deref() else {
            return Err(ConnectorError::Unsupported(
                "no donation_product is configured for this Odoo: donations are not written".into(),
            ));
        };
        let status = if change.op == ChangeOp::Deleted { "canceled" } else { field(f, "status").unwrap_or("") };
        let existing = self.donation_invoice(change).await?;
        let invoice = match status {
            "authorized" | "registered" => {
                let (invoice, state, payment) = match existing {
                    Some(found) => found,
                    None => {
                        let (product, name) = self.donation_product(product_name).await?;
                        let partner = self.membership_partner(f).await?.ok_or_else(|| no_partner(f))?;
                        let amount = f
                            .get("amount")
                            .and_then(Value::as_f64)
                            .map(|c| c / 100.0)
                            .ok_or_else(|| ConnectorError::Invalid("a donation needs its amount (cents)".into()))?;
                        let vals = invoice_vals(change, partner, product, &name, amount);
                        (self.create("account.move", vals).await?, "draft".into(), "not_paid".into())
                    }
                };
                if state == "cancel" {
                    self.call("account.move", "button_draft", &[invoice]).await?;
                }
                if state == "draft" || state == "cancel" {
                    self.call("account.move", "action_post", &[invoice]).await?;
                }
                if !matches!(payment.as_str(), "paid" | "in_payment") {
                    self.register_payments(&[invoice]).await?;
                }
                invoice
            }
            "refunded" | "refused" | "canceled" | "cancelled" => {
                let Some((invoice, state, _)) = existing else {
                    return Err(ConnectorError::Unsupported(format!(
                        "a {status} donation the hub never invoiced: nothing to write"
                    )));
                };
                if state == "posted" {
                    self.call("account.move", "button_draft", &[invoice]).await?;
                }
                if state != "cancel" {
                    self.call("account.move", "button_cancel", &[invoice]).await?;
                }
                invoice
            }
            other => {
                return Err(ConnectorError::Unsupported(format!(
                    "a donation in state {other:?} is not written (only paid ones are invoiced)"
                )));
            }
        };
        Ok(WriteOutcome {
            external_id: invoice.to_string(),
            remote_updated_at: self.write_date("account.move", invoice).await?,
        })
    }
}
