//! Templates: `{field}` placeholders filled from a change's canonical fields, with dates and
//! datetimes written out in French in Europe/Paris.
//!
//! # Syntax
//! * `{field}` is replaced by the value of `field` in `CanonicalChange.fields`; `{a.b}` reads a
//!   nested object. A missing or null field renders as nothing (never an error, never a panic).
//!   `{a|b}` renders the first of `a`, `b` that has a non-empty value.
//! * `{field:euros}` reads an integer amount in cents and writes it in euros, French style
//!   (`2500` → `25,00 €`).
//! * `{field:fr}` translates the canonical model's English status and kind words into French
//!   (`active` → `active`, `pending` → `en attente`, `cancelled` → `annulée`, `donation` → `don`,
//!   `membership` → `adhésion`…, see [`french_word`]); other values are shown as they are.
//! * `{{` and `}}` are literal braces. An unclosed `{` is a configuration error, reported by
//!   [`check_template`] when the connector is built.
//!
//! Values: a string holding an RFC 3339 instant (`2026-12-01T09:00:00Z`) is written
//! `mardi 1 décembre 2026 à 10 h 00` (Europe/Paris, daylight saving time included); a
//! `YYYY-MM-DD` date is written `mardi 1 décembre 2026`; other strings as they are; numbers as
//! JSON writes them; booleans `oui`/`non`; a list of values joined with `, `. After rendering, runs
//! of spaces left by empty fields are collapsed into one and each line is trimmed.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Europe::Paris;
use serde_json::Value;

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

/// `mardi 1 décembre 2026`.
pub fn french_date(date: NaiveDate) -> String {
    format!("{} {} {} {}", weekday(date.weekday()), date.day(), MONTHS[date.month0() as usize], date.year())
}

/// `mardi 1 décembre 2026 à 10 h 00`, in Europe/Paris.
pub fn french_datetime<Tz: chrono::TimeZone>(at: &DateTime<Tz>) -> String {
    let local = at.with_timezone(&Paris);
    format!("{} à {} h {:02}", french_date(local.date_naive()), local.hour(), local.minute())
}

/// `25,00 €` for 2500 cents.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02} €", abs / 100, abs % 100)
}

/// The French word for a canonical status or kind (feminine where the entity is: adhésion,
/// réservation); `None` for any other word.
pub fn french_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "pending" => "en attente",
        "active" => "active",
        "expired" => "expirée",
        "cancelled" | "canceled" => "annulée",
        "refunded" => "remboursée",
        "authorized" => "autorisé",
        "failed" => "échoué",
        "requested" => "demandée",
        "confirmed" => "confirmée",
        "rejected" => "refusée",
        "blocked" => "bloquée",
        "scheduled" => "programmé",
        "membership" => "adhésion",
        "donation" => "don",
        "booking" => "réservation",
        "ticket" => "billet",
        "shop" => "boutique",
        _ => return None,
    })
}

/// A field's value as text (see the module docs).
pub fn display_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "oui" } else { "non" }.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => display_str(s),
        Value::Array(items) => items.iter().map(display_value).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", "),
        Value::Object(_) => value.to_string(),
    }
}

fn display_str(s: &str) -> String {
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return french_datetime(&at);
    }
    if s.len() == 10
        && let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
    {
        return french_date(date);
    }
    s.to_string()
}

fn lookup<'a>(fields: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(fields, |v, key| v.get(key.trim()))
}

fn placeholder(fields: &Value, spec: &str) -> String {
    let (path, format) = match spec.split_once(':') {
        Some((path, format)) => (path, Some(format.trim())),
        None => (spec, None),
    };
    // `{a|b}`: the first of the fields that has a non-empty value.
    let found = path
        .split('|')
        .map(str::trim)
        .find_map(|p| lookup(fields, p).filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty())));
    let Some(value) = found else { return String::new() };
    match format {
        Some("fr") => match value.as_str().and_then(french_word) {
            Some(word) => word.to_string(),
            None => display_value(value),
        },
        Some("euros") => match value.as_i64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok())) {
            Some(cents) => euros(cents),
            None => display_value(value),
        },
        _ => display_value(value),
    }
}

/// Checks a template's syntax; the error says what is wrong, without the fields.
pub fn check_template(template: &str) -> Result<(), String> {
    render_raw(template, &Value::Null).map(|_| ())
}

fn render_raw(template: &str, fields: &Value) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let rest = &template[i + 1..];
                let end = rest.find('}').ok_or_else(|| format!("unclosed `{{` at byte {i}"))?;
                let spec = &rest[..end];
                if spec.contains('{') || spec.trim().is_empty() {
                    return Err(format!("bad placeholder at byte {i}"));
                }
                out.push_str(&placeholder(fields, spec));
                for _ in 0..spec.chars().count() + 1 {
                    chars.next();
                }
            }
            '}' => return Err(format!("lone `}}` at byte {i} (write `}}}}` for a brace)")),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Renders `template` with `fields`. A template that does not parse (refused at build time)
/// renders as written, so a message is never lost.
pub fn render(template: &str, fields: &Value) -> String {
    let text = render_raw(template, fields).unwrap_or_else(|_| template.to_string());
    tidy(&text)
}

fn tidy(text: &str) -> String {
    text.lines()
        .map(|line| line.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn placeholders_are_filled_and_missing_ones_are_empty() {
        let fields = json!({"given_name": "Awa", "family_name": "Diallo", "plan": "solidaire", "amount": 1500,
            "n": {"x": 3}, "ok": true});
        let text =
            render("Nouvelle adhésion : {given_name} {missing} {family_name} — {plan} ({amount:euros})", &fields);
        assert_eq!(text, "Nouvelle adhésion : Awa Diallo — solidaire (15,00 €)");
        assert_eq!(render("{n.x} {ok} {{brace}} {nothing:euros}", &fields), "3 oui {brace}");
        assert_eq!(render("{a}{b}", &Value::Null), "");
        assert_eq!(render("{missing|family_name|given_name}", &fields), "Diallo", "the first field that has a value");
        let payment = json!({"kind": "donation", "status": "weird"});
        assert_eq!(render("Paiement ({kind:fr}, {status:fr}, {kind})", &payment), "Paiement (don, weird, donation)");
    }

    #[test]
    fn bad_templates_are_refused_and_never_panic() {
        assert!(check_template("Bonjour {given_name").is_err());
        assert!(check_template("Bonjour }").is_err());
        assert!(check_template("Bonjour {}").is_err());
        assert!(check_template("Prix : {amount:euros} {{ok}} é {plan}").is_ok());
        assert_eq!(render("é {x", &json!({"x": 1})), "é {x");
    }

    #[test]
    fn french_dates_across_the_october_dst_change() {
        // 2026-10-25: Paris goes from UTC+2 to UTC+1 at 01:00 UTC.
        assert_eq!(display_value(&json!("2026-10-24T08:00:00Z")), "samedi 24 octobre 2026 à 10 h 00");
        assert_eq!(display_value(&json!("2026-10-25T00:30:00Z")), "dimanche 25 octobre 2026 à 2 h 30");
        assert_eq!(display_value(&json!("2026-10-25T01:30:00Z")), "dimanche 25 octobre 2026 à 2 h 30");
        assert_eq!(display_value(&json!("2026-10-26T08:00:00Z")), "lundi 26 octobre 2026 à 9 h 00");
        assert_eq!(display_value(&json!("2026-12-01T09:00:00Z")), "mardi 1 décembre 2026 à 10 h 00");
        assert_eq!(display_value(&json!("2026-03-29T09:05:00+02:00")), "dimanche 29 mars 2026 à 9 h 05");
        assert_eq!(display_value(&json!("2027-08-15")), "dimanche 15 août 2027");
        assert_eq!(display_value(&json!("pas une date")), "pas une date");
    }

    #[test]
    fn amounts_in_euros() {
        assert_eq!(euros(0), "0,00 €");
        assert_eq!(euros(123456), "1234,56 €");
        assert_eq!(euros(-505), "-5,05 €");
    }
}
