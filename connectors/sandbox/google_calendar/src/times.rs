//! Event times: `EventDateTime` (`dateTime` with offset, or `dateTime` without offset + `timeZone`,
//! or all-day `date`) to instants, and back to Google's formats in a given time zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

/// Parses an IANA zone name (falls back to `None` when unknown).
pub fn zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The local (wall-clock) start of an `EventDateTime`, with its zone, and whether it is all-day.
pub fn local(dt: &Value, default_tz: Tz) -> Option<(NaiveDateTime, Tz, bool)> {
    let tz = dt["timeZone"].as_str().and_then(zone).unwrap_or(default_tz);
    if let Some(d) = dt["date"].as_str() {
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
        return Some((date.and_hms_opt(0, 0, 0)?, tz, true));
    }
    let s = dt["dateTime"].as_str()?;
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return Some((at.with_timezone(&tz).naive_local(), tz, false));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some((naive, tz, false))
}

/// Wall-clock time in `tz` to an instant (the earlier one in a DST fold; gaps move forward an hour).
pub fn to_utc(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
        .map(|d| d.with_timezone(&Utc))
}

/// The instant an `EventDateTime` designates (all-day: midnight in its zone).
pub fn instant(dt: &Value, default_tz: Tz) -> Option<DateTime<Utc>> {
    let (naive, tz, _) = local(dt, default_tz)?;
    to_utc(naive, tz)
}

/// Builds an `EventDateTime` for a local time (keeps `timeZone` if the original had one).
pub fn event_datetime(naive: NaiveDateTime, tz: Tz, all_day: bool, keep_zone: Option<&str>) -> Value {
    let mut v = if all_day {
        json!({"date": naive.date().format("%Y-%m-%d").to_string()})
    } else {
        let at = to_utc(naive, tz).map(|u| u.with_timezone(&tz)).map(|d| d.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
        json!({"dateTime": at})
    };
    if let Some(z) = keep_zone {
        v["timeZone"] = json!(z);
    }
    v
}

/// Re-expresses a `dateTime` in another zone (the `timeZone` parameter of events.list/get).
pub fn reexpress(dt: &mut Value, tz: Tz) {
    if let Some(s) = dt["dateTime"].as_str()
        && let Ok(at) = DateTime::parse_from_rfc3339(s)
    {
        dt["dateTime"] = json!(at.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%:z").to_string());
    }
}

/// Parses an RFC 3339 query parameter (`timeMin`, `timeMax`, `updatedMin`).
pub fn parse_param(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}
