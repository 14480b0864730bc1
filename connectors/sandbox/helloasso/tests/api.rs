//! API behaviour: the seed, pagination as HelloAsso does it, filters, refunds and their effects.
mod common;

use std::collections::HashSet;

use common::{SLUG, Sandbox};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn the_seed_has_the_three_forms_with_tiers_and_custom_fields() {
    let sb = Sandbox::start().await;
    let forms = sb.get(&format!("/v5/organizations/{SLUG}/forms?withCount=true")).await;
    let titles: Vec<&str> = forms["data"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap()).collect();
    for t in ["Adhésion 2026", "Soutenir le tiers-lieu", "Atelier réparation vélo"] {
        assert!(titles.contains(&t), "{titles:?}");
    }
    assert_eq!(forms["pagination"]["totalCount"], 3);
    let only_events = sb.get(&format!("/v5/organizations/{SLUG}/forms?formTypes=Event")).await;
    assert_eq!(only_events["data"].as_array().unwrap().len(), 1);
    let m = sb.get(&format!("/v5/organizations/{SLUG}/forms/Membership/adhesion-2026/public")).await;
    let tiers: Vec<&str> = m["tiers"].as_array().unwrap().iter().map(|t| t["label"].as_str().unwrap()).collect();
    assert_eq!(tiers, ["Individuelle", "Famille", "Bienfaiteur"]);
    let fields: Vec<&str> =
        m["tiers"][0]["customFields"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect();
    assert_eq!(fields, ["Date de naissance", "Commune"]);
    let (status, _) =
        sb.get_with(&sb.access_token().await, &format!("/v5/organizations/{SLUG}/forms/Event/nope/public")).await;
    assert_eq!(status, 404);
}

/// Follows continuation tokens until an empty page, as HelloAsso's pagination page advises.
async fn walk(sb: &Sandbox, path: &str) -> (Vec<Value>, usize) {
    let token = sb.access_token().await;
    let (mut all, mut pages, mut cont): (Vec<Value>, usize, Option<String>) = (Vec::new(), 0, None);
    loop {
        let url = match &cont {
            Some(c) => {
                format!("{path}&continuationToken={}", c.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D"))
            }
            None => path.to_string(),
        };
        let (status, page) = sb.get_with(&token, &url).await;
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().unwrap();
        if data.is_empty() {
            assert!(page["pagination"]["continuationToken"].is_string(), "the token stays on the empty page");
            return (all, pages);
        }
        pages += 1;
        all.extend(data.iter().cloned());
        cont = Some(page["pagination"]["continuationToken"].as_str().expect("token on every page").to_string());
        assert!(pages < 1000, "pagination terminates");
    }
}

#[tokio::test]
async fn continuation_tokens_walk_every_order_once_and_page_index_agrees() {
    let sb = Sandbox::start().await;
    let path = format!("/v5/organizations/{SLUG}/orders?pageSize=37");
    let counted = sb.get(&format!("{path}&withCount=true")).await;
    let total = counted["pagination"]["totalCount"].as_u64().unwrap() as usize;
    assert!(total >= 300, "orders for a few hundred people: {total}");
    assert_eq!(counted["pagination"]["totalPages"].as_u64().unwrap() as usize, total.div_ceil(37));
    let uncounted = sb.get(&path).await;
    assert_eq!(uncounted["pagination"]["totalCount"], -1);
    assert_eq!(uncounted["pagination"]["totalPages"], -1);
    let (all, pages) = walk(&sb, &path).await;
    assert_eq!(all.len(), total);
    assert_eq!(pages, total.div_ceil(37));
    let ids: HashSet<i64> = all.iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), total, "no order twice");
    let dates: Vec<&str> = all.iter().map(|o| o["meta"]["createdAt"].as_str().unwrap()).collect();
    let parsed: Vec<chrono::DateTime<chrono::FixedOffset>> =
        all.iter().map(|o| chrono::DateTime::parse_from_rfc3339(o["date"].as_str().unwrap()).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first by default ({dates:?})");
    let second = sb.get(&format!("{path}&pageIndex=2")).await;
    assert_eq!(second["data"][0]["id"], all[37]["id"], "pageIndex=2 starts where the token did");
    assert_eq!(second["pagination"]["pageIndex"], 2);
    let asc = sb.get(&format!("{path}&sortOrder=Asc")).await;
    assert_eq!(asc["data"][0]["id"], all.last().unwrap()["id"]);
    let (status, body) = sb.get_with(&sb.access_token().await, &format!("{path}&continuationToken=%%%")).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn filters_select_what_they_say() {
    let sb = Sandbox::start().await;
    let org = format!("/v5/organizations/{SLUG}");
    let donations = sb.get(&format!("{org}/orders?formTypes=Donation&pageSize=100")).await;
    let data = donations["data"].as_array().unwrap();
    assert!(!data.is_empty());
    assert!(data.iter().all(|o| o["formType"] == "Donation"));
    let p = hub_sandbox_core::seed::person(0);
    let mine = sb.get(&format!("{org}/orders?userSearchKey={}", p.email)).await;
    let mine = mine["data"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|o| o["payer"]["email"] == p.email.as_str()));
    let refunded = sb.get(&format!("{org}/payments?states=Refunded&pageSize=100")).await;
    let refunded = refunded["data"].as_array().unwrap();
    assert!(!refunded.is_empty(), "some seed payments are refunded");
    assert!(refunded.iter().all(|p| p["state"] == "Refunded" && !p["refundOperations"].as_array().unwrap().is_empty()));
    let refused = sb.get(&format!("{org}/payments?states=Refused&pageSize=100")).await;
    assert!(!refused["data"].as_array().unwrap().is_empty(), "some seed payments were not authorised");
    let window = sb
        .get(&format!("{org}/orders?from=2026-03-01T00:00:00%2B01:00&to=2026-04-01T00:00:00%2B02:00&pageSize=100"))
        .await;
    let window = window["data"].as_array().unwrap();
    assert!(!window.is_empty());
    assert!(
        window
            .iter()
            .all(|o| o["date"].as_str().unwrap() >= "2026-03-01" && o["date"].as_str().unwrap() < "2026-04-01")
    );
    let plain = sb.get(&format!("{org}/orders?pageSize=100")).await;
    assert!(
        plain["data"].as_array().unwrap().iter().all(|o| o["items"][0].get("customFields").is_none()),
        "only withDetails"
    );
    let bikes = sb.get(&format!("{org}/items?tierTypes=Registration&withDetails=true")).await;
    let bikes = bikes["data"].as_array().unwrap();
    assert!(!bikes.is_empty());
    assert!(bikes.iter().all(|i| i["type"] == "Registration" && i["customFields"][0]["name"] == "Type de vélo"));
}

#[tokio::test]
async fn an_api_refund_changes_the_payment_order_and_items_and_cannot_be_repeated() {
    let sb = Sandbox::start().await;
    let (_, paid) = sb.control(Method::POST, "/_sandbox/payments", json!({"formType": "Membership"})).await;
    let (pid, oid) = (paid["payment"]["id"].as_i64().unwrap(), paid["order"]["id"].as_i64().unwrap());
    let before = sb.get(&format!("/v5/orders/{oid}")).await;
    assert_eq!(before["payments"][0]["state"], "Authorized");
    let (status, r) = sb.send(Method::POST, &format!("/v5/payments/{pid}/refund?amount=500&comment=geste"), None).await;
    assert_eq!((status, r["amount"].as_i64()), (200, Some(500)));
    assert_eq!(sb.get(&format!("/v5/payments/{pid}")).await["state"], "Authorized", "partial refund");
    let (status, r) = sb.send(Method::POST, &format!("/v5/payments/{pid}/refund?cancelOrder=true"), None).await;
    assert_eq!((status, r["amount"].as_i64()), (200, Some(1500)));
    let payment = sb.get(&format!("/v5/payments/{pid}")).await;
    assert_eq!(payment["state"], "Refunded");
    assert_eq!(payment["refundOperations"].as_array().unwrap().len(), 2);
    let after = sb.get(&format!("/v5/orders/{oid}")).await;
    assert_eq!(after["items"][0]["state"], "Canceled");
    assert_ne!(after["meta"]["updatedAt"], before["meta"]["updatedAt"], "updatedAt moved");
    let (status, body) = sb.send(Method::POST, &format!("/v5/payments/{pid}/refund"), None).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["errors"][0]["message"].is_string());
    assert_eq!(sb.send(Method::GET, "/v5/payments/999999999", None).await.0, 404);
    assert_eq!(sb.send(Method::POST, &format!("/v5/orders/{oid}/cancel"), None).await.0, 200);
    let item_id = after["items"][0]["id"].as_i64().unwrap();
    let item = sb.get(&format!("/v5/items/{item_id}")).await;
    assert_eq!(item["order"]["id"], oid);
    assert!(item.get("customFields").is_none());
    assert!(sb.get(&format!("/v5/items/{item_id}?withDetails=true")).await["customFields"].is_array());
}

#[tokio::test]
async fn an_unseeded_sandbox_has_the_forms_but_no_orders() {
    let opts = hub_sandbox_core::SandboxOptions { seed: false, ..Default::default() };
    let started = hub_sandbox_helloasso::start(opts).await.unwrap();
    let sb = Sandbox { started, http: reqwest::Client::new() };
    let orders = sb.get(&format!("/v5/organizations/{SLUG}/orders?withCount=true")).await;
    assert_eq!(orders["pagination"]["totalCount"], 0);
    assert!(orders["data"].as_array().unwrap().is_empty());
    let forms = sb.get(&format!("/v5/organizations/{SLUG}/forms?withCount=true")).await;
    assert_eq!(forms["pagination"]["totalCount"], 3);
    let (status, paid) =
        sb.control(Method::POST, "/_sandbox/payments", json!({"formType": "Donation", "amount": 1500})).await;
    assert_eq!(status, 200, "{paid}");
    let orders = sb.get(&format!("/v5/organizations/{SLUG}/orders?withCount=true")).await;
    assert_eq!(orders["pagination"]["totalCount"], 1);
    assert_eq!(orders["data"][0]["amount"]["total"], 1500);
    assert_eq!(orders["data"][0]["payer"]["email"], hub_sandbox_core::seed::person(0).email.as_str());
}
