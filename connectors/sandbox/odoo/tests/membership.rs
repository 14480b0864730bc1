//! The membership add-on's behaviour seen from outside: seeded states, `create_membership_invoice`,
//! a line's state following its invoice (draft → waiting, posted → invoiced, paid → paid,
//! cancelled → canceled), the partner's stored `membership_state` and dates, `write_date` moving
//! for incremental reads.

mod common;

use common::{Client, start};
use serde_json::{Value, json};

#[tokio::test]
async fn seeded_states_vary() {
    let sb = start().await;
    let c = Client::new(&sb);
    let total = c.rpc_kw("res.partner", "search_count", json!([[]]), json!({})).await.as_i64().unwrap();
    assert!(total >= 300, "{total}");
    for state in ["paid", "invoiced", "waiting", "old", "free", "none"] {
        let n = c.rpc_kw("res.partner", "search_count", json!([[["membership_state", "=", state]]]), json!({})).await;
        assert!(n.as_i64().unwrap() > 0, "some partners are {state}");
    }
    // Each paid partner has a current paid line whose invoice is posted and paid.
    let paid = c
        .rpc_kw(
            "res.partner",
            "search_read",
            json!([[["membership_state", "=", "paid"]]]),
            json!({"fields": ["member_lines", "membership_start", "membership_stop"], "limit": 10}),
        )
        .await;
    for p in paid.as_array().unwrap() {
        let lines = c
            .rpc_kw(
                "membership.membership_line",
                "read",
                json!([p["member_lines"]]),
                json!({"fields": ["state", "account_invoice_id", "date_from", "date_to"]}),
            )
            .await;
        let line = lines.as_array().unwrap().iter().find(|l| l["state"] == "paid").expect("a paid line");
        let mv = line["account_invoice_id"][0].as_i64().unwrap();
        let inv = c
            .rpc_kw("account.move", "read", json!([[mv]]), json!({"fields": ["state", "payment_state", "name"]}))
            .await;
        assert_eq!((inv[0]["state"].as_str(), inv[0]["payment_state"].as_str()), (Some("posted"), Some("paid")));
        assert!(inv[0]["name"].as_str().unwrap().starts_with("INV/"));
        assert_eq!(p["membership_stop"], line["date_to"]);
    }
}

async fn state_of(c: &Client, partner: i64) -> (String, Value) {
    let r = c.rpc_kw("res.partner", "read", json!([[partner]]), json!({"fields": ["membership_state", "write_date", "membership_start", "membership_stop", "membership_cancel"]})).await;
    (r[0]["membership_state"].as_str().unwrap().to_string(), r[0].clone())
}

async fn line_state(c: &Client, partner: i64) -> Vec<String> {
    let r = c
        .rpc_kw(
            "membership.membership_line",
            "search_read",
            json!([[["partner", "=", partner]]]),
            json!({"fields": ["state"]}),
        )
        .await;
    r.as_array().unwrap().iter().map(|l| l["state"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn invoice_lifecycle_drives_the_membership() {
    let sb = start().await;
    let c = Client::new(&sb);
    let product = c
        .rpc_kw(
            "product.product",
            "search_read",
            json!([[["membership", "=", true], ["name", "ilike", "famille"]]]),
            json!({"fields": ["membership_date_from", "membership_date_to", "list_price"]}),
        )
        .await;
    let (product_id, from, to) = (
        product[0]["id"].as_i64().unwrap(),
        product[0]["membership_date_from"].clone(),
        product[0]["membership_date_to"].clone(),
    );
    let partner = c.rpc_kw("res.partner", "create", json!([{"name": "Maëlle Kergoat", "email": "maelle@exemple.fr", "street": "3 rue Pasteur", "zip": "29200", "city": "Brest", "country_id": 75}]), json!({})).await.as_i64().unwrap();
    let (st, created) = state_of(&c, partner).await;
    assert_eq!(st, "none");

    let moves = c
        .rpc_kw(
            "res.partner",
            "create_membership_invoice",
            json!([[partner]]),
            json!({"product": product_id, "amount": 42.0}),
        )
        .await;
    let mv = moves[0].as_i64().expect("the invoice ids");
    let inv = c
        .rpc_kw(
            "account.move",
            "read",
            json!([[mv]]),
            json!({"fields": ["state", "move_type", "amount_total", "partner_id", "name"]}),
        )
        .await;
    assert_eq!(inv[0]["state"], "draft");
    assert_eq!(inv[0]["move_type"], "out_invoice");
    assert_eq!(inv[0]["amount_total"], json!(42.0));
    assert_eq!(inv[0]["partner_id"][0], json!(partner));
    assert_eq!(line_state(&c, partner).await, vec!["waiting"]);
    assert_eq!(state_of(&c, partner).await.0, "waiting");

    c.rpc_kw("account.move", "action_post", json!([[mv]]), json!({})).await;
    let inv = c
        .rpc_kw(
            "account.move",
            "read",
            json!([[mv]]),
            json!({"fields": ["state", "payment_state", "name", "amount_residual"]}),
        )
        .await;
    assert_eq!((inv[0]["state"].as_str(), inv[0]["payment_state"].as_str()), (Some("posted"), Some("not_paid")));
    assert!(inv[0]["name"].as_str().unwrap().starts_with("INV/"), "{inv}");
    assert_eq!(inv[0]["amount_residual"], json!(42.0));
    assert_eq!(line_state(&c, partner).await, vec!["invoiced"]);
    let (st, invoiced) = state_of(&c, partner).await;
    assert_eq!(st, "invoiced");
    assert!(invoiced["write_date"].as_str() >= created["write_date"].as_str());

    let r = c.http.post(format!("{}/_sandbox/invoices/{mv}/pay", c.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(line_state(&c, partner).await, vec!["paid"]);
    let (st, paid) = state_of(&c, partner).await;
    assert_eq!(st, "paid");
    assert_eq!((paid["membership_start"].clone(), paid["membership_stop"].clone()), (from, to));
    // Incremental read from the last watermark sees the partner again.
    let since = invoiced["write_date"].as_str().unwrap();
    let changed = c
        .rpc_kw(
            "res.partner",
            "search",
            json!([[["write_date", ">=", since]]]),
            json!({"order": "write_date asc, id asc"}),
        )
        .await;
    assert!(changed.as_array().unwrap().contains(&json!(partner)));
    let changed = c.rpc_kw("account.move", "search", json!([[["write_date", ">=", since]]]), json!({})).await;
    assert!(changed.as_array().unwrap().contains(&json!(mv)));

    // Cancelling the invoice cancels the membership.
    c.rpc_kw("account.move", "button_cancel", json!([[mv]]), json!({})).await;
    assert_eq!(line_state(&c, partner).await, vec!["canceled"]);
    let (st, cancelled) = state_of(&c, partner).await;
    assert_eq!(st, "canceled");
    assert!(cancelled["membership_cancel"].is_string());

    // Free members.
    c.rpc_kw("res.partner", "write", json!([[partner], {"free_member": true}]), json!({})).await;
    assert_eq!(state_of(&c, partner).await.0, "free");
    let err = c.jsonrpc(&json!({"jsonrpc": "2.0", "method": "call", "id": 9, "params": {"service": "object", "method": "execute_kw",
        "args": [c.db, 2, c.key, "res.partner", "create_membership_invoice", [[partner]], {"product": product_id, "amount": 10.0}]}})).await;
    assert_eq!(err["error"]["data"]["name"], "odoo.exceptions.UserError");
    assert_eq!(err["error"]["data"]["message"], "Partner is a free Member.");
}

#[tokio::test]
async fn an_invoice_created_directly_makes_its_membership_line() {
    let sb = start().await;
    let c = Client::new(&sb);
    let product =
        c.rpc_kw("product.product", "search", json!([[["membership", "=", true]]]), json!({"limit": 1})).await[0]
            .as_i64()
            .unwrap();
    let partner =
        c.rpc_kw("res.partner", "create", json!([{"name": "Noël Bénard"}]), json!({})).await.as_i64().unwrap();
    let mv = c
        .rpc_kw(
            "account.move",
            "create",
            json!([{"move_type": "out_invoice", "partner_id": partner, "ref": "helloasso:order:1",
        "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 1, "price_unit": 25.0, "name": "Adhésion"}]]}]),
            json!({}),
        )
        .await;
    let lines = c
        .rpc_kw(
            "membership.membership_line",
            "search_read",
            json!([[["partner", "=", partner]]]),
            json!({"fields": ["member_price", "account_invoice_id", "membership_id", "state"]}),
        )
        .await;
    assert_eq!(lines.as_array().unwrap().len(), 1);
    assert_eq!(lines[0]["member_price"], json!(25.0));
    assert_eq!(lines[0]["account_invoice_id"][0], mv);
    assert_eq!(lines[0]["membership_id"][0], json!(product));
    assert_eq!(lines[0]["state"], "waiting");
    // A non-membership product makes none.
    let other = c.rpc_kw("product.product", "search", json!([[["membership", "=", false]]]), json!({"limit": 1})).await
        [0]
    .as_i64()
    .unwrap();
    let p2 = c.rpc_kw("res.partner", "create", json!([{"name": "Joël Fabre"}]), json!({})).await.as_i64().unwrap();
    c.rpc_kw("account.move", "create", json!([{"move_type": "out_invoice", "partner_id": p2, "invoice_line_ids": [[0, 0, {"product_id": other, "price_unit": 15.0}]]}]), json!({})).await;
    assert!(line_state(&c, p2).await.is_empty());
}

#[tokio::test]
async fn staff_sell_a_membership_from_the_ui() {
    let sb = start().await;
    let c = Client::new(&sb);
    let partner =
        c.rpc_kw("res.partner", "create", json!([{"name": "Aïcha Benali"}]), json!({})).await.as_i64().unwrap();
    let sell = |body: Value| c.http.post(format!("{}/_sandbox/memberships", c.base)).json(&body).send();
    let r = sell(json!({"partner_id": partner, "paid": false})).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["membership_state"], "invoiced");
    assert_eq!(state_of(&c, partner).await.0, "invoiced");
    let mv = body["invoice_id"].as_i64().unwrap();
    let r = c.http.post(format!("{}/_sandbox/invoices/{mv}/pay", c.base)).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["payment_state"], "paid");
    assert_eq!(state_of(&c, partner).await.0, "paid");
    let r = sell(json!({"partner_id": 999_999})).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
}
