//! Stateful behaviour of the hardware, user, location, status-label and maintenance endpoints,
//! including Snipe-IT's HTTP 200 `"status":"error"` answers.

mod common;

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn hardware_list_pages_searches_sorts_and_filters() {
    let sb = common::start().await;
    let all = sb.get("/hardware?limit=500").await;
    let total = all["total"].as_u64().unwrap() as usize;
    assert!(total >= 38, "seeded machines and cameras: {total}");
    assert_eq!(all["rows"].as_array().unwrap().len(), total);
    let mut seen = HashSet::new();
    let mut offset = 0;
    while offset < total {
        let page = sb.get(&format!("/hardware?limit=7&offset={offset}&sort=asset_tag&order=asc")).await;
        assert_eq!(page["total"].as_u64().unwrap() as usize, total);
        let rows = page["rows"].as_array().unwrap();
        assert!(!rows.is_empty() && rows.len() <= 7);
        for r in rows {
            assert!(seen.insert(r["asset_tag"].as_str().unwrap().to_string()), "no overlap between pages");
        }
        offset += 7;
    }
    assert_eq!(seen.len(), total);
    let sorted = sb.get("/hardware?sort=asset_tag&order=asc&limit=3").await;
    let tags: Vec<&str> = sorted["rows"].as_array().unwrap().iter().map(|r| r["asset_tag"].as_str().unwrap()).collect();
    let mut expected = tags.clone();
    expected.sort();
    assert_eq!(tags, expected);
    assert_eq!(tags[0], "FAB-0001");
    let desc = sb.get("/hardware?sort=asset_tag&order=desc&limit=1").await;
    assert!(desc["rows"][0]["asset_tag"].as_str().unwrap() > tags[2]);
    let cams = sb.get("/hardware?search=sony").await;
    assert!(cams["total"].as_u64().unwrap() > 0);
    for r in cams["rows"].as_array().unwrap() {
        assert_eq!(r["manufacturer"]["name"], "Sony", "{r}");
    }
    let rtd = sb.get("/hardware?status=RTD").await;
    for r in rtd["rows"].as_array().unwrap() {
        assert!(r["assigned_to"].is_null());
        assert_eq!(r["status_label"]["status_type"], "deployable");
    }
    let deployed = sb.get("/hardware?status=Deployed").await;
    assert!(deployed["total"].as_u64().unwrap() > 0, "the seed has checkouts");
    for r in deployed["rows"].as_array().unwrap() {
        assert_eq!(r["status_label"]["status_meta"], "deployed");
        assert_eq!(r["assigned_to"]["type"], "user");
    }
    let archived = sb.get("/hardware?status=Archived").await;
    assert!(archived["total"].as_u64().unwrap() > 0);
    let hidden: Vec<&Value> =
        all["rows"].as_array().unwrap().iter().filter(|r| r["status_label"]["status_type"] == "archived").collect();
    assert!(hidden.is_empty(), "archived assets are hidden from the default list");
    let loc = sb.get("/hardware?location_id=4").await;
    for r in loc["rows"].as_array().unwrap() {
        assert_eq!(r["location"]["id"], 4);
    }
}

#[tokio::test]
async fn hardware_create_get_update_delete_restore() {
    let sb = common::start().await;
    let created = sb
        .post("/hardware", json!({"asset_tag": "FAB-9001", "model_id": 1, "status_id": 1, "name": "Imprimante \"test\"", "rtd_location_id": 3}))
        .await;
    assert_eq!(created["status"], "success", "{created}");
    let id = created["payload"]["id"].as_u64().unwrap();
    let got = sb.get(&format!("/hardware/{id}")).await;
    assert_eq!(got["asset_tag"], "FAB-9001");
    assert_eq!(got["name"], "Imprimante &quot;test&quot;", "names are HTML-escaped as Laravel's e() does");
    assert_eq!(got["location"]["id"], 3);
    let by_tag = sb.asset_by_tag("FAB-9001").await;
    assert_eq!(by_tag["id"], id);
    let handed = sb
        .post("/hardware", json!({"asset_tag": "FAB-9002", "model_id": 5, "status_id": 1, "assigned_user": 12}))
        .await;
    let handed = sb.get(&format!("/hardware/{}", handed["payload"]["id"])).await;
    assert_eq!(handed["assigned_to"]["id"], 12, "assigned_user on create checks the asset out");
    assert_eq!(handed["checkout_counter"], 1);
    let dup = sb.post("/hardware", json!({"asset_tag": "FAB-9001", "model_id": 1, "status_id": 1})).await;
    assert_eq!(dup["status"], "error");
    assert!(dup["messages"]["asset_tag"].is_array());
    let missing = sb.post("/hardware", json!({"asset_tag": "X"})).await;
    assert_eq!(missing["status"], "error");
    assert!(missing["messages"]["model_id"].is_array() && missing["messages"]["status_id"].is_array());

    let seeded = sb.asset_by_tag("FAB-0002").await;
    let sid = seeded["id"].as_u64().unwrap();
    let upd = sb.call(Method::PATCH, &format!("/hardware/{sid}"), Some(json!({"notes": "Buse changée"}))).await;
    assert_eq!(upd.1["status"], "success");
    let after = sb.get(&format!("/hardware/{sid}")).await;
    assert_eq!(after["notes"], "Buse changée");
    assert_ne!(after["updated_at"], seeded["updated_at"], "updated_at moves");
    assert_eq!(after["created_at"], seeded["created_at"]);

    let del = sb.delete(&format!("/hardware/{id}")).await;
    assert_eq!(del["status"], "success");
    let gone = sb.get("/hardware/bytag/FAB-9001").await;
    assert_eq!(gone["status"], "error");
    let search = sb.get("/hardware?search=FAB-9001").await;
    assert_eq!(search["total"], 0);
    let deleted = sb.get("/hardware?deleted=true").await;
    assert!(deleted["rows"].as_array().unwrap().iter().any(|r| r["id"] == id && !r["deleted_at"].is_null()));
    let restored = sb.post(&format!("/hardware/{id}/restore"), json!({})).await;
    assert_eq!(restored["status"], "success");
    assert_eq!(sb.get("/hardware?search=FAB-9001").await["total"], 1);
}

#[tokio::test]
async fn checkout_and_checkin_follow_the_vendor() {
    let sb = common::start().await;
    let asset = sb.rtd_asset(0).await;
    let id = asset["id"].as_u64().unwrap();
    let tag = asset["asset_tag"].as_str().unwrap();
    let out = sb
        .post(
            &format!("/hardware/{id}/checkout"),
            json!({"checkout_to_type": "user", "assigned_user": 5, "note": "Atelier du samedi"}),
        )
        .await;
    assert_eq!(
        out,
        json!({"status": "success", "messages": "Asset checked out successfully.", "payload": {"asset": tag}})
    );
    let got = sb.get(&format!("/hardware/{id}")).await;
    assert_eq!(got["assigned_to"]["id"], 5);
    assert_eq!(got["assigned_to"]["type"], "user");
    assert_eq!(got["status_label"]["status_meta"], "deployed");
    assert_eq!(got["checkout_counter"].as_u64().unwrap(), asset["checkout_counter"].as_u64().unwrap() + 1);
    assert!(!got["last_checkout"].is_null());
    let user_assets = sb.get("/users/5/assets").await;
    assert!(user_assets["rows"].as_array().unwrap().iter().any(|r| r["id"] == id));
    let again =
        sb.post(&format!("/hardware/{id}/checkout"), json!({"checkout_to_type": "user", "assigned_user": 6})).await;
    assert_eq!(
        again,
        json!({"status": "error", "messages": "That asset is not available for checkout!", "payload": {"asset": tag}})
    );
    let back = sb.post(&format!("/hardware/{id}/checkin"), json!({"note": "Rendu"})).await;
    assert_eq!(back["status"], "success");
    assert_eq!(back["messages"], "Asset checked in successfully.");
    assert_eq!(back["payload"]["asset_tag"], tag);
    assert!(back["payload"]["model"].is_string() && back["payload"]["model_number"].is_string());
    let twice = sb.post(&format!("/hardware/{id}/checkin"), json!({})).await;
    assert_eq!(twice["status"], "error");
    assert_eq!(twice["payload"]["asset"], tag);
    let to_nobody = sb
        .post(&format!("/hardware/{id}/checkout"), json!({"checkout_to_type": "user", "assigned_user": 999999}))
        .await;
    assert_eq!(to_nobody["status"], "error");
    let by_tag = sb
        .post(
            &format!("/hardware/bytag/{tag}/checkout"),
            json!({"checkout_to_type": "location", "assigned_location": 2}),
        )
        .await;
    assert_eq!(by_tag["status"], "success");
    let got = sb.get(&format!("/hardware/{id}")).await;
    assert_eq!(got["assigned_to"], json!({"id": 2, "name": "Salle Olympe-de-Gouges", "type": "location"}));
    assert_eq!(got["location"]["id"], 2);
    let missing = sb.post("/hardware/999999/checkout", json!({"checkout_to_type": "user", "assigned_user": 5})).await;
    assert_eq!(missing, json!({"status": "error", "messages": "Asset does not exist."}));
    let pending = sb.get("/hardware?status=Pending&limit=1").await;
    let pid = pending["rows"][0]["id"].as_u64().unwrap();
    let refused =
        sb.post(&format!("/hardware/{pid}/checkout"), json!({"checkout_to_type": "user", "assigned_user": 5})).await;
    assert_eq!(refused["messages"], "That asset is not available for checkout!");
}

#[tokio::test]
async fn form_encoded_bodies_are_accepted() {
    let sb = common::start().await;
    let asset = sb.rtd_asset(1).await;
    let id = asset["id"].as_u64().unwrap();
    let resp = sb
        .api(Method::POST, &format!("/hardware/{id}/checkout"))
        .form(&[("checkout_to_type", "user"), ("assigned_user", "7")])
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "success", "{v}");
    assert_eq!(sb.get(&format!("/hardware/{id}")).await["assigned_to"]["id"], 7);
}

#[tokio::test]
async fn users_locations_labels_and_maintenances() {
    let sb = common::start().await;
    let users = sb.get("/users?limit=500").await;
    assert!(users["total"].as_u64().unwrap() >= 40);
    assert!(users["rows"].as_array().unwrap().iter().any(|u| !u["name"].as_str().unwrap().is_ascii()));
    let me = sb.get("/users/me").await;
    assert_eq!(me["id"], 1);
    let new = sb
        .post("/users", json!({"first_name": "Anaïs", "last_name": "Lefèvre", "username": "anais.test", "password": "motdepasse1", "password_confirmation": "motdepasse1", "email": "anais.test@exemple.fr", "location_id": 6}))
        .await;
    assert_eq!(new["status"], "success", "{new}");
    let uid = new["payload"]["id"].as_u64().unwrap();
    assert_eq!(sb.get("/users?search=anais.test").await["total"], 1);
    let dup = sb.post("/users", json!({"first_name": "X", "username": "anais.test", "password": "motdepasse1"})).await;
    assert_eq!(dup["status"], "error");
    let upd = sb.put(&format!("/users/{uid}"), json!({"jobtitle": "Bénévole"})).await;
    assert_eq!(upd["payload"]["jobtitle"], "Bénévole");
    assert_eq!(sb.delete(&format!("/users/{uid}")).await["status"], "success");
    assert_eq!(sb.get("/users?search=anais.test").await["total"], 0);
    assert_eq!(sb.get("/users/999999").await["status"], "error");

    let locs = sb.get("/locations").await;
    assert_eq!(locs["total"], 6);
    let busy = sb.delete("/locations/3").await;
    assert_eq!(busy["status"], "error", "a room with machines cannot be deleted");
    let loc = sb.post("/locations", json!({"name": "Jardin partagé", "city": "Montreuil"})).await;
    let lid = loc["payload"]["id"].as_u64().unwrap();
    assert_eq!(sb.get(&format!("/locations/{lid}")).await["name"], "Jardin partagé");
    assert_eq!(sb.delete(&format!("/locations/{lid}")).await["status"], "success");
    assert_eq!(sb.get("/locations").await["total"], 6);

    let labels = sb.get("/statuslabels").await;
    let names: Vec<&str> = labels["rows"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    for n in ["Ready to Deploy", "Pending", "Archived", "Broken - Not Fixable"] {
        assert!(names.contains(&n), "{names:?}");
    }
    assert_eq!(sb.delete("/statuslabels/1").await["status"], "error", "label in use");
    let bad = sb.post("/statuslabels", json!({"name": "Prêté", "type": "nope"})).await;
    assert_eq!(bad["status"], "error");

    let m = sb
        .post("/maintenances", json!({"asset_id": 5, "title": "Graissage", "asset_maintenance_type": "Maintenance", "start_date": "2026-11-02", "cost": "12.50"}))
        .await;
    assert_eq!(m["status"], "success", "{m}");
    let mid = m["payload"]["id"].as_u64().unwrap();
    let list = sb.get("/maintenances?asset_id=5").await;
    assert!(list["rows"].as_array().unwrap().iter().any(|r| r["id"] == mid && r["cost"] == "12,50"));
    let upd = sb.put(&format!("/maintenances/{mid}"), json!({"completion_date": "2026-11-05"})).await;
    assert_eq!(upd["payload"]["asset_maintenance_time"], 3);
    let del = sb.delete(&format!("/maintenances/{mid}")).await;
    assert!(!del["payload"]["deleted_at"].is_null());
    assert!(!sb.get("/maintenances?asset_id=5").await["rows"].as_array().unwrap().iter().any(|r| r["id"] == mid));
    let bad = sb.post("/maintenances", json!({"asset_id": 5})).await;
    assert_eq!(bad["status"], "error");
    assert!(bad["messages"]["title"].is_array());
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let sb = common::start().await;
    let (s, v) = sb.call(Method::GET, "/nothing-here", None).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = sb.call(Method::DELETE, "/hardware", None).await;
    assert_eq!(s, 405, "{v}");
    assert_eq!(v["messages"], "Method not allowed");
}

#[tokio::test]
async fn activity_report_and_audit_schedules() {
    let sb = common::start().await;
    let asset = sb.rtd_asset(3).await;
    let id = asset["id"].as_u64().unwrap();
    sb.post(
        &format!("/hardware/{id}/checkout"),
        json!({"checkout_to_type": "user", "assigned_user": 8, "note": "Prêt"}),
    )
    .await;
    sb.post(&format!("/hardware/{id}/checkin"), json!({})).await;
    let log = sb.get(&format!("/reports/activity?item_type=asset&item_id={id}")).await;
    assert_eq!(log["total"], 2);
    let rows = log["rows"].as_array().unwrap();
    assert_eq!(rows[0]["action_type"], "checkin from", "newest first");
    assert_eq!(rows[1]["action_type"], "checkout");
    assert_eq!(rows[1]["target"]["id"], 8);
    assert_eq!(rows[1]["note"], "Prêt");
    assert_eq!(rows[1]["item"]["id"], id);
    let checkouts = sb.get("/reports/activity?action_type=checkout").await;
    assert!(checkouts["rows"].as_array().unwrap().iter().all(|r| r["action_type"] == "checkout"));

    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(200)).to_string();
    sb.post(&format!("/hardware/{id}/audit"), json!({"next_audit_date": yesterday})).await;
    let overdue = sb.get("/hardware/audit/overdue").await;
    assert!(overdue["rows"].as_array().unwrap().iter().any(|r| r["id"] == id));
    let audited = sb.post("/hardware/audit", json!({"asset_tag": asset["asset_tag"], "next_audit_date": later})).await;
    assert_eq!(audited["payload"]["next_audit_date"]["datetime"], format!("{later} 00:00:00"));
    for path in ["/hardware/audit/overdue", "/hardware/audit/due"] {
        let list = sb.get(path).await;
        assert!(!list["rows"].as_array().unwrap().iter().any(|r| r["id"] == id), "{path}");
    }
    let got = sb.get(&format!("/hardware/{id}")).await;
    assert!(!got["last_audit_date"].is_null());
    assert_eq!(got["next_audit_date"]["date"], later);
}

#[tokio::test]
async fn unseeded_sandbox_starts_empty_but_usable() {
    let started = hub_sandbox_snipeit::start(hub_sandbox_core::SandboxOptions { seed: false, ..Default::default() })
        .await
        .unwrap();
    let token = started.credentials["token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}/api/v1{path}", started.running.base_url)).bearer_auth(token).send();
    let hw: Value = get("/hardware").await.unwrap().json().await.unwrap();
    assert_eq!(hw, json!({"total": 0, "rows": []}));
    let labels: Value = get("/statuslabels").await.unwrap().json().await.unwrap();
    assert_eq!(labels["total"], 6, "status labels exist in every install");
    let me: Value = get("/users/me").await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "admin");
    let users: Value = get("/users").await.unwrap().json().await.unwrap();
    assert_eq!(users["total"], 1);
}

#[tokio::test]
async fn staff_checkin_from_the_web_ui() {
    let sb = common::start().await;
    let deployed = sb.get("/hardware?status=Deployed&limit=1").await;
    let tag = deployed["rows"][0]["asset_tag"].as_str().unwrap().to_string();
    let r: Value = sb
        .http
        .post(sb.url("/_sandbox/ui/checkin"))
        .json(&json!({"asset_tag": tag, "note": "Rendu à l'accueil"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "success", "{r}");
    let a = sb.asset_by_tag(&tag).await;
    assert!(a["assigned_to"].is_null());
    assert_eq!(a["location"], a["rtd_location"], "back to its default location");
}
