//! `/api/resource/...` and `/api/method/...`: every kind of success and error response, validated
//! against the DocType definitions (doctype-fields.json) and Frappe's error shape.

mod common;

use common::*;
use serde_json::{Value, json};

const DOCTYPES: &[&str] = &["Customer", "Contact", "Sales Invoice", "Subscription", "Item Booking", "Event"];

fn enc(s: &str) -> String {
    s.replace(' ', "%20")
}

#[tokio::test]
async fn lists_default_to_twenty_names_and_every_doc_matches_its_doctype() {
    let sb = start(true).await;
    let c = client(&sb);
    for doctype in DOCTYPES {
        // Default: 20 rows, only `name`.
        let (status, body) = send(c.get(url(&sb, &format!("/api/resource/{}", enc(doctype))))).await;
        assert_eq!(status, 200, "{doctype}: {body}");
        let rows = body["data"].as_array().expect("data list");
        assert_eq!(rows.len(), 20, "{doctype}: seeded lists fill the default page");
        for row in rows {
            assert_eq!(row.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["name"]);
        }
        // `fields=["*"]` rows and each full document validate against the DocType.
        let (status, body) = send(
            c.get(url(&sb, &format!("/api/resource/{}", enc(doctype))))
                .query(&[("fields", "[\"*\"]"), ("limit_page_length", "5")]),
        )
        .await;
        assert_eq!(status, 200);
        for row in body["data"].as_array().unwrap() {
            assert_row(doctype, row);
            let name = row["name"].as_str().unwrap();
            let (status, one) = send(c.get(url(&sb, &format!("/api/resource/{}/{}", enc(doctype), enc(name))))).await;
            assert_eq!(status, 200, "{one}");
            assert_doc(doctype, &one["data"]);
            assert_eq!(one["data"]["name"], row["name"]);
        }
    }
}

#[tokio::test]
async fn paging_filters_order_and_as_dict() {
    let sb = start(true).await;
    let c = client(&sb);
    let list = |q: Vec<(&'static str, String)>| c.get(url(&sb, "/api/resource/Customer")).query(&q);
    // All names in one page vs. paged in 100s: the same sequence.
    let (_, all) = send(list(vec![("limit_page_length", "0".into()), ("order_by", "name asc".into())])).await;
    let all: Vec<Value> = all["data"].as_array().unwrap().clone();
    assert!(all.len() >= 300, "seeded customers: {}", all.len());
    let mut paged = Vec::new();
    let mut start = 0;
    loop {
        let (_, page) = send(list(vec![
            ("limit_start", start.to_string()),
            ("limit_page_length", "100".into()),
            ("order_by", "name asc".into()),
        ]))
        .await;
        let page = page["data"].as_array().unwrap().clone();
        let n = page.len();
        paged.extend(page);
        if n < 100 {
            break;
        }
        start += 100;
    }
    assert_eq!(paged, all);
    let names: Vec<&str> = all.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    // `limit` alias.
    let (_, some) = send(list(vec![("limit", "7".into())])).await;
    assert_eq!(some["data"].as_array().unwrap().len(), 7);
    // Filters: 3-tuple, dict, `in`, `like`; fields projection.
    let (_, companies) = send(list(vec![
        ("fields", r#"["name","customer_name","customer_type"]"#.into()),
        ("filters", r#"[["customer_type","=","Company"]]"#.into()),
    ]))
    .await;
    let companies = companies["data"].as_array().unwrap();
    assert_eq!(companies.len(), 3);
    assert!(companies.iter().all(|r| r["customer_type"] == "Company" && r.as_object().unwrap().len() == 3));
    let (_, same) =
        send(list(vec![("filters", r#"{"customer_type":"Company"}"#.into()), ("fields", r#"["name"]"#.into())])).await;
    assert_eq!(same["data"].as_array().unwrap().len(), 3);
    let (_, liked) = send(list(vec![
        ("filters", r#"[["customer_name","like","%théâtre%"]]"#.into()),
        ("fields", r#"["customer_name"]"#.into()),
    ]))
    .await;
    assert_eq!(liked["data"], json!([{"customer_name": "Compagnie Théâtre du Quai"}]));
    let (_, inn) = send(list(vec![("filters", format!(r#"[["name","in",["{}","{}"]]]"#, names[0], names[1]))])).await;
    assert_eq!(inn["data"].as_array().unwrap().len(), 2);
    // as_dict=False → lists.
    let (_, lists) = send(list(vec![
        ("fields", r#"["name","disabled"]"#.into()),
        ("as_dict", "False".into()),
        ("limit", "3".into()),
    ]))
    .await;
    for row in lists["data"].as_array().unwrap() {
        let row = row.as_array().expect("list rows");
        assert_eq!(row.len(), 2);
        assert!(row[0].is_string() && row[1].is_i64());
    }
    // Child-table filter (4-tuple): the contacts of one customer.
    let (_, contacts) = send(c.get(url(&sb, "/api/resource/Contact")).query(&[(
        "filters",
        format!(r#"[["Dynamic Link","link_doctype","=","Customer"],["Dynamic Link","link_name","=","{}"]]"#, names[0]),
    )]))
    .await;
    assert_eq!(contacts["data"].as_array().unwrap().len(), 1, "{contacts}");
    // Incremental sync: modified >= cursor, ascending.
    let (_, recent) = send(list(vec![
        ("fields", r#"["name","modified"]"#.into()),
        ("filters", r#"[["modified",">=","2025-01-03 00:00:00"]]"#.into()),
        ("order_by", "modified asc".into()),
        ("limit_page_length", "0".into()),
    ]))
    .await;
    let mods: Vec<&str> = recent["data"].as_array().unwrap().iter().map(|r| r["modified"].as_str().unwrap()).collect();
    assert!(!mods.is_empty() && mods.len() < all.len());
    assert!(mods.windows(2).all(|w| w[0] <= w[1]) && mods.iter().all(|m| *m >= "2025-01-03 00:00:00"));
    // get_count agrees with the list.
    let (_, count) = send(
        c.get(url(&sb, "/api/method/frappe.client.get_count"))
            .query(&[("doctype", "Customer"), ("filters", r#"[["customer_type","=","Company"]]"#)]),
    )
    .await;
    assert_eq!(count, json!({"message": 3}));
}

#[tokio::test]
async fn create_update_submit_cancel_delete_life_cycle() {
    let sb = start(true).await;
    let c = client(&sb);
    let (status, cust) = send(c.post(url(&sb, "/api/resource/Customer")).json(&json!({
        "customer_name": "Zoé Lefèvre", "customer_type": "Individual", "customer_group": "Individual", "territory": "France"
    })))
    .await;
    assert_eq!(status, 200, "{cust}");
    assert_doc("Customer", &cust["data"]);
    let name = cust["data"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("CUST-") && name.len() == "CUST-2025-00012".len(), "{name}");
    // Update: partial, modified moves, stale modified refused.
    let before = cust["data"]["modified"].as_str().unwrap().to_string();
    let (status, upd) =
        send(c.put(url(&sb, &format!("/api/resource/Customer/{name}"))).json(&json!({"disabled": 1}))).await;
    assert_eq!(status, 200);
    assert_doc("Customer", &upd["data"]);
    assert_eq!(upd["data"]["disabled"], 1);
    assert_eq!(upd["data"]["customer_name"], "Zoé Lefèvre");
    assert!(upd["data"]["modified"].as_str().unwrap() > before.as_str());
    let (status, stale) = send(
        c.put(url(&sb, &format!("/api/resource/Customer/{name}"))).json(&json!({"disabled": 0, "modified": before})),
    )
    .await;
    assert_eq!(status, 417);
    assert_eq!(stale["exc_type"], "TimestampMismatchError");
    assert_error_shape(&stale);
    // A draft invoice, then submit, then cancel.
    let (status, inv) = send(c.post(url(&sb, "/api/resource/Sales%20Invoice")).json(&json!({
        "customer": name, "items": [{"item_code": "Salle Hypatia", "qty": 3, "rate": 10}]
    })))
    .await;
    assert_eq!(status, 200, "{inv}");
    assert_doc("Sales Invoice", &inv["data"]);
    let inv_name = inv["data"]["name"].as_str().unwrap().to_string();
    assert_eq!((inv["data"]["docstatus"].clone(), inv["data"]["status"].clone()), (json!(0), json!("Draft")));
    assert_eq!(inv["data"]["grand_total"], 30.0);
    let path = format!("/api/resource/Sales%20Invoice/{inv_name}");
    let (status, sub) = send(c.put(url(&sb, &path)).json(&json!({"docstatus": 1}))).await;
    assert_eq!(status, 200, "{sub}");
    assert_doc("Sales Invoice", &sub["data"]);
    assert_eq!(sub["data"]["status"], "Unpaid");
    assert_eq!(sub["data"]["outstanding_amount"], 30.0);
    let (status, refused) = send(c.put(url(&sb, &path)).json(&json!({"customer": "x"}))).await;
    assert_eq!(status, 417);
    assert_eq!(refused["exc_type"], "UpdateAfterSubmitError");
    let (status, del) = send(c.delete(url(&sb, &path))).await;
    assert_eq!((status, del["exc_type"].clone()), (417, json!("ValidationError")));
    let (status, linked) = send(c.delete(url(&sb, &format!("/api/resource/Customer/{name}")))).await;
    assert_eq!((status, linked["exc_type"].clone()), (417, json!("LinkExistsError")));
    let (status, nope) = send(c.post(url(&sb, &format!("{path}?run_method=delete_everything")))).await;
    assert_eq!((status, nope["exc_type"].clone()), (403, json!("PermissionError")));
    assert_error_shape(&nope);
    let (status, can) = send(c.post(url(&sb, &path)).json(&json!({"run_method": "cancel"}))).await;
    assert_eq!(status, 200);
    assert_eq!(can["data"]["status"], "Cancelled");
    // Delete an Event: 202 {"data": "ok"}, then 404, and a Deleted Document.
    let (status, ev) = send(c.post(url(&sb, "/api/resource/Event")).json(&json!({
        "subject": "Atelier vélo", "starts_on": "2026-12-05T10:00:00"
    })))
    .await;
    assert_eq!(status, 200);
    assert_doc("Event", &ev["data"]);
    assert_eq!(ev["data"]["starts_on"], "2026-12-05 10:00:00");
    let ev_path = format!("/api/resource/Event/{}", ev["data"]["name"].as_str().unwrap());
    let (status, ok) = send(c.delete(url(&sb, &ev_path))).await;
    assert_eq!((status, ok), (202, json!({"data": "ok"})));
    let (status, gone) = send(c.get(url(&sb, &ev_path))).await;
    assert_eq!((status, gone["exc_type"].clone()), (404, json!("DoesNotExistError")));
    let (_, deleted) = send(
        c.get(url(&sb, "/api/resource/Deleted%20Document"))
            .query(&[("filters", r#"[["deleted_doctype","=","Event"]]"#), ("fields", r#"["deleted_name"]"#)]),
    )
    .await;
    assert_eq!(deleted["data"], json!([{"deleted_name": ev["data"]["name"]}]));
}

#[tokio::test]
async fn error_responses_have_frappe_shapes() {
    let sb = start(true).await;
    let c = client(&sb);
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (c.get(url(&sb, "/api/resource/Customer/CUST-9999")), 404, "DoesNotExistError"),
        (c.get(url(&sb, "/api/resource/Nope")), 404, "DoesNotExistError"),
        (c.post(url(&sb, "/api/resource/Customer")).json(&json!({"customer_type": "Company"})), 417, "MandatoryError"),
        (
            c.post(url(&sb, "/api/resource/Customer")).json(&json!({"customer_name": "X", "customer_type": "Alien"})),
            417,
            "ValidationError",
        ),
        (
            c.post(url(&sb, "/api/resource/Sales%20Invoice"))
                .json(&json!({"customer": "CUST-0000-99999", "items": [{"item_code": "A", "qty": 1, "rate": 1}]})),
            417,
            "LinkValidationError",
        ),
        (c.get(url(&sb, "/api/resource/Customer")).query(&[("fields", r#"["nope"]"#)]), 500, "OperationalError"),
        (
            c.get(url(&sb, "/api/resource/Customer")).query(&[("filters", r#"[["name","~","x"]]"#)]),
            417,
            "ValidationError",
        ),
        (
            c.post(url(&sb, "/api/resource/Customer")).header("content-type", "application/json").body("{nope"),
            500,
            "JSONDecodeError",
        ),
        (c.get(url(&sb, "/api/method/no.such.method")), 417, "ValidationError"),
    ];
    for (req, status, exc_type) in cases {
        let (got, body) = send(req).await;
        assert_eq!((got, body["exc_type"].as_str().unwrap_or("")), (status, exc_type), "{body}");
        assert_error_shape(&body);
    }
}

#[tokio::test]
async fn method_endpoints() {
    let sb = start(true).await;
    let c = client(&sb);
    let (_, me) = send(c.get(url(&sb, "/api/method/frappe.auth.get_logged_user"))).await;
    assert_eq!(me, json!({"message": "api-hub@example.org"}));
    let (_, list) = send(c.get(url(&sb, "/api/method/frappe.client.get_list")).query(&[
        ("doctype", "Subscription"),
        ("fields", r#"["name","customer","status"]"#),
        ("limit_page_length", "3"),
    ]))
    .await;
    let rows = list["message"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    rows.iter().for_each(|r| assert_row("Subscription", r));
    let name = rows[0]["name"].as_str().unwrap();
    let (_, one) =
        send(c.get(url(&sb, "/api/method/frappe.client.get")).query(&[("doctype", "Subscription"), ("name", name)]))
            .await;
    assert_doc("Subscription", &one["message"]);
    let (_, value) = send(c.get(url(&sb, "/api/method/frappe.client.get_value")).query(&[
        ("doctype", "Subscription"),
        ("fieldname", r#"["customer","status"]"#),
        ("filters", name),
    ]))
    .await;
    assert_eq!(value["message"]["customer"], rows[0]["customer"]);
    let (status, inserted) = send(c.post(url(&sb, "/api/method/frappe.client.insert")).json(&json!({
        "doc": {"doctype": "Item Booking", "item": "Studio son", "starts_on": "2026-12-01 10:00:00", "ends_on": "2026-12-01 12:00:00"}
    })))
    .await;
    assert_eq!(status, 200, "{inserted}");
    assert_doc("Item Booking", &inserted["message"]);
    // insert → submit → cancel a Sales Invoice through frappe.client, then delete a draft.
    let (status, inv) = send(c.post(url(&sb, "/api/method/frappe.client.insert")).json(&json!({
        "doc": {"doctype": "Sales Invoice", "customer": "CUST-2025-00003", "items": [{"item_code": "Adhésion annuelle", "qty": 1, "rate": 20}]}
    })))
    .await;
    assert_eq!(status, 200, "{inv}");
    let name = inv["message"]["name"].as_str().unwrap().to_string();
    let (status, sub) =
        send(c.post(url(&sb, "/api/method/frappe.client.submit")).json(&json!({"doc": inv["message"]}))).await;
    assert_eq!(status, 200, "{sub}");
    assert_doc("Sales Invoice", &sub["message"]);
    assert_eq!((sub["message"]["docstatus"].clone(), sub["message"]["status"].clone()), (json!(1), json!("Unpaid")));
    let (status, cancelled) = send(
        c.post(url(&sb, "/api/method/frappe.client.cancel")).json(&json!({"doctype": "Sales Invoice", "name": name})),
    )
    .await;
    assert_eq!((status, cancelled), (200, json!({})));
    let (_, read) = send(c.get(url(&sb, &format!("/api/resource/Sales%20Invoice/{name}")))).await;
    assert_eq!((read["data"]["docstatus"].clone(), read["data"]["status"].clone()), (json!(2), json!("Cancelled")));
    let booking = inserted["message"]["name"].as_str().unwrap();
    let (status, _) = send(
        c.post(url(&sb, "/api/method/frappe.client.delete")).json(&json!({"doctype": "Item Booking", "name": booking})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(c.get(url(&sb, &format!("/api/resource/Item%20Booking/{booking}")))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn more_filter_operators() {
    let sb = start(true).await;
    let c = client(&sb);
    let count = |filters: &'static str, or: Option<&'static str>| {
        let mut q = vec![
            ("fields", r#"["name","start","status","cancellation_date"]"#),
            ("limit_page_length", "0"),
            ("filters", filters),
        ];
        if let Some(or) = or {
            q.push(("or_filters", or));
        }
        let req = c.get(url(&sb, "/api/resource/Subscription")).query(&q);
        async move { send(req).await.1["data"].as_array().unwrap().clone() }
    };
    let all = count("[]", None).await;
    let cancelled = count(r#"[["status","=","Cancelled"]]"#, None).await;
    let set = count(r#"[["cancellation_date","is","set"]]"#, None).await;
    assert!(!cancelled.is_empty() && cancelled.len() < all.len());
    assert_eq!(cancelled, set);
    let not_set = count(r#"[["cancellation_date","is","not set"]]"#, None).await;
    assert_eq!(not_set.len() + set.len(), all.len());
    let h1 = count(r#"[["start","between",["2025-01-01","2025-06-30"]]]"#, None).await;
    assert!(h1.iter().all(|r| r["start"].as_str().unwrap() <= "2025-06-30"));
    let h2 = count(r#"[["start",">","2025-06-30"]]"#, None).await;
    assert_eq!(h1.len() + h2.len(), all.len());
    let either = count("[]", Some(r#"[["status","=","Cancelled"],["start",">","2025-06-30"]]"#)).await;
    let union: std::collections::BTreeSet<&str> =
        cancelled.iter().chain(h2.iter()).map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(either.len(), union.len());
    let not_in = count(r#"[["status","not in",["Cancelled"]]]"#, None).await;
    assert_eq!(not_in.len(), all.len() - cancelled.len());
}

#[tokio::test]
async fn item_booking_submit_status_and_cancel() {
    let sb = start(true).await;
    let c = client(&sb);
    // Seeded confirmed bookings are submitted, as in the Item Booking example.
    let (_, confirmed) = send(
        c.get(url(&sb, "/api/resource/Item%20Booking"))
            .query(&[("fields", r#"["name","docstatus","status"]"#), ("filters", r#"{"status": "Confirmed"}"#)]),
    )
    .await;
    let rows = confirmed["data"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["docstatus"] == 1), "{confirmed}");
    // A booking made through the API (the dokos-docs request), submitted, then cancelled.
    let (status, b) = send(c.post(url(&sb, "/api/v1/resource/Item%20Booking")).json(&json!({
        "item": "Salle Hypatia", "starts_on": "2026-12-03 09:00", "ends_on": "2026-12-03 12:00",
        "party_type": "Customer", "party_name": "CUST-2025-00012"
    })))
    .await;
    assert_eq!(status, 200, "{b}");
    assert_doc("Item Booking", &b["data"]);
    assert_eq!((b["data"]["docstatus"].clone(), b["data"]["status"].clone()), (json!(0), json!("Not confirmed")));
    assert_eq!(b["data"]["title"], "Salle Hypatia - CUST-2025-00012");
    assert_eq!(b["data"]["ends_on"], "2026-12-03 12:00:00");
    let path = format!("/api/resource/Item%20Booking/{}", b["data"]["name"].as_str().unwrap());
    let (_, sub) = send(c.put(url(&sb, &path)).json(&json!({"docstatus": 1, "status": "Confirmed"}))).await;
    assert_eq!((sub["data"]["docstatus"].clone(), sub["data"]["status"].clone()), (json!(1), json!("Confirmed")));
    let (status, moved) = send(c.put(url(&sb, &path)).json(&json!({"starts_on": "2026-12-03 10:00:00"}))).await;
    assert_eq!((status, moved["exc_type"].clone()), (417, json!("UpdateAfterSubmitError")));
    let (status, notes) = send(c.put(url(&sb, &path)).json(&json!({"notes": "Vidéoprojecteur"}))).await;
    assert_eq!((status, notes["data"]["notes"].clone()), (200, json!("Vidéoprojecteur")));
    let (_, cancelled) = send(c.put(url(&sb, &path)).json(&json!({"docstatus": 2}))).await;
    assert_eq!(
        (cancelled["data"]["docstatus"].clone(), cancelled["data"]["status"].clone()),
        (json!(2), json!("Cancelled"))
    );
    let (status, back) = send(c.put(url(&sb, &path)).json(&json!({"docstatus": 0}))).await;
    assert_eq!((status, back["exc_type"].clone()), (417, json!("DocstatusTransitionError")));
    // Invalid datetimes and Select values are refused.
    let (status, bad) = send(c.post(url(&sb, "/api/resource/Item%20Booking")).json(&json!({
        "item": "Studio son", "starts_on": "demain", "ends_on": "2026-12-03 12:00"
    })))
    .await;
    assert_eq!((status, bad["exc_type"].clone()), (417, json!("ValidationError")));
}

#[tokio::test]
async fn form_encoded_bodies_and_seeded_homonyms() {
    let sb = start(true).await;
    let c = client(&sb);
    let data = json!({"customer_name": "Forme Encodée", "customer_type": "Company"}).to_string();
    let (status, created) = send(c.post(url(&sb, "/api/resource/Customer")).form(&[("data", data.as_str())])).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["data"]["customer_name"], "Forme Encodée");
    assert_doc("Customer", &created["data"]);
    // Every seeded person has a contact whose names are the person's; homonyms get `-N` names.
    let (_, contacts) = send(c.get(url(&sb, "/api/resource/Contact")).query(&[
        ("fields", r#"["name","first_name","last_name","full_name","email_id"]"#),
        ("limit_page_length", "0"),
    ]))
    .await;
    let contacts = contacts["data"].as_array().unwrap();
    assert_eq!(contacts.len(), 300);
    for (i, p) in hub_sandbox_core::seed::people(300).iter().enumerate() {
        let found = contacts.iter().find(|c| c["email_id"] == p.email.as_str()).unwrap_or_else(|| panic!("person {i}"));
        assert_eq!(
            (found["first_name"].as_str(), found["last_name"].as_str()),
            (Some(p.given_name.as_str()), Some(p.family_name.as_str()))
        );
        let full = format!("{} {}", p.given_name, p.family_name);
        let name = found["name"].as_str().unwrap();
        assert!(
            name == full || name.strip_prefix(&format!("{full}-")).is_some_and(|n| n.parse::<u32>().is_ok()),
            "{name}"
        );
    }
    // The webhook controller checks.
    let (status, bad) = send(c.post(url(&sb, "/api/resource/Webhook")).json(&json!({
        "webhook_doctype": "Customer", "webhook_docevent": "on_submit", "request_url": "http://127.0.0.1:9/x"
    })))
    .await;
    assert_eq!((status, bad["exc_type"].clone()), (417, json!("ValidationError")));
}
