//! `search`/`search_read` domains, `active_test`, `offset`/`limit`/`order` pagination, each result
//! compared with the same filter computed in the test over a full read.

mod common;

use common::{Client, start};
use serde_json::{Value, json};

type Pred = Box<dyn Fn(&Value) -> bool>;

fn s<'a>(r: &'a Value, f: &str) -> &'a str {
    r[f].as_str().unwrap_or("")
}

#[tokio::test]
async fn domains_filter_like_odoo() {
    let sb = start().await;
    let c = Client::new(&sb);
    let fields = json!(["name", "email", "city", "membership_state", "is_company", "parent_id", "write_date"]);
    let all = c.rpc_kw("res.partner", "search_read", json!([[]]), json!({"fields": fields})).await;
    let all = all.as_array().unwrap().clone();
    assert!(all.len() >= 300);
    let id = |r: &Value| r["id"].as_i64().unwrap();
    let parent_names: std::collections::HashMap<i64, String> =
        all.iter().map(|r| (id(r), s(r, "name").to_lowercase())).collect();
    let cases: Vec<(Value, Pred)> = vec![
        (json!([["city", "=", "Rennes"]]), Box::new(|r| s(r, "city") == "Rennes")),
        (json!([["city", "!=", "Rennes"]]), Box::new(|r| s(r, "city") != "Rennes")),
        (
            json!([["membership_state", "in", ["paid", "free"]]]),
            Box::new(|r| ["paid", "free"].contains(&s(r, "membership_state"))),
        ),
        (json!([["membership_state", "not in", ["none"]]]), Box::new(|r| s(r, "membership_state") != "none")),
        (json!([["name", "ilike", "éLO"]]), Box::new(|r| s(r, "name").to_lowercase().contains("élo"))),
        (json!([["name", "not ilike", "a"]]), Box::new(|r| !s(r, "name").to_lowercase().contains('a'))),
        (json!([["id", ">", 100], ["id", "<=", 150]]), Box::new(move |r| id(r) > 100 && id(r) <= 150)),
        (json!([["id", ">=", 100], ["id", "<", 110]]), Box::new(move |r| (100..110).contains(&id(r)))),
        (
            json!(["|", ["city", "=", "Brest"], ["city", "=", "Nîmes"]]),
            Box::new(|r| ["Brest", "Nîmes"].contains(&s(r, "city"))),
        ),
        (
            json!(["&", ["is_company", "=", true], ["city", "=", "Montreuil"]]),
            Box::new(|r| r["is_company"] == json!(true) && s(r, "city") == "Montreuil"),
        ),
        (json!(["!", ["membership_state", "=", "none"]]), Box::new(|r| s(r, "membership_state") != "none")),
        (json!([["parent_id", "!=", false]]), Box::new(|r| r["parent_id"].is_array())),
        (json!([["email", "=like", "zo_.%"]]), Box::new(|r| s(r, "email").starts_with("zoe."))),
        (
            json!(["|", "&", ["city", "=", "Lille"], ["membership_state", "=", "paid"], ["city", "=", "Brest"]]),
            Box::new(|r| (s(r, "city") == "Lille" && s(r, "membership_state") == "paid") || s(r, "city") == "Brest"),
        ),
        (json!([["write_date", "<", "2000-01-01 00:00:00"]]), Box::new(|_| false)),
    ];
    let parent_names2 = parent_names.clone();
    let mut cases = cases;
    cases.push((
        json!([["parent_id.name", "ilike", "fabrique"]]),
        Box::new(move |r| {
            r["parent_id"][0].as_i64().and_then(|p| parent_names2.get(&p)).is_some_and(|n| n.contains("fabrique"))
        }),
    ));
    for (domain, pred) in cases {
        let mut want: Vec<i64> = all.iter().filter(|r| pred(r)).map(id).collect();
        want.sort();
        let got = c.rpc_kw("res.partner", "search", json!([domain]), json!({"order": "id asc"})).await;
        let got: Vec<i64> = got.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(got, want, "domain {domain}");
        let n = c.rpc_kw("res.partner", "search_count", json!([domain]), json!({})).await;
        assert_eq!(n, json!(want.len()), "count {domain}");
    }
    // Bad leaves are ValueErrors.
    let r = c
        .jsonrpc(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
        "args": [c.db, 2, c.key, "res.partner", "search", [[["nope", "=", 1]]]]}}),
        )
        .await;
    assert_eq!(r["error"]["data"]["name"], "builtins.ValueError");
}

#[tokio::test]
async fn archived_records_and_pagination() {
    let sb = start().await;
    let c = Client::new(&sb);
    let active = c.rpc_kw("res.partner", "search_count", json!([[]]), json!({})).await.as_i64().unwrap();
    let everything = c
        .rpc_kw("res.partner", "search_count", json!([[]]), json!({"context": {"active_test": false}}))
        .await
        .as_i64()
        .unwrap();
    let archived =
        c.rpc_kw("res.partner", "search_count", json!([[["active", "=", false]]]), json!({})).await.as_i64().unwrap();
    assert!(archived > 0);
    assert_eq!(active + archived, everything);

    let order = "write_date asc, id asc";
    let full =
        c.rpc_kw("res.partner", "search_read", json!([[]]), json!({"fields": ["write_date"], "order": order})).await;
    let full = full.as_array().unwrap().clone();
    let mut pages = Vec::new();
    let mut offset = 0;
    loop {
        let page = c
            .rpc_kw(
                "res.partner",
                "search_read",
                json!([[]]),
                json!({"fields": ["write_date"], "order": order, "offset": offset, "limit": 40}),
            )
            .await;
        let page = page.as_array().unwrap().clone();
        assert!(page.len() <= 40);
        if page.is_empty() {
            break;
        }
        offset += page.len();
        pages.extend(page);
    }
    assert_eq!(pages, full);
    let keys: Vec<(String, i64)> =
        full.iter().map(|r| (r["write_date"].as_str().unwrap().to_string(), r["id"].as_i64().unwrap())).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "ordered by write_date, id");
    let desc = c.rpc_kw("res.partner", "search", json!([[]]), json!({"order": "id desc", "limit": 3})).await;
    let d: Vec<i64> = desc.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert!(d[0] > d[1] && d[1] > d[2]);
}
