//! French words for dates and times (`samedi 5 décembre`, `14 h 30`, `Semaine du lundi 30 novembre
//! au dimanche 6 décembre`) and HTML escaping for every piece of user text.

use chrono::{Datelike, NaiveDate, Timelike, Weekday};

/// A no-break space: between a number and its unit (`14 h 30`), kept together when wrapping.
pub const NBSP: char = '\u{a0}';

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

/// `janvier` … `décembre` (1-based month).
pub fn month_name(month: u32) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

pub fn weekday_name(day: Weekday) -> &'static str {
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

/// `5 décembre`, `1er décembre`.
pub fn day_month(date: NaiveDate) -> String {
    let day = if date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{day}{NBSP}{}", month_name(date.month()))
}

/// `samedi 5 décembre`.
pub fn day_label(date: NaiveDate) -> String {
    format!("{} {}", weekday_name(date.weekday()), day_month(date))
}

/// `Samedi 5 décembre` (a heading).
pub fn day_heading(date: NaiveDate) -> String {
    capitalised(&day_label(date))
}

/// `décembre 2026`.
pub fn month_label(year: i32, month: u32) -> String {
    format!("{} {year}", month_name(month))
}

/// `14 h 30`, `9 h`.
pub fn time_label(time: impl Timelike) -> String {
    match time.minute() {
        0 => format!("{}{NBSP}h", time.hour()),
        m => format!("{}{NBSP}h{NBSP}{m:02}", time.hour()),
    }
}

/// `14 h – 17 h 30`, or `14 h` without an end.
pub fn time_range(start: impl Timelike, end: Option<impl Timelike>) -> String {
    match end {
        Some(end) => format!("{}{NBSP}– {}", time_label(start), time_label(end)),
        None => time_label(start),
    }
}

/// The Monday of `date`'s week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// `Semaine du lundi 30 novembre au dimanche 6 décembre`.
pub fn week_heading(monday: NaiveDate) -> String {
    let sunday = monday + chrono::Days::new(6);
    format!("Semaine du {} au {}", day_label(monday), day_label(sunday))
}

/// The first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `1 place`, `3 places`.
pub fn places(n: i64) -> String {
    if n.abs() <= 1 { format!("{n}{NBSP}place") } else { format!("{n}{NBSP}places") }
}

/// Text made inert for HTML (element content and quoted attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link target: only http(s) and same-site paths are kept (no `javascript:`), then escaped.
pub fn safe_href(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//")))
        .then(|| escape(url))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_and_times_read_as_in_french() {
        assert_eq!(day_label(d(2026, 12, 5)), "samedi 5\u{a0}décembre");
        assert_eq!(day_heading(d(2026, 12, 1)), "Mardi 1er\u{a0}décembre");
        assert_eq!(month_label(2026, 8), "août 2026");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(time_range(t(14, 0), Some(t(17, 30))), "14\u{a0}h\u{a0}– 17\u{a0}h\u{a0}30");
        assert_eq!(time_range(t(9, 5), None::<NaiveTime>), "9\u{a0}h\u{a0}05");
        assert_eq!(week_start(d(2026, 12, 5)), d(2026, 11, 30));
        assert_eq!(
            week_heading(d(2026, 11, 30)).replace(NBSP, " "),
            "Semaine du lundi 30 novembre au dimanche 6 décembre"
        );
        assert_eq!(places(1), "1\u{a0}place");
    }

    #[test]
    fn user_text_is_inert() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("//evil.example"), None);
        assert_eq!(safe_href("https://wiki.example.org/a?b=1&c=2").unwrap(), "https://wiki.example.org/a?b=1&amp;c=2");
    }
}
