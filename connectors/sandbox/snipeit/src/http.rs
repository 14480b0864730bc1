//! Request and response plumbing shared by the routes: the Laravel-style input bag (JSON or
//! form-encoded bodies), the `formatStandardApiResponse` envelopes (HTTP 200 even on errors), and
//! `offset`/`limit`/`sort`/`order` list handling with the `{"total","rows"}` shape.

use std::{cmp::Ordering, collections::HashMap};

use axum::{
    Json,
    extract::{FromRequest, Request},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

/// Laravel's `$request->input()`: a JSON object or a form-encoded body, as one map.
pub struct Input(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Input {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        let map = if is_form {
            url_decode_pairs(&bytes).into_iter().map(|(k, v)| (k, Value::String(v))).collect()
        } else {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            }
        };
        Ok(Input(map))
    }
}

fn url_decode_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 2 < b.len()
                && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
            {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(bytes)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

impl Input {
    pub fn has(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }
    /// A non-empty string (numbers are turned into strings, as PHP would).
    pub fn str(&self, k: &str) -> Option<String> {
        match self.0.get(k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "1".into() } else { "0".into() }),
            _ => None,
        }
    }
    pub fn u64(&self, k: &str) -> Option<u64> {
        self.str(k)?.trim().parse().ok()
    }
    pub fn f64(&self, k: &str) -> Option<f64> {
        self.str(k)?.trim().replace(',', ".").parse().ok()
    }
    pub fn bool(&self, k: &str) -> Option<bool> {
        match self.0.get(k)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_f64() != Some(0.0)),
            Value::String(s) => Some(matches!(s.as_str(), "1" | "true" | "on" | "yes")),
            _ => None,
        }
    }
    /// A `Y-m-d` date (a `Y-m-d H:i:s` is cut to its date); `Err` when present but invalid.
    pub fn date(&self, k: &str) -> Result<Option<NaiveDate>, ()> {
        match self.str(k) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d").map(Some).map_err(|_| ()),
        }
    }
}

/// HTTP 200 `{"status":"success","messages":…,"payload":…}`.
pub fn success(messages: &str, payload: Value) -> Response {
    Json(json!({ "status": "success", "messages": messages, "payload": payload })).into_response()
}

/// HTTP 200 `{"status":"error","messages":…}` — the shape of the vendor's "Not Found" examples.
pub fn error(messages: impl Into<Value>) -> Response {
    Json(json!({ "status": "error", "messages": messages.into() })).into_response()
}

/// HTTP 200 `{"status":"error","messages":…,"payload":…}`.
pub fn error_with(messages: &str, payload: Value) -> Response {
    Json(json!({ "status": "error", "messages": messages, "payload": payload })).into_response()
}

/// Laravel validation failure: HTTP 200 `{"status":"error","messages":{field:[msg]}}`.
pub fn invalid(errors: Vec<(&str, String)>) -> Response {
    let mut m = Map::new();
    for (field, msg) in errors {
        m.entry(field.to_string())
            .or_insert_with(|| Value::Array(vec![]))
            .as_array_mut()
            .expect("array")
            .push(Value::String(msg));
    }
    error(Value::Object(m))
}

/// `404` for an unknown API route.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"status": "error", "messages": "404 endpoint not found", "payload": null})))
        .into_response()
}

/// `405` as in the vendor's spec.
pub async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({"status": "error", "messages": "Method not allowed", "payload": null})),
    )
        .into_response()
}

/// Parses a numeric path id.
pub fn id(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

/// `MAX_RESULTS` default of Snipe-IT.
pub const MAX_RESULTS: usize = 500;

/// Sorts `rows` by `sort` (one of `allowed`, else `default_sort`) and `order`, then cuts the
/// `offset`/`limit` page; returns `{"total","rows"}`.
pub fn page<T>(
    q: &HashMap<String, String>,
    mut rows: Vec<T>,
    allowed: &[&str],
    default_sort: &str,
    key: impl Fn(&T, &str) -> Value,
    render: impl Fn(&T) -> Value,
) -> Value {
    let sort = q.get("sort").map(String::as_str).filter(|s| allowed.contains(s)).unwrap_or(default_sort);
    let desc = !q.get("order").is_some_and(|o| o.eq_ignore_ascii_case("asc"));
    rows.sort_by(|a, b| {
        let o = cmp_values(&key(a, sort), &key(b, sort)).then_with(|| cmp_values(&key(a, "id"), &key(b, "id")));
        if desc { o.reverse() } else { o }
    });
    let total = rows.len();
    let offset = q.get("offset").and_then(|o| o.parse::<usize>().ok()).unwrap_or(0).min(total);
    let limit =
        q.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0).unwrap_or(MAX_RESULTS).min(MAX_RESULTS);
    let page: Vec<Value> = rows.iter().skip(offset).take(limit).map(render).collect();
    json!({ "total": total, "rows": page })
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Case-insensitive `LIKE %term%` over several texts.
pub fn matches(term: &str, texts: &[Option<&str>]) -> bool {
    let t = term.to_lowercase();
    texts.iter().flatten().any(|s| s.to_lowercase().contains(&t))
}
