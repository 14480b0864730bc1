//! Behaviour over real HTTP: auth refusal (Bearer and Basic), pagination with `starting_after` /
//! `ending_before`, `Idempotency-Key` replay and mismatch, the payment → charge → refund flow with
//! its events, declines, checkout completion, invoices, `expand[]`, updates with
//! `previous_attributes`, fault injection.

mod common;

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn auth_is_refused_without_the_secret_key() {
    let sb = common::start().await;
    let url = sb.url("/v1/customers");
    let none = sb.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"]["message"].as_str().unwrap().contains("did not provide an API key"));
    let wrong = sb.http.get(&url).bearer_auth("sk_test_wrong1234").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().starts_with("Invalid API Key provided: sk_test_"), "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().contains("wrong1234"), "the key is masked");
    hub_sandbox_core::schema::assert_valid(&common::spec(), common::ERROR_SCHEMA, &body);
    // Basic auth with the key as user, empty password (`curl -u sk_test_…:`) is accepted.
    let basic = sb.http.get(&url).basic_auth(&sb.key, Some("")).send().await.unwrap();
    assert_eq!(basic.status(), 200);
    let basic_wrong = sb.http.get(&url).basic_auth("sk_test_nope", Some("")).send().await.unwrap();
    assert_eq!(basic_wrong.status(), 401);
}

#[tokio::test]
async fn lists_paginate_newest_first() {
    let sb = common::start().await;
    let made = sb.post("/v1/customers", json!({"email": "newest@exemple.fr"})).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut params = json!({"limit": "5"});
        if let Some(a) = &after {
            params["starting_after"] = json!(a);
        }
        let page = sb.get_with("/v1/customers", params).await;
        assert_eq!(page["object"], "list");
        assert_eq!(page["url"], "/v1/customers");
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 5);
        seen.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        if page["has_more"] != true {
            break;
        }
        after = Some(data.last().unwrap()["id"].as_str().unwrap().to_string());
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no customer twice");
    let state: Value = sb.http.get(sb.url("/_sandbox/state")).send().await.unwrap().json().await.unwrap();
    assert_eq!(seen.len(), state["customer"].as_array().unwrap().len(), "every customer once");
    assert_eq!(seen[0], made["id"].as_str().unwrap(), "newest first");
    // ending_before gives the page just before, still newest first.
    let back = sb.get_with("/v1/customers", json!({"limit": "2", "ending_before": seen[3]})).await;
    let ids: Vec<&str> = back["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![seen[1].as_str(), seen[2].as_str()]);
    assert_eq!(back["has_more"], true);
    let (status, _, body) = sb.call(Method::GET, "/v1/customers", &json!({"starting_after": "cus_unknown"}), &[]).await;
    assert_eq!((status, body["error"]["param"].as_str()), (400, Some("starting_after")));
    // A filter: email.
    let by_email = sb.get_with("/v1/customers", json!({"email": "newest@exemple.fr"})).await;
    assert_eq!(by_email["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn idempotency_keys_replay_or_refuse() {
    let sb = common::start().await;
    let params = json!({"amount": "1500", "currency": "eur", "description": "Café suspendu"});
    let key = [("Idempotency-Key", "7d1f0d7e-3c7b-4d1e-9a51-aa0c2f0e8b11")];
    let (s1, h1, first) = sb.call(Method::POST, "/v1/payment_intents", &params, &key).await;
    let (s2, h2, second) = sb.call(Method::POST, "/v1/payment_intents", &params, &key).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first, second, "the first answer is replayed");
    assert!(h1.get("idempotent-replayed").is_none());
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    let list = sb.get_with("/v1/payment_intents", json!({"limit": "100"})).await;
    let n = list["data"].as_array().unwrap().iter().filter(|p| p["description"] == "Café suspendu").count();
    assert_eq!(n, 1, "created once");
    let event = &sb.events("payment_intent.created").await[0];
    assert_eq!(event["request"]["idempotency_key"], key[0].1);
    let (s3, _, other) =
        sb.call(Method::POST, "/v1/payment_intents", &json!({"amount": "999", "currency": "eur"}), &key).await;
    assert_eq!(s3, 400);
    assert_eq!(other["error"]["type"], "idempotency_error");
    // A declined payment (402) is saved and replayed too.
    let declined =
        json!({"amount": "2000", "currency": "eur", "payment_method": "pm_card_chargeDeclined", "confirm": "true"});
    let k2 = [("Idempotency-Key", "second-key")];
    let (d1, _, b1) = sb.call(Method::POST, "/v1/payment_intents", &declined, &k2).await;
    let (d2, h, b2) = sb.call(Method::POST, "/v1/payment_intents", &declined, &k2).await;
    assert_eq!((d1, d2), (402, 402));
    assert_eq!(b1, b2);
    assert_eq!(h.get("idempotent-replayed").unwrap(), "true");
}

#[tokio::test]
async fn a_payment_is_charged_then_refunded_with_events() {
    let sb = common::start().await;
    let customer = sb.get_with("/v1/customers", json!({"limit": "1"})).await["data"][0].clone();
    let pi = sb.post("/v1/payment_intents", json!({"amount": "15000", "currency": "eur", "customer": customer["id"], "metadata": {"pass": "coworking"}})).await;
    assert_eq!(pi["status"], "requires_payment_method");
    assert!(pi["client_secret"].as_str().unwrap().starts_with(&format!("{}_secret_", pi["id"].as_str().unwrap())));
    let id = pi["id"].as_str().unwrap();
    let done = sb
        .ok(
            Method::POST,
            &format!("/v1/payment_intents/{id}/confirm"),
            json!({"payment_method": "pm_card_visa", "expand": ["latest_charge", "customer"]}),
        )
        .await;
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["amount_received"], 15000);
    assert_eq!(done["customer"]["email"], customer["email"], "expanded customer");
    let charge = &done["latest_charge"];
    assert_eq!(charge["object"], "charge");
    assert_eq!((charge["paid"].as_bool(), charge["status"].as_str()), (Some(true), Some("succeeded")));
    assert_eq!(charge["metadata"]["pass"], "coworking");
    assert_eq!(sb.events("charge.succeeded").await[0]["data"]["object"]["id"], charge["id"]);
    assert_eq!(sb.events("payment_intent.succeeded").await[0]["data"]["object"]["id"], id);
    // Partial then full refund.
    let r1 = sb
        .post("/v1/refunds", json!({"charge": charge["id"], "amount": "5000", "reason": "requested_by_customer"}))
        .await;
    assert_eq!((r1["amount"].as_i64(), r1["status"].as_str()), (Some(5000), Some("succeeded")));
    let ch = sb.get(&format!("/v1/charges/{}", charge["id"].as_str().unwrap())).await;
    assert_eq!((ch["amount_refunded"].as_i64(), ch["refunded"].as_bool()), (Some(5000), Some(false)));
    sb.post("/v1/refunds", json!({"payment_intent": id})).await;
    let ch = sb.get(&format!("/v1/charges/{}", charge["id"].as_str().unwrap())).await;
    assert_eq!((ch["amount_refunded"].as_i64(), ch["refunded"].as_bool()), (Some(15000), Some(true)));
    assert_eq!(ch["refunds"]["data"].as_array().unwrap().len(), 2);
    let refunded = sb.events("charge.refunded").await;
    assert_eq!(refunded.len(), 2);
    assert_eq!(refunded[0]["data"]["previous_attributes"]["amount_refunded"], 5000);
    let (status, _, err) = sb.call(Method::POST, "/v1/refunds", &json!({"charge": charge["id"]}), &[]).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("charge_already_refunded")));
    // Succeeded intents cannot be cancelled.
    let (status, _, err) = sb.call(Method::POST, &format!("/v1/payment_intents/{id}/cancel"), &json!({}), &[]).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("payment_intent_unexpected_state")));
}

#[tokio::test]
async fn declines_checkout_and_invoices_behave() {
    let sb = common::start().await;
    let (status, _, err) = sb
        .call(Method::POST, "/v1/payment_intents", &json!({"amount": "2000", "currency": "eur", "payment_method": "pm_card_chargeDeclined", "confirm": "true"}), &[])
        .await;
    assert_eq!(status, 402);
    assert_eq!(err["error"]["type"], "card_error");
    assert_eq!(err["error"]["payment_intent"]["status"], "requires_payment_method");
    assert_eq!(sb.events("payment_intent.payment_failed").await.len(), 1);
    // Checkout with a seeded price (lookup key), completed by the customer.
    let prices = sb.get_with("/v1/prices", json!({"lookup_keys": ["location-salle-heure"]})).await;
    let price = &prices["data"][0];
    assert_eq!(price["unit_amount"], 3500);
    let cs = sb.post("/v1/checkout/sessions", json!({"mode": "payment", "success_url": "https://exemple.fr/ok", "cancel_url": "https://exemple.fr/ko", "customer_email": "heloise.dupre@exemple.fr", "client_reference_id": "resa-42", "line_items": [{"price": price["id"], "quantity": "3"}]})).await;
    assert_eq!(
        (cs["amount_total"].as_i64(), cs["status"].as_str(), cs["payment_status"].as_str()),
        (Some(10500), Some("open"), Some("unpaid"))
    );
    let id = cs["id"].as_str().unwrap();
    assert!(id.starts_with("cs_test_"));
    let open_pi = sb.get(&format!("/v1/payment_intents/{}", cs["payment_intent"].as_str().unwrap())).await;
    assert_eq!(
        (open_pi["status"].as_str(), open_pi["amount"].as_i64()),
        (Some("requires_payment_method"), Some(10500))
    );
    let done: Value = sb
        .http
        .post(sb.url(&format!("/_sandbox/checkout/sessions/{id}/complete")))
        .json(&json!({"name": "Héloïse Dupré"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((done["status"].as_str(), done["payment_status"].as_str()), (Some("complete"), Some("paid")));
    let completed = &sb.events("checkout.session.completed").await[0];
    assert_eq!(completed["data"]["object"]["client_reference_id"], "resa-42");
    assert_eq!(completed["data"]["object"]["customer_details"]["email"], "heloise.dupre@exemple.fr");
    assert_eq!(done["payment_intent"], cs["payment_intent"], "the session's own intent is confirmed");
    let pi = sb.get(&format!("/v1/payment_intents/{}", done["payment_intent"].as_str().unwrap())).await;
    assert_eq!((pi["status"].as_str(), pi["amount"].as_i64()), (Some("succeeded"), Some(10500)));
    let again = sb.http.post(sb.url(&format!("/_sandbox/checkout/sessions/{id}/complete"))).send().await.unwrap();
    assert_eq!(again.status(), 400);
    // An expired session cancels its intent.
    let other =
        sb.post("/v1/checkout/sessions", json!({"mode": "payment", "line_items": [{"price": price["id"]}]})).await;
    let expired = sb.post(&format!("/v1/checkout/sessions/{}/expire", other["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(expired["status"], "expired");
    let abandoned = sb.get(&format!("/v1/payment_intents/{}", other["payment_intent"].as_str().unwrap())).await;
    assert_eq!(
        (abandoned["status"].as_str(), abandoned["cancellation_reason"].as_str()),
        (Some("canceled"), Some("abandoned"))
    );
    // Invoices: items → draft → finalize → pay, numbered.
    let customer = sb.get_with("/v1/customers", json!({"limit": "1"})).await["data"][0].clone();
    let cid = customer["id"].as_str().unwrap();
    sb.post("/v1/payment_methods/pm_card_visa/attach", json!({"customer": cid})).await;
    sb.post(
        "/v1/invoiceitems",
        json!({"customer": cid, "amount": "15000", "currency": "eur", "description": "Pass coworking novembre"}),
    )
    .await;
    let inv = sb.post("/v1/invoices", json!({"customer": cid})).await;
    assert_eq!((inv["status"].as_str(), inv["amount_due"].as_i64()), (Some("draft"), Some(15000)));
    let fin = sb.post(&format!("/v1/invoices/{}/finalize", inv["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(fin["status"], "open");
    assert!(fin["number"].as_str().unwrap().starts_with(customer["invoice_prefix"].as_str().unwrap()));
    let paid = sb.post(&format!("/v1/invoices/{}/pay", inv["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(
        (paid["status"].as_str(), paid["amount_paid"].as_i64(), paid["amount_remaining"].as_i64()),
        (Some("paid"), Some(15000), Some(0))
    );
    assert_eq!(sb.events("invoice.paid").await[0]["data"]["object"]["id"], inv["id"]);
    // Updates carry previous_attributes.
    sb.post(&format!("/v1/customers/{cid}"), json!({"name": "Nouveau Nom", "metadata": {"badge": "B-12"}})).await;
    let upd = &sb.events("customer.updated").await[0];
    assert_eq!(upd["data"]["previous_attributes"]["name"], customer["name"]);
    assert_eq!(upd["data"]["object"]["metadata"]["badge"], "B-12");
}

#[tokio::test]
async fn faults_are_injected_then_lifted() {
    let sb = common::start().await;
    let faults = sb.url("/_sandbox/faults");
    let put = sb.http.put(&faults).json(&json!({"error_rate": 1.0})).send().await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(sb.http.get(sb.url("/v1/customers")).bearer_auth(&sb.key).send().await.unwrap().status(), 500);
    sb.http.put(&faults).json(&json!({"rate_limit_rate": 1.0, "retry_after_secs": 3})).send().await.unwrap();
    let limited = sb.http.get(sb.url("/v1/customers")).bearer_auth(&sb.key).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers().get("retry-after").unwrap(), "3");
    // Inspection routes are never faulted.
    assert_eq!(sb.http.get(sb.url("/_sandbox/state")).send().await.unwrap().status(), 200);
    sb.http.put(&faults).json(&json!({})).send().await.unwrap();
    assert_eq!(sb.http.get(sb.url("/v1/customers")).bearer_auth(&sb.key).send().await.unwrap().status(), 200);
}
