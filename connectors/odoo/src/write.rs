//! Writing: partners found by e-mail or link, and memberships as posted (and paid) membership invoices.

use super::*;

impl OdooConnector {
    /// Partners whose email is `email`, case-insensitively and trimmed (oldest first).
    pub(crate) async fn partners_by_email(&self, email: &str) -> Result<Vec<i64>, ConnectorError> {
        let wanted = email.trim().to_lowercase();
        let rows = self
            .search_read("res.partner", json!([["email", "=ilike", email.trim()]]), &["id", "email"], 20, "id asc")
            .await?;
        Ok(rows
            .iter()
            .filter(|r| r.get("email").and_then(Value::as_str).is_some_and(|e| e.trim().to_lowercase() == wanted))
            .filter_map(|r| r.get("id").and_then(Value::as_i64))
            .collect())
    }

    async fn exists(&self, model: &str, id: i64) -> Result<bool, ConnectorError> {
        let args = [
            ("domain", json!([["id", "=", id]])),
            ("fields", json!(["id"])),
            ("offset", json!(0)),
            ("limit", json!(1)),
            ("order", json!("id asc")),
        ];
        let answer = self.rpc.execute(model, "search_read", None, &args, Some(json!({"active_test": false}))).await?;
        Ok(answer.as_array().is_some_and(|a| !a.is_empty()))
    }

    async fn country_id(&self, code: &str) -> Result<i64, ConnectorError> {
        let key = code.to_uppercase();
        if let Some(id) = self.lookups.country(&key) {
            return Ok(id);
        }
        let rows = self.search_read("res.country", json!([["code", "=ilike", code]]), &["id"], 1, "id asc").await?;
        let id = rows
            .first()
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64)
            .ok_or_else(|| ConnectorError::Invalid(format!("Odoo has no country with the ISO code {code:?}")))?;
        self.lookups.remember_country(key, id);
        Ok(id)
    }

    /// The `res.partner` values a person change carries: `name` (given + family), `email`,
    /// `phone`, `street`, `zip`, `city`, `country_id`.
    pub(crate) async fn partner_vals(&self, f: &Value) -> Result<Map<String, Value>, ConnectorError> {
        let mut vals = Map::new();
        let name =
            [field(f, "given_name"), field(f, "family_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            vals.insert("name".into(), json!(name));
        }
        if let Some(email) = field(f, "email") {
            vals.insert("email".into(), json!(email));
        }
        for (canonical, odoo) in [("phone", "phone"), ("street", "street"), ("postal_code", "zip"), ("city", "city")] {
            if let Some(v) = field(f, canonical) {
                vals.insert(odoo.into(), json!(v));
            }
        }
        if let Some(code) = field(f, "country") {
            vals.insert("country_id".into(), json!(self.country_id(code).await?));
        }
        Ok(vals)
    }

    /// Completes the values of a partner to create: a name (the e-mail when the person has
    /// none), `is_company = false`, `type = contact`.
    pub(crate) fn new_partner_vals(mut vals: Map<String, Value>) -> Result<Value, ConnectorError> {
        if !vals.contains_key("name") {
            let fallback = vals.get("email").cloned().ok_or_else(|| {
                ConnectorError::Invalid(
                    "a new Odoo contact needs a name: the person has no given_name, family_name or email".into(),
                )
            })?;
            vals.insert("name".into(), fallback);
        }
        vals.insert("is_company".into(), json!(false));
        vals.insert("type".into(), json!("contact"));
        Ok(Value::Object(vals))
    }

    pub(crate) async fn write_person(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        if change.op == ChangeOp::Deleted {
            return Err(ConnectorError::Unsupported(
                "deleting an Odoo contact from the hub is not supported (archive it in Odoo)".into(),
            ));
        }
        let vals = self.partner_vals(&change.fields).await?;
        let email = field(&change.fields, "email");
        let mut partner = None;
        if let Some(ext) = change.external_id.as_deref() {
            let id = parse_id(ext, "res.partner")?;
            if self.exists("res.partner", id).await? {
                partner = Some(id);
            }
        }
        if partner.is_none()
            && let Some(email) = email
        {
            partner = self.partners_by_email(email).await?.first().copied();
        }
        let id = match partner {
            Some(id) => {
                if !vals.is_empty() {
                    self.write_vals("res.partner", id, Value::Object(vals)).await?;
                }
                id
            }
            None => self.create("res.partner", Self::new_partner_vals(vals)?).await?,
        };
        Ok(WriteOutcome { external_id: id.to_string(), remote_updated_at: self.write_date("res.partner", id).await? })
    }

    /// The `product.product` of a canonical plan: (id, name, list price), remembered a few
    /// minutes (see `Lookups`).
    pub(crate) async fn membership_product(&self, plan: &str) -> Result<(i64, String, f64), ConnectorError> {
        if let Some(product) = self.lookups.product(plan) {
            return Ok(product);
        }
        let product = self.find_membership_product(plan).await?;
        self.lookups.remember_product(plan, product.clone());
        Ok(product)
    }

    async fn find_membership_product(&self, plan: &str) -> Result<(i64, String, f64), ConnectorError> {
        let configured = || self.settings.membership_products.keys().cloned().collect::<Vec<_>>().join(", ");
        let template = self.settings.membership_products.get(plan).ok_or_else(|| {
            ConnectorError::Invalid(format!(
                "no Odoo product for the plan {plan:?} in membership_products (configured plans: {})",
                if self.settings.membership_products.is_empty() { "none".into() } else { configured() }
            ))
        })?;
        let rows = self
            .search_read(
                "product.template",
                json!([["name", "=", template]]),
                &["id", "name", "list_price", "membership", "product_variant_id"],
                2,
                "id asc",
            )
            .await?;
        let row = rows.first().ok_or_else(|| {
            ConnectorError::Invalid(format!("Odoo has no product {template:?} (membership_products[{plan:?}])"))
        })?;
        if row.get("membership") != Some(&json!(true)) {
            return Err(ConnectorError::Invalid(format!(
                "the Odoo product {template:?} (membership_products[{plan:?}]) is not a membership product"
            )));
        }
        let id = m2o_id(row.get("product_variant_id"))
            .ok_or_else(|| ConnectorError::Invalid(format!("the Odoo product {template:?} has no variant")))?;
        let price = row.get("list_price").and_then(Value::as_f64).unwrap_or(0.0);
        Ok((id, template.clone(), price))
    }

    /// A membership line's state and invoice (`None`: no such line).
    async fn line(&self, id: i64) -> Result<Option<(String, Option<i64>)>, ConnectorError> {
        let names = self.line_names().await?;
        let rows = self
            .search_read(
                "membership.membership_line",
                json!([["id", "=", id]]),
                &["state", names.invoice_line],
                1,
                "id asc",
            )
            .await?;
        let Some(row) = rows.first() else { return Ok(None) };
        let state = row.get("state").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(aml) = m2o_id(row.get(names.invoice_line)) else { return Ok(Some((state, None))) };
        let lines = self.search_read("account.move.line", json!([["id", "=", aml]]), &["move_id"], 1, "id asc").await?;
        Ok(Some((state, lines.first().and_then(|l| m2o_id(l.get("move_id"))))))
    }

    /// The membership line of a change: its external id; else the line of the invoice this
    /// membership created (its `invoice_origin`, see [`invoice_origin`]: how a retry after a crash
    /// finds its first attempt's invoice, skipped on a first attempt); else, when `partner` and
    /// `product` are given (a cancellation of a membership never linked), the partner's live line
    /// for that product. A second membership of the same person and product (paid twice, or
    /// renewed within the product's period) has its own invoice, so its own line.
    async fn find_line(
        &self,
        change: &CanonicalChange,
        partner: Option<i64>,
        product: Option<i64>,
    ) -> Result<Option<i64>, ConnectorError> {
        if let Some(ext) = change.external_id.as_deref() {
            let id = parse_id(ext, "membership.membership_line")?;
            if self.line(id).await?.is_some() {
                return Ok(Some(id));
            }
        }
        if !change.first_attempt {
            let domain = json!([["invoice_origin", "=", invoice_origin(change)], ["move_type", "=", "out_invoice"]]);
            if let Some(invoice) = self.search_read("account.move", domain, &["id"], 1, "id asc").await?.first() {
                let invoice = invoice.get("id").and_then(Value::as_i64).unwrap_or_default();
                let link = format!("{}.move_id", self.line_names().await?.invoice_line);
                let rows = self
                    .search_read("membership.membership_line", json!([[link, "=", invoice]]), &["id"], 1, "id asc")
                    .await?;
                if let Some(id) = rows.first().and_then(|r| r.get("id")).and_then(Value::as_i64) {
                    return Ok(Some(id));
                }
            }
        }
        let (Some(partner), Some(product)) = (partner, product) else { return Ok(None) };
        let names = self.line_names().await?;
        let domain = json!([
            [names.partner, "=", partner],
            ["membership_id", "=", product],
            ["state", "in", ["waiting", "invoiced", "paid"]]
        ]);
        let rows = self.search_read("membership.membership_line", domain, &["id"], 1, "id desc").await?;
        Ok(rows.first().and_then(|r| r.get("id")).and_then(Value::as_i64))
    }

    /// The member's partner: the hub's own link to them here (`person_external_id`) while that
    /// partner exists, else found by [`member_email`].
    pub(crate) async fn membership_partner(&self, fields: &Value) -> Result<Option<i64>, ConnectorError> {
        if let Some(id) = field(fields, "person_external_id").and_then(|e| parse_id(e, "res.partner").ok())
            && self.exists("res.partner", id).await?
        {
            return Ok(Some(id));
        }
        let Some(email) = member_email(fields) else { return Ok(None) };
        Ok(self.partners_by_email(email).await?.first().copied())
    }

    /// Registers the full payment of posted invoices through one `account.payment.register`
    /// wizard (Odoo makes a payment per invoice, grouped by partner).
    pub(crate) async fn register_payments(&self, invoices: &[i64]) -> Result<(), ConnectorError> {
        let Some(&first) = invoices.first() else { return Ok(()) };
        let ctx = json!({"active_model": "account.move", "active_ids": invoices, "active_id": first});
        let created = self
            .rpc
            .execute("account.payment.register", "create", None, &[("vals_list", json!([{}]))], Some(ctx.clone()))
            .await;
        let wizard = match created {
            Ok(v) => ids_of(&v),
            // The model itself is missing (KeyError over RPC, 404 "does not exist" over JSON-2).
            Err(ConnectorError::Invalid(detail))
                if detail.contains("account.payment.register")
                    && (detail.contains("KeyError") || detail.contains("does not exist")) =>
            {
                tracing::warn!(
                    instance = %self.settings.instance,
                    ?invoices,
                    "Odoo has no account.payment.register: the membership invoice is posted but not marked paid"
                );
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.rpc.execute("account.payment.register", "action_create_payments", Some(&wizard), &[], Some(ctx)).await?;
        Ok(())
    }

    pub(crate) async fn write_membership(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        let f = &change.fields;
        let status = if change.op == ChangeOp::Deleted { "cancelled" } else { field(f, "status").unwrap_or("active") };
        match status {
            "active" | "pending" => {
                let plan = field(f, "plan").ok_or_else(|| {
                    ConnectorError::Invalid("the membership has no plan to pick an Odoo product".into())
                })?;
                let (product, product_name, list_price) = self.membership_product(plan).await?;
                let partner = self.membership_partner(f).await?.ok_or_else(|| no_partner(f))?;
                let (line, invoice) = match self.find_line(change, None, None).await? {
                    Some(line) => {
                        let invoice = self.line(line).await?.and_then(|l| l.1);
                        (line, invoice)
                    }
                    None => {
                        // What `res.partner.create_membership_invoice` does, as plain ORM calls: that
                        // method takes a product *record*, which RPC cannot pass.
                        let amount = f.get("amount").and_then(Value::as_f64).map_or(list_price, |c| c / 100.0);
                        let vals = invoice_vals(change, partner, product, &product_name, amount);
                        let invoice = self.create("account.move", vals).await?;
                        let link = format!("{}.move_id", self.line_names().await?.invoice_line);
                        let domain = json!([[link, "=", invoice]]);
                        let rows = self.search_read("membership.membership_line", domain, &["id"], 1, "id asc").await?;
                        let line = rows.first().and_then(|r| r.get("id")).and_then(Value::as_i64).ok_or_else(|| {
                            ConnectorError::Invalid(format!(
                                "the invoice {invoice} has no membership line (is the product a membership product?)"
                            ))
                        })?;
                        (line, Some(invoice))
                    }
                };
                if let Some(invoice) = invoice {
                    let rows = self
                        .search_read(
                            "account.move",
                            json!([["id", "=", invoice]]),
                            &["state", "payment_state"],
                            1,
                            "id asc",
                        )
                        .await?;
                    let state = rows.first().and_then(|r| r.get("state")).and_then(Value::as_str).unwrap_or_default();
                    let payment = rows
                        .first()
                        .and_then(|r| r.get("payment_state"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    if state == "cancel" {
                        self.call("account.move", "button_draft", &[invoice]).await?;
                    }
                    if state == "draft" || state == "cancel" {
                        self.call("account.move", "action_post", &[invoice]).await?;
                    }
                    if status == "active" && !matches!(payment.as_str(), "paid" | "in_payment") {
                        self.register_payments(&[invoice]).await?;
                    }
                }
                Ok(WriteOutcome {
                    external_id: line.to_string(),
                    remote_updated_at: self.write_date("membership.membership_line", line).await?,
                })
            }
            "refunded" | "cancelled" => {
                let product = match field(f, "plan") {
                    Some(plan) if change.external_id.is_none() => Some(self.membership_product(plan).await?.0),
                    _ => None,
                };
                let partner = if change.external_id.is_none() { self.membership_partner(f).await? } else { None };
                let line = self.find_line(change, partner, product).await?.ok_or_else(|| {
                    ConnectorError::Invalid(format!(
                        "cannot cancel the membership: no Odoo membership line for external id {:?}",
                        change.external_id
                    ))
                })?;
                if let Some((state, Some(invoice))) = self.line(line).await?
                    && state != "canceled"
                {
                    let rows = self
                        .search_read("account.move", json!([["id", "=", invoice]]), &["state"], 1, "id asc")
                        .await?;
                    let move_state =
                        rows.first().and_then(|r| r.get("state")).and_then(Value::as_str).unwrap_or_default();
                    if move_state == "posted" {
                        self.call("account.move", "button_draft", &[invoice]).await?;
                    }
                    if move_state != "cancel" {
                        self.call("account.move", "button_cancel", &[invoice]).await?;
                    }
                }
                Ok(WriteOutcome {
                    external_id: line.to_string(),
                    remote_updated_at: self.write_date("membership.membership_line", line).await?,
                })
            }
            "expired" => {
                let line = self.find_line(change, None, None).await?.ok_or_else(|| {
                    ConnectorError::Unsupported(
                        "an expired membership unknown to Odoo is not created (Odoo computes expiry from its dates)"
                            .into(),
                    )
                })?;
                Ok(WriteOutcome {
                    external_id: line.to_string(),
                    remote_updated_at: self.write_date("membership.membership_line", line).await?,
                })
            }
            other => Err(ConnectorError::Invalid(format!(
                "unknown membership status {other:?} (expected pending, active, expired, cancelled or refunded)"
            ))),
        }
    }
}

/// A draft customer invoice of one line (`quantity` 1 of `product` at `amount` euros) for
/// `partner`, whose origin names the canonical entity (see [`invoice_origin`]): what a
/// membership and a donation both become.
pub(crate) fn invoice_vals(change: &CanonicalChange, partner: i64, product: i64, name: &str, amount: f64) -> Value {
    json!({
        "move_type": "out_invoice",
        "partner_id": partner,
        "invoice_origin": invoice_origin(change),
        "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 1.0, "price_unit": amount, "name": name}]],
    })
}

/// Why a membership has no partner to invoice. Transient: the member's contact may be on its
/// way (their push planned just after the membership's), so the push is retried on its schedule
/// and fails, with this reason, only once the schedule is spent.
pub(crate) fn no_partner(fields: &Value) -> ConnectorError {
    let detail = match member_email(fields) {
        Some(email) => format!("no Odoo contact with the email {email:?} yet: write the person first"),
        None => "the member has no Odoo contact yet (no person_external_id) and no e-mail to find one: write the person first"
            .into(),
    };
    ConnectorError::Transient { detail, retry_after: None }
}

/// The `invoice_origin` ("Source Document" on Odoo's invoice form) of the invoice a membership
/// creates: the hub and the canonical membership's id, so a retry finds it and staff see where
/// the invoice came from.
pub(crate) fn invoice_origin(change: &CanonicalChange) -> String {
    format!("Hub {}", change.entity_id)
}
