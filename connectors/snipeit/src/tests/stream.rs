//! The `assets` stream against the sandbox: every pass read to the end, statuses and holders
//! mapped, and a deletion in the middle of a pass that shifts the rows skips nobody.

use hub_connector_sdk::{Connector, Cursor, SourceRecord};

use super::Sandbox;
use crate::{SnipeItConnector, stream::AssetsCursor};

/// Reads the stream from the start to `has_more: false`: the records, the last cursor, the pages.
async fn read_all(conn: &SnipeItConnector, from: Option<Cursor>) -> (Vec<SourceRecord>, Cursor, usize) {
    let mut cursor = from;
    let mut records = Vec::new();
    for pages in 1..=200 {
        let page = conn.read("assets", cursor.as_ref()).await.expect("page reads");
        records.extend(page.records);
        cursor = page.next_cursor;
        if !page.has_more {
            return (records, cursor.expect("a cursor on the last page"), pages);
        }
    }
    panic!("assets: pagination did not end");
}

#[tokio::test]
async fn the_assets_stream_pages_through_every_pass_and_maps_statuses() {
    let sb = Sandbox::start().await;
    // One asset deleted: it comes in the `deleted` pass.
    let deleted = sb.api(reqwest::Method::DELETE, "/hardware/2").await;
    assert_eq!(deleted["status"], "success", "{deleted}");
    let db = sb.db().await;
    let conn = sb.connector(7);
    let (records, last, pages) = read_all(&conn, None).await;

    let mut ids: Vec<u64> = records.iter().map(|r| r.external_id.parse().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), records.len(), "each asset once");
    let all = db["assets"].as_object().unwrap();
    assert_eq!(records.len(), all.len(), "listed, archived and deleted assets");
    assert!(pages >= all.len() / 7, "{pages} pages");
    assert_eq!(last, AssetsCursor::default().to_cursor(), "the next sync starts a new pass");

    for record in &records {
        let raw = &all[&record.external_id];
        let d = &record.data;
        assert_eq!(d["tag"], raw["asset_tag"]);
        assert_eq!(d["asset"]["id"].as_u64(), raw["id"].as_u64());
        assert_eq!(record.deleted, !raw["deleted_at"].is_null(), "{}", record.external_id);
        let want = match (raw["assigned_to"].is_null(), raw["status_id"].as_u64()) {
            (false, _) => "checked_out",
            (true, Some(1)) => "available",
            _ => "maintenance",
        };
        assert_eq!(d["status"], want, "asset {}", record.external_id);
        assert!(record.updated_at.is_some());
        if let Some(user) = raw["assigned_to"].as_array().filter(|a| a[0] == "user").map(|a| a[1].to_string()) {
            let user = &db["users"][&user];
            assert_eq!(d["holder_email"], user["email"]);
            assert_eq!(
                d["holder_name"].as_str().unwrap(),
                format!("{} {}", user["first_name"].as_str().unwrap(), user["last_name"].as_str().unwrap())
            );
        }
    }
    let archived = records.iter().find(|r| all[&r.external_id]["status_id"] == 3).expect("an archived asset");
    assert_eq!((archived.data["status"].as_str(), archived.deleted), (Some("maintenance"), false));
    assert!(records.iter().any(|r| r.external_id == "2" && r.deleted));
    for status in ["available", "checked_out", "maintenance"] {
        assert!(records.iter().any(|r| r.data["status"] == status), "{status}");
    }

    // From the stored end cursor, the next read starts over.
    let again = conn.read("assets", Some(&last)).await.unwrap();
    assert_eq!(again.records[0].external_id, "1");
}

#[tokio::test]
async fn a_deletion_during_a_pass_skips_no_asset() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(8);
    let first = conn.read("assets", None).await.unwrap();
    let read: Vec<&str> = first.records.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(read, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    // Two assets already read are deleted: every later row moves two places left.
    for id in [3, 5] {
        assert_eq!(sb.api(reqwest::Method::DELETE, &format!("/hardware/{id}")).await["status"], "success");
    }
    let (rest, _, _) = read_all(&conn, first.next_cursor).await;
    let live: Vec<String> = rest.iter().filter(|r| !r.deleted).map(|r| r.external_id.clone()).collect();
    let db = sb.db().await;
    for asset in super::live_assets(&db) {
        let id = asset["id"].as_u64().unwrap();
        if id > 8 {
            assert!(live.contains(&id.to_string()), "asset {id} was skipped");
        }
    }
    assert!(rest.iter().any(|r| r.external_id == "3" && r.deleted), "the deleted pass tells");
}
