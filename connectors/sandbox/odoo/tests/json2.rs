//! JSON-2 (`/json/2/<model>/<method>`): the examples' request bodies (JSON files and the bodies of
//! the `.http.txt` transcripts) accepted with the examples' response shapes, bearer-key refusal
//! with the documented 401 body, and the controller's 404/405/422 answers.

mod common;

use common::{Client, adapt, assert_same_shape, examples, response_for, start};
use serde_json::{Value, json};

/// The JSON body of an HTTP transcript (request part).
fn http_request(text: &str) -> (String, String, Value) {
    let request = text.split("\nHTTP/1.1 ").next().unwrap();
    let first = request.lines().next().unwrap();
    let path = first.split_whitespace().nth(1).unwrap();
    let mut parts = path.trim_start_matches("/json/2/").splitn(2, '/');
    let (model, method) = (parts.next().unwrap().to_string(), parts.next().unwrap().to_string());
    let body = request.split_once("\n\n").map(|(_, b)| b.trim()).unwrap_or("{}");
    (model, method, serde_json::from_str(body).unwrap())
}

fn http_response(text: &str) -> Option<(u16, Value)> {
    let resp = text.split_once("\nHTTP/1.1 ")?.1;
    let status = resp.split_whitespace().next()?.parse().ok()?;
    let body = resp.split_once("\n\n")?.1.trim();
    Some((status, serde_json::from_str(body).ok()?))
}

#[tokio::test]
async fn example_requests_are_accepted() {
    let sb = start().await;
    let c = Client::new(&sb);
    let (_, products) =
        c.json2("product.product", "search", &json!({"domain": [["membership", "=", true]], "limit": 1})).await;
    let product = products[0].as_i64().unwrap();
    let mut seen = 0;
    for (name, text) in examples(|n| n.starts_with("json2_") && n.contains(".request.") && n.ends_with(".json")) {
        let raw: Value = serde_json::from_str(&text).unwrap();
        let http = raw["_http"].as_str().unwrap_or("POST /json/2/res.partner/search_read");
        let path = http.split_whitespace().nth(1).unwrap().trim_start_matches("/json/2/").to_string();
        let (model, method) = path.split_once('/').unwrap();
        let body = adapt(&raw, &c.db, &c.key, product);
        let (status, got) = c.json2(model, method, &body).await;
        assert_eq!(status, 200, "{name}: {got}");
        if let Some(expected) = response_for(&name) {
            assert_same_shape(&serde_json::from_str(&expected).unwrap(), &got, &name);
        }
        if method == "create" {
            assert!(
                got.as_array().is_some_and(|a| a.len() == 1 && a[0].is_i64()),
                "create answers a list of ids: {got}"
            );
        }
        seen += 1;
    }
    for (name, text) in
        examples(|n| n.starts_with("json2_") && n.ends_with(".http.VERBATIM.txt") && !n.contains("error"))
    {
        let (model, method, body) = http_request(&text);
        let (status, got) = c.json2(&model, &method, &adapt(&body, &c.db, &c.key, product)).await;
        assert_eq!(status, 200, "{name}: {got}");
        if let Some((expected_status, expected)) = http_response(&text) {
            assert_eq!(status, expected_status);
            assert_same_shape(&expected, &got, &name);
        }
        seen += 1;
    }
    assert!(seen >= 5, "{seen} examples");
    // The write example (`ids: [5]`, vals_list) renamed partner 5.
    let (_, rows) = c.json2("res.partner", "read", &json!({"ids": [5], "fields": ["name"]})).await;
    assert_eq!(rows[0]["name"], "Deco Classic");
    // The search example finds the company named like "deco" once it is a company.
    let (_, n) = c.json2("res.partner", "write", &json!({"ids": [5], "vals": {"is_company": true}})).await;
    assert_eq!(n, json!(true));
    let body: Value =
        serde_json::from_str(&examples(|n| n == "json2_search_read_res_partner.request.VERBATIM.json")[0].1).unwrap();
    let (_, found) = c.json2("res.partner", "search_read", &body).await;
    assert_eq!(found, json!([{"id": 5, "name": "Deco Classic"}]));
}

#[tokio::test]
async fn bearer_key_is_required() {
    let sb = start().await;
    let c = Client::new(&sb);
    let expected: Value = serde_json::from_str(&examples(|n| n == "json2_error_401.VERBATIM.json")[0].1).unwrap();
    for auth in [None, Some("bearer wrong-key".to_string()), Some(format!("Basic {}", c.key))] {
        let mut req = c.http.post(format!("{}/json/2/res.partner/search_read", c.base)).json(&json!({"domain": []}));
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{auth:?}");
        let body: Value = r.json().await.unwrap();
        assert_same_shape(&expected, &body, "401");
        assert_eq!(body["name"], expected["name"]);
        assert_eq!(body["message"], expected["message"]);
        assert_eq!(body["arguments"], expected["arguments"]);
    }
    // The draft's capitalised "Bearer" is accepted too.
    let r = c
        .http
        .post(format!("{}/json/2/res.users/context_get", c.base))
        .header("authorization", format!("Bearer {}", c.key))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["uid"], 2);
}

#[tokio::test]
async fn controller_errors() {
    let sb = start().await;
    let c = Client::new(&sb);
    let (status, body) = c.json2("x.nope", "search", &json!({})).await;
    assert_eq!((status, body["name"].as_str()), (404, Some("werkzeug.exceptions.NotFound")));
    let (status, _) = c.json2("res.partner", "no_such_method", &json!({})).await;
    assert_eq!(status, 404);
    let (status, body) = c.json2("res.partner", "search", &json!({"ids": [1], "domain": []})).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = c.json2("res.partner", "search", &json!({"dommain": []})).await;
    assert_eq!(status, 422);
    let (status, body) = c
        .json2("membership.membership_line", "create", &json!({"vals_list": [{"partner": 42, "member_price": 1.0}]}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["name"], "odoo.exceptions.ValidationError");
    for key in ["name", "message", "arguments", "context", "debug"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    let (status, body) = c.json2("res.partner", "read", &json!({"ids": [999_999]})).await;
    assert_eq!((status, body["name"].as_str()), (404, Some("odoo.exceptions.MissingError")));
    let r = c
        .http
        .get(format!("{}/json/2/res.partner/search", c.base))
        .header("authorization", format!("bearer {}", c.key))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let (status, _) = {
        let r = c
            .http
            .post(format!("{}/json/2/res.partner/search", c.base))
            .header("authorization", format!("bearer {}", c.key))
            .header("x-odoo-database", "other")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 404);
    let v = c.get("/web/version").await;
    let expected = examples(|n| n == "web_version_19.http.VERBATIM.txt");
    let body = expected[0].1.rsplit("\n\n").next().unwrap().trim();
    assert_same_shape(&serde_json::from_str(body).unwrap(), &v, "web/version");
}
