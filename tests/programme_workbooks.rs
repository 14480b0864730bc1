//! The monthly programme from XLSX and ODS workbooks (date, time and number cells, as Excel and
//! LibreOffice write them): adding, editing and deleting rows are reflected in events, tasks,
//! the Mattermost `programme` channel, the ICS and JSON feeds and the printable programme.
//! Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use common::{eventually, programme::Programme};
use hub_connector_spreadsheet::testkit::{V, ods, xlsx};

fn headers() -> Vec<V> {
    ["Date", "Début", "Fin", "Titre", "Type", "Lieu", "Animateur·rice", "Jauge", "Description"]
        .into_iter()
        .map(|h| V::Text(h.into()))
        .collect()
}

fn row(p: &Programme, day: u32, (h, m): (u32, u32), title: &str, kind: &str, capacity: Option<f64>) -> Vec<V> {
    vec![
        V::Date(p.day(day)),
        V::Time(h, m),
        V::Time(h + 2, m),
        V::Text(title.into()),
        V::Text(kind.into()),
        V::Text("Atelier bois".into()),
        V::Text("Dominique".into()),
        capacity.map_or(V::Empty, V::Num),
        V::Text("Entrée libre".into()),
    ]
}

async fn add_edit_delete(file: &str, build: fn(Vec<Vec<V>>) -> Vec<u8>) {
    let start = Programme::start(file, b"").await;
    let p = &start;
    let title_line = vec![V::Text("Programme du mois".into())];
    let sheet = |rows: Vec<Vec<V>>| build([vec![title_line.clone(), headers()], rows].concat());
    p.write(&sheet(vec![
        row(p, 6, (10, 0), "Repair café du samedi", "Repair café", Some(20.0)),
        row(p, 9, (18, 30), "Formation découpe laser", "Formation", Some(6.0)),
    ]));
    let report = p.sync().await.unwrap();
    assert_eq!((report.created, report.updated), (2, 0), "{file}: {report:?}");
    let repair = p.event("Repair café du samedi").await.expect("event from the workbook");
    assert_eq!(repair.fields.0["capacity"], 20, "a number cell");
    p.wait_tasks(repair.id, &["accueil", "participer", "reparateur"]).await;
    p.wait_post(&["Repair café du samedi", "Atelier bois"]).await;
    let local = p.day(9).format("%Y%m%d").to_string();
    assert!(p.ics().await.contains(&format!("DTSTART;TZID=Europe/Paris:{local}T183000")), "{file}: a time cell");

    // Add a row above the others and edit one: one create, one update.
    p.write(&sheet(vec![
        row(p, 2, (14, 0), "Permanence du mercredi", "Permanence", None),
        row(p, 6, (10, 0), "Repair café du samedi", "Repair café", Some(20.0)),
        row(p, 9, (19, 0), "Formation découpe laser", "Formation", Some(6.0)),
    ]));
    let report = p.sync().await.unwrap();
    assert_eq!((report.created, report.updated), (1, 1), "{file}: {report:?}");
    assert_eq!(p.event("Repair café du samedi").await.unwrap().id, repair.id, "the moved row keeps its event");
    assert!(p.ics().await.contains(&format!("DTSTART;TZID=Europe/Paris:{local}T190000")));
    let permanence = p.event("Permanence du mercredi").await.unwrap();
    p.wait_tasks(permanence.id, &["accueil", "ouverture"]).await;
    let (_, json) = p.get_json(&format!("/programme/{}.json", p.month)).await;
    assert_eq!(json["events"].as_array().map(Vec::len), Some(3), "{json}");
    let (_, html) = p.get(&format!("/programme/{}", p.month)).await;
    assert!(html.contains("Permanence du mercredi") && html.contains("19\u{a0}h"), "{file}");

    // Delete a row: its event, tasks and feed entry go; the post is struck.
    p.write(&sheet(vec![
        row(p, 2, (14, 0), "Permanence du mercredi", "Permanence", None),
        row(p, 9, (19, 0), "Formation découpe laser", "Formation", Some(6.0)),
    ]));
    p.sync().await.unwrap();
    assert!(p.event("Repair café du samedi").await.is_none(), "{file}");
    p.wait_tasks(repair.id, &[]).await;
    assert!(!p.ics().await.contains(&repair.id.to_string()));
    p.wait_post(&["Annulé", "Repair café du samedi"]).await;
    eventually("three posts, one per event ever announced", || async { p.roots_in("programme").await.len() == 3 })
        .await;
    let (_, html) = p.get(&format!("/programme/{}", p.month)).await;
    assert!(!html.contains("Repair café du samedi"));
    start.shutdown().await;
}

#[tokio::test]
async fn an_xlsx_programme_is_followed() {
    add_edit_delete("programme.xlsx", |rows| xlsx(&[("Décembre", rows)])).await;
}

#[tokio::test]
async fn an_ods_programme_is_followed() {
    add_edit_delete("programme.ods", |rows| ods(&[("Programme", rows)], true)).await;
}
