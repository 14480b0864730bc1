//! XML-RPC (`/xmlrpc/2/common`, `/xmlrpc/2/object`, legacy `/xmlrpc/object`): the examples'
//! request bodies sent as they are (adapted to this database) with their responses reproduced in
//! shape, authentication refusals, and the fault codes of each exception class.

mod common;

use common::{Client, assert_same_shape, examples, response_for, start};
use hub_sandbox_odoo::xmlrpc;
use serde_json::{Value, json};

#[tokio::test]
async fn example_xml_requests_are_accepted_and_answered_in_the_examples_shape() {
    let sb = start().await;
    let c = Client::new(&sb);
    let files = examples(|n| n.starts_with("xmlrpc_") && n.contains(".request.") && n.ends_with(".xml"));
    assert!(files.len() >= 3, "{files:?}");
    for (name, text) in files {
        let body = text
            .replace("<string>mydb</string>", &format!("<string>{}</string>", c.db))
            .replace("0123456789abcdef0123456789abcdef01234567", &c.key)
            .replace("<name>country_id</name>\n<value><int>76</int>", "<name>country_id</name>\n<value><int>75</int>");
        let service = if text.contains("<methodName>execute_kw</methodName>") { "object" } else { "common" };
        let (status, got) = c.xml_raw(&format!("/xmlrpc/2/{service}"), body).await;
        assert_eq!(status, 200, "{name}: {got}");
        assert!(got.starts_with("<?xml version=\"1.0\"?>\n<methodResponse>"), "{name}: {got}");
        let got = xmlrpc::parse_response(&got).unwrap().unwrap_or_else(|f| panic!("{name}: fault {f:?}"));
        let expected_text = response_for(&name).unwrap_or_else(|| panic!("no response for {name}"));
        let expected = xmlrpc::parse_response(&expected_text).unwrap().unwrap();
        assert_same_shape(&expected, &got, &name);
        if name.contains("search_read") {
            let rows = got.as_array().unwrap();
            assert!(!rows.is_empty() && rows.len() <= 5, "{name}: limit 5, is_company = True: {got}");
        }
    }
}

#[tokio::test]
async fn version_login_and_refusals() {
    let sb = start().await;
    let c = Client::new(&sb);
    let v = c.xml("common", "version", vec![]).await.unwrap();
    let doc = common::examples(|n| n == "jsonrpc_common_version.response.CONSTRUCTED.json");
    let expected: Value = serde_json::from_str(&doc[0].1).unwrap();
    assert_same_shape(&expected["result"], &v, "version");
    assert_eq!(v["protocol_version"], 1);

    let password = sb.credentials["password"].as_str().unwrap();
    for secret in [c.key.as_str(), password] {
        let uid =
            c.xml("common", "authenticate", vec![json!(c.db), json!("admin"), json!(secret), json!({})]).await.unwrap();
        assert_eq!(uid, json!(2));
    }
    let bad =
        c.xml("common", "authenticate", vec![json!(c.db), json!("admin"), json!("wrong"), json!({})]).await.unwrap();
    assert_eq!(bad, json!(false));
    let (status, raw) = c
        .xml_raw(
            "/xmlrpc/2/common",
            xmlrpc::call("authenticate", &[json!(c.db), json!("admin"), json!("wrong"), json!({})]),
        )
        .await;
    assert_eq!(status, 200);
    let expected = common::examples(|n| n == "xmlrpc_common_authenticate_badpassword.response.CONSTRUCTED.xml");
    assert_eq!(raw.split_whitespace().collect::<String>(), expected[0].1.split_whitespace().collect::<String>());

    // execute_kw with a wrong key: AccessDenied, faultCode 3, as the example.
    let denied = c
        .xml(
            "object",
            "execute_kw",
            vec![json!(c.db), json!(2), json!("wrong"), json!("res.partner"), json!("search"), json!([[]])],
        )
        .await
        .unwrap_err();
    let ex = common::examples(|n| n == "xmlrpc_fault_access_denied.response.CONSTRUCTED.xml");
    let expected = xmlrpc::parse_response(&ex[0].1).unwrap().unwrap_err();
    assert_eq!(denied, expected);
}

#[tokio::test]
async fn faults_carry_odoo_codes() {
    let sb = start().await;
    let c = Client::new(&sb);
    // Missing mandatory field: ValidationError → 2, same text as the example.
    let err = c
        .xml_kw("membership.membership_line", "create", json!([{"partner": 42, "member_price": 30.0}]), json!({}))
        .await
        .unwrap_err();
    let ex = examples(|n| n == "xmlrpc_fault_validation.response.CONSTRUCTED.xml");
    let expected = xmlrpc::parse_response(&ex[0].1).unwrap().unwrap_err();
    assert_eq!(err, expected);
    // Invalid field: application error → 1 with a traceback, like the server-error example.
    let err = c.xml_kw("res.partner", "search_read", json!([[]]), json!({"fields": ["foo"]})).await.unwrap_err();
    assert_eq!(err.0, json!(1));
    assert!(
        err.1.starts_with("Traceback (most recent call last):")
            && err.1.contains("Invalid field 'foo' on model 'res.partner'"),
        "{}",
        err.1
    );
    // Missing record: MissingError → 2.
    let err = c.xml_kw("res.partner", "write", json!([[999_999], {"name": "x"}]), json!({})).await.unwrap_err();
    assert_eq!(err.0, json!(2));
    assert!(err.1.contains("Record does not exist"), "{}", err.1);
    // Private method: AccessError → 4.
    let err = c.xml_kw("res.partner", "_compute_membership_state", json!([[1]]), json!({})).await.unwrap_err();
    assert_eq!(err.0, json!(4));
    // Legacy /xmlrpc/object: string fault codes.
    let call = xmlrpc::call(
        "execute_kw",
        &[json!(c.db), json!(2), json!(c.key), json!("res.partner"), json!("write"), json!([[999_999], {"name": "x"}])],
    );
    let (_, raw) = c.xml_raw("/xmlrpc/object", call).await;
    let (code, _) = xmlrpc::parse_response(&raw).unwrap().unwrap_err();
    assert!(code.as_str().unwrap().starts_with("warning -- MissingError\n\n"), "{code}");
}

#[tokio::test]
async fn create_write_read_over_xmlrpc() {
    let sb = start().await;
    let c = Client::new(&sb);
    let id = c
        .xml_kw("res.partner", "create", json!([{"name": "Hélène Lefèvre", "email": "helene@exemple.fr"}]), json!({}))
        .await
        .unwrap();
    let id = id.as_i64().expect("create returns an int");
    let before =
        c.xml_kw("res.partner", "read", json!([[id]]), json!({"fields": ["name", "write_date"]})).await.unwrap();
    assert_eq!(before[0]["name"], "Hélène Lefèvre");
    assert_eq!(
        c.xml_kw("res.partner", "write", json!([[id], {"name": "Hélène Dupré"}]), json!({})).await.unwrap(),
        json!(true)
    );
    let after = c
        .xml_kw("res.partner", "read", json!([[id]]), json!({"fields": ["name", "write_date", "email", "phone"]}))
        .await
        .unwrap();
    assert_eq!(after[0]["name"], "Hélène Dupré");
    assert_eq!(after[0]["phone"], json!(false), "empty values read as false");
    assert!(after[0]["write_date"].as_str() >= before[0]["write_date"].as_str());
    let ids =
        c.xml_kw("res.partner", "search", json!([[["email", "=", "helene@exemple.fr"]]]), json!({})).await.unwrap();
    assert_eq!(ids, json!([id]));
    assert_eq!(c.xml_kw("res.partner", "unlink", json!([[id]]), json!({})).await.unwrap(), json!(true));
    let n = c
        .xml_kw("res.partner", "search_count", json!([[["email", "=", "helene@exemple.fr"]]]), json!({}))
        .await
        .unwrap();
    assert_eq!(n, json!(0));
    // `execute` (positional arguments only) answers like `execute_kw`.
    let domain = json!([["city", "=", "Brest"]]);
    let params = vec![json!(c.db), json!(2), json!(c.key), json!("res.partner"), json!("search_count"), domain.clone()];
    let via_execute = c.xml("object", "execute", params).await.unwrap();
    let via_kw = c.xml_kw("res.partner", "search_count", json!([domain]), json!({})).await.unwrap();
    assert_eq!(via_execute, via_kw);
    assert!(via_kw.as_i64().unwrap() > 0);
}

/// The documentation's response-only examples (`xmlrpc_*.response.VERBATIM.json`,
/// `object.*.response.docs.json`), each reproduced by the call the documentation makes.
#[tokio::test]
async fn documentation_response_examples_are_reproduced() {
    let sb = start().await;
    let c = Client::new(&sb);
    let companies = json!([[["is_company", "=", true]]]);
    let files = examples(|n| {
        (n.starts_with("xmlrpc_") && n.ends_with(".response.VERBATIM.json"))
            || (n.starts_with("object.") && n.ends_with(".response.docs.json"))
    });
    assert!(files.len() >= 10, "{files:?}");
    let mut checked = 0;
    for (name, text) in files {
        let expected: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = if name.contains("custom") && name.contains("fields_get") {
            // Custom models (x_*) are not simulated: their magic fields are checked on res.partner
            // (`__last_update` disappeared in Odoo 17).
            let kw = json!({"attributes": ["string", "type"]});
            let got = c.xml_kw("res.partner", "fields_get", json!([]), kw).await.unwrap();
            for (f, d) in expected.as_object().unwrap().iter().filter(|(f, _)| *f != "__last_update") {
                assert_eq!(&got[f], d, "{name}.{f}");
            }
            checked += 1;
            continue;
        } else if name.contains("custom") {
            // Custom models (x_*) are not simulated: their magic fields are checked on res.partner.
            let fields = ["create_uid", "write_uid", "write_date", "create_date", "display_name"];
            let got = c.xml_kw("res.partner", "read", json!([[5]]), json!({"fields": fields})).await.unwrap();
            for f in fields {
                assert_same_shape(&expected[0][f], &got[0][f], &format!("{name}.{f}"));
            }
            checked += 1;
            continue;
        } else if name.contains("search_count") {
            c.xml_kw("res.partner", "search_count", companies.clone(), json!({})).await.unwrap()
        } else if name.contains("offset10") {
            let got = c.xml_kw("res.partner", "search", json!([[]]), json!({"offset": 10, "limit": 5})).await.unwrap();
            assert_eq!(got.as_array().unwrap().len(), expected.as_array().unwrap().len(), "{name}");
            got
        } else if name.contains("search_read") {
            let kw = json!({"fields": ["name", "country_id", "comment"], "limit": 5});
            c.xml_kw("res.partner", "search_read", companies.clone(), kw).await.unwrap()
        } else if name.contains("read") {
            let ids = c.xml_kw("res.partner", "search", companies.clone(), json!({"limit": 1})).await.unwrap();
            let kw = json!({"fields": ["name", "country_id", "comment"]});
            c.xml_kw("res.partner", "read", json!([ids]), kw).await.unwrap()
        } else if name.contains("search") {
            c.xml_kw("res.partner", "search", companies.clone(), json!({})).await.unwrap()
        } else if name.contains("create") {
            c.xml_kw("res.partner", "create", json!([{"name": "New Partner"}]), json!({})).await.unwrap()
        } else if name.contains("name_get") {
            let id = c.xml_kw("res.partner", "create", json!([{"name": "New Partner"}]), json!({})).await.unwrap();
            c.xml_kw("res.partner", "write", json!([[id], {"name": "Newer partner"}]), json!({})).await.unwrap();
            let got = c.xml_kw("res.partner", "name_get", json!([[id]]), json!({})).await.unwrap();
            assert_eq!(got[0][1], expected[0][1], "{name}");
            got
        } else if name.contains("fields_get") {
            let kw = json!({"attributes": ["string", "help", "type"]});
            let got = c.xml_kw("res.partner", "fields_get", json!([]), kw).await.unwrap();
            let sample = expected.as_object().unwrap().values().next().unwrap();
            for (f, d) in got.as_object().unwrap() {
                assert_same_shape(sample, d, &format!("{name}.{f}"));
            }
            checked += 1;
            continue;
        } else {
            panic!("example {name} is not covered by this test");
        };
        assert_same_shape(&expected, &got, &name);
        checked += 1;
    }
    assert!(checked >= 10);
}
