//! Casting client values to Frappe field types (`Check` → 0/1, numbers, dates, datetimes, Select
//! options checked) and building child rows, as `Document.update` + `validate` do.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use crate::{
    compute,
    doctypes::{self, Meta, kind, options},
    errors::FrappeError,
    store::{Doc, State},
};

/// Sets the known fields of `data` on `doc` (unknown keys are ignored, as Frappe does).
pub fn assign(meta: &Meta, doc: &mut Doc, data: &Doc, st: &mut State) -> Result<(), FrappeError> {
    for (key, value) in data {
        let Some(ftype) = meta.field(key) else { continue };
        if kind(ftype) == "Table" {
            let child = options(ftype).unwrap_or_default();
            let rows = build_rows(child, key, value, st)?;
            doc.insert(key.clone(), Value::Array(rows));
        } else {
            doc.insert(key.clone(), cast(meta.name, key, ftype, value)?);
        }
    }
    Ok(())
}

fn build_rows(child: &str, field: &str, value: &Value, st: &mut State) -> Result<Vec<Value>, FrappeError> {
    let Some(items) = value.as_array() else {
        if value.is_null() {
            return Ok(vec![]);
        }
        return Err(FrappeError::validation("ValidationError", format!("{field} must be a list of rows")));
    };
    let child_fields = doctypes::child(child).map(|c| c.0);
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(FrappeError::validation(
                "ValidationError",
                format!("Row #{} of {field} is not an object", i + 1),
            ));
        };
        let mut row = Doc::new();
        let name = obj.get("name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| st.hash());
        row.insert("name".into(), json!(name));
        match child_fields {
            Some(fields) => {
                for (f, t) in fields {
                    let default = match kind(t) {
                        "Check" | "Int" => json!(0),
                        "Float" | "Currency" | "Percent" => json!(0.0),
                        _ => Value::Null,
                    };
                    let v = match obj.get(*f) {
                        Some(v) => cast(child, f, t, v)?,
                        None => default,
                    };
                    row.insert(f.to_string(), v);
                }
            }
            None => {
                for (k, v) in obj {
                    if !doctypes::CHILD_STANDARD.contains(&k.as_str()) {
                        row.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        compute::row_defaults(child, &mut row);
        if let Some((_, mandatory)) = doctypes::child(child) {
            for m in mandatory {
                if row.get(*m).is_none_or(|v| v.is_null() || v == "") {
                    let message =
                        format!("Error: Value missing for {child}: {} (row #{} of {field})", doctypes::label(m), i + 1);
                    return Err(FrappeError::validation("MandatoryError", message));
                }
            }
        }
        row.insert("parentfield".into(), json!(field));
        row.insert("idx".into(), json!(i + 1));
        row.insert("doctype".into(), json!(child));
        rows.push(Value::Object(row));
    }
    Ok(rows)
}

/// Casts one value to the field's type.
pub fn cast(doctype: &str, field: &str, ftype: &str, value: &Value) -> Result<Value, FrappeError> {
    if value.is_null() {
        return Ok(match kind(ftype) {
            "Check" | "Int" => json!(0),
            "Float" | "Currency" | "Percent" => json!(0.0),
            _ => Value::Null,
        });
    }
    let invalid = |what: &str| {
        FrappeError::validation(
            "ValidationError",
            format!("{}: {} is not a valid {what}", doctypes::label(field), value_text(value)),
        )
    };
    Ok(match kind(ftype) {
        "Check" | "Int" => match value {
            Value::Bool(b) => json!(*b as i64),
            Value::Number(n) => json!(n.as_f64().unwrap_or(0.0) as i64),
            Value::String(s) if s.trim().is_empty() => json!(0),
            Value::String(s) => json!(s.trim().parse::<f64>().map_err(|_| invalid("number"))? as i64),
            _ => return Err(invalid("number")),
        },
        "Float" | "Currency" | "Percent" => match value {
            Value::Number(n) => json!(n.as_f64().unwrap_or(0.0)),
            Value::String(s) if s.trim().is_empty() => json!(0.0),
            Value::String(s) => json!(s.trim().parse::<f64>().map_err(|_| invalid("number"))?),
            _ => return Err(invalid("number")),
        },
        "Date" => json!(parse_date(&value_text(value)).ok_or_else(|| invalid("date"))?.format("%Y-%m-%d").to_string()),
        "Datetime" => json!(format_datetime(parse_datetime(&value_text(value)).ok_or_else(|| invalid("datetime"))?)),
        "Select" => {
            let text = value_text(value);
            let opts: Vec<&str> = options(ftype).map(|o| o.split('|').collect()).unwrap_or_default();
            if !text.is_empty() && !opts.is_empty() && !opts.contains(&text.as_str()) {
                let list = opts.iter().filter(|o| !o.is_empty()).map(|o| format!("\"{o}\"")).collect::<Vec<_>>();
                let message = format!(
                    "{} {} cannot be \"{text}\". It should be one of {}",
                    doctype,
                    doctypes::label(field),
                    list.join(", ")
                );
                return Err(FrappeError::validation("ValidationError", message));
            }
            json!(text)
        }
        _ => match value {
            Value::String(_) => value.clone(),
            Value::Number(_) | Value::Bool(_) => json!(value_text(value)),
            _ => json!(value.to_string()),
        },
    })
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

/// Accepts `YYYY-MM-DD HH:MM[:SS[.ffffff]]`, the `T` form, a bare date, or RFC 3339 (converted to
/// the site's time zone).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&crate::store::SITE_TZ).naive_local());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// Python's `str(datetime)`: microseconds only when not zero.
pub fn format_datetime(dt: NaiveDateTime) -> String {
    if dt.and_utc().timestamp_subsec_micros() == 0 {
        dt.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        dt.format(crate::store::DATETIME_FMT).to_string()
    }
}
