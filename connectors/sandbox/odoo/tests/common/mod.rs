//! Shared test helpers: start the sandbox, call it over XML-RPC / JSON-RPC / JSON-2, read the
//! vendor's examples, compare shapes, and check records against `models-fields.json` (Odoo has no
//! OpenAPI document: this is the spec's own field-type reference).
#![allow(dead_code)]

use std::path::PathBuf;

use hub_sandbox_core::{SandboxOptions, Started};
use hub_sandbox_odoo::xmlrpc;
use serde_json::{Value, json};

pub const SPECS: &str = "/work/shared/vendor-specs/odoo";

pub fn spec_dir() -> PathBuf {
    std::env::var("HUB_VENDOR_SPECS").map(|d| PathBuf::from(d).join("odoo")).unwrap_or_else(|_| PathBuf::from(SPECS))
}

pub async fn start() -> Started {
    hub_sandbox_odoo::start(SandboxOptions::default()).await.expect("sandbox starts")
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub db: String,
    pub key: String,
    pub uid: i64,
}

impl Client {
    pub fn new(started: &Started) -> Client {
        let c = &started.credentials;
        Client {
            http: reqwest::Client::new(),
            base: c["base_url"].as_str().unwrap().to_string(),
            db: c["database"].as_str().unwrap().to_string(),
            key: c["api_key"].as_str().unwrap().to_string(),
            uid: 2,
        }
    }

    /// Raw XML-RPC: (HTTP status, body).
    pub async fn xml_raw(&self, path: &str, body: String) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "text/xml")
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// XML-RPC call: Ok(result) or Err((faultCode, faultString)).
    pub async fn xml(&self, service: &str, method: &str, params: Vec<Value>) -> Result<Value, (Value, String)> {
        let (status, body) = self.xml_raw(&format!("/xmlrpc/2/{service}"), xmlrpc::call(method, &params)).await;
        assert_eq!(status, 200, "{body}");
        xmlrpc::parse_response(&body).expect("a methodResponse")
    }

    pub async fn xml_kw(&self, model: &str, method: &str, args: Value, kw: Value) -> Result<Value, (Value, String)> {
        self.xml(
            "object",
            "execute_kw",
            vec![json!(self.db), json!(self.uid), json!(self.key), json!(model), json!(method), args, kw],
        )
        .await
    }

    /// JSON-RPC: the whole response body.
    pub async fn jsonrpc(&self, body: &Value) -> Value {
        let r = self.http.post(format!("{}/jsonrpc", self.base)).json(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json().await.unwrap()
    }

    pub async fn rpc_kw(&self, model: &str, method: &str, args: Value, kw: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
            "args": [self.db, self.uid, self.key, model, method, args, kw]}});
        let r = self.jsonrpc(&body).await;
        assert!(r.get("error").is_none(), "{r}");
        r["result"].clone()
    }

    /// JSON-2: (status, body).
    pub async fn json2(&self, model: &str, method: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/json/2/{model}/{method}", self.base))
            .header("authorization", format!("bearer {}", self.key))
            .header("x-odoo-database", &self.db)
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap().json().await.unwrap()
    }
}

/// The example files whose name matches `pred`, with their text.
pub fn examples(pred: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(spec_dir().join("examples"))
        .expect("examples folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| pred(n))
        .map(|n| {
            let text = std::fs::read_to_string(spec_dir().join("examples").join(&n)).unwrap();
            (n, text)
        })
        .collect();
    out.sort();
    out
}

/// The example's counterpart file (`x.request.K.ext` → `x.response.K.ext`), if any.
pub fn response_for(request_name: &str) -> Option<String> {
    let name = request_name.replace(".request.", ".response.");
    std::fs::read_to_string(spec_dir().join("examples").join(name)).ok()
}

/// Makes an example's request talk about this database: db name, key, and ids of the examples'
/// database mapped to this one's (country 75/76 → France, product ids → `product`).
pub fn adapt(v: &Value, db: &str, key: &str, product: i64) -> Value {
    match v {
        Value::String(s) if ["mydb", "mycompany"].contains(&s.as_str()) => json!(db),
        Value::String(s) if s == "0123456789abcdef0123456789abcdef01234567" || s.starts_with("<api key") => json!(key),
        Value::Array(a) => Value::Array(a.iter().map(|x| adapt(x, db, key, product)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('_'))
                .map(|(k, x)| {
                    let x = match (k.as_str(), x) {
                        ("country_id", Value::Number(_)) => json!(75),
                        ("membership_id" | "product_id", Value::Number(_)) => json!(product),
                        _ => adapt(x, db, key, product),
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn holds_objects(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Array(a) => a.iter().any(Value::is_object),
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `actual` has `expected`'s shape: same object keys, same scalar kinds (Odoo's `false` stands for
/// any empty value; floats and ints are both numbers only where the example has a float), arrays
/// element-wise (homogeneous arrays against their first element).
pub fn assert_same_shape(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        // `false` stands for an empty field value, never for a record or a list of records.
        (Value::Bool(false), other) | (other, Value::Bool(false)) if !holds_objects(other) => {}
        (Value::Object(e), Value::Object(a)) => {
            let (mut ek, mut ak): (Vec<_>, Vec<_>) = (e.keys().collect(), a.keys().collect());
            ek.sort();
            ak.sort();
            assert_eq!(ek, ak, "keys at {at}");
            for (k, ev) in e {
                assert_same_shape(ev, &a[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.is_empty() || a.is_empty() {
                return;
            }
            let homogeneous = e.iter().all(|x| kind(x) == kind(&e[0]));
            if homogeneous {
                for (i, x) in a.iter().enumerate() {
                    assert_same_shape(&e[0], x, &format!("{at}[{i}]"));
                }
            } else {
                assert_eq!(e.len(), a.len(), "tuple length at {at}: {actual}");
                for (i, (x, y)) in e.iter().zip(a).enumerate() {
                    assert_same_shape(x, y, &format!("{at}[{i}]"));
                }
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            if e.is_f64() {
                assert!(a.is_f64(), "float expected at {at}: {actual}");
            } else {
                assert!(!a.is_f64(), "int expected at {at}: {actual}");
            }
        }
        (e, a) => assert_eq!(kind(e), kind(a), "kind at {at}: expected like {e}, got {a}"),
    }
}

/// Checks `record`'s values against the types `models-fields.json` gives in `section`.
pub fn check_models_fields(section: &str, record: &Value) {
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(spec_dir().join("models-fields.json")).unwrap()).unwrap();
    let fields = spec[section].as_object().unwrap_or_else(|| panic!("no section {section}"));
    let record = record.as_object().expect("a record is an object");
    let mut checked = 0;
    for (name, value) in record {
        let Some(desc) = fields.get(name).and_then(Value::as_str) else { continue };
        checked += 1;
        let ty = desc.split_whitespace().next().unwrap_or_default();
        let ok = match ty {
            "integer" => value.is_i64(),
            "char" | "html/text" => value.is_string() || value == &json!(false),
            "boolean" => value.is_boolean(),
            "float" | "monetary" => value.is_number(),
            "date" => {
                value == &json!(false)
                    || value.as_str().is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            }
            "datetime" => {
                value == &json!(false)
                    || value
                        .as_str()
                        .is_some_and(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok())
            }
            "many2one" => {
                value == &json!(false)
                    || value.as_array().is_some_and(|a| a.len() == 2 && a[0].is_i64() && a[1].is_string())
            }
            "one2many" => value.as_array().is_some_and(|a| a.iter().all(Value::is_i64)),
            "selection" => {
                let options = desc.split_whitespace().nth(1).unwrap_or_default();
                value == &json!(false)
                    || value.as_str().is_some_and(|s| !options.contains('|') || options.split('|').any(|o| o == s))
            }
            other => panic!("unknown type {other} in models-fields.json for {name}"),
        };
        assert!(ok, "{section}.{name} = {value} does not match {desc:?}");
    }
    assert!(checked > 0, "no field of {section} checked in {record:?}");
}
