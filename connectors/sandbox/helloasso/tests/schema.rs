//! Every kind of response the sandbox gives, validated against HelloAsso's OpenAPI document
//! (helloasso-openapi.json), after removing the example-only fields listed in lib.rs.
mod common;

use common::{SLUG, Sandbox, strip_example_only};
use hub_sandbox_core::schema::{assert_valid, load_spec};
use reqwest::Method;
use serde_json::{Value, json};

const M: &str = "/components/schemas/HelloAsso.Api.V5.Common.Models.";

fn valid(spec: &Value, schema: &str, value: &Value) {
    let pointer = if schema.starts_with('/') { schema.to_string() } else { format!("{M}{schema}") };
    assert_valid(spec, &pointer, &strip_example_only(value));
}

#[tokio::test]
async fn lists_match_the_paged_result_models() {
    let spec = load_spec("helloasso/helloasso-openapi.json");
    let sb = Sandbox::start().await;
    let org = format!("/v5/organizations/{SLUG}");
    let cases = [
        (format!("{org}/forms"), "Common.ResultsWithPaginationModel_FormLightModel"),
        (format!("{org}/orders?withDetails=true&pageSize=50"), "Common.ResultsWithPaginationModel_Order"),
        (format!("{org}/orders?pageSize=5&withCount=true&sortOrder=Asc"), "Common.ResultsWithPaginationModel_Order"),
        (
            format!("{org}/forms/Membership/adhesion-2026/orders?withDetails=true"),
            "Common.ResultsWithPaginationModel_Order",
        ),
        (format!("{org}/payments?pageSize=50"), "Common.ResultsWithPaginationModel_Payment"),
        (format!("{org}/payments?states=Refunded&states=Refused"), "Common.ResultsWithPaginationModel_Payment"),
        (format!("{org}/forms/Donation/soutenir-le-tiers-lieu/payments"), "Common.ResultsWithPaginationModel_Payment"),
        (format!("{org}/items?withDetails=true&pageSize=50"), "Common.ResultsWithPaginationModel_Item"),
        (
            format!("{org}/forms/Event/atelier-reparation-velo/items?withDetails=true"),
            "Common.ResultsWithPaginationModel_Item",
        ),
    ];
    for (path, schema) in cases {
        let body = sb.get(&path).await;
        assert!(!body["data"].as_array().unwrap().is_empty(), "{path} has data");
        valid(&spec, schema, &body);
    }
    // Array responses: the core's checker cannot point into `/paths/...{organizationSlug}...`
    // (braces are not valid in a URI fragment), so check the declared array-of-$ref and each element.
    for (path, api_path, element) in [
        (format!("{org}/formTypes"), "/organizations/{organizationSlug}/formTypes", "Enums.FormType"),
        ("/v5/users/me/organizations".to_string(), "/users/me/organizations", "Organizations.OrganizationLightModel"),
    ] {
        let declared = &spec["paths"][api_path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(declared["type"], "array");
        assert_eq!(declared["items"]["$ref"], format!("#{M}{element}"));
        let body = sb.get(&path).await;
        let items = body.as_array().unwrap_or_else(|| panic!("{path} answers an array"));
        assert!(!items.is_empty());
        items.iter().for_each(|v| valid(&spec, element, v));
    }
}

#[tokio::test]
async fn single_records_and_actions_match_their_models() {
    let spec = load_spec("helloasso/helloasso-openapi.json");
    let sb = Sandbox::start().await;
    let org = format!("/v5/organizations/{SLUG}");
    for (form_type, slug) in
        [("Membership", "adhesion-2026"), ("Donation", "soutenir-le-tiers-lieu"), ("Event", "atelier-reparation-velo")]
    {
        let form = sb.get(&format!("{org}/forms/{form_type}/{slug}/public")).await;
        valid(&spec, "Forms.FormPublicModel", &form);
    }
    let orders = sb.get(&format!("{org}/orders?pageSize=3")).await;
    let order = &orders["data"][0];
    let detail = sb.get(&format!("/v5/orders/{}", order["id"])).await;
    valid(&spec, "Statistics.OrderDetail", &detail);
    let payment_id = &detail["payments"][0]["id"];
    let payment = sb.get(&format!("/v5/payments/{payment_id}")).await;
    valid(&spec, "Statistics.PaymentDetail", &payment);
    let item_id = &detail["items"][0]["id"];
    let item = sb.get(&format!("/v5/items/{item_id}?withDetails=true")).await;
    valid(&spec, "Statistics.ItemDetail", &item);

    // A fresh authorised payment, refunded through the API.
    let (status, paid) = sb.control(Method::POST, "/_sandbox/payments", json!({"formType": "Event"})).await;
    assert_eq!(status, 200, "{paid}");
    let pid = paid["payment"]["id"].as_i64().unwrap();
    let (status, refund) = sb.send(Method::POST, &format!("/v5/payments/{pid}/refund?cancelOrder=true"), None).await;
    assert_eq!(status, 200, "{refund}");
    valid(&spec, "Payment.RefundOperationModel", &refund);
    let refunded = sb.get(&format!("/v5/payments/{pid}")).await;
    valid(&spec, "Statistics.PaymentDetail", &refunded);

    let (status, reg) =
        sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": "https://example.org/ha"}))).await;
    assert_eq!(status, 200);
    valid(&spec, "ApiNotifications.ApiUrlNotificationModel", &reg);
    let (status, reg) = sb
        .send(
            Method::PUT,
            &format!("/v5/partners/me/api-notifications/organizations/{SLUG}"),
            Some(json!({"url": "https://example.org/ha-payments", "notificationType": "Payment"})),
        )
        .await;
    assert_eq!(status, 200);
    valid(&spec, "ApiNotifications.ApiUrlNotificationModel", &reg);
    let (status, intent) = sb
        .send(
            Method::POST,
            &format!("{org}/checkout-intents"),
            Some(json!({"totalAmount": 3000, "initialAmount": 1000, "itemName": "Adhésion + atelier",
                "backUrl": "https://example.org/b", "errorUrl": "https://example.org/e",
                "returnUrl": "https://example.org/r", "containsDonation": false,
                "terms": [{"amount": 2000, "date": "2027-01-05T00:00:00+01:00"}], "metadata": {"ref": 42}})),
        )
        .await;
    assert_eq!(status, 200, "{intent}");
    valid(&spec, "Carts.InitCheckoutResponse", &intent);
    let unpaid = sb.get(&format!("{org}/checkout-intents/{}", intent["id"])).await;
    valid(&spec, "Carts.CheckoutIntentResponse", &unpaid);
    assert!(unpaid.get("order").is_none());
    let (status, _) =
        sb.control(Method::POST, &format!("/_sandbox/checkout-intents/{}/pay", intent["id"]), json!({})).await;
    assert_eq!(status, 200);
    let paid = sb.get(&format!("{org}/checkout-intents/{}", intent["id"])).await;
    valid(&spec, "Carts.CheckoutIntentResponse", &paid);
    assert_eq!(paid["order"]["checkoutIntentId"], intent["id"]);
    assert_eq!(paid["order"]["payments"][0]["amount"], 1000);
    assert_eq!(paid["metadata"], json!({"ref": 42}));
    let (status, body) = sb
        .send(
            Method::POST,
            &format!("{org}/checkout-intents"),
            Some(json!({"totalAmount": 3000, "initialAmount": 1000})),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let organization = sb.get(&org).await;
    valid(&spec, "Organizations.OrganizationPublicModel", &organization);
    assert_eq!(organization["organizationSlug"], SLUG);

    let partner = sb.get("/v5/partners/me").await;
    valid(&spec, "Partners.PartnerPublicModel", &partner);
    assert_eq!(partner["urlNotificationList"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn notification_payloads_match_the_models_of_their_data() {
    let spec = load_spec("helloasso/helloasso-openapi.json");
    let sb = Sandbox::start().await;
    let rx = common::Receiver::start().await;
    let (status, _) =
        sb.send(Method::PUT, "/v5/partners/me/api-notifications", Some(json!({"url": rx.url("/ha")}))).await;
    assert_eq!(status, 200);
    sb.control(Method::POST, "/_sandbox/payments", json!({})).await;
    sb.control(Method::POST, "/_sandbox/forms", json!({"title": "Repair café de décembre"})).await;
    let got = rx
        .wait_for("Order, Payment and Form", |r| {
            let types: Vec<Value> = r.iter().map(|x| x.json()["eventType"].clone()).collect();
            ["Order", "Payment", "Form"].iter().all(|t| types.contains(&json!(t)))
        })
        .await;
    for r in got {
        let n = r.json();
        let schema = match n["eventType"].as_str().unwrap() {
            "Order" => "Statistics.OrderDetail",
            "Payment" => "Statistics.PaymentDetail",
            "Form" => "Forms.FormPublicModel",
            other => panic!("unexpected {other}"),
        };
        valid(&spec, schema, &n["data"]);
    }
}
