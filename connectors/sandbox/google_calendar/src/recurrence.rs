//! RRULE expansion for `singleEvents=true` and events.instances: `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY`
//! with `INTERVAL`, `COUNT`, `UNTIL` and (weekly) `BYDAY=MO,WE,...`, plus `EXDATE` lines. Other
//! rule parts (BYMONTHDAY, BYSETPOS, numbered BYDAY...) are rejected by [`parse`] so the caller
//! can leave such a series unexpanded.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::times;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<usize>,
    pub until: Option<DateTime<Utc>>,
    pub by_day: Vec<Weekday>,
    /// Excluded local start times (EXDATE), compared on the date when all-day.
    pub exdates: Vec<NaiveDateTime>,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// `20150528T170000Z`, `20150528T170000` (local, in `tz`) or `20150528`.
fn parse_stamp(s: &str, tz: Tz) -> Option<(NaiveDateTime, DateTime<Utc>)> {
    if let Some(z) = s.strip_suffix('Z') {
        let n = NaiveDateTime::parse_from_str(z, "%Y%m%dT%H%M%S").ok()?;
        let utc = n.and_utc();
        return Some((utc.with_timezone(&tz).naive_local(), utc));
    }
    let n = NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%Y%m%d").ok().and_then(|d| d.and_hms_opt(23, 59, 59)))?;
    Some((n, times::to_utc(n, tz)?))
}

/// Parses the `recurrence` lines of an event. `Ok(None)`: not recurring; `Err`: a rule this
/// sandbox does not expand (or an invalid one).
pub fn parse(lines: &[String], tz: Tz) -> Result<Option<Rule>, String> {
    let mut rule: Option<Rule> = None;
    let mut exdates = Vec::new();
    for line in lines {
        let (head, value) = line.split_once(':').ok_or_else(|| format!("invalid recurrence line {line}"))?;
        let name = head.split(';').next().unwrap_or_default();
        match name {
            "RRULE" => {
                let mut r =
                    Rule { freq: Freq::Daily, interval: 1, count: None, until: None, by_day: vec![], exdates: vec![] };
                let mut freq = None;
                for part in value.split(';') {
                    let (k, v) = part.split_once('=').ok_or_else(|| format!("invalid rule part {part}"))?;
                    match k {
                        "FREQ" => {
                            freq = Some(match v {
                                "DAILY" => Freq::Daily,
                                "WEEKLY" => Freq::Weekly,
                                "MONTHLY" => Freq::Monthly,
                                "YEARLY" => Freq::Yearly,
                                _ => return Err(format!("unsupported FREQ {v}")),
                            })
                        }
                        "INTERVAL" => r.interval = v.parse().ok().filter(|i| *i > 0).ok_or("invalid INTERVAL")?,
                        "COUNT" => r.count = Some(v.parse().map_err(|_| "invalid COUNT")?),
                        "UNTIL" => r.until = Some(parse_stamp(v, tz).ok_or("invalid UNTIL")?.1),
                        "BYDAY" => {
                            r.by_day =
                                v.split(',').map(weekday).collect::<Option<Vec<_>>>().ok_or("unsupported BYDAY")?
                        }
                        "WKST" => {}
                        _ => return Err(format!("unsupported rule part {k}")),
                    }
                }
                r.freq = freq.ok_or("missing FREQ")?;
                if !r.by_day.is_empty() && r.freq != Freq::Weekly {
                    return Err("BYDAY is only expanded for WEEKLY rules".into());
                }
                rule = Some(r);
            }
            "EXDATE" => {
                let ex_tz = head.split(';').find_map(|p| p.strip_prefix("TZID=")).and_then(times::zone).unwrap_or(tz);
                for v in value.split(',') {
                    let (local, utc) = parse_stamp(v, ex_tz).ok_or("invalid EXDATE")?;
                    let local = if v.len() == 8 { local.date().and_hms_opt(0, 0, 0).unwrap_or(local) } else { local };
                    exdates.push(if ex_tz == tz || v.ends_with('Z') {
                        local
                    } else {
                        utc.with_timezone(&tz).naive_local()
                    });
                }
            }
            "RDATE" | "EXRULE" => return Err(format!("{name} is not expanded by the sandbox")),
            _ => return Err(format!("invalid recurrence line {line}")),
        }
    }
    Ok(rule.map(|mut r| {
        r.exdates = exdates;
        r
    }))
}

/// The local start times of the series starting at `start` (in `tz`), up to `horizon` (exclusive)
/// and at most `max` of them; the first is `start` itself. EXDATEs are skipped but still count.
pub fn expand(
    rule: &Rule,
    start: NaiveDateTime,
    tz: Tz,
    all_day: bool,
    horizon: DateTime<Utc>,
    max: usize,
) -> Vec<NaiveDateTime> {
    let mut out = Vec::new();
    let mut produced = 0usize;
    let time = start.time();
    let mut emit = |date: NaiveDate, out: &mut Vec<NaiveDateTime>| -> bool {
        let local = date.and_time(time);
        let Some(at) = times::to_utc(local, tz) else { return true };
        if rule.count.is_some_and(|c| produced >= c)
            || rule.until.is_some_and(|u| at > u)
            || at >= horizon
            || out.len() >= max
        {
            return false;
        }
        produced += 1;
        let excluded = rule.exdates.iter().any(|x| if all_day { x.date() == date } else { *x == local });
        if !excluded {
            out.push(local);
        }
        true
    };
    let first = start.date();
    let step = rule.interval as i64;
    match rule.freq {
        Freq::Daily => {
            let mut d = first;
            while emit(d, &mut out) {
                d += Duration::days(step);
            }
        }
        Freq::Weekly => {
            let mut days = if rule.by_day.is_empty() { vec![first.weekday()] } else { rule.by_day.clone() };
            days.sort_by_key(|d| d.num_days_from_monday());
            let mut week = first - Duration::days(first.weekday().num_days_from_monday() as i64);
            'weeks: loop {
                for wd in &days {
                    let d = week + Duration::days(wd.num_days_from_monday() as i64);
                    if d < first {
                        continue;
                    }
                    if !emit(d, &mut out) {
                        break 'weeks;
                    }
                }
                week += Duration::weeks(step);
            }
        }
        Freq::Monthly | Freq::Yearly => {
            let months = if rule.freq == Freq::Monthly { step as u32 } else { 12 * step as u32 };
            let mut k = 0u32;
            // Months without that day (the 31st, Feb 29th) are skipped, as RFC 5545 says; stop after a long run.
            while k < 12 * 400 {
                if let Some(d) = first.checked_add_months(Months::new(k * months)) {
                    if d.day() == first.day() && !emit(d, &mut out) {
                        break;
                    }
                } else {
                    break;
                }
                k += 1;
            }
        }
    }
    out
}
