//! Batched writes (`Connector::write_batch`): contacts and new memberships in a few calls per
//! batch instead of a few per record (a backfill of thousands of orders, or a burst of webhooks).
//!
//! * **Contacts** (every change but a deletion): one read of the linked partners, one search of
//!   the others by e-mail (an `=ilike` per address, OR-ed, compared again exactly), one `create`
//!   with the list of new partners, a `write` per existing partner (their values differ), one read
//!   of the `write_date`s. Two people of one batch with the same e-mail are one partner: the first
//!   creates it, the others update it, as they would one after the other.
//! * **Memberships** `active` or `pending` not linked yet (what HelloAsso brings): one read of
//!   the members' partners the hub linked (`person_external_id`), one search of the others by e-mail, one search of the invoices an earlier attempt made (by
//!   `invoice_origin`; skipped when every change is a first attempt), one `create` of the missing
//!   invoices, two reads to find their membership lines, `button_draft` of cancelled ones and one
//!   `action_post`, one payment wizard over every unpaid active one, one read of the lines'
//!   `write_date`s. Other membership changes (linked ones, cancellations) go through `write`.
//!
//! A change the batch cannot make (no plan, no contact for the e-mail) gets its own error and the
//! others go on. A call that fails fails every change still depending on it, with that call's
//! error (retried as the push's policy says); what the batch had done by then is found again by
//! the retry, as with `write` (partners by e-mail, invoices by `invoice_origin`).

use std::collections::{HashMap, HashSet};

use super::write::{invoice_origin, invoice_vals, no_partner};
use super::*;

/// How many changes one batch takes.
pub(crate) const BATCH_LIMIT: usize = 50;

type Answer = Result<WriteOutcome, ConnectorError>;

/// An `=ilike` per address, OR-ed (Odoo's prefix notation).
fn any_email(emails: &[String]) -> Value {
    let mut domain: Vec<Value> = (1..emails.len()).map(|_| json!("|")).collect();
    domain.extend(emails.iter().map(|e| json!(["email", "=ilike", e])));
    Value::Array(domain)
}

fn normal(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Whether a membership change is one the batch makes (active or pending, not linked yet).
fn new_membership(change: &CanonicalChange) -> bool {
    change.op != ChangeOp::Deleted
        && change.external_id.is_none()
        && matches!(field(&change.fields, "status").unwrap_or("active"), "active" | "pending")
}

/// One membership of the batch: its change, product and partner, then its invoice and line.
struct Sale {
    i: usize,
    product: (i64, String, f64),
    partner: i64,
    invoice: Option<(i64, String, String)>,
}

/// A membership whose invoice and line are known: the invoice's `state` and `payment_state`.
struct Invoiced {
    i: usize,
    line: i64,
    invoice: i64,
    state: String,
    payment: String,
}

impl OdooConnector {
    /// `write_batch`: what can be batched is, the rest is written one by one.
    pub(crate) async fn write_many(&self, changes: &[CanonicalChange]) -> Vec<Answer> {
        let mut answers: Vec<Option<Answer>> = vec![None; changes.len()];
        let batched: Vec<usize> = (0..changes.len())
            .filter(|&i| match changes[i].entity_kind {
                EntityKind::Person => changes[i].op != ChangeOp::Deleted,
                EntityKind::Membership => new_membership(&changes[i]),
                _ => false,
            })
            .collect();
        let persons: Vec<usize> =
            batched.iter().copied().filter(|&i| changes[i].entity_kind == EntityKind::Person).collect();
        let sales: Vec<usize> =
            batched.iter().copied().filter(|&i| changes[i].entity_kind == EntityKind::Membership).collect();
        for (group, result) in [
            (&persons, if persons.len() > 1 { self.persons(changes, &persons, &mut answers).await } else { Ok(()) }),
            (&sales, if sales.len() > 1 { self.sales(changes, &sales, &mut answers).await } else { Ok(()) }),
        ] {
            if let Err(e) = result {
                for &i in group {
                    answers[i].get_or_insert_with(|| Err(e.clone()));
                }
            }
        }
        let mut out = Vec::with_capacity(changes.len());
        for (change, answer) in changes.iter().zip(answers) {
            out.push(match answer {
                Some(answer) => answer,
                None => self.write(change).await,
            });
        }
        out
    }

    /// `create` of several records in one call: their ids, in the order of `list`.
    async fn create_many(&self, model: &str, list: Vec<Value>) -> Result<Vec<i64>, ConnectorError> {
        let wanted = list.len();
        let answer = self.rpc.execute(model, "create", None, &[("vals_list", json!(list))], None).await?;
        let ids = ids_of(&answer);
        if ids.len() != wanted {
            return Err(ConnectorError::Invalid(format!(
                "{model}.create of {wanted} records answered {} ids",
                ids.len()
            )));
        }
        Ok(ids)
    }

    /// `write_date` of each record of `ids`.
    async fn write_dates(&self, model: &str, ids: &[i64]) -> Result<HashMap<i64, DateTime<Utc>>, ConnectorError> {
        let rows = self
            .search_read(model, json!([["id", "in", ids]]), &["id", "write_date"], ids.len() as u32, "id asc")
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((r.get("id")?.as_i64()?, parse_odoo_datetime(r.get("write_date"))?)))
            .collect())
    }

    /// The oldest partner of each e-mail (normalised) among `emails`.
    async fn partners_of_emails(&self, emails: &[String]) -> Result<HashMap<String, i64>, ConnectorError> {
        if emails.is_empty() {
            return Ok(HashMap::new());
        }
        let limit = (emails.len() * 20) as u32;
        let rows = self.search_read("res.partner", any_email(emails), &["id", "email"], limit, "id asc").await?;
        let mut out = HashMap::new();
        for row in &rows {
            if let (Some(id), Some(email)) =
                (row.get("id").and_then(Value::as_i64), row.get("email").and_then(Value::as_str))
            {
                out.entry(normal(email)).or_insert(id);
            }
        }
        Ok(out)
    }

    async fn persons(
        &self,
        changes: &[CanonicalChange],
        idx: &[usize],
        answers: &mut [Option<Answer>],
    ) -> Result<(), ConnectorError> {
        let mut vals: Vec<(usize, Map<String, Value>)> = Vec::new();
        for &i in idx {
            match self.partner_vals(&changes[i].fields).await {
                Ok(v) => vals.push((i, v)),
                Err(e) if !e.is_retryable() => answers[i] = Some(Err(e)),
                Err(e) => return Err(e),
            }
        }
        // The partner of each change: linked and still there, else found by e-mail.
        let mut partner_of: HashMap<usize, i64> = HashMap::new();
        let mut linked: Vec<(usize, i64)> = Vec::new();
        for (i, _) in &vals {
            if let Some(ext) = changes[*i].external_id.as_deref() {
                match parse_id(ext, "res.partner") {
                    Ok(id) => linked.push((*i, id)),
                    Err(e) => answers[*i] = Some(Err(e)),
                }
            }
        }
        if !linked.is_empty() {
            let ids: Vec<i64> = linked.iter().map(|(_, id)| *id).collect();
            let args = [
                ("domain", json!([["id", "in", ids]])),
                ("fields", json!(["id"])),
                ("offset", json!(0)),
                ("limit", json!(ids.len())),
                ("order", json!("id asc")),
            ];
            let rows = self
                .rpc
                .execute("res.partner", "search_read", None, &args, Some(json!({"active_test": false})))
                .await?;
            let live: HashSet<i64> = ids_of(&Value::Array(
                rows.as_array().into_iter().flatten().filter_map(|r| r.get("id").cloned()).collect(),
            ))
            .into_iter()
            .collect();
            partner_of.extend(linked.into_iter().filter(|(_, id)| live.contains(id)));
        }
        let pending = |i: &usize, answers: &[Option<Answer>], partner_of: &HashMap<usize, i64>| {
            answers[*i].is_none() && !partner_of.contains_key(i)
        };
        let mut emails: Vec<String> = vals
            .iter()
            .filter(|(i, _)| pending(i, answers, &partner_of))
            .filter_map(|(_, v)| v.get("email").and_then(Value::as_str).map(|e| e.trim().to_string()))
            .collect();
        emails.sort();
        emails.dedup();
        let by_email = self.partners_of_emails(&emails).await?;
        for (i, v) in &vals {
            if pending(i, answers, &partner_of)
                && let Some(id) = v.get("email").and_then(Value::as_str).and_then(|e| by_email.get(&normal(e)))
            {
                partner_of.insert(*i, *id);
            }
        }
        // New partners in one create; a second person of the batch with the same e-mail updates
        // the first one's partner.
        let mut creates: Vec<(usize, Value)> = Vec::new();
        let mut created: HashSet<usize> = HashSet::new();
        let mut creator_of_email: HashMap<String, usize> = HashMap::new();
        let mut same_as: Vec<(usize, usize)> = Vec::new();
        for (i, v) in &vals {
            if !pending(i, answers, &partner_of) {
                continue;
            }
            let email = v.get("email").and_then(Value::as_str).map(normal);
            if let Some(creator) = email.as_ref().and_then(|e| creator_of_email.get(e)) {
                same_as.push((*i, *creator));
                continue;
            }
            match Self::new_partner_vals(v.clone()) {
                Ok(new) => {
                    if let Some(e) = email {
                        creator_of_email.insert(e, *i);
                    }
                    creates.push((*i, new));
                    created.insert(*i);
                }
                Err(e) => answers[*i] = Some(Err(e)),
            }
        }
        if !creates.is_empty() {
            let list: Vec<Value> = creates.iter().map(|(_, v)| v.clone()).collect();
            let ids = self.create_many("res.partner", list).await?;
            partner_of.extend(creates.iter().map(|(i, _)| *i).zip(ids));
        }
        for (i, creator) in same_as {
            if let Some(id) = partner_of.get(&creator).copied() {
                partner_of.insert(i, id);
            }
        }
        for (i, v) in vals {
            if created.contains(&i) || v.is_empty() || answers[i].is_some() {
                continue;
            }
            if let Some(&id) = partner_of.get(&i)
                && let Err(e) = self.write_vals("res.partner", id, Value::Object(v)).await
            {
                answers[i] = Some(Err(e));
            }
        }
        let ids: Vec<i64> = partner_of.values().copied().collect::<HashSet<_>>().into_iter().collect();
        let dates = self.write_dates("res.partner", &ids).await?;
        for (i, id) in partner_of {
            answers[i].get_or_insert_with(|| {
                Ok(WriteOutcome { external_id: id.to_string(), remote_updated_at: dates.get(&id).copied() })
            });
        }
        Ok(())
    }

    async fn sales(
        &self,
        changes: &[CanonicalChange],
        idx: &[usize],
        answers: &mut [Option<Answer>],
    ) -> Result<(), ConnectorError> {
        let names = self.line_names().await?;
        let mut emails: Vec<String> =
            idx.iter().filter_map(|&i| member_email(&changes[i].fields)).map(normal).collect();
        emails.sort();
        emails.dedup();
        let by_email = self.partners_of_emails(&emails).await?;
        // The members' partners the hub linked, still there.
        let linked: Vec<i64> = idx
            .iter()
            .filter_map(|&i| field(&changes[i].fields, "person_external_id"))
            .filter_map(|e| parse_id(e, "res.partner").ok())
            .collect();
        let live: HashSet<i64> = if linked.is_empty() {
            HashSet::new()
        } else {
            let rows = self
                .search_read("res.partner", json!([["id", "in", linked]]), &["id"], linked.len() as u32, "id asc")
                .await?;
            rows.iter().filter_map(|r| r.get("id").and_then(Value::as_i64)).collect()
        };
        let mut sales: Vec<Sale> = Vec::new();
        for &i in idx {
            let f = &changes[i].fields;
            let Some(plan) = field(f, "plan") else {
                answers[i] =
                    Some(Err(ConnectorError::Invalid("the membership has no plan to pick an Odoo product".into())));
                continue;
            };
            let product = match self.membership_product(plan).await {
                Ok(p) => p,
                Err(e) if !e.is_retryable() => {
                    answers[i] = Some(Err(e));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let own = field(f, "person_external_id").and_then(|e| parse_id(e, "res.partner").ok());
            let partner = own
                .filter(|id| live.contains(id))
                .or_else(|| member_email(f).and_then(|e| by_email.get(&normal(e))).copied());
            let Some(partner) = partner else {
                answers[i] = Some(Err(no_partner(f)));
                continue;
            };
            sales.push(Sale { i, product, partner, invoice: None });
        }
        if sales.is_empty() {
            return Ok(());
        }
        // Invoices an earlier attempt made, found by their origin.
        let origins: Vec<String> =
            sales.iter().filter(|s| !changes[s.i].first_attempt).map(|s| invoice_origin(&changes[s.i])).collect();
        if !origins.is_empty() {
            let domain = json!([["invoice_origin", "in", origins], ["move_type", "=", "out_invoice"]]);
            let fields = ["id", "invoice_origin", "state", "payment_state"];
            let rows = self.search_read("account.move", domain, &fields, (origins.len() * 4) as u32, "id asc").await?;
            let mut found: HashMap<String, (i64, String, String)> = HashMap::new();
            for row in &rows {
                let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                if let Some(id) = row.get("id").and_then(Value::as_i64) {
                    found.entry(text("invoice_origin")).or_insert((id, text("state"), text("payment_state")));
                }
            }
            for sale in &mut sales {
                sale.invoice = found.get(&invoice_origin(&changes[sale.i])).cloned();
            }
        }
        // The missing invoices, in one create.
        let missing: Vec<usize> = (0..sales.len()).filter(|&s| sales[s].invoice.is_none()).collect();
        if !missing.is_empty() {
            let list: Vec<Value> = missing
                .iter()
                .map(|&s| {
                    let sale = &sales[s];
                    let change = &changes[sale.i];
                    let (product, name, list_price) = &sale.product;
                    let amount = change.fields.get("amount").and_then(Value::as_f64).map_or(*list_price, |c| c / 100.0);
                    invoice_vals(change, sale.partner, *product, name, amount)
                })
                .collect();
            let ids = self.create_many("account.move", list).await?;
            for (s, id) in missing.into_iter().zip(ids) {
                sales[s].invoice = Some((id, "draft".into(), "not_paid".into()));
            }
        }
        // Their membership lines: invoice → invoice lines → membership line.
        let invoices: Vec<i64> = sales.iter().filter_map(|s| s.invoice.as_ref().map(|i| i.0)).collect();
        let limit = (invoices.len() * 20) as u32;
        let rows = self
            .search_read("account.move.line", json!([["move_id", "in", invoices]]), &["id", "move_id"], limit, "id asc")
            .await?;
        let move_of: HashMap<i64, i64> =
            rows.iter().filter_map(|r| Some((r.get("id")?.as_i64()?, m2o_id(r.get("move_id"))?))).collect();
        let amls: Vec<i64> = move_of.keys().copied().collect();
        let rows = self
            .search_read(
                "membership.membership_line",
                json!([[names.invoice_line, "in", amls]]),
                &["id", names.invoice_line],
                limit,
                "id asc",
            )
            .await?;
        let mut line_of: HashMap<i64, i64> = HashMap::new();
        for row in &rows {
            if let (Some(id), Some(mv)) = (
                row.get("id").and_then(Value::as_i64),
                m2o_id(row.get(names.invoice_line)).and_then(|aml| move_of.get(&aml)),
            ) {
                line_of.entry(*mv).or_insert(id);
            }
        }
        let mut done: Vec<Invoiced> = Vec::new();
        for sale in sales {
            let (invoice, state, payment) = sale.invoice.expect("every sale has its invoice by now");
            match line_of.get(&invoice) {
                Some(&line) => done.push(Invoiced { i: sale.i, line, invoice, state, payment }),
                None => {
                    answers[sale.i] = Some(Err(ConnectorError::Invalid(format!(
                        "the invoice {invoice} has no membership line (is the product a membership product?)"
                    ))))
                }
            }
        }
        let pick = |wanted: &dyn Fn(&Invoiced) -> bool| -> Vec<i64> {
            done.iter().filter(|d| wanted(d)).map(|d| d.invoice).collect()
        };
        let cancelled = pick(&|d| d.state == "cancel");
        if !cancelled.is_empty() {
            self.call("account.move", "button_draft", &cancelled).await?;
        }
        let to_post = pick(&|d| d.state == "draft" || d.state == "cancel");
        if !to_post.is_empty() {
            self.call("account.move", "action_post", &to_post).await?;
        }
        let to_pay = pick(&|d| {
            field(&changes[d.i].fields, "status").unwrap_or("active") == "active"
                && !matches!(d.payment.as_str(), "paid" | "in_payment")
        });
        self.register_payments(&to_pay).await?;
        let lines: Vec<i64> = done.iter().map(|d| d.line).collect();
        let dates = self.write_dates("membership.membership_line", &lines).await?;
        for d in done {
            let remote_updated_at = dates.get(&d.line).copied();
            answers[d.i] = Some(Ok(WriteOutcome { external_id: d.line.to_string(), remote_updated_at }));
        }
        Ok(())
    }
}
