//! Every file of `vendor-specs/dokos/examples/` is replayed against the sandbox: requests are
//! accepted, responses are reproduced in shape (same keys, same JSON types), error bodies exactly.
//! Webhook examples are covered by tests/webhooks.rs; the v2 error shape is not simulated.

mod common;

use std::collections::BTreeSet;

use common::*;
use hub_sandbox_core::Started;
use serde_json::{Value, json};

/// Files handled elsewhere or not simulated (with the reason).
const ELSEWHERE: &[(&str, &str)] = &[
    ("README.md", "index"),
    ("error_v2_shape.response.CONSTRUCTED.json", "/api/v2 is not simulated"),
    ("webhook.Quotation.on_update.body.docs.json", "tests/webhooks.rs (signature vector)"),
    ("webhook_httpbin_echo.VERBATIM.json", "tests/webhooks.rs"),
    ("webhook_sales_invoice_on_submit.CONSTRUCTED.json", "tests/webhooks.rs"),
    ("webhook_signature_check.CONSTRUCTED.txt", "tests/webhooks.rs"),
];

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of the example is in ours with the same JSON type (null matches anything); child
/// rows compared on their first row.
fn assert_same_shape(what: &str, example: &Value, ours: &Value) {
    match (example, ours) {
        (Value::Object(e), Value::Object(o)) => {
            for (k, ev) in e {
                let ov = o.get(k).unwrap_or_else(|| panic!("{what}: key {k} missing in {ours:#}"));
                assert_same_shape(&format!("{what}.{k}"), ev, ov);
            }
        }
        (Value::Array(e), Value::Array(o)) => {
            if let (Some(e0), Some(o0)) = (e.first(), o.first()) {
                assert_same_shape(&format!("{what}[0]"), e0, o0);
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (e, o) => assert_eq!(kind(e), kind(o), "{what}: example {e} vs ours {o}"),
    }
}

fn doctype_in(url_path: &str) -> String {
    let rest = url_path.trim_start_matches("/api/resource/");
    rest.split(['/', '?']).next().unwrap().replace("%20", " ")
}

async fn replay_request(sb: &Started, file: &str) -> Value {
    let c = client(sb);
    let ex = spec_json(&format!("examples/{file}"));
    let path = ex["url"].as_str().unwrap();
    let req = match ex["method"].as_str().unwrap() {
        "GET" => {
            let q: Vec<(String, String)> =
                ex["query"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().into())).collect();
            c.get(url(sb, &path.replace(' ', "%20"))).query(&q)
        }
        "POST" => c.post(url(sb, &path.replace(' ', "%20"))).json(&ex["body"]),
        other => panic!("{file}: method {other}"),
    };
    let (status, body) = send(req).await;
    assert_eq!(status, 200, "{file}: {body}");
    let doctype = doctype_in(path);
    match &body["data"] {
        Value::Array(rows) => {
            assert!(!rows.is_empty(), "{file}: the seeded site answers rows");
            rows.iter().for_each(|r| assert_row(&doctype, r));
        }
        doc => {
            assert_doc(&doctype, doc);
            for (k, v) in ex["body"].as_object().unwrap() {
                if !v.is_array() {
                    assert_eq!(&doc[k], v, "{file}: {k} as sent");
                }
            }
        }
    }
    let response = spec_json(&format!("examples/{}", file.replace(".request.", ".response.")));
    if let (Some(e), Some(o)) = (response["data"].as_array(), body["data"].as_array()) {
        // List rows: exactly the requested fields.
        let ek: BTreeSet<&String> = e[0].as_object().unwrap().keys().collect();
        for row in o {
            assert_eq!(row.as_object().unwrap().keys().collect::<BTreeSet<_>>(), ek, "{file}");
        }
    }
    assert_same_shape(file, &response, &body);
    body
}

async fn error_case(sb: &Started, file: &str) -> (u16, Value) {
    let c = client(sb);
    let anon = reqwest::Client::new();
    match file.split('_').nth(1).unwrap() {
        "401" => send(anon.get(url(sb, "/api/resource/Customer")).header("Authorization", "token nope:nope")).await,
        "403" => send(anon.get(url(sb, "/api/resource/Sales%20Invoice"))).await,
        "404" => send(c.get(url(sb, "/api/resource/Customer/CUST-9999"))).await,
        "409" => {
            let contact = json!({"first_name": "Jeanne", "last_name": "Martin"});
            let (first, _) = send(c.post(url(sb, "/api/resource/Contact")).json(&contact)).await;
            assert_eq!(first, 200);
            send(c.post(url(sb, "/api/resource/Contact")).json(&contact)).await
        }
        "417" => send(c.post(url(sb, "/api/resource/Customer")).json(&json!({"customer_type": "Company"}))).await,
        other => panic!("{file}: no case for {other}"),
    }
}

#[tokio::test]
async fn every_example_is_reproduced() {
    let files = examples();
    assert!(files.len() > 30, "examples found: {files:?}");
    let mut handled = BTreeSet::new();
    for file in &files {
        let sb = start(true).await;
        let c = client(&sb);
        let done = if ELSEWHERE.iter().any(|(f, _)| f == file) {
            true
        } else if file.starts_with("error_") {
            let ex = spec_json(&format!("examples/{file}"));
            let (status, body) = error_case(&sb, file).await;
            assert_eq!(status as u64, ex["_http_status"].as_u64().unwrap(), "{file}: {body}");
            assert_error_shape(&body);
            assert_eq!(body, ex["body"], "{file}");
            true
        } else if file.contains(".request.") && file.ends_with(".CONSTRUCTED.json") {
            replay_request(&sb, file).await;
            true
        } else if file.contains(".response.") && files.contains(&file.replace(".response.", ".request.")) {
            // Compared when its request is replayed.
            true
        } else if let Some(rest) = file.strip_prefix("resource.GET.") {
            let doctype = rest.split('.').next().unwrap().replace('_', " ");
            let ex = spec_json(&format!("examples/{file}"));
            let enc = doctype.replace(' ', "%20");
            if rest.contains(".list.") {
                let fields: Vec<&String> = ex["data"][0].as_object().unwrap().keys().collect();
                let (status, body) = send(
                    c.get(url(&sb, &format!("/api/resource/{enc}")))
                        .query(&[("fields", serde_json::to_string(&fields).unwrap())]),
                )
                .await;
                assert_eq!(status, 200);
                assert_eq!(body["data"].as_array().unwrap().len(), 20);
                body["data"].as_array().unwrap().iter().for_each(|r| assert_row(&doctype, r));
                assert_same_shape(file, &ex, &body);
            } else {
                let (_, list) = send(c.get(url(&sb, &format!("/api/resource/{enc}")))).await;
                let name = list["data"][0]["name"].as_str().unwrap().replace(' ', "%20");
                let (status, body) = send(c.get(url(&sb, &format!("/api/resource/{enc}/{name}")))).await;
                assert_eq!(status, 200);
                assert_doc(&doctype, &body["data"]);
                assert_same_shape(file, &ex, &body);
            }
            true
        } else if let Some(rest) = file.strip_prefix("resource.POST.") {
            let doctype = rest.split('.').next().unwrap().replace('_', " ");
            let ex = spec_json(&format!("examples/{file}"));
            let (status, body) =
                send(c.post(url(&sb, &format!("/api/resource/{}", doctype.replace(' ', "%20")))).json(&ex)).await;
            assert_eq!(status, 200, "{file}: {body}");
            assert_doc(&doctype, &body["data"]);
            for (k, v) in ex.as_object().unwrap() {
                assert_eq!(&body["data"][k], v, "{file}: {k}");
            }
            true
        } else {
            false
        };
        if done {
            handled.insert(file.clone());
        }
    }
    // The REST documentation's ToDo walk-through, in order.
    rest_walkthrough(&mut handled).await;
    method_examples(&mut handled).await;
    let missing: Vec<&String> = files.iter().filter(|f| !handled.contains(*f)).collect();
    assert!(missing.is_empty(), "examples not replayed: {missing:?}");
}

async fn rest_walkthrough(handled: &mut BTreeSet<String>) {
    let sb = start(true).await;
    let c = client(&sb);
    let (status, created) =
        send(c.post(url(&sb, "/api/resource/ToDo")).json(&ex(handled, "rest_create_todo.request.VERBATIM.json"))).await;
    assert_eq!(status, 200);
    assert_same_shape("create", &ex(handled, "rest_create_todo.response.VERBATIM.json"), &created);
    assert_eq!(created["data"]["description"], "New ToDo");
    let path = format!("/api/resource/ToDo/{}", created["data"]["name"].as_str().unwrap());
    let (_, read) = send(c.get(url(&sb, &path))).await;
    assert_same_shape("read", &ex(handled, "rest_read_todo.response.VERBATIM.json"), &read);
    let (_, updated) = send(c.put(url(&sb, &path)).json(&ex(handled, "rest_update_todo.request.VERBATIM.json"))).await;
    assert_same_shape("update", &ex(handled, "rest_update_todo.response.VERBATIM.json"), &updated);
    assert_eq!(updated["data"]["description"], "New description");
    assert!(updated["data"]["modified"].as_str() > read["data"]["modified"].as_str());
    for i in 0..6 {
        send(c.post(url(&sb, "/api/resource/ToDo")).json(&json!({"description": format!("ToDo {i}")}))).await;
    }
    // Listing: default rows are `{"name": ...}` as in the doc's text.
    let text = read_spec("examples/rest_list_default.response.VERBATIM.txt");
    handled.insert("rest_list_default.response.VERBATIM.txt".into());
    let doc_rows: Vec<Value> = text
        .lines()
        .map(|l| l.trim().trim_end_matches(','))
        .filter(|l| l.starts_with("{\"name\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!doc_rows.is_empty());
    let (_, default) = send(c.get(url(&sb, "/api/resource/ToDo"))).await;
    assert_same_shape("default list", &json!({ "data": doc_rows }), &default);
    for row in default["data"].as_array().unwrap() {
        assert_eq!(row.as_object().unwrap().len(), 1);
    }
    let (_, lists) = send(c.get(url(&sb, "/api/resource/ToDo?limit_start=5&limit=5&as_dict=False"))).await;
    let example = ex(handled, "rest_list_as_dict_false.response.VERBATIM.json");
    assert_same_shape("as_dict=False", &example, &lists);
    assert_eq!(lists["data"].as_array().unwrap().len(), 2, "7 ToDos, from the 6th");
    let (_, debug) = send(c.get(url(&sb, "/api/resource/ToDo?limit_start=2&limit=5&debug=True"))).await;
    assert_same_shape("debug", &json!({"data": ex(handled, "rest_list_debug.response.VERBATIM.json")["data"]}), &debug);
    assert_eq!(debug["data"].as_array().unwrap().len(), 5);
    // Each documented query form is accepted.
    handled.insert("rest_list_filters_or_paging.request.VERBATIM.txt".into());
    for line in
        read_spec("examples/rest_list_filters_or_paging.request.VERBATIM.txt").lines().filter(|l| l.starts_with("GET "))
    {
        let path = line[4..]
            .replace(":doctype", "ToDo")
            .replace("field1", "status")
            .replace("field2", "priority")
            .replace("value1", "Open")
            .replace("value2", "High")
            .replace("title%20desc", "description%20desc")
            .replace(' ', "%20");
        let (status, body) = send(c.get(url(&sb, &path))).await;
        assert_eq!(status, 200, "{line}: {body}");
        assert!(body["data"].is_array(), "{line}");
    }
    // Delete: current Frappe answers {"data": "ok"} (202); the old doc shows {"message": "ok"}.
    let old = ex(handled, "rest_delete.response.VERBATIM.json");
    let resp = c.delete(url(&sb, &path)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"], old["message"]);
}

async fn method_examples(handled: &mut BTreeSet<String>) {
    let sb = start(true).await;
    let c = client(&sb);
    // get_count: the documented request line, sent as is.
    let ex = spec_json("examples/method_get_count.CONSTRUCTED.json");
    handled.insert("method_get_count.CONSTRUCTED.json".into());
    let path = ex["request"].as_str().unwrap().trim_start_matches("GET ");
    let (status, count) = send(c.get(url(&sb, path))).await;
    assert_eq!(status, 200);
    assert_same_shape("get_count", &ex["response"], &count);
    let (_, all) =
        send(c.get(url(&sb, "/api/resource/Customer?limit_page_length=0&filters=[[\"disabled\",\"=\",0]]"))).await;
    assert_eq!(count["message"].as_u64().unwrap() as usize, all["data"].as_array().unwrap().len());
    // get_logged_user.
    let ex = spec_json("examples/method_get_logged_user.response.VERBATIM.json");
    handled.insert("method_get_logged_user.response.VERBATIM.json".into());
    let (_, me) = send(c.get(url(&sb, "/api/method/frappe.auth.get_logged_user"))).await;
    assert_same_shape("get_logged_user", &ex, &me);
    // login (curl): JSON usr/pwd, then the sid cookie authenticates.
    let curl = read_spec("examples/method_login.curl.VERBATIM.txt");
    handled.insert("method_login.curl.VERBATIM.txt".into());
    let expected: Value =
        serde_json::from_str(curl.lines().find(|l| l.starts_with("{\"message\":\"Logged In\"")).unwrap()).unwrap();
    let anon = reqwest::Client::new();
    let resp = anon
        .post(url(&sb, "/api/method/login"))
        .json(&json!({"usr": hub_sandbox_dokos::API_USER, "pwd": hub_sandbox_dokos::API_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("sid="), "{cookie}");
    let logged: Value = resp.json().await.unwrap();
    assert_eq!(
        logged.as_object().unwrap().keys().collect::<BTreeSet<_>>(),
        expected.as_object().unwrap().keys().collect()
    );
    assert_eq!(logged["message"], "Logged In");
    let (_, me) = send(anon.post(url(&sb, "/api/method/frappe.auth.get_logged_user")).header("Cookie", &cookie)).await;
    assert_eq!(me["message"], hub_sandbox_dokos::API_USER);
    let (_, guest) = send(anon.post(url(&sb, "/api/method/frappe.auth.get_logged_user"))).await;
    assert_eq!(guest["message"], "Guest");
    // auth_headers: token and Basic work; Bearer tokens are not issued by the sandbox.
    handled.insert("auth_headers.VERBATIM.txt".into());
    let creds = &sb.credentials;
    let (key, secret) = (creds["api_key"].as_str().unwrap(), creds["api_secret"].as_str().unwrap());
    use base64::Engine;
    for line in read_spec("examples/auth_headers.VERBATIM.txt").lines().filter(|l| !l.trim().is_empty()) {
        let value = line.trim_start_matches("Authorization: ");
        let (value, ok) = if value.starts_with("token") {
            (format!("token {key}:{secret}"), true)
        } else if value.starts_with("Basic") {
            (format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"))), true)
        } else {
            ("Bearer access_token".to_string(), false)
        };
        let (status, body) =
            send(reqwest::Client::new().get(url(&sb, "/api/resource/Customer")).header("Authorization", value)).await;
        assert_eq!(status == 200, ok, "{line}: {status} {body}");
    }
}

/// Loads an example and marks it replayed.
fn ex(handled: &mut BTreeSet<String>, f: &str) -> Value {
    handled.insert(f.to_string());
    spec_json(&format!("examples/{f}"))
}
