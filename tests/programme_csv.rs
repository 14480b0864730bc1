//! The monthly programme from a CSV sheet, end to end: rows become events with their tasks, a post
//! each in Mattermost's `programme` channel, entries in the ICS and JSON feeds and in the printable
//! programme; editing, re-typing and deleting rows follow; bad rows are reported (sheet, row,
//! column, reason) and skipped; a header without a required column fails the whole sync and
//! cancels nothing. Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use common::{eventually, programme::*};
use serde_json::Value;

fn sheet(p: &Programme, rows: &[String]) -> Vec<u8> {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    let _ = p;
    text.into_bytes()
}

fn rows(p: &Programme) -> Vec<String> {
    vec![
        format!("{};18h;20h;Réunion mensuelle;Réunion;Grande salle;Camille;10;Ordre du jour : le budget", p.date(3)),
        format!("{};9h30;17h;Chantier du jardin;Chantier participatif;Jardin;Sam;;Apportez des gants", p.date(10)),
        format!("{};14h;16h;<script>alert(1)</script> Couture;Atelier;Fablab;Lou & Zoé;6;", p.date(12)),
        "32/13/2026;10h;12h;Date impossible;Atelier;Fablab;;;".to_string(),
        format!("{};18h;16h;Fin avant début;Atelier;Fablab;;;", p.date(14)),
        format!("{};20h;23h;Karaoké;Soirée karaoké;Bar;;;", p.date(15)),
    ]
}

#[tokio::test]
async fn csv_rows_become_events_tasks_posts_feeds_and_pages() {
    let start = Programme::start("programme.csv", b"").await;
    let p = &start;
    p.write(&sheet(p, &rows(p)));
    let report = p.sync().await.expect("the sync goes through despite the bad rows");
    assert_eq!((report.created, report.updated), (3, 0), "{report:?}");

    // Bad rows: reported with sheet, row, column and reason, in the admin API and the status.
    let (status, problems) = p.hub.admin_get("/api/v1/connectors/planning/problems").await;
    assert_eq!(status, 200, "{problems}");
    let problems = problems["problems"].as_array().unwrap().clone();
    let found = |row: u64, column: &str| {
        problems.iter().any(|x| x["row"] == row && x["column"] == column && x["sheet"] == "programme.csv")
    };
    assert!(found(5, "Date") && found(6, "Fin") && found(7, "Type"), "{problems:?}");
    let (_, status) = p.get_json("/programme/status").await;
    assert_eq!(status["spreadsheets"][0]["skipped_rows"], 3, "{status}");
    assert_eq!(status["spreadsheets"][0]["source"], "fichier local", "no path in a public answer: {status}");
    assert_eq!(status["google_calendar"]["configured"], false, "{status}");
    assert!(status["google_calendar"]["detail"].as_str().unwrap().contains("non configuré"), "{status}");

    // `hub sync` prints them too; `hub programme build` writes the page, the PDF and the newsletter.
    let (ok, out, err) = p.hub_command(&["sync", "planning"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("3 ligne(s) ignorée(s)") && out.contains("row 5, column \"Date\": unreadable date"), "{out}");
    let dir = p.hub.db.dir.join("imprimer");
    let (ok, out, err) =
        p.hub_command(&["programme", "build", "--month", &p.month.to_string(), "--out", dir.to_str().unwrap()]);
    assert!(ok && out.contains("3 événement(s)"), "{out}{err}");
    let printed = std::fs::read_to_string(dir.join(format!("programme-{}.html", p.month))).unwrap();
    assert!(printed.contains("Réunion mensuelle") && printed.contains("La Fabrique"), "{printed}");
    assert!(std::fs::read(dir.join(format!("programme-{}.pdf", p.month))).unwrap().starts_with(b"%PDF-"));
    assert!(std::fs::read_to_string(dir.join(format!("newsletter-{}.html", p.month))).unwrap().starts_with("<table"));

    // Tasks from the kinds file, and one post per event in the programme channel.
    let meeting = p.event("Réunion mensuelle").await.expect("the meeting");
    p.wait_tasks(meeting.id, &["animer", "compte-rendu", "participer"]).await;
    let site = p.event("Chantier du jardin").await.unwrap();
    p.wait_tasks(site.id, &["benevole", "coordonner", "repas"]).await;
    p.wait_post(&["Réunion mensuelle", "Grande salle"]).await;
    eventually("three posts", || async { p.roots_in("programme").await.len() == 3 }).await;

    // Feeds: ICS with the zone and local times, JSON with tasks and counts.
    let ics = p.ics().await;
    assert!(ics.contains("BEGIN:VTIMEZONE") && ics.contains(&format!("UID:{}", meeting.id)), "{ics}");
    let local = p.day(3).format("%Y%m%d").to_string();
    assert!(ics.contains(&format!("DTSTART;TZID=Europe/Paris:{local}T180000")), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 3, "{ics}");
    let (status, json) = p.get_json(&format!("/programme/{}.json", p.month)).await;
    assert_eq!(status, 200);
    let ev = json["events"].as_array().unwrap().iter().find(|e| e["title"] == "Réunion mensuelle").unwrap().clone();
    assert_eq!((ev["capacity"].clone(), ev["registrations"]["remaining"].clone()), (Value::from(10), Value::from(10)));
    let lead = ev["tasks"].as_array().unwrap().iter().find(|t| t["slug"] == "animer").unwrap().clone();
    assert_eq!((lead["title"].as_str(), lead["places"].as_i64()), (Some("Animer la réunion"), Some(1)));
    assert!(lead["doc_url"].as_str().unwrap().starts_with("https://"));

    // Printable page, newsletter and PDF; user text inert.
    let (status, html) = p.get(&format!("/programme/{}", p.month)).await;
    assert_eq!(status, 200);
    assert!(html.contains("@page") && html.contains("Semaine du"), "print CSS, grouped by week");
    assert!(html.contains(&hub::programme::french::day_heading(p.day(3))), "French day heading");
    assert!(
        !html.contains("<script>alert") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Couture"),
        "escaped"
    );
    let (_, block) = p.get(&format!("/programme/{}/newsletter", p.month)).await;
    assert!(
        block.starts_with("<table")
            && !block.contains("<script")
            && !block.contains("<link")
            && !block.contains("<style")
    );
    assert!(block.contains("style=\"") && block.contains("&lt;script&gt;"), "inline styles, escaped text");
    let pdf =
        p.client.get(p.hub.url(&format!("/programme/{}.pdf", p.month))).send().await.unwrap().bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.windows(9).any(|w| w == b"Helvetica"));
    let hex: String = "Réunion mensuelle".chars().map(|c| format!("{:02X}", c as u32)).collect();
    assert!(pdf.windows(hex.len()).any(|w| w == hex.as_bytes()), "the title in WinAnsi (a hex string) in the page");

    // Edit one row: one update, reflected everywhere.
    let mut edited = rows(p);
    edited[0] = format!(
        "{};18h30;20h30;Réunion mensuelle;Réunion;Salle du haut;Camille;10;Ordre du jour : le budget",
        p.date(3)
    );
    p.write(&sheet(p, &edited));
    let report = p.sync().await.unwrap();
    assert_eq!((report.created, report.updated), (0, 1), "{report:?}");
    assert!(p.ics().await.contains(&format!("DTSTART;TZID=Europe/Paris:{local}T183000")));
    eventually("the post shows the new place", || async {
        p.roots_in("programme")
            .await
            .iter()
            .any(|r| r["message"].as_str().unwrap_or_default().contains("Salle du haut"))
    })
    .await;

    // Re-type a row: its tasks follow the new kind.
    let workshop = p.event("<script>alert(1)</script> Couture").await.unwrap();
    p.wait_tasks(workshop.id, &["animer", "participer"]).await;
    edited[2] = format!("{};14h;16h;<script>alert(1)</script> Couture;Formation;Fablab;Lou & Zoé;6;", p.date(12));
    p.write(&sheet(p, &edited));
    assert_eq!(p.sync().await.unwrap().updated, 1);
    p.wait_tasks(workshop.id, &["former", "participer"]).await;

    // Delete a row: the event and its tasks go, the feed drops it, the post says cancelled.
    edited.remove(1);
    p.write(&sheet(p, &edited));
    p.sync().await.unwrap();
    assert!(p.event("Chantier du jardin").await.is_none());
    p.wait_tasks(site.id, &[]).await;
    assert_eq!(p.ics().await.matches("BEGIN:VEVENT").count(), 2);
    p.wait_post(&["Annulé", "Chantier du jardin"]).await;
    let (_, html) = p.get(&format!("/programme/{}", p.month)).await;
    assert!(!html.contains("Chantier du jardin"));

    // Put back (an undo in the sheet): the same event lives again, with its tasks and in the feed.
    let mut undone = edited.clone();
    undone.insert(1, rows(p)[1].clone());
    p.write(&sheet(p, &undone));
    p.sync().await.unwrap();
    let back = p.event("Chantier du jardin").await.expect("the event is back");
    assert_eq!(back.id, site.id, "the same event, not a new one");
    eventually("its tasks are back", || async { !p.task_slugs(site.id).await.is_empty() }).await;
    assert_eq!(p.ics().await.matches("BEGIN:VEVENT").count(), 3);
    // …and deleted again for what follows.
    p.write(&sheet(p, &edited));
    p.sync().await.unwrap();
    assert!(p.event("Chantier du jardin").await.is_none());
    p.wait_tasks(site.id, &[]).await;

    // A header without a required column fails the sync, naming it; nothing is cancelled.
    let broken = edited.iter().map(|r| r.replacen(';', ",", 0)).collect::<Vec<_>>().join("\n");
    p.write(format!("Date;Début;Fin;Intitulé;Type\n{broken}\n").as_bytes());
    let err = p.sync().await.expect_err("no Titre column");
    assert!(err.message.contains("Titre"), "{}", err.message);
    assert!(p.event("Réunion mensuelle").await.is_some(), "nothing deleted");
    // An emptied file is refused too.
    p.write(format!("{HEADER}\n").as_bytes());
    assert!(p.sync().await.is_err());
    assert_eq!(p.live(hub_connector_sdk::EntityKind::Event).await.len(), 2);
    start.shutdown().await;
}
