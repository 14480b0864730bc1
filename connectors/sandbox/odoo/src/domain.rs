//! Search domains (prefix notation, implicit `&`, `!`), their leaves (`=`, `!=`, `<`, `<=`, `>`,
//! `>=`, `=?`, `in`, `not in`, `like`, `ilike`, `not like`, `not ilike`, `=like`, `=ilike`, dotted
//! paths through many2one/one2many), `active_test`, and `order` strings.

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::error::{OResult, OdooError};
use crate::fields::{FType, ModelDef, model_def};
use crate::store::{State, falsy};

/// Ids of `model` matching `domain`, sorted by `order` (the model's default when `None`).
pub fn search(
    state: &State,
    model: &ModelDef,
    domain: &Value,
    active_test: bool,
    order: Option<&str>,
) -> OResult<Vec<i64>> {
    let terms = match domain {
        Value::Array(a) => a.clone(),
        Value::Null | Value::Bool(false) => vec![],
        other => return Err(OdooError::value(format!("Invalid domain: {other}"))),
    };
    for t in &terms {
        check_term(model, t)?;
    }
    let mentions_active = terms.iter().any(|t| t.get(0).and_then(Value::as_str) == Some("active"));
    let any_of = exact_ilike_set(model, &terms);
    let candidates = match (id_candidates(state, model, &terms), &any_of) {
        (Some(ids), _) => ids.into_iter().filter(|id| state.exists(model.name, *id)).collect(),
        // Partners by e-mail come from the store's e-mail index.
        (None, Some(("email", wanted))) if model.name == "res.partner" => {
            let found: std::collections::BTreeSet<i64> =
                wanted.iter().flat_map(|e| state.partners_with_email(e)).collect();
            found.into_iter().collect()
        }
        (None, _) => state.ids(model.name),
    };
    let mut ids = Vec::new();
    for id in candidates {
        if active_test
            && model.has_active()
            && !mentions_active
            && state.rec(model.name, id).and_then(|r| r.get("active")) != Some(&Value::Bool(true))
        {
            continue;
        }
        let matched = match &any_of {
            Some((path, wanted)) => {
                state.value(model, id, path).as_str().is_some_and(|v| wanted.contains(&v.to_lowercase()))
            }
            None => eval(state, model, id, &terms)?,
        };
        if matched {
            ids.push(id);
        }
    }
    sort(state, model, &mut ids, order.unwrap_or(model.order))?;
    Ok(ids)
}

/// A domain that is only `=ilike`s without wildcards on one stored field, OR-ed (how a client
/// looks up many e-mails at once): that field and the lowercased values, so each record is looked
/// at once instead of once per value. The same answer as evaluating the leaves.
fn exact_ilike_set<'a>(model: &ModelDef, terms: &'a [Value]) -> Option<(&'a str, std::collections::HashSet<String>)> {
    let leaves: Vec<&Vec<Value>> = terms.iter().filter_map(Value::as_array).collect();
    let ors = terms.iter().filter(|t| t.as_str() == Some("|")).count();
    if leaves.len() < 2 || ors + 1 != leaves.len() || ors + leaves.len() != terms.len() {
        return None;
    }
    let path = leaves[0].first()?.as_str()?;
    if path.contains('.') || model.field(path).is_none_or(|f| matches!(f.ftype, FType::One2many(..))) {
        return None;
    }
    let mut wanted = std::collections::HashSet::new();
    for leaf in leaves {
        match (leaf.first()?.as_str()?, leaf.get(1)?.as_str()?, leaf.get(2)?) {
            (p, "=ilike", Value::String(v)) if p == path && !v.contains(['%', '_', '\\']) => {
                wanted.insert(v.to_lowercase());
            }
            _ => return None,
        }
    }
    Some((path, wanted))
}

/// The ids a domain can only match when it is a conjunction with an `id` leaf, or a leaf on a
/// relation the store indexes by parent (`move_id`, `account_invoice_line`, `partner`), with `=`
/// or `in` (what PostgreSQL's indexes give Odoo): the other records need not be looked at. Every
/// leaf is still evaluated on these.
fn id_candidates(state: &State, model: &ModelDef, terms: &[Value]) -> Option<std::collections::BTreeSet<i64>> {
    if terms.iter().any(|t| matches!(t, Value::String(op) if op != "&")) {
        return None;
    }
    terms.iter().find_map(|t| {
        let leaf = t.as_array()?;
        let path = leaf.first()?.as_str()?;
        let keys: Vec<i64> = match (leaf.get(1)?.as_str()?, leaf.get(2)?) {
            ("=", Value::Number(n)) => n.as_i64().into_iter().collect(),
            ("in", Value::Array(ids)) if ids.iter().all(Value::is_i64) => {
                ids.iter().filter_map(Value::as_i64).collect()
            }
            _ => return None,
        };
        if path == "id" {
            return Some(keys.into_iter().collect());
        }
        crate::store::indexed(model.name, path)?;
        Some(keys.into_iter().flat_map(|k| state.children(model.name, path, k)).collect())
    })
}

fn check_term(model: &ModelDef, t: &Value) -> OResult<()> {
    match t {
        Value::String(op) if ["&", "|", "!"].contains(&op.as_str()) => Ok(()),
        Value::Array(leaf) if leaf.len() == 3 => {
            if leaf[0].is_number() {
                return Ok(()); // TRUE_LEAF / FALSE_LEAF: [1, '=', 1]
            }
            let path = leaf[0].as_str().ok_or_else(|| bad_leaf(t))?;
            resolve(model, path)
                .map_err(|_| OdooError::value(format!("Invalid field {}.{path} in leaf {t}", model.name)))?;
            let op = leaf[1].as_str().ok_or_else(|| bad_leaf(t))?;
            if !OPERATORS.contains(&op) {
                return Err(OdooError::value(format!("Invalid leaf {t}: operator {op:?} is not supported")));
            }
            Ok(())
        }
        _ => Err(bad_leaf(t)),
    }
}

const OPERATORS: &[&str] = &[
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "=?",
    "in",
    "not in",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "=like",
    "=ilike",
];

fn bad_leaf(t: &Value) -> OdooError {
    OdooError::value(format!("Invalid leaf {t}"))
}

/// Checks that every step of `path` exists; returns the final model and field names.
fn resolve(model: &ModelDef, path: &str) -> Result<(), ()> {
    let mut current = model;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let def = current.field(part).ok_or(())?;
        if i + 1 < parts.len() {
            current = match def.ftype {
                FType::Many2one(c) | FType::One2many(c, _) => model_def(c).ok_or(())?,
                _ => return Err(()),
            };
        }
    }
    Ok(())
}

/// The values reached by `path` from record `id` (several through one2many, none through an empty many2one).
fn values(state: &State, model: &ModelDef, id: i64, path: &str) -> Vec<Value> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let v = state.value(model, id, head);
    let Some(rest) = rest else { return vec![v] };
    let Some(def) = model.field(head) else { return vec![] };
    let (FType::Many2one(c) | FType::One2many(c, _)) = def.ftype else { return vec![] };
    let Some(comodel) = model_def(c) else { return vec![] };
    let ids: Vec<i64> = match v {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
        _ => vec![],
    };
    let mut out: Vec<Value> = ids.into_iter().flat_map(|i| values(state, comodel, i, rest)).collect();
    if out.is_empty() {
        out.push(json!(false));
    }
    out
}

fn eval(state: &State, model: &ModelDef, id: i64, terms: &[Value]) -> OResult<bool> {
    let mut stack: Vec<bool> = Vec::new();
    for t in terms.iter().rev() {
        match t {
            Value::String(op) if op == "!" => {
                let a = stack.pop().ok_or_else(|| bad_leaf(t))?;
                stack.push(!a);
            }
            Value::String(op) => {
                let a = stack.pop().ok_or_else(|| bad_leaf(t))?;
                let b = stack.pop().ok_or_else(|| bad_leaf(t))?;
                stack.push(if op == "&" { a && b } else { a || b });
            }
            Value::Array(leaf) => stack.push(eval_leaf(state, model, id, leaf)),
            _ => return Err(bad_leaf(t)),
        }
    }
    Ok(stack.into_iter().all(|b| b))
}

fn eval_leaf(state: &State, model: &ModelDef, id: i64, leaf: &[Value]) -> bool {
    if let Some(n) = leaf[0].as_i64() {
        return leaf[2].as_i64() == Some(n);
    }
    let path = leaf[0].as_str().unwrap_or_default();
    let op = leaf[1].as_str().unwrap_or_default();
    let want = &leaf[2];
    let is_x2many = model.field(path).is_some_and(|d| matches!(d.ftype, FType::One2many(..)));
    let mut got = values(state, model, id, path);
    if is_x2many {
        got = match got.pop() {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => vec![json!(false)],
        };
    }
    let negative = matches!(op, "!=" | "<>" | "not in" | "not like" | "not ilike");
    if negative {
        let positive = match op {
            "!=" | "<>" => "=",
            "not in" => "in",
            "not like" => "like",
            _ => "ilike",
        };
        return !got.iter().any(|g| leaf_match(g, positive, want));
    }
    got.iter().any(|g| leaf_match(g, op, want))
}

fn leaf_match(got: &Value, op: &str, want: &Value) -> bool {
    match op {
        "=" => equal(got, want),
        "=?" => falsy(want) || equal(got, want),
        "in" => want.as_array().is_some_and(|a| a.iter().any(|w| equal(got, w))),
        "<" | "<=" | ">" | ">=" => {
            if falsy(got) || falsy(want) {
                return false;
            }
            let Some(ord) = compare(got, want) else { return false };
            match op {
                "<" => ord == Ordering::Less,
                "<=" => ord != Ordering::Greater,
                ">" => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }
        }
        "like" | "ilike" | "=like" | "=ilike" => {
            if falsy(want) {
                return matches!(op, "like" | "ilike");
            }
            // `=like`/`=ilike` without wildcards is an equality: compared in place (a search of
            // many e-mails over every partner allocated per comparison otherwise).
            if op.starts_with('=')
                && let (Value::String(text), Value::String(pat)) = (got, want)
                && !pat.contains(['%', '_', '\\'])
            {
                return if op == "=ilike" {
                    text.chars().flat_map(char::to_lowercase).eq(pat.chars().flat_map(char::to_lowercase))
                } else {
                    text == pat
                };
            }
            let Some(text) = text_of(got) else { return false };
            let pat = text_of(want).unwrap_or_default();
            let pat = if op.starts_with('=') { pat } else { format!("%{pat}%") };
            if op.contains('i') { like(&text.to_lowercase(), &pat.to_lowercase()) } else { like(&text, &pat) }
        }
        _ => false,
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn equal(got: &Value, want: &Value) -> bool {
    if falsy(want) && !matches!(want, Value::String(s) if !s.is_empty()) {
        return falsy(got) && !matches!(got, Value::Bool(true));
    }
    match (got, want) {
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Bool(a), Value::Number(n)) | (Value::Number(n), Value::Bool(a)) => {
            n.as_f64() == Some(f64::from(u8::from(*a)))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// Orders two field values (numbers numerically, strings lexicographically: Odoo's date formats sort that way).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// SQL `LIKE`: `%` any run, `_` one character, `\` escapes (dynamic programming, no backtracking).
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    // The pattern as tokens: `%` any run, `_` one character, a literal.
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut p = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        p.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Lit(chars.next().unwrap_or('\\')),
            c => P::Lit(c),
        });
    }
    // reach[j]: the first i characters of the text match the first j tokens.
    let mut reach = vec![false; p.len() + 1];
    reach[0] = true;
    for (j, tok) in p.iter().enumerate() {
        if matches!(tok, P::Any) && reach[j] {
            reach[j + 1] = true;
        }
    }
    for c in &t {
        let mut next = vec![false; p.len() + 1];
        for (j, tok) in p.iter().enumerate() {
            next[j + 1] = match tok {
                P::Any => next[j] || reach[j + 1],
                P::One => reach[j],
                P::Lit(l) => reach[j] && l == c,
            };
        }
        reach = next;
    }
    reach[p.len()]
}

/// Sorts `ids` by an `order` string such as `"write_date asc, id asc"`; empty values sort last
/// ascending and first descending (PostgreSQL's NULL order); many2one sorts by id.
pub fn sort(state: &State, model: &ModelDef, ids: &mut [i64], order: &str) -> OResult<()> {
    let mut keys: Vec<(String, bool)> = Vec::new();
    for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or_default();
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(OdooError::value(format!("Invalid order direction {other:?} in {order:?}"))),
        };
        if model.field(field).is_none() {
            return Err(OdooError::value(format!("Invalid field {field:?} on model {:?}", model.name)));
        }
        keys.push((field.to_string(), desc));
    }
    ids.sort_by(|a, b| {
        for (field, desc) in &keys {
            let (va, vb) = (state.value(model, *a, field), state.value(model, *b, field));
            let ord = match (falsy(&va), falsy(&vb)) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => compare(&va, &vb).unwrap_or(Ordering::Equal),
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.cmp(b)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like("deco addict", "%deco%"));
        assert!(like("abc", "a_c"));
        assert!(!like("abd", "a_c"));
        assert!(like("50%", "50\\%"));
    }

    #[test]
    fn many_exact_ilikes_find_what_each_finds() {
        use serde_json::json;
        let mut state = crate::store::State::new();
        crate::seed::base(&mut state);
        crate::seed::demo(&mut state);
        let partner = crate::fields::model_def("res.partner").unwrap();
        let emails: Vec<String> = state
            .ids("res.partner")
            .into_iter()
            .filter_map(|id| state.get_str("res.partner", id, "email"))
            .take(3)
            .map(|e| e.to_uppercase())
            .collect();
        let mut each: Vec<i64> = Vec::new();
        for e in &emails {
            each.extend(super::search(&state, partner, &json!([["email", "=ilike", e]]), true, None).unwrap());
        }
        each.sort();
        let domain = json!([
            "|",
            "|",
            ["email", "=ilike", emails[0]],
            ["email", "=ilike", emails[1]],
            ["email", "=ilike", emails[2]]
        ]);
        let mut all = super::search(&state, partner, &domain, true, None).unwrap();
        all.sort();
        assert_eq!(all, each);
        assert!(all.len() >= 3);
    }

    #[test]
    fn an_exact_ilike_is_a_case_insensitive_equality() {
        use serde_json::json;
        assert!(super::leaf_match(&json!("Lea.Dumas@Example.ORG"), "=ilike", &json!("lea.dumas@example.org")));
        assert!(!super::leaf_match(&json!("lea.dumas@example.org.fr"), "=ilike", &json!("lea.dumas@example.org")));
        assert!(super::leaf_match(&json!("a_b@x.fr"), "=ilike", &json!("A_B@X.FR")), "with a wildcard: LIKE");
        assert!(!super::leaf_match(&json!("Lea"), "=like", &json!("lea")));
    }
}
