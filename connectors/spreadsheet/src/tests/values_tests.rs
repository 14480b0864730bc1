//! Values (dates, times, capacities, folding), format detection, sources and settings checks.

use chrono::{NaiveDate, NaiveTime};

use super::settings;
use crate::{
    Format, Source, detect_format,
    fetch::disposition_filename,
    grid::detect_delimiter,
    values::{Cell, DayTime, fold, parse_capacity, parse_date, parse_time},
};

fn date(text: &str) -> Option<NaiveDate> {
    parse_date(&Cell::text(text))
}

fn time(text: &str) -> Option<DayTime> {
    parse_time(&Cell::text(text))
}

fn at(h: u32, m: u32) -> Option<DayTime> {
    Some(DayTime::At(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
}

#[test]
fn dates_in_the_ways_people_write_them() {
    let d = NaiveDate::from_ymd_opt(2026, 12, 5);
    for text in ["05/12/2026", "5/12/2026", "05-12-2026", "05.12.2026", "5/12/26", "2026-12-05", " 2026-12-05 "] {
        assert_eq!(date(text), d, "{text}");
    }
    for text in ["samedi 5 décembre 2026", "5 déc. 2026", "Samedi, 5 Decembre 2026", "05/12/2026 14:00"] {
        assert_eq!(date(text), d, "{text}");
    }
    assert_eq!(date("1er mars 2027"), NaiveDate::from_ymd_opt(2027, 3, 1));
    for text in ["32/13/2026", "31/02/2027", "demain", "12/2026", "2026/12", "5 brumaire 2026", "05/12/202"] {
        assert_eq!(date(text), None, "{text}");
    }
    // Cells: a date cell, an Excel serial (46361 = 2026-12-05), text that is not a date.
    assert_eq!(parse_date(&Cell::DateTime(d.unwrap(), NaiveTime::MIN)), d);
    assert_eq!(parse_date(&Cell::Number(46361.0)), d);
    assert_eq!(parse_date(&Cell::Bool(true)), None);
}

#[test]
fn times_in_the_ways_people_write_them() {
    for text in ["14:30", "14h30", "14 h 30", "14H30", "14:30:00", "14h30min"] {
        assert_eq!(time(text), at(14, 30), "{text}");
    }
    for text in ["14h", "14", "14H", "14:00"] {
        assert_eq!(time(text), at(14, 0), "{text}");
    }
    assert_eq!(time("9h05"), at(9, 5));
    assert_eq!(time("24:00"), Some(DayTime::Midnight));
    assert_eq!(time("24h"), Some(DayTime::Midnight));
    for text in ["25h", "14h5", "14:60", "midi", "14h30-16h", "1430", "-1h", "14:30:0"] {
        assert_eq!(time(text), None, "{text}");
    }
    assert_eq!(parse_time(&Cell::Number(0.5)), at(12, 0));
    assert_eq!(parse_time(&Cell::Number(0.604_166_666)), at(14, 30));
    assert_eq!(parse_time(&Cell::Number(9.0)), at(9, 0));
}

#[test]
fn calamine_values_become_cells() {
    use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
    let excel = |v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
    let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    assert_eq!(Cell::from_data(&excel(46361.0)), Cell::DateTime(d, NaiveTime::MIN));
    assert_eq!(Cell::from_data(&excel(46361.75)), Cell::DateTime(d, NaiveTime::from_hms_opt(18, 0, 0).unwrap()));
    assert_eq!(Cell::from_data(&excel(0.395_833_333)), Cell::Time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()));
    assert_eq!(Cell::from_data(&Data::DateTimeIso("2026-12-05".into())), Cell::DateTime(d, NaiveTime::MIN));
    assert_eq!(
        Cell::from_data(&Data::DateTimeIso("2026-12-05T14:30:00".into())),
        Cell::DateTime(d, NaiveTime::from_hms_opt(14, 30, 0).unwrap())
    );
    assert_eq!(
        Cell::from_data(&Data::DurationIso("PT14H30M00S".into())),
        Cell::Time(NaiveTime::from_hms_opt(14, 30, 0).unwrap())
    );
    assert_eq!(Cell::from_data(&Data::String("  ".into())), Cell::Empty);
    assert_eq!(Cell::Number(12.0).as_text().as_deref(), Some("12"));
}

#[test]
fn capacities_and_folding() {
    assert_eq!(parse_capacity(&Cell::text("20")), Some(20));
    assert_eq!(parse_capacity(&Cell::text("20 places")), Some(20));
    assert_eq!(parse_capacity(&Cell::Number(12.0)), Some(12));
    for bad in ["beaucoup", "20places", "-3", "1.5"] {
        assert_eq!(parse_capacity(&Cell::text(bad)), None, "{bad}");
    }
    assert_eq!(parse_capacity(&Cell::Number(1.5)), None);
    assert_eq!(fold("Animateur·rice"), "animateurrice");
    assert_eq!(fold(" DÉBUT "), fold("debut"));
    assert_eq!(fold("Conférence"), "conference");
}

#[test]
fn formats_come_from_the_bytes_first() {
    let ods = super::fixtures::ods(&[("S", vec![])], true);
    assert_eq!(detect_format(&ods, Some("download"), None).unwrap(), Format::Ods);
    let xlsx = super::fixtures::xlsx(&[("S", vec![])]);
    assert_eq!(detect_format(&xlsx, None, None).unwrap(), Format::Xlsx);
    assert_eq!(detect_format(&xlsx, Some("programme.ods"), None).unwrap(), Format::Ods);
    assert_eq!(detect_format(b"Date;Titre", Some("x.txt"), Some("text/plain")).unwrap(), Format::Csv);
    assert_eq!(detect_format(b"", Some("programme.xlsx"), None).unwrap(), Format::Csv);
    let html = detect_format(b"\n  <!DOCTYPE html><html>", Some("download"), Some("text/html")).unwrap_err();
    assert!(html.to_string().contains("web page"), "{html}");
    let xls = detect_format(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], None, None).unwrap_err();
    assert!(xls.to_string().contains("XLS"), "{xls}");
    let lying = detect_format(b"Date;Titre", None, Some("application/vnd.oasis.opendocument.spreadsheet"));
    assert!(lying.is_err());
    assert_eq!(Format::parse("XLSX"), Some(Format::Xlsx));
}

#[test]
fn delimiters_are_counted_outside_quotes() {
    assert_eq!(detect_delimiter("Date;Titre;Type"), b';');
    assert_eq!(detect_delimiter("Date,Titre,Type"), b',');
    assert_eq!(detect_delimiter("\"a;b;c\",Titre,Type"), b',');
    assert_eq!(detect_delimiter("\n\nDate\tTitre"), b'\t');
    assert_eq!(detect_delimiter("Date"), b',');
}

#[test]
fn sources_hide_their_url_capabilities() {
    let url = Source::parse("https://user:pw@cloud.example.org/s/SeCrEtToKeN/download?x=1");
    assert!(matches!(url, Source::Url(_)));
    assert_eq!(url.redacted(), "https://cloud.example.org/…");
    assert!(!format!("{url:?}").contains("SeCrEt"));
    assert_eq!(url.file_name().as_deref(), Some("download"));
    let path = Source::parse("/srv/programme/Décembre.ods");
    assert_eq!(path.file_name().as_deref(), Some("Décembre.ods"));
    assert_eq!(Source::parse("HTTP://x.org").redacted(), "HTTP://x.org/…");
    assert_eq!(Source::parse("https://x.org").file_name(), None);
}

#[test]
fn settings_problems_name_the_field() {
    assert_eq!(settings().problem(), None);
    let mut s = settings();
    s.headers.title = " ".into();
    assert_eq!(s.problem().as_deref(), Some("headers.title: must name a column"));
    let mut s = settings();
    s.headers.place = "DATE".into();
    assert!(s.problem().unwrap().starts_with("headers.date and headers.place"));
    let mut s = settings();
    s.source = Source::parse("https://");
    assert_eq!(s.problem().as_deref(), Some("source: the URL has no host"));
    let mut s = settings();
    s.known_kinds = Some(vec!["atelier".into(), "".into()]);
    assert!(s.problem().is_some());
}

#[test]
fn content_disposition_names() {
    assert_eq!(disposition_filename("attachment; filename=\"Programme.ods\"").as_deref(), Some("Programme.ods"));
    assert_eq!(
        disposition_filename("attachment; filename=\"x\"; filename*=UTF-8''D%C3%A9cembre.xlsx").as_deref(),
        Some("Décembre.xlsx")
    );
    assert_eq!(disposition_filename("inline"), None);
}
