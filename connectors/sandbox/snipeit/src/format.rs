//! Snipe-IT's output helpers: `Helper::getFormattedDateObject` (`{"datetime","formatted"}` /
//! `{"date","formatted"}`), `Helper::formatCurrencyOutput` (`1.599,62`, the digit separator of the
//! vendor's examples), Laravel's `e()` HTML escaping of names, and the asset `age` string.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

/// `{"datetime": "Y-m-d H:i:s", "formatted": "Wed Nov 22, 2017 5:28AM"}`.
pub fn datetime(d: NaiveDateTime) -> Value {
    json!({
        "datetime": d.format("%Y-%m-%d %H:%M:%S").to_string(),
        "formatted": d.format("%a %b %d, %Y %-I:%M%p").to_string(),
    })
}

pub fn datetime_opt(d: Option<NaiveDateTime>) -> Value {
    d.map_or(Value::Null, datetime)
}

/// `{"date": "Y-m-d", "formatted": "Thu Feb 27, 2025"}`.
pub fn date(d: NaiveDate) -> Value {
    json!({ "date": d.format("%Y-%m-%d").to_string(), "formatted": d.format("%a %b %d, %Y").to_string() })
}

pub fn date_opt(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, date)
}

/// Raw Eloquent serialisation of a timestamp in Laravel 7+ (`2022-11-15T17:25:17.000000Z`).
pub fn iso(d: NaiveDateTime) -> String {
    d.format("%Y-%m-%dT%H:%M:%S.000000Z").to_string()
}

/// `1.599,62` (thousands `.`, decimals `,`).
pub fn currency(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let (neg, cents) = (cents < 0, cents.abs());
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{}{grouped},{:02}", if neg { "-" } else { "" }, cents % 100)
}

pub fn currency_opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |v| Value::String(currency(v)))
}

/// Laravel's `e()`: HTML special characters escaped (the vendor's JSON carries `13&quot;`).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#039;")
}

pub fn esc_opt(s: &Option<String>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::String(esc(s)),
        _ => Value::Null,
    }
}

/// Adds whole months to a date (clamping the day).
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months)).unwrap_or(d)
}

/// `age` of an asset from its purchase date, e.g. `1y 3m 22d` / `9m 22d` (empty when unknown).
pub fn age(purchase: Option<NaiveDate>, today: NaiveDate) -> String {
    let Some(p) = purchase else { return String::new() };
    if p > today {
        return String::new();
    }
    let mut months = (today.year() - p.year()) * 12 + today.month() as i32 - p.month() as i32;
    if today.day() < p.day() {
        months -= 1;
    }
    let anchor = add_months(p, months.max(0) as u32);
    let days = (today - anchor).num_days();
    let (y, m) = (months / 12, months % 12);
    let mut parts = Vec::new();
    if y > 0 {
        parts.push(format!("{y}y"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    parts.push(format!("{days}d"));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_vendor() {
        assert_eq!(currency(1599.62), "1.599,62");
        assert_eq!(currency(446.8), "446,80");
        assert_eq!(currency(2297.1), "2.297,10");
        assert_eq!(esc("Macbook Pro 13\""), "Macbook Pro 13&quot;");
        let d = NaiveDate::from_ymd_opt(2022, 12, 19).unwrap();
        assert_eq!(datetime(d.and_hms_opt(15, 42, 6).unwrap())["formatted"], "Mon Dec 19, 2022 3:42PM");
        assert_eq!(date(NaiveDate::from_ymd_opt(2025, 2, 27).unwrap())["formatted"], "Thu Feb 27, 2025");
        assert_eq!(age(Some(NaiveDate::from_ymd_opt(2022, 9, 16).unwrap()), d), "3m 3d");
    }
}
