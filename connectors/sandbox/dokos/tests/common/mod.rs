//! Shared test helpers: start a sandbox, an authenticated client, the vendor-spec files, and a
//! schema check of documents against `doctype-fields.json` (the DocType definitions; Dokos has no
//! OpenAPI document).
#![allow(dead_code)]

use std::path::PathBuf;

use hub_sandbox_core::{SandboxOptions, Started};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;

pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/dokos")
}

/// `/work/shared/vendor-specs/dokos` wherever the repository sits (falls back to the absolute path).
pub fn spec_path(rel: &str) -> PathBuf {
    let local = spec_dir().join(rel);
    if local.exists() { local } else { PathBuf::from("/work/shared/vendor-specs/dokos").join(rel) }
}

pub fn read_spec(rel: &str) -> String {
    std::fs::read_to_string(spec_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn spec_json(rel: &str) -> Value {
    serde_json::from_str(&read_spec(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Example file names (sorted).
pub fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(spec_path("examples"))
        .expect("examples dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub async fn start(seed: bool) -> Started {
    hub_sandbox_dokos::start(SandboxOptions { seed, ..SandboxOptions::default() }).await.expect("sandbox starts")
}

/// A client sending `Authorization: token key:secret` from the sandbox's credentials.
pub fn client(started: &Started) -> reqwest::Client {
    let c = &started.credentials;
    let token = format!("token {}:{}", c["api_key"].as_str().unwrap(), c["api_secret"].as_str().unwrap());
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&token).unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

pub fn url(started: &Started, path: &str) -> String {
    format!("{}{path}", started.credentials["base_url"].as_str().unwrap())
}

/// (status, JSON body)
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
}

/// Key of a DocType in doctype-fields.json.
fn fields_key(doctype: &str) -> &str {
    match doctype {
        "Contact" => "Contact (frappe)",
        "Event" => "Event (frappe)",
        other => other,
    }
}

const STANDARD: &[&str] = &["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "doctype"];
const CHILD_STANDARD: &[&str] = &["name", "parent", "parentfield", "parenttype", "idx", "doctype"];

fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && (s.len() == 19 || (b[19] == b'.' && s.len() == 26))
        && s.chars().filter(|c| c.is_ascii_digit()).count() == s.len() - if s.len() == 19 { 5 } else { 6 }
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && s.chars().filter(char::is_ascii_digit).count() == 8
}

/// Checks one value against a `doctype-fields.json` field type (`Link [Customer] *`, ...).
fn check_type(path: &str, ftype: &str, v: &Value, errors: &mut Vec<String>) {
    let kind = ftype.split([' ', '[', '*', '(']).next().unwrap_or("");
    let kind = if ftype.starts_with("Read Only") { "Read Only" } else { kind };
    let ok = match kind {
        "Check" => v.as_i64().is_some_and(|n| n == 0 || n == 1),
        "Int" => v.is_i64() || v.is_u64(),
        "Float" | "Currency" | "Percent" => v.is_number(),
        "Date" => v.is_null() || v.as_str().is_some_and(is_date),
        "Datetime" => v.is_null() || v.as_str().is_some_and(is_datetime),
        "Table" => v.is_array(),
        "Select" => {
            let opts: Vec<&str> = ftype
                .split_once('[')
                .and_then(|(_, r)| r.split_once(']'))
                .map(|(o, _)| o.split('|').collect())
                .unwrap_or_default();
            v.is_null() || v.as_str().is_some_and(|s| s.is_empty() || opts.is_empty() || opts.contains(&s))
        }
        _ => v.is_null() || v.is_string(),
    };
    if !ok {
        errors.push(format!("{path}: {v} is not a {ftype}"));
    }
}

/// Child row fields of a Table field: from doctype-fields.json, or the `(rows: a, b)` note.
fn child_fields(spec: &Value, ftype: &str) -> Option<Vec<(String, String)>> {
    let child = ftype.split_once('[')?.1.split_once(']')?.0;
    if let Some(fields) = spec[child]["fields"].as_object() {
        return Some(fields.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect());
    }
    let rows = ftype.split_once("(rows: ")?.1.split_once(')')?.0;
    // The note gives names only: `is_*` flags are Checks, the rest Data.
    Some(
        rows.split(',')
            .map(|f| f.trim().split(' ').next().unwrap().to_string())
            .map(|f| {
                let t = if f.starts_with("is_") { "Check" } else { "Data" };
                (f, t.to_string())
            })
            .collect(),
    )
}

/// Validates a document (full, or a list row when `partial`) of `doctype` against the DocType
/// definition; `extra` are keys allowed besides it (e.g. shown by a vendor example).
pub fn check_doc(doctype: &str, doc: &Value, partial: bool, extra: &[&str]) -> Vec<String> {
    let spec = spec_json("doctype-fields.json");
    let fields = spec[fields_key(doctype)]["fields"].as_object().unwrap_or_else(|| panic!("no fields for {doctype}"));
    let mut errors = Vec::new();
    let Some(obj) = doc.as_object() else { return vec![format!("{doctype}: not an object: {doc}")] };
    if !partial {
        for k in STANDARD {
            if !obj.contains_key(*k) {
                errors.push(format!("{doctype}: standard field {k} missing"));
            }
        }
        if obj.get("doctype").and_then(Value::as_str) != Some(doctype) {
            errors.push(format!("{doctype}: doctype is {:?}", obj.get("doctype")));
        }
    }
    for (k, v) in obj {
        match k.as_str() {
            "name" | "owner" | "modified_by" | "doctype" => {
                if !v.is_string() {
                    errors.push(format!("{doctype}.{k} not a string"))
                }
            }
            "creation" | "modified" => check_type(&format!("{doctype}.{k}"), "Datetime", v, &mut errors),
            "docstatus" => {
                if !v.as_i64().is_some_and(|d| (0..=2).contains(&d)) {
                    errors.push(format!("{doctype}.docstatus = {v}"))
                }
            }
            "idx" => check_type("idx", "Int", v, &mut errors),
            _ => match fields.get(k).and_then(Value::as_str) {
                Some(ftype) => {
                    check_type(&format!("{doctype}.{k}"), ftype, v, &mut errors);
                    if ftype.starts_with("Table") {
                        let cf = child_fields(&spec, ftype);
                        for (i, row) in v.as_array().into_iter().flatten().enumerate() {
                            let Some(row) = row.as_object() else {
                                errors.push(format!("{doctype}.{k}[{i}] not an object"));
                                continue;
                            };
                            for s in CHILD_STANDARD {
                                if !row.contains_key(*s) {
                                    errors.push(format!("{doctype}.{k}[{i}]: {s} missing"));
                                }
                            }
                            if row.get("parenttype").and_then(Value::as_str) != Some(doctype)
                                || row.get("parentfield").and_then(Value::as_str) != Some(k)
                                || row.get("parent") != obj.get("name")
                            {
                                errors.push(format!("{doctype}.{k}[{i}]: wrong parent fields"));
                            }
                            if let Some(cf) = &cf {
                                for (rk, rv) in row {
                                    if CHILD_STANDARD.contains(&rk.as_str()) {
                                        continue;
                                    }
                                    match cf.iter().find(|(n, _)| n == rk) {
                                        Some((_, t)) => {
                                            check_type(&format!("{doctype}.{k}[{i}].{rk}"), t, rv, &mut errors)
                                        }
                                        None if rk == "link_title" => {}
                                        None => errors.push(format!("{doctype}.{k}[{i}]: unknown field {rk}")),
                                    }
                                }
                            }
                        }
                    }
                }
                None if extra.contains(&k.as_str()) => {}
                None => errors.push(format!("{doctype}: unknown field {k}")),
            },
        }
    }
    errors
}

pub fn assert_doc(doctype: &str, doc: &Value) {
    let errors = check_doc(doctype, doc, false, &["portal_users"]);
    assert!(errors.is_empty(), "{doctype} does not match its DocType: {errors:#?}\n{doc:#}");
}

pub fn assert_row(doctype: &str, row: &Value) {
    let errors = check_doc(doctype, row, true, &[]);
    assert!(errors.is_empty(), "{doctype} list row does not match its DocType: {errors:#?}\n{row:#}");
}

/// Frappe's v1 error body: `exc_type`, optional `exception`, `_server_messages` (JSON string of a
/// list of JSON strings, each an object with message/title/indicator/raise_exception). Returns the
/// decoded messages.
pub fn assert_error_shape(body: &Value) -> Vec<Value> {
    let obj = body.as_object().expect("error body is an object");
    assert!(obj["exc_type"].is_string(), "exc_type: {body}");
    for k in obj.keys() {
        assert!(["exc_type", "exception", "exc", "_server_messages"].contains(&k.as_str()), "unexpected key {k}");
    }
    if let Some(e) = obj.get("exception") {
        let e = e.as_str().expect("exception is a string");
        assert!(e.contains(obj["exc_type"].as_str().unwrap()), "exception names exc_type: {e}");
    }
    let Some(raw) = obj.get("_server_messages") else { return vec![] };
    let list: Vec<String> =
        serde_json::from_str(raw.as_str().expect("_server_messages is a string")).expect("list of strings");
    list.iter()
        .map(|m| {
            let v: Value = serde_json::from_str(m).expect("message is JSON");
            for k in ["message", "title", "indicator", "raise_exception"] {
                assert!(v.get(k).is_some(), "server message lacks {k}: {m}");
            }
            v
        })
        .collect()
}
