//! Each of the vendor's example payloads (shared/vendor-specs/helloasso/examples) is reproduced in
//! shape by the sandbox: every key of the example exists in ours with the same JSON type.
mod common;

use common::{Receiver, SLUG, Sandbox, examples_dir, shape_mismatches};
use reqwest::Method;
use serde_json::{Value, json};

fn assert_shape(name: &str, example: &Value, ours: &Value) {
    let mut out = Vec::new();
    shape_mismatches(example, ours, "", &mut out);
    assert!(out.is_empty(), "{name}: {out:#?}\nours: {ours:#}");
}

/// A checkout example is replayed through the checkout API: an intent with the example's item,
/// amounts (first term + the rest as a later term) and metadata, then paid in the example's state.
async fn pay_checkout_like(sb: &Sandbox, example: &Value) -> Value {
    let data = &example["data"];
    let (total, initial) = (data["items"][0]["amount"].as_i64().unwrap(), data["amount"].as_i64().unwrap());
    let mut body = json!({
        "totalAmount": total, "initialAmount": initial, "itemName": data["items"][0]["name"],
        "backUrl": "https://example.org/back", "errorUrl": "https://example.org/error",
        "returnUrl": "https://example.org/return", "containsDonation": false,
        "metadata": example["metadata"],
    });
    if total > initial {
        body["terms"] = json!([{"amount": total - initial, "date": "2027-01-10T00:00:00+01:00"}]);
    }
    let (status, intent) =
        sb.send(Method::POST, &format!("/v5/organizations/{SLUG}/checkout-intents"), Some(body)).await;
    assert_eq!(status, 200, "{intent}");
    let (status, paid) = sb
        .control(
            Method::POST,
            &format!("/_sandbox/checkout-intents/{}/pay", intent["id"]),
            json!({"state": data["state"]}),
        )
        .await;
    assert_eq!(status, 200, "{paid}");
    paid
}

/// The form a notification example was taken on → a sandbox form of the same kind.
fn form_for(example: &Value) -> (&'static str, &'static str) {
    let data = &example["data"];
    let form_type = data["formType"].as_str().or(data["order"]["formType"].as_str()).unwrap_or("Membership");
    match form_type {
        "Donation" => ("Donation", "soutenir-le-tiers-lieu"),
        "Event" => ("Event", "atelier-reparation-velo"),
        // Membership (Checkout examples go through the checkout API instead).
        _ => ("Membership", "adhesion-2026"),
    }
}

#[tokio::test]
async fn every_example_is_reproduced_in_shape() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start().await;
    let (status, registration) =
        sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": rx.url("/ha")}))).await;
    assert_eq!(status, 200);
    let mut files: Vec<_> = std::fs::read_dir(examples_dir()).expect("examples").map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 10, "the examples folder is read: {files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let example: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if name.starts_with("notification.") {
            let (form_type, slug) = form_for(&example);
            let event = example["eventType"].as_str().unwrap();
            let state = example["data"]["state"].as_str().unwrap_or("Authorized");
            let paid = if example.get("metadata").is_some() {
                pay_checkout_like(&sb, &example).await
            } else {
                let body = json!({"formType": form_type, "formSlug": slug, "state": state});
                let (status, paid) = sb.control(Method::POST, "/_sandbox/payments", body).await;
                assert_eq!(status, 200, "{name}: {paid}");
                paid
            };
            let id = if event == "Order" { &paid["order"]["id"] } else { &paid["payment"]["id"] };
            let got = rx
                .wait_for(&name, |r| r.iter().any(|x| x.json()["eventType"] == event && x.json()["data"]["id"] == *id))
                .await;
            let ours =
                got.iter().map(|x| x.json()).find(|n| n["eventType"] == event && n["data"]["id"] == *id).unwrap();
            assert_eq!(
                ours["data"]["organizationSlug"].as_str().or(ours["data"]["order"]["organizationSlug"].as_str()),
                Some(SLUG)
            );
            if let Some(s) = example["data"]["state"].as_str() {
                assert_eq!(ours["data"]["state"], s, "{name}: the payment state asked for");
            }
            for kind in ["/data/formType", "/data/order/formType", "/data/items/0/type"] {
                if let Some(expected) = example.pointer(kind) {
                    assert_eq!(ours.pointer(kind), Some(expected), "{name}: {kind}");
                }
            }
            assert_shape(&name, &example, &ours);
            assert_eq!(ours.get("metadata"), example.get("metadata"), "{name}: metadata echoed");
        } else if name.starts_with("api.GET_organizations_slug_orders") {
            let ours = sb
                .get(&format!("/v5/organizations/{SLUG}/forms/Membership/adhesion-2026/orders?withDetails=true"))
                .await;
            assert_shape(&name, &example, &ours);
        } else if name.starts_with("api-notification-url-config") {
            assert_shape(&name, &example, &registration);
            let key_len = example["signatureKey"].as_str().unwrap().len();
            assert_eq!(registration["signatureKey"].as_str().unwrap().len(), key_len, "{name}: key length");
        } else if name.starts_with("oauth2.token.response") {
            let ours = sb.token().await;
            assert_shape(&name, &example, &ours);
            assert_eq!(ours["token_type"], example["token_type"]);
            assert_eq!(ours["expires_in"], example["expires_in"]);
        } else if name.starts_with("oauth2.token.error") {
            let id = sb.cred("client_id");
            let (status, ours) = sb
                .token_raw(&[("client_id", &id), ("client_secret", "wrong"), ("grant_type", "client_credentials")])
                .await;
            assert_eq!(status, 400);
            assert_eq!(ours, example, "{name}: wrong client credentials");
        } else {
            panic!("{name}: an example this test does not know; teach it");
        }
    }
}
