//! Every kind of answer the sandbox gives, validated against Stripe's 2022 OpenAPI document
//! (`openapi-spec3-2022-04-12-trimmed.json`), naming the schema pointer of each.

mod common;

use common::{ERROR_SCHEMA, ok_schema, spec};
use hub_sandbox_core::schema::assert_valid;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn every_answer_matches_the_spec() {
    let sb = common::start().await;
    let spec = spec();
    let v = |pointer: &str, value: &serde_json::Value| assert_valid(&spec, pointer, value);

    // Customers.
    let customers = sb.get("/v1/customers").await;
    v(&ok_schema("/v1/customers", "get"), &customers);
    assert!(!customers["data"].as_array().unwrap().is_empty(), "seeded customers");
    let c = sb
        .post("/v1/customers", json!({"email": "zoe.lefevre@exemple.fr", "name": "Zoé Lefèvre", "address": {"city": "Rennes", "country": "FR"}, "metadata": {"adherent": "oui"}}))
        .await;
    v(&ok_schema("/v1/customers", "post"), &c);
    let cid = c["id"].as_str().unwrap().to_string();
    v(&ok_schema("/v1/customers/{customer}", "get"), &sb.get(&format!("/v1/customers/{cid}")).await);
    let updated = sb.post(&format!("/v1/customers/{cid}"), json!({"phone": "+33 6 12 34 56 78"})).await;
    v(&ok_schema("/v1/customers/{customer}", "post"), &updated);
    let found = sb.get_with("/v1/customers/search", json!({"query": "email:'zoe.lefevre@exemple.fr'"})).await;
    v(&ok_schema("/v1/customers/search", "get"), &found);
    assert_eq!(found["data"][0]["id"], cid.as_str());

    // Catalogue.
    v(&ok_schema("/v1/products", "get"), &sb.get("/v1/products").await);
    let prod = sb
        .post(
            "/v1/products",
            json!({"name": "Stage soudure", "default_price_data": {"currency": "eur", "unit_amount": "4500"}}),
        )
        .await;
    v(&ok_schema("/v1/products", "post"), &prod);
    v(&ok_schema("/v1/products/{id}", "get"), &sb.get(&format!("/v1/products/{}", prod["id"].as_str().unwrap())).await);
    let price = sb.post("/v1/prices", json!({"product": prod["id"], "currency": "eur", "unit_amount": "1500", "recurring": {"interval": "month"}})).await;
    v(&ok_schema("/v1/prices", "post"), &price);
    v(&ok_schema("/v1/prices", "get"), &sb.get("/v1/prices").await);
    let bare = sb.post("/v1/products", json!({"name": "À supprimer"})).await;
    let deleted = sb.ok(Method::DELETE, &format!("/v1/products/{}", bare["id"].as_str().unwrap()), json!({})).await;
    v(&ok_schema("/v1/products/{id}", "delete"), &deleted);

    // Payment intents, charges, refunds.
    let pi = sb.post("/v1/payment_intents", json!({"amount": "2000", "currency": "eur", "customer": cid})).await;
    v(&ok_schema("/v1/payment_intents", "post"), &pi);
    let pi_id = pi["id"].as_str().unwrap().to_string();
    let confirmed =
        sb.post(&format!("/v1/payment_intents/{pi_id}/confirm"), json!({"payment_method": "pm_card_visa"})).await;
    v(&ok_schema("/v1/payment_intents/{intent}/confirm", "post"), &confirmed);
    assert_eq!(confirmed["status"], "succeeded");
    v(&ok_schema("/v1/payment_intents", "get"), &sb.get("/v1/payment_intents").await);
    v(&ok_schema("/v1/payment_intents/{intent}", "get"), &sb.get(&format!("/v1/payment_intents/{pi_id}")).await);
    let shipped = sb
        .post("/v1/payment_intents", json!({"amount": "900", "currency": "eur", "shipping": {"name": "Joël Hébert", "address": {"line1": "3 rue Pasteur", "city": "Brest", "postal_code": "29200", "country": "FR"}}}))
        .await;
    v(&ok_schema("/v1/payment_intents", "post"), &shipped);
    let to_cancel = sb.post("/v1/payment_intents", json!({"amount": "900", "currency": "eur"})).await;
    let canceled =
        sb.post(&format!("/v1/payment_intents/{}/cancel", to_cancel["id"].as_str().unwrap()), json!({})).await;
    v(&ok_schema("/v1/payment_intents/{intent}/cancel", "post"), &canceled);
    let ch_id = confirmed["latest_charge"].as_str().unwrap().to_string();
    v(&ok_schema("/v1/charges/{charge}", "get"), &sb.get(&format!("/v1/charges/{ch_id}")).await);
    v(&ok_schema("/v1/charges", "get"), &sb.get("/v1/charges").await);
    let re = sb.post("/v1/refunds", json!({"payment_intent": pi_id, "amount": "500"})).await;
    v(&ok_schema("/v1/refunds", "post"), &re);
    v(&ok_schema("/v1/refunds/{refund}", "get"), &sb.get(&format!("/v1/refunds/{}", re["id"].as_str().unwrap())).await);
    v(&ok_schema("/v1/refunds", "get"), &sb.get("/v1/refunds").await);
    v(&ok_schema("/v1/charges/{charge}/refunds", "get"), &sb.get(&format!("/v1/charges/{ch_id}/refunds")).await);

    // Checkout.
    let cs = sb
        .post("/v1/checkout/sessions", json!({"mode": "payment", "success_url": "https://exemple.fr/merci", "cancel_url": "https://exemple.fr/annule", "line_items": [{"price": prod["default_price"], "quantity": "2"}]}))
        .await;
    v(&ok_schema("/v1/checkout/sessions", "post"), &cs);
    let cs_id = cs["id"].as_str().unwrap().to_string();
    v(
        &ok_schema("/v1/checkout/sessions/{session}/line_items", "get"),
        &sb.get(&format!("/v1/checkout/sessions/{cs_id}/line_items")).await,
    );
    let with_items = sb.get_with(&format!("/v1/checkout/sessions/{cs_id}"), json!({"expand": ["line_items"]})).await;
    v(&ok_schema("/v1/checkout/sessions/{session}", "get"), &with_items);
    let done = sb
        .http
        .post(sb.url(&format!("/_sandbox/checkout/sessions/{cs_id}/complete")))
        .json(&json!({"email": "anais.benard@exemple.fr"}))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    v(&ok_schema("/v1/checkout/sessions/{session}", "get"), &sb.get(&format!("/v1/checkout/sessions/{cs_id}")).await);
    let other = sb.post("/v1/checkout/sessions", json!({"mode": "payment", "success_url": "https://exemple.fr/ok", "cancel_url": "https://exemple.fr/ko", "line_items": [{"price_data": {"currency": "eur", "unit_amount": "1000", "product_data": {"name": "Café"}}, "quantity": "1"}]})).await;
    let expired = sb.post(&format!("/v1/checkout/sessions/{}/expire", other["id"].as_str().unwrap()), json!({})).await;
    v(&ok_schema("/v1/checkout/sessions/{session}/expire", "post"), &expired);
    v(&ok_schema("/v1/checkout/sessions", "get"), &sb.get("/v1/checkout/sessions").await);

    // Invoices.
    sb.post(
        "/v1/invoiceitems",
        json!({"customer": cid, "amount": "3500", "currency": "eur", "description": "Location salle Hypatia"}),
    )
    .await;
    let inv = sb.post("/v1/invoices", json!({"customer": cid, "description": "Location"})).await;
    v(&ok_schema("/v1/invoices", "post"), &inv);
    let in_id = inv["id"].as_str().unwrap().to_string();
    assert_eq!(inv["total"], 3500);
    v(&ok_schema("/v1/invoices/{invoice}/lines", "get"), &sb.get(&format!("/v1/invoices/{in_id}/lines")).await);
    let fin = sb.post(&format!("/v1/invoices/{in_id}/finalize"), json!({})).await;
    v(&ok_schema("/v1/invoices/{invoice}/finalize", "post"), &fin);
    let paid = sb.post(&format!("/v1/invoices/{in_id}/pay"), json!({"payment_method": "pm_card_visa"})).await;
    v(&ok_schema("/v1/invoices/{invoice}/pay", "post"), &paid);
    assert_eq!(paid["status"], "paid");
    v(&ok_schema("/v1/invoices", "get"), &sb.get("/v1/invoices").await);
    v(&ok_schema("/v1/invoices/{invoice}", "get"), &sb.get(&format!("/v1/invoices/{in_id}")).await);
    let draft = sb.post("/v1/invoices", json!({"customer": cid})).await;
    let gone = sb.ok(Method::DELETE, &format!("/v1/invoices/{}", draft["id"].as_str().unwrap()), json!({})).await;
    v(&ok_schema("/v1/invoices/{invoice}", "delete"), &gone);
    let to_void = sb.post("/v1/invoices", json!({"customer": cid})).await;
    let void_id = to_void["id"].as_str().unwrap().to_string();
    sb.post("/v1/invoiceitems", json!({"customer": cid, "amount": "100", "currency": "eur", "invoice": void_id})).await;
    sb.post(&format!("/v1/invoices/{void_id}/finalize"), json!({})).await;
    v(
        &ok_schema("/v1/invoices/{invoice}/void", "post"),
        &sb.post(&format!("/v1/invoices/{void_id}/void"), json!({})).await,
    );

    // Events and webhook endpoints.
    let events = sb.get_with("/v1/events", json!({"limit": "100"})).await;
    v(&ok_schema("/v1/events", "get"), &events);
    let known = hub_sandbox_core::schema::load_spec("stripe/webhook-event-types-2022.json");
    let known: Vec<&str> = known["event_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    for e in events["data"].as_array().unwrap() {
        assert!(known.contains(&e["type"].as_str().unwrap()), "event type {} is not one of Stripe's", e["type"]);
    }
    let ev = &events["data"][0];
    v(&ok_schema("/v1/events/{id}", "get"), &sb.get(&format!("/v1/events/{}", ev["id"].as_str().unwrap())).await);
    let we = sb
        .post(
            "/v1/webhook_endpoints",
            json!({"url": "https://exemple.fr/hook", "enabled_events": ["charge.succeeded"]}),
        )
        .await;
    v(&ok_schema("/v1/webhook_endpoints", "post"), &we);
    v(&ok_schema("/v1/webhook_endpoints", "get"), &sb.get("/v1/webhook_endpoints").await);
    let we_id = we["id"].as_str().unwrap();
    v(
        &ok_schema("/v1/webhook_endpoints/{webhook_endpoint}", "post"),
        &sb.post(&format!("/v1/webhook_endpoints/{we_id}"), json!({"disabled": "true"})).await,
    );
    v(
        &ok_schema("/v1/webhook_endpoints/{webhook_endpoint}", "delete"),
        &sb.ok(Method::DELETE, &format!("/v1/webhook_endpoints/{we_id}"), json!({})).await,
    );

    // Customer deletion and retrieval of a deleted customer.
    let del = sb.ok(Method::DELETE, &format!("/v1/customers/{cid}"), json!({})).await;
    v(&ok_schema("/v1/customers/{customer}", "delete"), &del);
    v(&ok_schema("/v1/customers/{customer}", "get"), &sb.get(&format!("/v1/customers/{cid}")).await);

    // Error bodies: 400, 402, 404, unknown route, idempotency.
    let errors = [
        sb.call(Method::POST, "/v1/payment_intents", &json!({"currency": "eur"}), &[]).await,
        sb.call(Method::POST, "/v1/payment_intents", &json!({"amount": "2000", "currency": "eur", "payment_method": "pm_card_chargeDeclined", "confirm": "true"}), &[]).await,
        sb.call(Method::GET, "/v1/customers/cus_nope", &json!(null), &[]).await,
        sb.call(Method::GET, "/v1/balance_nope", &json!(null), &[]).await,
        sb.call(Method::GET, "/v1/customers", &json!({"limit": "1000"}), &[]).await,
        sb.call(Method::DELETE, "/v1/charges", &json!(null), &[]).await,
    ];
    let statuses: Vec<u16> = errors.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(statuses, vec![400, 402, 404, 404, 400, 404]);
    for (_, _, body) in &errors {
        v(ERROR_SCHEMA, body);
    }
    assert_eq!(errors[0].2["error"]["param"], "amount");
    assert_eq!(errors[1].2["error"]["code"], "card_declined");
    assert_eq!(errors[2].2["error"]["code"], "resource_missing");
}
