//! Stored computed fields: invoice line and invoice totals, a membership line's `state` (from its
//! invoice) and the partner's `membership_state`/`start`/`stop`/`cancel` (from its lines).
//!
//! Odoo recomputes only the records a change touches; so does the sandbox ([`recompute_touched`]),
//! since recomputing every record after each write made a long run quadratic in the simulator
//! (a 2,000-order backfill spent most of its time here). [`recompute`] (all records) is for the
//! seed and the daily membership cron, whose results depend on today's date.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::fields::model_def;
use crate::store::{State, falsy, now_str, today};

/// What a change touched: invoices, membership lines, partners (`all`: every record).
#[derive(Debug, Default)]
pub struct Touched {
    pub moves: BTreeSet<i64>,
    pub membership_lines: BTreeSet<i64>,
    pub partners: BTreeSet<i64>,
    pub all: bool,
}

impl Touched {
    fn extend(&mut self, other: Touched) {
        self.moves.extend(other.moves);
        self.membership_lines.extend(other.membership_lines);
        self.partners.extend(other.partners);
        self.all |= other.all;
    }
}

/// Runs one RPC call, recomputing what it touched once at its end, as Odoo flushes before it
/// answers (a `create` of fifty invoices recomputes once, not after each line).
pub fn in_one_flush<T>(state: &mut State, call: impl FnOnce(&mut State) -> T) -> T {
    let outer = state.pending.replace(Touched::default());
    let out = call(state);
    let touched = state.pending.take().unwrap_or_default();
    state.pending = outer;
    if touched.all {
        recompute(state);
    } else if !(touched.moves.is_empty() && touched.membership_lines.is_empty() && touched.partners.is_empty()) {
        recompute_touched_set(state, touched);
    }
    out
}

/// Recomputes every stored computed field; records whose value changes get a new `write_date`.
pub fn recompute(state: &mut State) {
    if state.defer_recompute {
        return;
    }
    recompute_scope(state, None);
}

/// Recomputes what a create or write of `model` records `ids` can change.
pub fn recompute_touched(state: &mut State, model: &str, ids: &[i64]) {
    if state.defer_recompute {
        return;
    }
    let mut touched = Touched::default();
    match model {
        "account.move" => touched.moves.extend(ids),
        "account.move.line" => {
            touched.moves.extend(ids.iter().filter_map(|l| state.get_id("account.move.line", *l, "move_id")))
        }
        "membership.membership_line" => touched.membership_lines.extend(ids),
        "res.partner" => touched.partners.extend(ids),
        // Product dates and prices reach partners through their lines: rare, so everything.
        "product.template" | "product.product" => touched.all = true,
        _ => return,
    }
    recompute_touched_set(state, touched);
}

/// Recomputes the records of `touched` and what depends on them.
pub fn recompute_touched_set(state: &mut State, touched: Touched) {
    if state.defer_recompute {
        return;
    }
    if let Some(pending) = state.pending.as_mut() {
        pending.extend(touched);
        return;
    }
    if touched.all {
        return recompute_scope(state, None);
    }
    recompute_scope(state, Some(touched));
}

fn recompute_scope(state: &mut State, scope: Option<Touched>) {
    let at = now_str();
    let all = scope.is_none();
    let mut touched = scope.unwrap_or_default();
    // Invoice lines and invoices.
    let mut lines_of_move: HashMap<i64, Vec<i64>> = HashMap::new();
    if all {
        for (id, rec) in &state.table("account.move.line").rows {
            if let Some(mv) = rec.get("move_id").and_then(Value::as_i64) {
                lines_of_move.entry(mv).or_default().push(*id);
            }
        }
    } else {
        for &mv in &touched.moves {
            lines_of_move.insert(mv, state.children("account.move.line", "move_id", mv));
        }
    }
    let invoice_lines: BTreeSet<i64> = lines_of_move.values().flatten().copied().collect();
    for &line in &invoice_lines {
        let total = state.get_f64("account.move.line", line, "quantity")
            * state.get_f64("account.move.line", line, "price_unit");
        state.set("account.move.line", line, "price_subtotal", json!(total), &at);
        state.set("account.move.line", line, "price_total", json!(total), &at);
    }
    let moves: Vec<i64> = if all { state.ids("account.move") } else { touched.moves.iter().copied().collect() };
    for mv in moves {
        if !state.exists("account.move", mv) {
            continue;
        }
        let total: f64 = lines_of_move
            .get(&mv)
            .into_iter()
            .flatten()
            .map(|l| state.get_f64("account.move.line", *l, "price_total"))
            .sum();
        let paid = matches!(state.get_str("account.move", mv, "payment_state").as_deref(), Some("paid" | "in_payment"));
        state.set("account.move", mv, "amount_untaxed", json!(total), &at);
        state.set("account.move", mv, "amount_tax", json!(0.0), &at);
        state.set("account.move", mv, "amount_total", json!(total), &at);
        state.set("account.move", mv, "amount_residual", json!(if paid { 0.0 } else { total }), &at);
    }
    // Membership lines: those of the touched invoices' lines, and those touched themselves.
    let mut membership_lines = std::mem::take(&mut touched.membership_lines);
    if all {
        membership_lines.extend(state.table("membership.membership_line").rows.keys());
    } else {
        for &line in &invoice_lines {
            membership_lines.extend(state.children("membership.membership_line", "account_invoice_line", line));
        }
    }
    let mline = model_def("membership.membership_line").expect("known model");
    for &ml in &membership_lines {
        if !state.exists("membership.membership_line", ml) {
            continue;
        }
        let s = match state.value(mline, ml, "account_invoice_id").as_i64() {
            None => "none",
            Some(mv) => match (
                state.get_str("account.move", mv, "state").as_deref(),
                state.get_str("account.move", mv, "payment_state").as_deref(),
            ) {
                (Some("draft"), _) => "waiting",
                (Some("posted"), Some("paid" | "in_payment")) => "paid",
                (Some("posted"), Some("reversed")) => "canceled",
                (Some("posted"), _) => "invoiced",
                (Some("cancel"), _) => "canceled",
                _ => "none",
            },
        };
        state.set("membership.membership_line", ml, "state", json!(s), &at);
        if let Some(p) = state.get_id("membership.membership_line", ml, "partner") {
            touched.partners.insert(p);
        }
    }
    // Partners: those of the lines, those touched, and their associate members.
    let mut partners = std::mem::take(&mut touched.partners);
    if !all && !partners.is_empty() {
        let associates: Vec<i64> = state
            .table("res.partner")
            .rows
            .iter()
            .filter(|(_, r)| r.get("associate_member").and_then(Value::as_i64).is_some_and(|a| partners.contains(&a)))
            .map(|(id, _)| *id)
            .collect();
        partners.extend(associates);
    }
    let partners: Vec<i64> = if all { state.ids("res.partner") } else { partners.into_iter().collect() };
    if partners.is_empty() {
        return;
    }
    let wanted: BTreeSet<i64> = partners.iter().copied().collect();
    let associates: BTreeSet<i64> =
        wanted.iter().filter_map(|w| state.get_id("res.partner", *w, "associate_member")).collect();
    let mut lines_of_partner: HashMap<i64, Vec<i64>> = HashMap::new();
    if all {
        for (id, rec) in &state.table("membership.membership_line").rows {
            if let Some(p) = rec.get("partner").and_then(Value::as_i64) {
                lines_of_partner.entry(p).or_default().push(*id);
            }
        }
    } else {
        for &p in wanted.iter().chain(&associates) {
            lines_of_partner.insert(p, state.children("membership.membership_line", "partner", p));
        }
    }
    for p in partners {
        if !state.exists("res.partner", p) {
            continue;
        }
        let (st, start, stop, cancel) = partner_membership(state, &lines_of_partner, p, 0);
        state.set("res.partner", p, "membership_state", json!(st), &at);
        state.set("res.partner", p, "membership_start", start, &at);
        state.set("res.partner", p, "membership_stop", stop, &at);
        state.set("res.partner", p, "membership_cancel", cancel, &at);
    }
}

/// `_compute_membership_state` and the start/stop/cancel dates (of the associate member when set).
fn partner_membership(
    state: &State,
    lines_of_partner: &HashMap<i64, Vec<i64>>,
    p: i64,
    depth: u8,
) -> (&'static str, Value, Value, Value) {
    if let Some(assoc) = state.get_id("res.partner", p, "associate_member")
        && assoc != p
        && depth < 5
    {
        return partner_membership(state, lines_of_partner, assoc, depth + 1);
    }
    let today = today().to_string();
    let lines = lines_of_partner.get(&p).cloned().unwrap_or_default();
    let get = |l: i64, f: &str| state.get("membership.membership_line", l, f);
    let live: Vec<i64> = lines.iter().copied().filter(|l| falsy(&get(*l, "date_cancel"))).collect();
    let start = live.iter().filter_map(|l| get(*l, "date_from").as_str().map(str::to_string)).min();
    let stop = live.iter().filter_map(|l| get(*l, "date_to").as_str().map(str::to_string)).max();
    let cancel = lines.iter().filter_map(|l| get(*l, "date_cancel").as_str().map(str::to_string)).max();
    let current = |l: &i64| {
        let from = get(*l, "date_from").as_str().map(str::to_string).unwrap_or_default();
        let to = get(*l, "date_to").as_str().map(str::to_string).unwrap_or_else(|| "9999-12-31".into());
        from <= today && today <= to
    };
    let rank = |s: &str| match s {
        "paid" => 0,
        "invoiced" => 1,
        "canceled" => 2,
        "waiting" => 3,
        _ => 4,
    };
    let best =
        lines.iter().filter(|l| current(l)).map(|l| rank(get(*l, "state").as_str().unwrap_or(""))).min().unwrap_or(4);
    let mut st = ["paid", "invoiced", "canceled", "waiting", "none"][best];
    if st == "none"
        && lines.iter().any(|l| {
            get(*l, "date_to").as_str().is_some_and(|to| to < today.as_str()) && get(*l, "state") == json!("paid")
        })
    {
        st = "old";
    }
    if st != "paid" && state.get("res.partner", p, "free_member") == json!(true) {
        st = "free";
    }
    let opt = |v: Option<String>| v.map(Value::String).unwrap_or(json!(false));
    (st, opt(start), opt(stop), opt(cancel))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::{membership, seed};

    /// The computed fields of every partner, line and invoice (without `write_date`).
    fn computed(state: &State) -> Vec<(String, i64, Value)> {
        let mut out = Vec::new();
        for (model, fields) in [
            ("res.partner", &["membership_state", "membership_start", "membership_stop", "membership_cancel"][..]),
            ("membership.membership_line", &["state"][..]),
            ("account.move", &["amount_total", "amount_residual"][..]),
        ] {
            for id in state.ids(model) {
                let values: Vec<Value> = fields.iter().map(|f| state.get(model, id, f)).collect();
                out.push((model.to_string(), id, json!(values)));
            }
        }
        out
    }

    #[test]
    fn touched_records_end_as_a_full_recomputation_leaves_them() {
        let mut state = State::new();
        seed::base(&mut state);
        seed::demo(&mut state);
        let product = state
            .ids("product.product")
            .into_iter()
            .find(|p| state.value(model_def("product.product").unwrap(), *p, "membership") == json!(true))
            .unwrap();
        let partners: Vec<i64> = state.ids("res.partner").into_iter().rev().take(3).collect();
        let moves =
            membership::create_membership_invoice(&mut state, &partners, &json!(product), &json!(30.0)).unwrap();
        membership::move_action(&mut state, &moves[..2], "action_post").unwrap();
        membership::register_payment(&mut state, moves[0]).unwrap();
        membership::move_action(&mut state, &moves[1..2], "button_cancel").unwrap();
        let scoped = computed(&state);
        recompute(&mut state);
        assert_eq!(scoped, computed(&state));
        let states: Vec<Value> = partners.iter().map(|p| state.get("res.partner", *p, "membership_state")).collect();
        assert_eq!(states[0], json!("paid"), "{states:?}");
    }
}
