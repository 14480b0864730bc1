//! The closed set of field transforms a mapping may name. Each is a pure function of one JSON
//! value; `null` stays `null` (the mapping's `default` applies before the transform). `map` also
//! reads the field's `values` table ([`map`]); the others read nothing but the value.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use serde_json::Value;

/// Every transform name, for error messages.
pub const TRANSFORMS: &[&str] = &[
    "copy",
    "trim",
    "lowercase",
    "uppercase",
    "email",
    "phone",
    "date",
    "datetime",
    "cents",
    "integer",
    "boolean",
    "string",
    "country",
    "postal_code",
    "map",
];

/// Transforms that read their value as yes/no, or take it as it is: a mapping's
/// `false_is_null` leaves their `false` alone (for the others, `false` is an absent value).
pub const KEEP_FALSE: &[&str] = &["copy", "boolean"];

/// Why a value could not be transformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransformError(pub String);

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn need_text(v: &Value, what: &str) -> Result<String, TransformError> {
    text(v).ok_or_else(|| TransformError(format!("expected text for {what}, got {v}")))
}

fn non_empty(s: String) -> Value {
    if s.is_empty() { Value::Null } else { Value::String(s) }
}

/// Applies transform `name` (one of [`TRANSFORMS`]) to `v`.
pub fn apply(name: &str, v: &Value) -> Result<Value, TransformError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match name {
        "copy" => Ok(v.clone()),
        "trim" => Ok(non_empty(need_text(v, "trim")?.trim().to_string())),
        "lowercase" => Ok(non_empty(need_text(v, "lowercase")?.trim().to_lowercase())),
        "uppercase" => Ok(non_empty(need_text(v, "uppercase")?.trim().to_uppercase())),
        "string" => Ok(non_empty(need_text(v, "string")?)),
        "postal_code" => Ok(non_empty(need_text(v, "postal_code")?.trim().to_string())),
        "email" => email(&need_text(v, "email")?),
        "phone" => phone(&need_text(v, "phone")?),
        "date" => date(&need_text(v, "date")?),
        "datetime" => datetime(&need_text(v, "datetime")?),
        "cents" => cents(v),
        "integer" => integer(v),
        "boolean" => boolean(v),
        "country" => country(&need_text(v, "country")?),
        "map" => Err(TransformError("transform `map` needs its `values` table".into())),
        other => Err(TransformError(format!("unknown transform `{other}`"))),
    }
}

/// The `map` transform: the value (text, trimmed; a number or a boolean as its text) looked up
/// in `values`. An empty text not listed is null; any other value not listed is an error that
/// names the value and the listed ones.
pub fn map(values: &BTreeMap<String, String>, v: &Value) -> Result<Value, TransformError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let key = need_text(v, "map")?;
    let key = key.trim();
    match values.get(key) {
        Some(mapped) => Ok(Value::String(mapped.clone())),
        None if key.is_empty() => Ok(Value::Null),
        None => {
            let known: Vec<String> = values.keys().map(|k| format!("`{k}`")).collect();
            Err(TransformError(format!(
                "`{key}` is not a value this mapping knows (expected one of {})",
                known.join(", ")
            )))
        }
    }
}

fn email(s: &str) -> Result<Value, TransformError> {
    let e: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    if e.is_empty() {
        return Ok(Value::Null);
    }
    match e.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@') => {
            Ok(Value::String(e))
        }
        _ => Err(TransformError(format!("`{s}` is not an email address"))),
    }
}

/// French-first E.164: "06 12 34 56 78" → "+33612345678"; "+44 20…" kept; "0033…" → "+33…".
fn phone(s: &str) -> Result<Value, TransformError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    let plus = trimmed.starts_with('+');
    let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
    if trimmed.chars().any(|c| !(c.is_ascii_digit() || " .-()/+".contains(c))) || digits.len() < 6 {
        return Err(TransformError(format!("`{s}` is not a phone number")));
    }
    let e164 = if plus {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else if digits.len() == 10 && digits.starts_with('0') {
        format!("+33{}", &digits[1..])
    } else {
        return Err(TransformError(format!("`{s}`: cannot tell the country (write it with +country code)")));
    };
    if !(8..=16).contains(&e164.len()) {
        return Err(TransformError(format!("`{s}` has the wrong length for a phone number")));
    }
    Ok(Value::String(e164))
}

fn date(s: &str) -> Result<Value, TransformError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Value::Null);
    }
    let parsed = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Paris).date_naive()))
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|d| d.date()));
    parsed
        .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
        .ok_or_else(|| TransformError(format!("`{s}` is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")))
}

fn datetime(s: &str) -> Result<Value, TransformError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Value::Null);
    }
    let utc: Option<DateTime<Utc>> = DateTime::parse_from_rfc3339(s).ok().map(|d| d.to_utc()).or_else(|| {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
            .ok()
            .and_then(|n| Paris.from_local_datetime(&n).earliest())
            .map(|d| d.to_utc())
    });
    utc.map(|d| Value::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
        .ok_or_else(|| TransformError(format!("`{s}` is not a date-time (RFC 3339, or local time in Europe/Paris)")))
}

fn cents(v: &Value) -> Result<Value, TransformError> {
    let text = text(v).ok_or_else(|| TransformError(format!("expected an amount, got {v}")))?;
    let norm = text.trim().replace(['€', ' ', '\u{a0}'], "").replace(',', ".");
    if norm.is_empty() {
        return Ok(Value::Null);
    }
    let amount: f64 = norm.parse().map_err(|_| TransformError(format!("`{text}` is not an amount")))?;
    if !amount.is_finite() {
        return Err(TransformError(format!("`{text}` is not an amount")));
    }
    Ok(Value::from((amount * 100.0).round() as i64))
}

fn integer(v: &Value) -> Result<Value, TransformError> {
    match v {
        Value::Number(n) if n.is_i64() => Ok(v.clone()),
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Ok(Value::from(n.as_f64().unwrap() as i64)),
        Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
        Value::String(s) => {
            s.trim().parse::<i64>().map(Value::from).map_err(|_| TransformError(format!("`{s}` is not a whole number")))
        }
        other => Err(TransformError(format!("expected a whole number, got {other}"))),
    }
}

fn boolean(v: &Value) -> Result<Value, TransformError> {
    let t = text(v).unwrap_or_default().trim().to_lowercase();
    match t.as_str() {
        "true" | "oui" | "yes" | "1" | "vrai" | "x" => Ok(Value::Bool(true)),
        "false" | "non" | "no" | "0" | "faux" => Ok(Value::Bool(false)),
        "" => Ok(Value::Null),
        _ => Err(TransformError(format!("`{t}` is not yes/no"))),
    }
}

const COUNTRIES: &[(&str, &[&str])] = &[
    ("FR", &["france", "fra", "fr", "république française"]),
    ("BE", &["belgique", "belgium", "bel", "be"]),
    ("CH", &["suisse", "switzerland", "che", "ch"]),
    ("LU", &["luxembourg", "lux", "lu"]),
    ("DE", &["allemagne", "germany", "deu", "de"]),
    ("ES", &["espagne", "spain", "esp", "es"]),
    ("IT", &["italie", "italy", "ita", "it"]),
    ("GB", &["royaume-uni", "united kingdom", "gbr", "gb", "uk"]),
    ("CA", &["canada", "can", "ca"]),
];

fn country(s: &str) -> Result<Value, TransformError> {
    let t = s.trim().to_lowercase();
    if t.is_empty() {
        return Ok(Value::Null);
    }
    if let Some((code, _)) = COUNTRIES.iter().find(|(_, names)| names.contains(&t.as_str())) {
        return Ok(Value::String(code.to_string()));
    }
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(Value::String(t.to_uppercase()));
    }
    Err(TransformError(format!("`{s}` is not a country this hub knows (use an ISO 3166 alpha-2 code)")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use std::collections::BTreeMap;

    use super::{apply, map};

    fn ok(name: &str, v: serde_json::Value) -> serde_json::Value {
        apply(name, &v).unwrap_or_else(|e| panic!("{name}({v}): {e}"))
    }

    #[test]
    fn text_transforms() {
        assert_eq!(ok("trim", json!("  Camille ")), json!("Camille"));
        assert_eq!(ok("trim", json!("   ")), json!(null));
        assert_eq!(ok("lowercase", json!(" ABC")), json!("abc"));
        assert_eq!(ok("uppercase", json!("fr")), json!("FR"));
        assert_eq!(ok("string", json!(75011)), json!("75011"));
        assert_eq!(ok("copy", json!({"a": 1})), json!({"a": 1}));
        assert_eq!(ok("trim", json!(null)), json!(null));
        assert!(apply("trim", &json!({"a": 1})).is_err());
        assert!(apply("nope", &json!("x")).is_err());
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(ok("email", json!("  Camille.Martin@Example.ORG ")), json!("camille.martin@example.org"));
        assert_eq!(ok("email", json!("")), json!(null));
        assert!(apply("email", &json!("not-an-email")).is_err());
        assert!(apply("email", &json!("a@b@c")).is_err());
        assert_eq!(ok("phone", json!("06 12 34 56 78")), json!("+33612345678"));
        assert_eq!(ok("phone", json!("+33 6 12 34 56 78")), json!("+33612345678"));
        assert_eq!(ok("phone", json!("0033612345678")), json!("+33612345678"));
        assert_eq!(ok("phone", json!("+44 20 7946 0958")), json!("+442079460958"));
        assert!(apply("phone", &json!("call me")).is_err());
        assert!(apply("phone", &json!("12345678")).is_err(), "no country");
    }

    #[test]
    fn dates_and_datetimes() {
        assert_eq!(ok("date", json!("1990-05-17")), json!("1990-05-17"));
        assert_eq!(ok("date", json!("17/05/1990")), json!("1990-05-17"));
        assert_eq!(ok("date", json!("1990-05-17T00:00:00+02:00")), json!("1990-05-17"));
        assert!(apply("date", &json!("31/02/1990")).is_err());
        assert_eq!(ok("datetime", json!("2026-10-25T10:00:00+01:00")), json!("2026-10-25T09:00:00Z"));
        // Naive local times are Europe/Paris, across the October DST change.
        assert_eq!(ok("datetime", json!("2026-10-24T10:00:00")), json!("2026-10-24T08:00:00Z"));
        assert_eq!(ok("datetime", json!("2026-10-26T10:00:00")), json!("2026-10-26T09:00:00Z"));
        assert!(apply("datetime", &json!("tomorrow")).is_err());
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(ok("cents", json!(12.5)), json!(1250));
        assert_eq!(ok("cents", json!("12,50 €")), json!(1250));
        assert_eq!(ok("cents", json!(10)), json!(1000));
        assert!(apply("cents", &json!("douze")).is_err());
        assert_eq!(ok("integer", json!("42")), json!(42));
        assert_eq!(ok("integer", json!(3.0)), json!(3));
        assert!(apply("integer", &json!("4.5")).is_err());
        assert_eq!(ok("boolean", json!("Oui")), json!(true));
        assert_eq!(ok("boolean", json!(0)), json!(false));
        assert!(apply("boolean", &json!("peut-être")).is_err());
    }

    #[test]
    fn countries_and_postal_codes() {
        assert_eq!(ok("country", json!("France")), json!("FR"));
        assert_eq!(ok("country", json!("fra")), json!("FR"));
        assert_eq!(ok("country", json!("be")), json!("BE"));
        assert!(apply("country", &json!("Atlantis")).is_err());
        assert_eq!(ok("postal_code", json!(" 75011 ")), json!("75011"));
    }

    #[test]
    fn value_maps() {
        let values: BTreeMap<String, String> =
            [("paid", "active"), ("Cancelled and billable", "cancelled"), ("1", "active"), ("", "pending")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let ok = |v: serde_json::Value| map(&values, &v).unwrap_or_else(|e| panic!("map({v}): {e}"));
        assert_eq!(ok(json!("paid")), json!("active"));
        assert_eq!(ok(json!(" Cancelled and billable ")), json!("cancelled"), "trimmed, case kept");
        assert_eq!(ok(json!(1)), json!("active"), "a number is looked up as its text");
        assert_eq!(ok(json!("  ")), json!("pending"), "an empty text is looked up too");
        assert_eq!(ok(json!(null)), json!(null));
        let err = map(&values, &json!("Paid")).unwrap_err().0;
        assert_eq!(
            err,
            "`Paid` is not a value this mapping knows (expected one of ``, `1`, `Cancelled and billable`, `paid`)"
        );
        assert!(map(&values, &json!(["paid"])).is_err());
        let no_empty: BTreeMap<String, String> = [("paid".to_string(), "active".to_string())].into();
        assert_eq!(map(&no_empty, &json!("")).unwrap(), json!(null), "empty and not listed: null");
        assert!(apply("map", &json!("paid")).unwrap_err().0.contains("values"), "map needs its table");
    }
}
