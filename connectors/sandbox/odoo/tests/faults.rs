//! Fault injection through `PUT /_sandbox/faults`: injected 500s and 429s (with `Retry-After`) on
//! every transport, inspection routes untouched, then back to normal.

mod common;

use common::{Client, start};
use hub_sandbox_odoo::xmlrpc;
use serde_json::json;

async fn statuses(c: &Client) -> Vec<(u16, Option<String>)> {
    let mut out = Vec::new();
    let reqs = vec![
        c.http.post(format!("{}/xmlrpc/2/common", c.base)).body(xmlrpc::call("version", &[])),
        c.http.post(format!("{}/jsonrpc", c.base)).json(&json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "version", "args": []}})),
        c.http.post(format!("{}/json/2/res.users/context_get", c.base)).header("authorization", format!("bearer {}", c.key)).json(&json!({})),
    ];
    for r in reqs {
        let r = r.send().await.unwrap();
        out.push((r.status().as_u16(), r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string())));
    }
    out
}

#[tokio::test]
async fn injected_faults_then_normal_again() {
    let sb = start().await;
    let c = Client::new(&sb);
    let put = |body: serde_json::Value| c.http.put(format!("{}/_sandbox/faults", c.base)).json(&body).send();
    assert!(statuses(&c).await.iter().all(|(s, _)| *s == 200));

    assert_eq!(put(json!({"error_rate": 1.0})).await.unwrap().status().as_u16(), 200);
    assert!(statuses(&c).await.iter().all(|(s, _)| *s == 500));
    let state = c.http.get(format!("{}/_sandbox/state", c.base)).send().await.unwrap();
    assert_eq!(state.status().as_u16(), 200, "inspection is never faulted");

    put(json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await.unwrap();
    for (s, retry) in statuses(&c).await {
        assert_eq!(s, 429);
        assert_eq!(retry.as_deref(), Some("7"));
    }

    put(json!({})).await.unwrap();
    assert!(statuses(&c).await.iter().all(|(s, _)| *s == 200));
    let v = c.xml("common", "version", vec![]).await.unwrap();
    assert_eq!(v["server_serie"], "17.0");
}

#[tokio::test]
async fn inspection_routes_show_what_clients_did() {
    let sb = start().await;
    let c = Client::new(&sb);
    c.rpc_kw("res.partner", "search", json!([[["city", "=", "Brest"]]]), json!({})).await;
    let calls = c.get("/_sandbox/calls").await;
    let last = calls.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["transport"].as_str(), last["model"].as_str(), last["method"].as_str()),
        (Some("jsonrpc"), Some("res.partner"), Some("search"))
    );
    let state = c.get("/_sandbox/state").await;
    assert!(state["counts"]["res.partner"].as_i64().unwrap() >= 300);
    let countries = c.get("/_sandbox/records/res.country").await;
    assert!(countries.as_array().unwrap().iter().any(|r| r["id"] == 75 && r["name"] == "France"));
}
