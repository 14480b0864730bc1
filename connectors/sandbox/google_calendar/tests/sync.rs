//! Paging and incremental sync: `maxResults`/`pageToken` over the seeded month, `nextSyncToken`
//! only on the last page, changes (and cancellations, and staff-added events) since a token,
//! 410 `fullSyncRequired` for invalid or expired tokens, and the sync guide's requests replayed.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Lists every page of `query`, checking each page against `schemas.Events`; returns the items and the sync token.
async fn all_pages(sb: &Sandbox, cal: &str, query: &str) -> (Vec<Value>, String, usize) {
    let doc = discovery();
    let (mut items, mut pages, mut token) = (Vec::new(), 0, None::<String>);
    loop {
        let q = match &token {
            Some(t) => format!("{query}&pageToken={t}"),
            None => query.to_string(),
        };
        let page = sb.json(&format!("/calendars/{cal}/events?{q}")).await;
        assert_schema(&doc, "Events", &page);
        pages += 1;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["nextPageToken"].as_str() {
            Some(t) => {
                assert!(page["nextSyncToken"].is_null(), "only the last page carries nextSyncToken");
                token = Some(t.to_string());
            }
            None => {
                return (
                    items,
                    page["nextSyncToken"].as_str().expect("nextSyncToken on the last page").to_string(),
                    pages,
                );
            }
        }
    }
}

#[tokio::test]
async fn paging_then_incremental_sync_with_deletions_and_staff_events() {
    let sb = start().await;
    let cal = sb.calendar();
    let (full, _, one_page) = all_pages(&sb, &cal, "maxResults=2500").await;
    assert!(full.len() > 10, "a month of seeded events: {}", full.len());
    assert_eq!(one_page, 1);
    let (items, sync, pages) = all_pages(&sb, &cal, "maxResults=7").await;
    assert_eq!(pages, full.len().div_ceil(7));
    let ids: Vec<&Value> = items.iter().map(|i| &i["id"]).collect();
    assert_eq!(ids, full.iter().map(|i| &i["id"]).collect::<Vec<_>>(), "pages cover the listing once, in order");

    // nothing changed yet
    let quiet = sb.json(&format!("/calendars/{cal}/events?syncToken={sync}")).await;
    assert_eq!(quiet["items"].as_array().expect("items").len(), 0);
    assert!(quiet["nextSyncToken"].is_string());

    // a client change, a deletion, and an event added by staff directly in Google Calendar
    let victim = items[0]["id"].as_str().expect("id");
    let edited = items[1]["id"].as_str().expect("id");
    assert_eq!(sb.send(Method::DELETE, &format!("/calendars/{cal}/events/{victim}"), &json!({})).await.status(), 204);
    let r = sb.send(Method::PATCH, &format!("/calendars/{cal}/events/{edited}"), &json!({"colorId": "5"})).await;
    assert_eq!(r.status(), 200);
    let staff = json!({"summary": "Réunion ajoutée par l'accueil", "start": {"dateTime": "2026-04-01T10:00:00+02:00"}, "end": {"dateTime": "2026-04-01T11:00:00+02:00"}});
    let r =
        sb.http.post(sb.url(&format!("/_sandbox/calendars/{cal}/events"))).json(&staff).send().await.expect("staff");
    assert_eq!(r.status(), 201);
    let staff_id = r.json::<Value>().await.expect("json")["id"].clone();

    let (changes, sync2, _) = all_pages(&sb, &cal, &format!("syncToken={sync}&maxResults=2")).await;
    let doc = discovery();
    for c in &changes {
        assert_schema(&doc, "Event", c);
    }
    let changed: Vec<&Value> = changes.iter().map(|c| &c["id"]).collect();
    assert_eq!(changed, vec![&json!(victim), &json!(edited), &staff_id]);
    assert_eq!(changes[0]["status"], "cancelled");
    assert_eq!(changes[1]["colorId"], "5");
    assert_ne!(sync2, sync);
    let quiet = sb.json(&format!("/calendars/{cal}/events?syncToken={sync2}")).await;
    assert_eq!(quiet["items"].as_array().expect("items").len(), 0);

    // forbidden parameter with a sync token
    let bad = sb.get(&format!("/calendars/{cal}/events?syncToken={sync2}&q=atelier")).await;
    assert_eq!(bad.status(), 400);
    assert_google_error(&bad.json().await.expect("json"), 400, "invalid");

    // expiry (e.g. tokens too old on Google's side) → 410 Gone, then a full sync works again
    let r =
        sb.http.post(sb.url(&format!("/_sandbox/calendars/{cal}/expire-sync-tokens"))).send().await.expect("expire");
    assert_eq!(r.status(), 200);
    let gone = sb.get(&format!("/calendars/{cal}/events?syncToken={sync2}")).await;
    assert_eq!(gone.status(), 410);
    assert_google_error(&gone.json().await.expect("json"), 410, "fullSyncRequired");
    let (_, sync3, _) = all_pages(&sb, &cal, "maxResults=250").await;
    assert_eq!(sb.get(&format!("/calendars/{cal}/events?syncToken={sync3}")).await.status(), 200);

    // staff cancel an event in Google Calendar's own UI: a cancellation in the next incremental sync
    let r = sb
        .http
        .delete(sb.url(&format!("/_sandbox/calendars/{cal}/events/{}", staff_id.as_str().expect("id"))))
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 204);
    let changes = sb.json(&format!("/calendars/{cal}/events?syncToken={sync3}")).await;
    assert_eq!(changes["items"].as_array().expect("items").len(), 1);
    assert_eq!(changes["items"][0]["id"], staff_id);
    assert_eq!(changes["items"][0]["status"], "cancelled");

    // a token of another calendar is not valid here
    let other = enc(hub_sandbox_google_calendar::DEMO_ACCOUNT);
    let gone = sb.get(&format!("/calendars/{other}/events?syncToken={sync3}")).await;
    assert_eq!(gone.status(), 410);
}

#[tokio::test]
async fn sync_guide_requests_are_replayed() {
    let sb = start().await;
    let ex = examples().into_iter().find(|(n, _)| n.starts_with("sync-guide")).expect("example").1;
    // the guide's own token belongs to another account: a full sync is required
    let guide_token = ex["sync_token_example"]["nextSyncToken"].as_str().expect("token");
    let gone = sb.get(&format!("/calendars/primary/events?syncToken={}", guide_token.replace('=', "%3D"))).await;
    assert_eq!(gone.status(), 410);

    // the guide's paged incremental requests, with tokens the sandbox gave
    let template1 = ex["paged_incremental_request_1"].as_str().expect("request").strip_prefix("GET ").expect("GET");
    let template2 = ex["paged_incremental_request_2"].as_str().expect("request").strip_prefix("GET ").expect("GET");
    let (path, query) = template1.split_once('?').expect("query");
    let base: Vec<(String, String)> =
        form_urlencoded::parse(query.as_bytes()).into_owned().filter(|(k, _)| k != "syncToken").collect();
    let base_q: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&base).finish();
    let first = sb.json(&format!("{path}?{base_q}")).await;
    let mut page = first;
    while let Some(t) = page["nextPageToken"].as_str() {
        page = sb.json(&format!("{path}?{base_q}&pageToken={t}")).await;
    }
    let sync = page["nextSyncToken"].as_str().expect("sync token").to_string();
    for i in 0..12 {
        let body =
            json!({"summary": format!("Créneau {i}"), "start": {"date": "2026-05-04"}, "end": {"date": "2026-05-05"}});
        assert_eq!(sb.send(Method::POST, "/calendars/primary/events", &body).await.status(), 200);
    }
    let guide_sync = template1.split("syncToken=").nth(1).expect("sync token in the guide");
    let req1 = template1.replace(guide_sync, &sync);
    let resp1 = sb.json(&req1).await;
    assert_eq!(resp1["items"].as_array().expect("items").len(), 10);
    let guide_page = template2.split("pageToken=").nth(1).expect("page token in the guide");
    let fragment_keys: Vec<&String> =
        ex["paged_incremental_response_1_fragment"].as_object().expect("fragment").keys().collect();
    for k in fragment_keys {
        assert!(resp1[k].is_string(), "{k} in the first incremental page");
    }
    let next = resp1["nextPageToken"].as_str().expect("next page");
    let req2 = template2.replace(guide_sync, &sync).replace(guide_page, next);
    let resp2 = sb.json(&req2).await;
    assert_eq!(resp2["items"].as_array().expect("items").len(), 2);
    assert!(resp2["nextSyncToken"].is_string());
}
