//! Wire helpers: HelloAsso's date format (Europe/Paris offset, 7 fractional digits), query strings
//! with repeated keys (`formTypes=Membership&formTypes=Event`), form-encoded bodies, error bodies.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Paris;
use serde_json::{Value, json};

/// `2025-01-15T10:21:33.1234567+01:00`, as in HelloAsso's payloads.
pub fn date_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Paris);
    format!(
        "{}.{:07}{}",
        local.format("%Y-%m-%dT%H:%M:%S"),
        local.nanosecond() % 1_000_000_000 / 100,
        local.format("%:z")
    )
}

/// A birth date as HelloAsso sends it: local midnight with the offset (`1990-04-12T00:00:00+02:00`).
pub fn birth_date(date: NaiveDate) -> String {
    match Paris.from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight")).earliest() {
        Some(local) => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => format!("{date}T00:00:00+00:00"),
    }
}

/// Parses an ISO-8601 date-time query parameter (offset optional: then Europe/Paris; a bare date: midnight).
pub fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    // `+0000` offsets without a colon (how the official Python SDK formats datetimes).
    if let Ok(dt) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(dt.with_timezone(&Utc));
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    Paris.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `application/x-www-form-urlencoded` pairs (query strings and form bodies).
#[derive(Debug, Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(text: &str) -> Params {
        Params(
            text.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect(),
        )
    }

    /// The first value of `name` (case-insensitive, as ASP.NET binds), empty values ignored.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// Every value of a list parameter, repeated (`a=1&a=2`) or comma-separated (`a=1,2`).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name) || k.eq_ignore_ascii_case(&format!("{name}[]")))
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, Response> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(bad_request(&format!("The value '{v}' is not valid for {name}."))),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, Response> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => {
                v.parse().map(Some).map_err(|_| bad_request(&format!("The value '{v}' is not valid for {name}.")))
            }
        }
    }

    pub fn date(&self, name: &str) -> Result<Option<DateTime<Utc>>, Response> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_date_time(v)
                .map(Some)
                .ok_or_else(|| bad_request(&format!("The value '{v}' is not valid for {name}."))),
        }
    }
}

/// HelloAsso's error body for 400/403/404/409 (`{"errors":[{"code","message"}]}`; not documented, see lib.rs).
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"errors": [{"code": code, "message": message}]}))).into_response()
}

pub fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "ArgumentInvalid", message)
}

pub fn not_found(what: &str) -> Response {
    error(StatusCode::NOT_FOUND, "NotFound", &format!("{what} not found"))
}

/// 401 as the API answers a missing, unknown or expired bearer token.
pub fn unauthorized() -> Response {
    let mut resp =
        (StatusCode::UNAUTHORIZED, Json(json!({"message": "Authorization has been denied for this request."})))
            .into_response();
    resp.headers_mut()
        .insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer error=\"invalid_token\""));
    resp
}

/// 200 with a JSON body.
pub fn ok(value: Value) -> Response {
    Json(value).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_written_as_helloasso_does() {
        let at = Utc.with_ymd_and_hms(2025, 1, 15, 9, 21, 33).unwrap() + chrono::Duration::nanoseconds(123_456_700);
        assert_eq!(date_time(at), "2025-01-15T10:21:33.1234567+01:00");
        assert_eq!(birth_date(NaiveDate::from_ymd_opt(1990, 4, 12).unwrap()), "1990-04-12T00:00:00+02:00");
        for text in [
            "2025-01-15T10:21:33+01:00",
            "2025-01-15T09:21:33Z",
            "2025-01-15T09:21:33.000000+0000",
            "2025-01-15T10:21:33",
        ] {
            assert_eq!(parse_date_time(text), Some(Utc.with_ymd_and_hms(2025, 1, 15, 9, 21, 33).unwrap()), "{text}");
        }
        assert_eq!(parse_date_time("demain"), None);
    }

    #[test]
    fn params_decode_and_repeat() {
        let p = Params::parse("formTypes=Membership&formTypes=Event%2CDonation&userSearchKey=Zo%C3%A9+L&x=%zz");
        assert_eq!(p.list("formtypes"), ["Membership", "Event", "Donation"]);
        assert_eq!(p.get("userSearchKey"), Some("Zoé L"));
        assert_eq!(p.get("x"), Some("%zz"));
    }
}
