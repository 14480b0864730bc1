//! Stable identities across reads: an edit is one update, an insertion one create, a deletion one
//! delete; duplicates get distinct ids; skipped rows are neither updated nor deleted; an emptied
//! sheet cancels nothing.

use hub_connector_sdk::ConnectorError;

use super::{Changes, changes, id_of, programme, resync, settings, sync, titles};
use crate::bench::{programme_csv, sync_bytes};

const ROWS: [&str; 5] = [
    "05/12/2026;10:00;12:00;Repair café;atelier;Fablab;Camille;12;",
    "05/12/2026;14:00;16:00;Repair café;atelier;Fablab;Camille;12;",
    "06/12/2026;18:00;;Conférence climat;conférence;Grande salle;Lou;40;",
    "12/12/2026;09:00;12:00;Couture;atelier;Salle 2;Sam;8;",
    "19/12/2026;20:00;23:00;Concert;fête;Jardin;;;",
];

fn one(kind: &str, id: String) -> Changes {
    let mut c = Changes::default();
    match kind {
        "created" => c.created.push(id),
        "updated" => c.updated.push(id),
        _ => c.deleted.push(id),
    }
    c
}

#[test]
fn an_unchanged_sheet_changes_nothing_and_keeps_its_cursor() {
    let first = sync(&programme(&ROWS), None);
    let second = resync(&programme(&ROWS), &first);
    assert_eq!(changes(&first.page, &second.page), Changes::default());
    assert_eq!(first.page.records, second.page.records);
    assert_eq!(first.page.next_cursor, second.page.next_cursor);
    assert_eq!((second.tally.fresh, second.tally.deleted), (0, 0));
}

#[test]
fn ids_are_the_same_when_read_from_scratch_twice() {
    let a = sync(&programme(&ROWS), None);
    let b = sync(&programme(&ROWS), None);
    assert_eq!(a.page.records, b.page.records);
    let ids: std::collections::HashSet<_> = a.page.records.iter().map(|r| r.external_id.clone()).collect();
    assert_eq!(ids.len(), ROWS.len());
}

#[test]
fn editing_a_title_is_one_update() {
    let first = sync(&programme(&ROWS), None);
    let mut rows = ROWS;
    rows[3] = "12/12/2026;09:00;12:00;Atelier couture;atelier;Salle 2;Sam;8;";
    let second = resync(&programme(&rows), &first);
    assert_eq!(changes(&first.page, &second.page), one("updated", id_of(&first.page, "Couture")));
    assert_eq!(id_of(&second.page, "Atelier couture"), id_of(&first.page, "Couture"));
}

#[test]
fn moving_a_time_is_one_update() {
    let first = sync(&programme(&ROWS), None);
    let mut rows = ROWS;
    rows[1] = "05/12/2026;15:00;17:00;Repair café;atelier;Fablab;Camille;12;";
    let second = resync(&programme(&rows), &first);
    assert_eq!(changes(&first.page, &second.page), one("updated", first.page.records[1].external_id.clone()));
    // The untouched session of the same day kept its id too.
    assert_eq!(second.page.records[0].external_id, first.page.records[0].external_id);
}

#[test]
fn moving_a_date_in_place_and_rewriting_a_row_are_updates() {
    let first = sync(&programme(&ROWS), None);
    let mut rows = ROWS;
    rows[4] = "20/12/2026;20:00;23:00;Concert;fête;Jardin;;;";
    let second = resync(&programme(&rows), &first);
    assert_eq!(changes(&first.page, &second.page), one("updated", id_of(&first.page, "Concert")));
    rows[2] = "06/12/2026;19:00;21:00;Ciné-débat;projection;Salle 1;Ana;30;";
    let third = resync(&programme(&rows), &second);
    assert_eq!(changes(&second.page, &third.page), one("updated", id_of(&first.page, "Conférence climat")));
}

#[test]
fn inserting_a_row_above_is_one_create() {
    let first = sync(&programme(&ROWS), None);
    let mut rows = vec!["01/12/2026;18:00;;Ouverture;fête;Jardin;;;"];
    rows.extend(ROWS);
    let second = resync(&programme(&rows), &first);
    let c = changes(&first.page, &second.page);
    assert_eq!(c, one("created", id_of(&second.page, "Ouverture")), "{c:?}");
    // Every other row moved down one line and kept its id.
    for (before, after) in first.page.records.iter().zip(&second.page.records[1..]) {
        assert_eq!(before.external_id, after.external_id);
        assert_eq!(after.data["row"], before.data["row"].as_u64().unwrap() + 1);
    }
    assert_eq!(second.tally.fresh, 1);
}

#[test]
fn deleting_a_row_is_one_delete_and_sorting_moves_nothing() {
    let first = sync(&programme(&ROWS), None);
    let rows = [ROWS[0], ROWS[1], ROWS[3], ROWS[4]];
    let second = resync(&programme(&rows), &first);
    let gone = id_of(&first.page, "Conférence climat");
    assert_eq!(changes(&first.page, &second.page), one("deleted", gone.clone()));
    let deleted = second.page.records.iter().find(|r| r.deleted).unwrap();
    assert_eq!(deleted.external_id, gone);
    assert_eq!(deleted.data["status"], "cancelled");
    assert_eq!(deleted.data["title"], "Conférence climat");
    // Sorted the other way round: same ids, nothing to do.
    let reversed = [ROWS[4], ROWS[3], ROWS[1], ROWS[0]];
    let third = resync(&programme(&reversed), &second);
    assert_eq!(changes(&second.page, &third.page), Changes::default());
}

#[test]
fn identical_rows_get_distinct_ids_and_lose_one_at_a_time() {
    let row = "07/12/2026;10:00;;Permanence;permanence;Accueil;;;";
    let first = sync(&programme(&[row, row, row]), None);
    let ids: Vec<String> = first.page.records.iter().map(|r| r.external_id.clone()).collect();
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 3);
    let second = resync(&programme(&[row, row]), &first);
    let c = changes(&first.page, &second.page);
    assert_eq!((c.created.len(), c.updated.len(), c.deleted.len()), (0, 0, 1));
    let third = resync(&programme(&[row, row, row]), &second);
    assert_eq!(changes(&second.page, &third.page).created.len(), 1);
}

#[test]
fn a_row_pasted_over_with_its_neighbour_replaces_it() {
    let first = sync(&programme(&ROWS), None);
    let mut rows = ROWS;
    rows[2] = ROWS[3];
    let second = resync(&programme(&rows), &first);
    // Couture (row 5) did not move: it keeps its id, though the copy above looks the same; the
    // conference (date, time, title, place all changed) is replaced: one delete, one create.
    assert_eq!(second.page.records[3].external_id, first.page.records[3].external_id);
    let c = changes(&first.page, &second.page);
    assert_eq!(c.created, [second.page.records[2].external_id.clone()]);
    assert_eq!(c.deleted, [first.page.records[2].external_id.clone()]);
    assert!(c.updated.is_empty());
}

#[test]
fn many_identical_rows_stay_stable() {
    let row = "07/12/2026;10:00;;Permanence;permanence;Accueil;;;";
    let rows = vec![row; 2000];
    let first = sync(&programme(&rows), None);
    let mut fewer = rows.clone();
    fewer.remove(0);
    let second = resync(&programme(&fewer), &first);
    let c = changes(&first.page, &second.page);
    assert_eq!((c.created.len(), c.updated.len(), c.deleted.len()), (0, 0, 1));
}

#[test]
fn a_skipped_row_is_neither_updated_nor_deleted_then_fixed_in_place() {
    let first = sync(&programme(&ROWS), None);
    let mut rows = ROWS;
    rows[2] = "06/13/2026;18:00;;Conférence climat;conférence;Grande salle;Lou;40;";
    let second = resync(&programme(&rows), &first);
    assert_eq!(second.problems.len(), 1);
    assert_eq!(changes(&first.page, &second.page).deleted, Vec::<String>::new());
    assert_eq!(titles(&second.page), ["Repair café", "Repair café", "Couture", "Concert"]);
    // Fixed (to another day): the same event, updated.
    rows[2] = "07/12/2026;18:00;;Conférence climat;conférence;Grande salle;Lou;40;";
    let third = resync(&programme(&rows), &second);
    assert!(third.problems.is_empty());
    assert_eq!(changes(&first.page, &third.page), one("updated", id_of(&first.page, "Conférence climat")));
    assert!(third.page.records.iter().all(|r| !r.deleted));
}

#[test]
fn a_row_skipped_for_its_kind_or_title_keeps_its_event() {
    let mut s = settings();
    s.known_kinds = Some(vec!["atelier".into(), "conférence".into(), "fête".into()]);
    let first = sync_bytes(&programme(&ROWS), &s, None).unwrap();
    let mut rows = ROWS;
    rows[3] = "12/12/2026;09:00;12:00;Couture;atelierr;Salle 2;Sam;8;";
    rows[4] = "19/12/2026;20:00;23:00;;fête;Jardin;;;";
    let second = sync_bytes(&programme(&rows), &s, first.page.next_cursor.as_ref()).unwrap();
    assert_eq!(second.problems.len(), 2);
    assert_eq!(second.tally.deleted, 0);
    assert!(second.page.records.iter().all(|r| !r.deleted));
}

#[test]
fn an_emptied_sheet_is_refused_not_cancelled() {
    let first = sync(&programme(&ROWS), None);
    for bytes in [Vec::new(), programme(&[]), programme(&["xx;yy;;Cassé;atelier;;;;"])] {
        let err = sync_bytes(&bytes, &settings(), first.page.next_cursor.as_ref()).unwrap_err();
        assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains("nothing is cancelled")), "{err}");
    }
    // Without a previous read, an empty sheet is just empty.
    assert!(sync(&programme(&[]), None).page.records.is_empty());
}

#[test]
fn a_foreign_cursor_is_refused() {
    let cursor = hub_connector_sdk::Cursor(serde_json::json!({"v": 99, "sheet": "", "rows": []}));
    let err = sync_bytes(&programme(&ROWS), &settings(), Some(&cursor)).unwrap_err();
    assert!(err.to_string().contains("reset it"), "{err}");
    let cursor = hub_connector_sdk::Cursor(serde_json::json!("2026-12-01"));
    assert!(sync_bytes(&programme(&ROWS), &settings(), Some(&cursor)).is_err());
}

#[test]
fn two_thousand_rows_then_one_edit_is_one_update() {
    // The bench's entry points, without timing (benchmarks time, tests do not).
    let first = sync_bytes(&programme_csv(2000, None), &settings(), None).unwrap();
    assert_eq!((first.page.records.len(), first.problems.len(), first.tally.fresh), (2000, 0, 2000));
    let second = sync_bytes(&programme_csv(2000, Some(1234)), &settings(), first.page.next_cursor.as_ref()).unwrap();
    let c = changes(&first.page, &second.page);
    assert_eq!(c, one("updated", first.page.records[1234].external_id.clone()));
    assert_eq!((second.tally.fresh, second.tally.deleted), (0, 0));
}
