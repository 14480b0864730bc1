//! Stripe's form encoding: `application/x-www-form-urlencoded` bodies (and query strings) with
//! bracket notation (`metadata[key]=v`, `items[0][price]=…`, `expand[]=…`) parsed into nested JSON.
//! Leaves stay strings (Stripe's wire format has no types); objects whose keys are all indices
//! become arrays. Also the typed getters the routes use, answering Stripe's parameter errors.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Percent-decodes one component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `a[b][0][]` into `["a", "b", "0", ""]`.
fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    out.push(head.to_string());
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(end) => {
                out.push(stripped[..end].to_string());
                rest = &stripped[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn insert(target: &mut Map<String, Value>, segs: &[String], value: String) {
    let key = if segs[0].is_empty() { target.len().to_string() } else { segs[0].clone() };
    if segs.len() == 1 {
        target.insert(key, Value::String(value));
        return;
    }
    let child = target.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    if let Value::Object(m) = child {
        insert(m, &segs[1..], value);
    }
}

/// Objects keyed `0..n` (from `a[0]`, `a[]`) become arrays, recursively.
fn arrays(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let all_indices = !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok());
            if all_indices {
                let mut items: Vec<(usize, Value)> =
                    m.into_iter().map(|(k, v)| (k.parse().unwrap_or(0), arrays(v))).collect();
                items.sort_by_key(|(k, _)| *k);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, arrays(v))).collect())
            }
        }
        other => other,
    }
}

/// Parses a form body or query string into a JSON object.
pub fn parse(input: &str) -> Value {
    let mut root = Map::new();
    for pair in input.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(k);
        let segs = segments(&key);
        if segs[0].is_empty() {
            continue;
        }
        insert(&mut root, &segs, decode(v));
    }
    arrays(Value::Object(root))
}

/// Merges `b` into `a` (object keys of `b` win).
pub fn merge(a: &mut Value, b: Value) {
    if let (Value::Object(am), Value::Object(bm)) = (a, b) {
        for (k, v) in bm {
            am.insert(k, v);
        }
    }
}

/// An optional string parameter.
pub fn opt_str(p: &Value, name: &str) -> Option<String> {
    match p.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A required string parameter (`parameter_missing` when absent or empty).
pub fn req_str(p: &Value, name: &str) -> Result<String, ApiError> {
    match opt_str(p, name) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::missing(name)),
    }
}

/// An optional integer parameter (`parameter_invalid_integer` when not one).
pub fn opt_int(p: &Value, name: &str) -> Result<Option<i64>, ApiError> {
    match p.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| ApiError::invalid_integer(name)),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ApiError::invalid_integer(name)),
        Some(_) => Err(ApiError::invalid_integer(name)),
    }
}

/// An optional boolean parameter (`true`/`false`).
pub fn opt_bool(p: &Value, name: &str) -> Result<Option<bool>, ApiError> {
    match p.get(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid_request(
            format!("Invalid boolean: {}", opt_str(p, name).unwrap_or_default()),
            Some(name),
            Some("parameter_invalid_boolean"),
        )),
    }
}

/// The `expand[]` list.
pub fn expand_list(p: &Value) -> Vec<String> {
    match p.get("expand") {
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Applies `metadata[k]=v` to an object's metadata (an empty value unsets the key, an empty
/// `metadata=` clears it), as Stripe does.
pub fn apply_metadata(obj: &mut Value, p: &Value) {
    match p.get("metadata") {
        Some(Value::Object(m)) => {
            let meta = obj["metadata"].as_object_mut();
            if let Some(meta) = meta {
                for (k, v) in m {
                    match v.as_str() {
                        Some("") => {
                            meta.remove(k);
                        }
                        _ => {
                            meta.insert(k.clone(), v.clone());
                        }
                    }
                }
            } else {
                obj["metadata"] = Value::Object(m.clone());
            }
        }
        Some(Value::String(s)) if s.is_empty() => obj["metadata"] = Value::Object(Map::new()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets_become_nested_json() {
        let v = parse(
            "amount=2000&metadata[member]=Zo%C3%A9+L&items[0][price]=price_1&items[0][quantity]=2&items[1][price]=p2&expand[]=customer&expand[]=latest_charge",
        );
        assert_eq!(
            v,
            json!({"amount": "2000", "metadata": {"member": "Zoé L"}, "items": [{"price": "price_1", "quantity": "2"}, {"price": "p2"}], "expand": ["customer", "latest_charge"]})
        );
        assert_eq!(parse("a%5Bb%5D=1"), json!({"a": {"b": "1"}}));
        assert_eq!(parse("x=100%"), json!({"x": "100%"}));
    }
}
