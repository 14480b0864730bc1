//! Cell values and how they read as dates, times, counts and text: `05/12/2026`, `2026-12-05`,
//! `samedi 5 décembre 2026`, date cells; `14:30`, `14h30`, `14h`, time cells.

use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
use chrono::{NaiveDate, NaiveTime, Timelike};

/// One cell, whatever the file format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell (XLSX serial with a date format, ODS `date-value`), with its time of day.
    DateTime(NaiveDate, NaiveTime),
    /// A time cell (XLSX fraction of a day with a time format, ODS `time-value`).
    Time(NaiveTime),
}

impl Cell {
    /// Reads a calamine value.
    pub fn from_data(data: &Data) -> Cell {
        match data {
            Data::Empty | Data::Error(_) => Cell::Empty,
            Data::String(s) => Cell::text(s),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(dt) => excel_datetime(dt),
            Data::DateTimeIso(s) => iso_datetime(s).unwrap_or_else(|| Cell::text(s)),
            Data::DurationIso(s) => iso_duration(s).map_or_else(|| Cell::text(s), Cell::Time),
        }
    }

    /// A text cell, or Empty when it is blank.
    pub fn text(s: &str) -> Cell {
        if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The cell as a person reads it (trimmed); `None` when empty.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Cell::Empty => None,
            Cell::Text(s) => Some(s.trim().to_string()),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
            Cell::Number(n) => Some(n.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::DateTime(d, t) if *t == NaiveTime::MIN => Some(d.format("%Y-%m-%d").to_string()),
            Cell::DateTime(d, t) => Some(format!("{} {}", d.format("%Y-%m-%d"), t.format("%H:%M"))),
            Cell::Time(t) => Some(t.format("%H:%M").to_string()),
        }
    }
}

/// A time of day, or 24:00 (the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayTime {
    At(NaiveTime),
    Midnight,
}

fn excel_datetime(dt: &ExcelDateTime) -> Cell {
    let value = dt.as_f64();
    if dt.is_duration() || (0.0..1.0).contains(&value) {
        return Cell::Time(fraction_to_time(value.fract()));
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
        Some(date) => Cell::DateTime(date, fraction_to_time(value.fract())),
        None => Cell::Number(value),
    }
}

/// A fraction of a day, rounded to the minute.
fn fraction_to_time(fraction: f64) -> NaiveTime {
    let minutes = ((fraction * 1440.0).round() as u32).min(1439);
    NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN)
}

/// `2026-12-05` or `2026-12-05T14:30:00` (ODS date cells).
fn iso_datetime(s: &str) -> Option<Cell> {
    let date = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    let time = match s.get(11..) {
        Some(rest) if !rest.is_empty() => parse_hms(rest)?,
        _ => NaiveTime::MIN,
    };
    Some(Cell::DateTime(date, time))
}

fn parse_hms(s: &str) -> Option<NaiveTime> {
    let s = s.split(['.', 'Z', '+']).next()?;
    let mut parts = s.split(':').map(|p| p.parse::<u32>().ok());
    let (h, m, sec) = (parts.next()??, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0));
    NaiveTime::from_hms_opt(h, m, sec)
}

/// `PT14H30M00S` (ODS time cells).
fn iso_duration(s: &str) -> Option<NaiveTime> {
    let body = s.strip_prefix("PT")?;
    let (mut h, mut m, mut sec, mut num) = (0u32, 0u32, 0f64, String::new());
    for c in body.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' => h = std::mem::take(&mut num).parse().ok()?,
            'M' => m = std::mem::take(&mut num).parse().ok()?,
            'S' => sec = std::mem::take(&mut num).parse().ok()?,
            _ => return None,
        }
    }
    let total = (f64::from(h * 3600 + m * 60) + sec).round() as u32;
    let minutes = (total + 30) / 60;
    NaiveTime::from_hms_opt((minutes / 60) % 24, minutes % 60, 0)
}

/// Lower case, accents folded, only letters and digits kept: how headers, kinds and titles
/// are compared.
pub fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).filter_map(fold_char).collect()
}

/// Like [`fold`] but keeps single spaces between words (for titles and places).
pub fn fold_words(text: &str) -> String {
    text.split_whitespace().map(fold).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn fold_char(c: char) -> Option<char> {
    Some(match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ÿ' | 'ý' => 'y',
        'ñ' => 'n',
        'œ' => return Some('o'),
        'æ' => 'a',
        c if c.is_alphanumeric() => c,
        _ => return None,
    })
}

const MONTHS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("decembre", 12),
    ("janv", 1),
    ("fevr", 2),
    ("fev", 2),
    ("avr", 4),
    ("juil", 7),
    ("sept", 9),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    ("jan", 1),
];

const WEEKDAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// Reads a date cell: a date cell, `dd/mm/yyyy` (also `-` or `.`, a two-digit year is 20yy),
/// `yyyy-mm-dd`, `[weekday] d month yyyy` in French, or an XLSX serial number.
pub fn parse_date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::DateTime(d, _) => Some(*d),
        Cell::Number(n) if (1.0..2_958_466.0).contains(n) => {
            let (y, m, d, ..) = ExcelDateTime::new(*n, ExcelDateTimeType::DateTime, false).to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        }
        Cell::Text(s) => parse_date_text(s.trim()),
        _ => None,
    }
}

fn parse_date_text(s: &str) -> Option<NaiveDate> {
    parse_date_only(s).or_else(|| {
        // `05/12/2026 14:00`: the date part alone.
        let (first, _) = s.split_once(char::is_whitespace)?;
        parse_date_only(first)
    })
}

fn parse_date_only(s: &str) -> Option<NaiveDate> {
    let numeric: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    if numeric.len() == 3 && numeric.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        let n: Vec<i32> = numeric.iter().filter_map(|p| p.parse().ok()).collect();
        return if numeric[0].len() == 4 {
            NaiveDate::from_ymd_opt(n[0], u32::try_from(n[1]).ok()?, u32::try_from(n[2]).ok()?)
        } else {
            let year = match numeric[2].len() {
                2 => 2000 + n[2],
                4 => n[2],
                _ => return None,
            };
            NaiveDate::from_ymd_opt(year, u32::try_from(n[1]).ok()?, u32::try_from(n[0]).ok()?)
        };
    }
    parse_french_date(s)
}

/// `samedi 5 décembre 2026`, `5 déc. 2026`, `1er mars 2027`.
fn parse_french_date(s: &str) -> Option<NaiveDate> {
    let words: Vec<String> = s.split([' ', ',']).map(fold).filter(|w| !w.is_empty()).collect();
    let words: &[String] = match words.first() {
        Some(first) if WEEKDAYS.contains(&first.as_str()) => &words[1..],
        _ => &words,
    };
    let [day, month, year] = words else { return None };
    let day: u32 = day.strip_suffix("er").unwrap_or(day).parse().ok()?;
    let month = MONTHS.iter().find(|(name, _)| name == month)?.1;
    let year: i32 = year.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Reads a time cell: a time or date-time cell, `14:30`, `14:30:00`, `14h30`, `14 h 30`, `14h`,
/// `14H`, a bare hour `14`, or `24:00` / `24h` (the end of the day).
pub fn parse_time(cell: &Cell) -> Option<DayTime> {
    match cell {
        Cell::Time(t) | Cell::DateTime(_, t) => Some(DayTime::At(*t)),
        Cell::Number(n) if (0.0..1.0).contains(n) => Some(DayTime::At(fraction_to_time(*n))),
        Cell::Number(n) if n.fract() == 0.0 && (0.0..=24.0).contains(n) => hour_minute(*n as u32, 0),
        Cell::Text(s) => parse_time_text(s),
        _ => None,
    }
}

fn parse_time_text(s: &str) -> Option<DayTime> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let (hours, rest) = match compact.split_once([':', 'h']) {
        Some((h, rest)) => (h, rest),
        None => (compact.as_str(), ""),
    };
    let minutes = match rest.split_once(':') {
        Some((m, sec)) if sec.len() == 2 && sec.bytes().all(|b| b.is_ascii_digit()) => m,
        Some(_) => return None,
        None => rest.strip_suffix("min").unwrap_or(rest),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if hours.is_empty() || hours.len() > 2 || !all_digits(hours) || minutes.len() == 1 || !all_digits(minutes) {
        return None;
    }
    hour_minute(hours.parse().ok()?, if minutes.is_empty() { 0 } else { minutes.parse().ok()? })
}

fn hour_minute(h: u32, m: u32) -> Option<DayTime> {
    if h == 24 && m == 0 {
        return Some(DayTime::Midnight);
    }
    NaiveTime::from_hms_opt(h, m, 0).map(DayTime::At)
}

/// Reads a capacity: a whole number, possibly followed by words (`20 places`, `12 pers.`).
pub fn parse_capacity(cell: &Cell) -> Option<u32> {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n) => Some(*n as u32),
        Cell::Text(s) => {
            let s = s.trim();
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            let rest = &s[digits.len()..];
            let rest_ok = rest.is_empty() || rest.starts_with(char::is_whitespace);
            if digits.is_empty() || !rest_ok { None } else { digits.parse().ok() }
        }
        _ => None,
    }
}

/// The time as `HH:MM`.
pub fn hhmm(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}
