//! Unit tests of settings, cursor, schema detection and value helpers.

use super::*;

fn settings() -> OdooSettings {
    OdooSettings {
        instance: "odoo".into(),
        base_url: "https://odoo.example".into(),
        database: "db".into(),
        login: "admin".into(),
        api_key: "very-secret-key".into(),
        protocol: OdooProtocol::Json2,
        membership_products: BTreeMap::from([("Individuelle".into(), "Adhésion individuelle 2026".into())]),
        donation_product: None,
        page_size: 50,
    }
}

#[test]
fn debug_hides_the_key_and_problems_name_the_field() {
    let s = settings();
    assert!(!format!("{s:?}").contains("very-secret-key"));
    assert_eq!(s.problem(), None);
    let bad = OdooSettings { page_size: 0, ..settings() };
    assert!(bad.problem().unwrap().contains("page_size"));
    let bad = OdooSettings { api_key: " ".into(), ..settings() };
    assert!(bad.problem().unwrap().contains("api_key"));
    let bad = OdooSettings { base_url: "odoo.example".into(), ..settings() };
    assert!(OdooConnector::new(bad).unwrap_err().to_string().contains("base_url"));
    let connector = OdooConnector::new(settings()).unwrap();
    assert!(!format!("{connector:?}").contains("very-secret-key"));
}

#[test]
fn the_cursor_keeps_the_ids_of_the_last_second() {
    let row = |id: i64, at: &str| json!({"id": id, "write_date": at});
    let first = StreamCursor::after(
        None,
        &[row(4, "2026-01-01 10:00:00"), row(2, "2026-01-01 10:00:01"), row(9, "2026-01-01 10:00:01")],
    )
    .unwrap();
    assert_eq!(first, StreamCursor { write_date: "2026-01-01 10:00:01".into(), ids: vec![2, 9] });
    // A next page still in the same second adds its ids; a later second starts afresh.
    let same = StreamCursor::after(Some(&first), &[row(11, "2026-01-01 10:00:01")]).unwrap();
    assert_eq!(same.ids, vec![2, 9, 11]);
    let later = StreamCursor::after(Some(&same), &[row(3, "2026-01-01 10:00:05")]).unwrap();
    assert_eq!(later, StreamCursor { write_date: "2026-01-01 10:00:05".into(), ids: vec![3] });
    assert_eq!(StreamCursor::after(Some(&later), &[]), None);
    assert_eq!(
        later.domain().to_vec(),
        vec![
            json!("|"),
            json!(["write_date", ">", "2026-01-01 10:00:05"]),
            json!("&"),
            json!(["write_date", "=", "2026-01-01 10:00:05"]),
            json!(["id", "not in", [3]]),
        ]
    );
}

#[test]
fn the_schema_follows_the_odoo_version() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Odoo 17/18 with the core add-on.
    let core_line = names(&LINE_FIELDS.iter().copied().chain(["company_id"]).collect::<Vec<_>>());
    let core = Schema::from_fields(&names(PARTNER_FIELDS), Some(&core_line));
    assert_eq!(core.partner_fields, names(PARTNER_FIELDS));
    let line = core.line.unwrap();
    assert_eq!((line.partner, line.invoice_line), ("partner", "account_invoice_line"));
    assert_eq!(line.fields, names(LINE_FIELDS));
    // Odoo 19: no `mobile`, the OCA add-on's names.
    let partner19: Vec<String> = names(PARTNER_FIELDS).into_iter().filter(|f| f != "mobile").collect();
    let oca = names(&[
        "id",
        "partner_id",
        "membership_id",
        "date_from",
        "date_to",
        "date_cancel",
        "member_price",
        "state",
        "account_invoice_line_id",
        "write_date",
        "category_id",
    ]);
    let v19 = Schema::from_fields(&partner19, Some(&oca));
    assert!(!v19.partner_fields.contains(&"mobile".to_string()));
    let line = v19.line.unwrap();
    assert_eq!((line.partner, line.invoice_line), ("partner_id", "account_invoice_line_id"));
    assert!(line.fields.contains(&"partner_id".to_string()) && !line.fields.contains(&"partner".to_string()));
    // No membership add-on at all.
    assert_eq!(Schema::from_fields(&partner19, None).line, None);
}

#[test]
fn protocol_names_in_config() {
    let p: OdooProtocol = serde_json::from_value(json!("xml_rpc")).unwrap();
    assert_eq!(p, OdooProtocol::XmlRpc);
    let p: OdooProtocol = serde_json::from_value(json!("jsonrpc")).unwrap();
    assert_eq!(p, OdooProtocol::JsonRpc);
    let p: OdooProtocol = serde_json::from_value(json!("json2")).unwrap();
    assert_eq!(p, OdooProtocol::Json2);
}

#[test]
fn odoo_values() {
    assert_eq!(m2o_id(Some(&json!([75, "France"]))), Some(75));
    assert_eq!(m2o_id(Some(&json!(false))), None);
    assert_eq!(m2o_name(Some(&json!([3, "Adhésion"]))), Some("Adhésion".into()));
    let at = parse_odoo_datetime(Some(&json!("2026-11-24 10:00:05"))).unwrap();
    assert_eq!(at.to_rfc3339(), "2026-11-24T10:00:05+00:00");
    assert_eq!(parse_odoo_datetime(Some(&json!(false))), None);
    assert!(parse_id("12", "x").is_ok());
    assert!(parse_id("abc", "x").is_err());
}
