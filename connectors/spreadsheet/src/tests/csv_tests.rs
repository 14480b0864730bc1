//! CSV sheets: both delimiters, BOM, Windows-1252, header detection, the record data shape,
//! bad rows reported and skipped, a missing column failing the sheet.

use serde_json::json;

use super::{HEADER, csv, programme, settings, sync};
use crate::{Format, Headers, SheetError, parse_sheet};

#[test]
fn semicolons_with_a_bom_give_the_documented_record_shape() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(programme(&[
        "05/12/2026;14:00;17h30;Repair café;atelier;Fablab;Camille;12;Apportez vos objets",
        "2026-12-12;18h;;Conférence climat;conférence;;;;",
    ]));
    let result = sync(&bytes, None);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    assert_eq!(result.page.records.len(), 2);
    assert!(!result.page.has_more);
    let first = &result.page.records[0];
    assert_eq!(first.stream, "events");
    assert!(!first.deleted);
    assert_eq!(
        first.data,
        json!({
            "title": "Repair café",
            "kind": "atelier",
            "date": "2026-12-05",
            "starts_at": "2026-12-05T14:00:00+01:00",
            "ends_at": "2026-12-05T17:30:00+01:00",
            "time_zone": "Europe/Paris",
            "place": "Fablab",
            "organiser": "Camille",
            "capacity": 12,
            "description": "Apportez vos objets",
            "status": "scheduled",
            "row": 2,
            "sheet": "programme.csv",
        })
    );
    let second = &result.page.records[1].data;
    assert_eq!(second["starts_at"], "2026-12-12T18:00:00+01:00");
    assert_eq!(second["ends_at"], json!(null));
    assert_eq!(second["place"], json!(null));
    assert_eq!(second["capacity"], json!(null));
    assert_eq!(second["row"], 3);
}

#[test]
fn commas_quotes_and_multiline_cells() {
    let bytes = csv(&[
        "Date,Début,Fin,Titre,Type,Lieu,Animateur·rice,Jauge,Description",
        "05/06/2027,10:00,12:00,\"Atelier vélo, réparations\",atelier,Cour,\"Lou\",8,\"Ligne 1",
        "ligne 2; avec point-virgule\"",
        "06/06/2027,10:00,,Jardinage,atelier,,,,",
    ]);
    let parsed = parse_sheet(&bytes, Format::Csv, &settings()).unwrap();
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rows[0].title, "Atelier vélo, réparations");
    assert_eq!(parsed.rows[0].description.as_deref(), Some("Ligne 1\nligne 2; avec point-virgule"));
    // Summer time: +02:00.
    assert_eq!(parsed.rows[0].starts_at.to_rfc3339(), "2027-06-05T10:00:00+02:00");
    // Row numbers are the lines where the rows start.
    assert_eq!((parsed.rows[0].row, parsed.rows[1].row), (2, 4));
}

#[test]
fn windows_1252_and_a_title_line_above_the_headers() {
    let text = "Programme de d\u{e9}cembre;;;\n;;;\nDATE;debut;Titre;type;LIEU\n05/12/2026;14h;F\u{ea}te;f\u{ea}te;Caf\u{e9}\n";
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    assert!(std::str::from_utf8(&bytes).is_err());
    let parsed = parse_sheet(&bytes, Format::Csv, &settings()).unwrap();
    assert_eq!(parsed.header_row, 3);
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.rows[0].title, "Fête");
    assert_eq!(parsed.rows[0].place.as_deref(), Some("Café"));
    assert_eq!(parsed.rows[0].row, 4);
}

#[test]
fn tabs_and_custom_english_headers() {
    let mut s = settings();
    s.headers = Headers {
        date: "Day".into(),
        start: "From".into(),
        end: "To".into(),
        title: "Event".into(),
        kind: "Kind".into(),
        place: "Room".into(),
        organiser: "Host".into(),
        capacity: "Seats".into(),
        description: "Notes".into(),
    };
    let bytes = csv(&["Day\tFrom\tTo\tEvent\tKind\tSeats", "2027-01-09\t9:30\t11:00\tCoding dojo\tworkshop\t15"]);
    let parsed = parse_sheet(&bytes, Format::Csv, &s).unwrap();
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.rows[0].capacity, Some(15));
    assert_eq!(parsed.rows[0].place, None);
}

#[test]
fn a_missing_required_column_fails_the_whole_sheet() {
    let bytes = csv(&["Date;Début;Type", "05/12/2026;14:00;atelier"]);
    let err = parse_sheet(&bytes, Format::Csv, &settings()).unwrap_err();
    assert!(matches!(&err, SheetError::MissingColumns { columns, .. } if columns == &["Titre".to_string()]));
    assert_eq!(
        err.to_string(),
        "column \"Titre\" is missing from the header row of sheet \"programme.csv\" (row 1: Date, Début, Type)"
    );
    let err = crate::bench::sync_bytes(&bytes, &settings(), None).unwrap_err();
    assert!(matches!(&err, hub_connector_sdk::ConnectorError::Invalid(m) if m.contains("column \"Titre\" is missing")));

    let two = parse_sheet(&csv(&["Date;Lieu", "05/12/2026;Fablab"]), Format::Csv, &settings()).unwrap_err();
    assert!(two.to_string().starts_with("columns \"Début\", \"Titre\", \"Type\" are missing"), "{two}");
}

#[test]
fn bad_rows_are_reported_and_skipped_and_the_others_go_through() {
    let mut s = settings();
    s.known_kinds = Some(vec!["atelier".into(), "Conférence".into()]);
    let bytes = programme(&[
        "05/12/2026;14:00;17:00;Bon;atelier;;;;",
        "32/13/2026;14:00;;Date impossible;atelier;;;;",
        "06/12/2026;14:00;13:00;À l'envers;atelier;;;;",
        "07/12/2026;14:00;;Inconnu;Conférance;;;;",
        "08/12/2026;25h;;Heure;atelier;;;;",
        "09/12/2026;10:00;;;atelier;;;;",
        "10/12/2026;10:00;;Jauge;atelier;;;beaucoup;",
        "28/03/2027;02:30;;Changement d'heure;atelier;;;;",
        ";;;;;;;;",
        "11/12/2026;10:00;;Conf;CONFERENCE;;;;",
    ]);
    let parsed = parse_sheet(&bytes, Format::Csv, &s).unwrap();
    let shown: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "sheet \"programme.csv\", row 3, column \"Date\": unreadable date \"32/13/2026\"",
            "sheet \"programme.csv\", row 4, column \"Fin\": ends at 13:00, before it starts at 14:00",
            "sheet \"programme.csv\", row 5, column \"Type\": unknown kind \"Conférance\" (known: atelier, Conférence)",
            "sheet \"programme.csv\", row 6, column \"Début\": unreadable time \"25h\"",
            "sheet \"programme.csv\", row 7, column \"Titre\": missing title",
            "sheet \"programme.csv\", row 8, column \"Jauge\": unreadable capacity \"beaucoup\"",
            "sheet \"programme.csv\", row 9, column \"Début\": 02:30 does not exist on 2027-03-28 in Europe/Paris (the clocks change)",
        ]
    );
    let titles: Vec<&str> = parsed.rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["Bon", "Conf"]);
    // The known spelling wins.
    assert_eq!(parsed.rows[1].kind, "Conférence");
    assert_eq!(parsed.skipped.len(), 7);
    assert_eq!(parsed.skipped[0].title.as_deref(), Some("Date impossible"));
    assert_eq!(parsed.skipped[0].date, None);
}

#[test]
fn several_problems_in_one_row_are_all_reported_once_skipped() {
    let parsed = parse_sheet(&programme(&["xx;yy;;;;;;;"]), Format::Csv, &settings()).unwrap();
    let columns: Vec<&str> = parsed.problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, ["Date", "Début", "Titre", "Type"]);
    assert_eq!(parsed.skipped.len(), 1);
}

#[test]
fn end_at_midnight_and_a_full_end_date() {
    let parsed =
        parse_sheet(&programme(&["31/12/2026;21:00;24:00;Réveillon;fête;;;;"]), Format::Csv, &settings()).unwrap();
    assert_eq!(parsed.rows[0].ends_at.unwrap().to_rfc3339(), "2027-01-01T00:00:00+01:00");
}

#[test]
fn empty_files_and_header_only_sheets_have_no_rows() {
    for bytes in [Vec::new(), b"\xEF\xBB\xBF".to_vec(), HEADER.as_bytes().to_vec(), csv(&[HEADER, ";;;", ""])] {
        let parsed = parse_sheet(&bytes, Format::Csv, &settings()).unwrap();
        assert!(parsed.rows.is_empty() && parsed.problems.is_empty());
    }
}
