//! JSON-RPC (`/jsonrpc`): every `jsonrpc*.request*.json` example is sent (adapted to this database)
//! and its answer compared in shape with the matching response example; the error examples
//! (AccessDenied, ValidationError) reproduced; records checked against `models-fields.json`.

mod common;

use common::{Client, adapt, assert_same_shape, check_models_fields, examples, response_for, start};
use serde_json::{Value, json};

async fn membership_product(c: &Client) -> i64 {
    let ids = c.rpc_kw("product.product", "search", json!([[["membership", "=", true]]]), json!({"limit": 1})).await;
    ids[0].as_i64().expect("a membership product is seeded")
}

#[tokio::test]
async fn example_requests_get_the_example_responses_shape() {
    let sb = start().await;
    let c = Client::new(&sb);
    let product = membership_product(&c).await;
    let files = examples(|n| n.starts_with("jsonrpc") && n.contains(".request.") && n.ends_with(".json"));
    assert!(files.len() >= 6, "{files:?}");
    for (name, text) in files {
        let request = adapt(&serde_json::from_str(&text).unwrap(), &c.db, &c.key, product);
        let got = c.jsonrpc(&request).await;
        let expected: Value =
            serde_json::from_str(&response_for(&name).unwrap_or_else(|| panic!("no response for {name}"))).unwrap();
        assert!(got.get("error").is_none(), "{name}: {got}");
        assert_eq!(got["id"], request["id"], "{name}: id echoed");
        assert_eq!(got["jsonrpc"], "2.0");
        assert_same_shape(&expected, &got, &name);
        if name.contains("fields_get") {
            // Odoo's own attributes for these membership fields, value for value.
            assert_eq!(got["result"], expected["result"], "{name}");
        }
        if name.contains("search_read_res_partner") {
            let rows = got["result"].as_array().unwrap();
            assert!(!rows.is_empty());
            for r in rows {
                check_models_fields("res.partner (base)", r);
                check_models_fields("res.partner (membership, core<=18)", r);
                let ok = ["paid", "free", "invoiced"].contains(&r["membership_state"].as_str().unwrap())
                    || r["write_date"].as_str().unwrap() >= "2025-01-01 00:00:00";
                assert!(ok, "domain respected: {r}");
            }
            let dates: Vec<&str> = rows.iter().map(|r| r["write_date"].as_str().unwrap()).collect();
            assert!(dates.windows(2).all(|w| w[0] <= w[1]), "order write_date asc");
        }
    }
}

#[tokio::test]
async fn the_other_response_examples_are_reproduced_in_shape() {
    let sb = start().await;
    let c = Client::new(&sb);
    // account.move read and membership_line search_read (response-only examples).
    for (name, text) in examples(|n| {
        n.starts_with("jsonrpc.object.")
            && n.contains(".response.")
            && (n.contains(".read.") || n.contains(".search_read."))
    }) {
        let expected: Value = serde_json::from_str(&text).unwrap();
        let row = &expected["result"][0];
        let fields: Vec<&String> = row.as_object().unwrap().keys().filter(|k| *k != "id").collect();
        let (model, domain) = if name.contains("account.move") {
            ("account.move", json!([["payment_state", "=", "paid"], ["move_type", "=", "out_invoice"]]))
        } else if name.contains("membership_line") {
            ("membership.membership_line", json!([["state", "=", "paid"]]))
        } else {
            continue;
        };
        let got = c.rpc_kw(model, "search_read", json!([domain]), json!({"fields": fields, "limit": 3})).await;
        assert!(!got.as_array().unwrap().is_empty(), "{name}: seeded data");
        assert_same_shape(&expected["result"], &got, &name);
        let section =
            if model == "account.move" { "account.move (invoice)" } else { "membership.membership_line (core<=18)" };
        for r in got.as_array().unwrap() {
            check_models_fields(section, r);
        }
    }
}

#[tokio::test]
async fn error_examples_are_reproduced() {
    let sb = start().await;
    let c = Client::new(&sb);
    for (name, text) in examples(|n| n.starts_with("jsonrpc_error_")) {
        let expected: Value = serde_json::from_str(&text).unwrap();
        let args = if name.contains("access_denied") {
            json!([c.db, 2, "not-the-key", "res.partner", "search_read", [[]], {}])
        } else {
            json!([c.db, 2, c.key, "membership.membership_line", "create", [{"partner": 42, "member_price": 30.0}]])
        };
        let got = c.jsonrpc(&json!({"jsonrpc": "2.0", "method": "call", "id": expected["id"], "params": {"service": "object", "method": "execute_kw", "args": args}})).await;
        assert_same_shape(&expected, &got, &name);
        assert_eq!(got["error"]["code"], expected["error"]["code"]);
        assert_eq!(got["error"]["message"], expected["error"]["message"]);
        assert_eq!(got["error"]["data"]["name"], expected["error"]["data"]["name"], "{name}");
        assert_eq!(got["error"]["data"]["message"], expected["error"]["data"]["message"], "{name}");
    }
    let bad = c.jsonrpc(&json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "authenticate", "args": [c.db, "admin", "nope", {}]}})).await;
    let expected = examples(|n| n == "jsonrpc_common_authenticate_badpassword.response.CONSTRUCTED.json");
    assert_eq!(bad, serde_json::from_str::<Value>(&expected[0].1).unwrap());
}

#[tokio::test]
async fn res_partner_records_match_the_field_reference() {
    let sb = start().await;
    let c = Client::new(&sb);
    let rows = c.rpc_kw("res.partner", "search_read", json!([[]]), json!({"limit": 50})).await;
    assert_eq!(rows.as_array().unwrap().len(), 50);
    for r in rows.as_array().unwrap() {
        check_models_fields("res.partner (base)", r);
        check_models_fields("res.partner (membership, core<=18)", r);
    }
    let rows = c.rpc_kw("product.template", "search_read", json!([[["membership", "=", true]]]), json!({})).await;
    let names: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.starts_with("Adhésion individuelle")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("Adhésion famille")), "{names:?}");
    assert!(names.contains(&"Adhésion bienfaiteur"), "{names:?}");
    for r in rows.as_array().unwrap() {
        check_models_fields("product.template (membership, core<=18)", r);
    }
    let lines = c.rpc_kw("account.move.line", "search_read", json!([[]]), json!({"limit": 5})).await;
    for r in lines.as_array().unwrap() {
        check_models_fields("account.move.line (invoice line)", r);
    }
}
