//! XLSX and ODS workbooks: date and time cells, the first sheet or a named one, a title line above
//! the headers, problems with the sheet's name, unreadable files.

use chrono::NaiveDate;

use super::{
    fixtures::{Sheet, V, hm, ods, programme, xlsx},
    settings,
};
use crate::{Format, ParsedSheet, SheetError, parse_sheet};

fn check_programme(parsed: &ParsedSheet, sheet: &str) {
    assert_eq!(parsed.sheet, sheet);
    assert_eq!(parsed.header_row, 2);
    let titles: Vec<&str> = parsed.rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["Repair café", "Conférence climat", "Couture"], "{:?}", parsed.problems);
    let repair = &parsed.rows[0];
    assert_eq!(repair.row, 3);
    assert_eq!(repair.date, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    assert_eq!(repair.starts_at.to_rfc3339(), "2026-12-05T14:00:00+01:00");
    assert_eq!(repair.ends_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-12-05T17:30:00+01:00"));
    assert_eq!(repair.capacity, Some(12));
    assert_eq!(repair.place.as_deref(), Some("Fablab"));
    assert_eq!(repair.description.as_deref(), Some("Apportez vos objets"));
    let conference = &parsed.rows[1];
    assert_eq!(conference.starts_at.to_rfc3339(), "2026-12-12T18:30:00+01:00");
    assert_eq!((conference.ends_at, conference.capacity), (None, Some(40)));
    assert_eq!(hm(parsed.rows[2].starts_at.time()), (9, 15));
    assert_eq!(parsed.rows[2].organiser.as_deref(), Some("Sam & Lou"));
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems, [format!("sheet \"{sheet}\", row 6, column \"Date\": unreadable date \"32/12/2026\"")]);
}

fn two_sheets() -> Vec<Sheet> {
    let other = vec![
        vec![V::Text("Date".into()), V::Text("Début".into()), V::Text("Titre".into()), V::Text("Type".into())],
        vec![V::Text("09/01/2027".into()), V::Text("10h".into()), V::Text("Galette".into()), V::Text("fête".into())],
    ];
    vec![("Décembre", programme()), ("Janvier", other)]
}

#[test]
fn xlsx_first_sheet_with_date_and_time_cells() {
    let bytes = xlsx(&two_sheets());
    check_programme(&parse_sheet(&bytes, Format::Xlsx, &settings()).unwrap(), "Décembre");
}

#[test]
fn ods_first_sheet_with_date_and_time_cells() {
    let bytes = ods(&two_sheets(), true);
    check_programme(&parse_sheet(&bytes, Format::Ods, &settings()).unwrap(), "Décembre");
}

#[test]
fn a_named_sheet_is_read_whatever_its_case() {
    for bytes in [xlsx(&two_sheets()), ods(&two_sheets(), true)] {
        let format = crate::detect_format(&bytes, None, None).unwrap();
        let mut s = settings();
        s.sheet = Some("janvier".into());
        let parsed = parse_sheet(&bytes, format, &s).unwrap();
        assert_eq!(parsed.sheet, "Janvier");
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].title, "Galette");
        assert_eq!(parsed.header_row, 1);

        s.sheet = Some("Février".into());
        let err = parse_sheet(&bytes, format, &s).unwrap_err();
        assert_eq!(err.to_string(), "sheet \"Février\" is not in the workbook (sheets: Décembre, Janvier)");
    }
}

#[test]
fn an_ods_with_its_mimetype_last_is_still_read() {
    let bytes = ods(&two_sheets(), false);
    let format = crate::detect_format(&bytes, Some("download"), None).unwrap();
    assert_eq!(format, Format::Xlsx, "no mimetype first: taken for XLSX, then read as ODS");
    check_programme(&parse_sheet(&bytes, format, &settings()).unwrap(), "Décembre");
}

#[test]
fn a_workbook_missing_a_column_names_it_and_the_sheet() {
    let rows = vec![
        vec![V::Text("Date".into()), V::Text("Début".into()), V::Text("Titre".into())],
        vec![V::Text("05/12/2026".into())],
    ];
    for (bytes, format) in [(xlsx(&[("Déc", rows.clone())]), Format::Xlsx), (ods(&[("Déc", rows)], true), Format::Ods)]
    {
        let err = parse_sheet(&bytes, format, &settings()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column \"Type\" is missing from the header row of sheet \"Déc\" (row 1: Date, Début, Titre)"
        );
    }
}

#[test]
fn numbers_in_text_columns_and_serial_dates_in_plain_number_cells() {
    let rows = vec![
        vec![
            V::Text("Date".into()),
            V::Text("Début".into()),
            V::Text("Titre".into()),
            V::Text("Type".into()),
            V::Text("Jauge".into()),
        ],
        vec![V::Num(46361.0), V::Num(0.75), V::Num(2026.0), V::Text("atelier".into()), V::Num(20.0)],
    ];
    let parsed = parse_sheet(&xlsx(&[("S", rows)]), Format::Xlsx, &settings()).unwrap();
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.rows[0].title, "2026");
    assert_eq!(parsed.rows[0].starts_at.to_rfc3339(), "2026-12-05T18:00:00+01:00");
    assert_eq!(parsed.rows[0].capacity, Some(20));
}

#[test]
fn broken_workbooks_are_unreadable_not_empty() {
    let mut bytes = xlsx(&two_sheets());
    bytes.truncate(bytes.len() / 2);
    let err = parse_sheet(&bytes, Format::Xlsx, &settings()).unwrap_err();
    assert!(matches!(err, SheetError::Unreadable { format: Format::Xlsx, .. }), "{err}");
    let err = parse_sheet(b"PK\x03\x04garbage", Format::Ods, &settings()).unwrap_err();
    assert!(err.to_string().starts_with("unreadable ods file"), "{err}");
}
