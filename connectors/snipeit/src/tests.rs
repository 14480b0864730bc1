//! Tests: settings, pure mappings, `check` and error classes against the Snipe-IT sandbox
//! (`hub_sandbox_snipeit`, started on 127.0.0.1:0) and canned answers, and the sandbox helpers;
//! the stream's passes and the equipment moves are in `tests/stream.rs` and `tests/equipment.rs`.

mod equipment;
mod stream;

use std::time::Duration;

use hub_connector_sdk::{
    Connector, ConnectorError, Cursor,
    testkit::{CannedResponse, canned_server},
};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};

use crate::{
    SnipeItConnector, SnipeItSettings, api,
    records::{self, asset_record, canonical_status},
    stream::AssetsCursor,
};

/// A started sandbox and a plain client for what staff (or a script) do beside the connector.
pub(crate) struct Sandbox {
    pub started: Started,
    pub client: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_snipeit::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, client: reqwest::Client::new() }
    }

    pub fn base(&self) -> String {
        self.started.credentials["base_url"].as_str().expect("base_url").to_string()
    }

    pub fn settings(&self, page_size: u32) -> SnipeItSettings {
        let token = self.started.credentials["token"].as_str().expect("token");
        SnipeItSettings { page_size, ..SnipeItSettings::new("snipeit-test", self.base(), token) }
    }

    pub fn connector(&self, page_size: u32) -> SnipeItConnector {
        SnipeItConnector::new(self.settings(page_size)).expect("valid settings")
    }

    /// The sandbox's database (`/_sandbox/state` → `db`).
    pub async fn db(&self) -> Value {
        let state: Value =
            self.client.get(format!("{}/_sandbox/state", self.base())).send().await.unwrap().json().await.unwrap();
        state["db"].clone()
    }

    /// A `/_sandbox/...` control or trigger call.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self.client.request(method, format!("{}{path}", self.base())).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// An authenticated API call, as an admin's script would make it.
    pub async fn api(&self, method: reqwest::Method, path: &str) -> Value {
        let token = self.started.credentials["token"].as_str().unwrap();
        let url = format!("{}/api/v1{path}", self.base());
        self.client.request(method, url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    }
}

/// The live (not deleted) assets of the database.
pub(crate) fn live_assets(db: &Value) -> Vec<Value> {
    db["assets"].as_object().unwrap().values().filter(|a| a["deleted_at"].is_null()).cloned().collect()
}

#[test]
fn settings_name_the_bad_field_and_hide_the_token() {
    let s = SnipeItSettings::new("snipeit", "https://inventaire.exemple.fr/api/v1/", "eyJ-secret-token");
    assert_eq!(s.problem(), None);
    assert_eq!(s.origin(), "https://inventaire.exemple.fr");
    let shown = format!("{s:?}");
    assert!(!shown.contains("secret") && shown.contains("[redacted]"), "{shown}");
    type Change = fn(&mut SnipeItSettings);
    let cases: [(Change, &str); 6] = [
        (|s| s.base_url = "inventaire.exemple.fr".into(), "base_url"),
        (|s| s.base_url = "https://".into(), "base_url"),
        (|s| s.token = "  ".into(), "token"),
        (|s| s.token = "a b".into(), "token"),
        (|s| s.page_size = 0, "page_size"),
        (|s| s.page_size = 501, "page_size"),
    ];
    for (change, field) in cases {
        let mut bad = s.clone();
        change(&mut bad);
        assert!(bad.problem().is_some_and(|p| p.starts_with(field)), "{field}: {:?}", bad.problem());
        let err = SnipeItConnector::new(bad).unwrap_err();
        assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains(field)), "{err}");
    }
    let conn = SnipeItConnector::new(s).unwrap();
    assert!(!format!("{conn:?}").contains("secret"));
    assert_eq!(conn.kind(), "snipeit");
}

#[test]
fn mappings_messages_and_escapes() {
    assert_eq!(api::flatten_messages(&json!("Asset does not exist.")), "Asset does not exist.");
    assert_eq!(
        api::flatten_messages(&json!({"username": ["The username field is required."], "password": ["A", "B"]})),
        "password: A B; username: The username field is required."
    );
    assert_eq!(api::flatten_messages(&Value::Null), "(no message)");
    assert_eq!(records::unescape("Macbook Pro 13&quot; &amp; co&#039;s &lt;x&gt;"), "Macbook Pro 13\" & co's <x>");
    assert_eq!(api::segment("FAB 01/é"), "FAB%2001%2F%C3%A9");
    assert_eq!(
        crate::users::split_name("  Zoé   Martin Durand ", "z@x.fr"),
        ("Zoé".into(), Some("Martin Durand".into()))
    );
    assert_eq!(crate::users::split_name("", "zoe.m@x.fr"), ("zoe.m".into(), None));

    // The vendor's example: deployable label, checked out to a location.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vendor-specs/snipe-it/examples/hardware-get.GET_hardware_id.json");
    let example: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let record = asset_record(&example).unwrap();
    assert_eq!((record.external_id.as_str(), record.deleted), ("1", false));
    let d = &record.data;
    assert_eq!((d["status"].as_str(), d["holder_type"].as_str()), (Some("checked_out"), Some("location")));
    assert_eq!((d["holder_name"].as_str(), d["holder_email"].clone()), (Some("Littlefurt"), Value::Null));
    assert_eq!(d["model"], "Macbook Pro 13\"", "unescaped");
    assert_eq!(d["name"], Value::Null, "an empty name is no name");
    assert_eq!(d["updated_at"], "2022-12-19T15:42:44Z");
    assert_eq!(d["asset"], example, "the vendor JSON is kept untouched");
    for (meta, status) in [
        ("deployable", "available"),
        ("deployed", "checked_out"),
        ("pending", "maintenance"),
        ("undeployable", "maintenance"),
        ("archived", "maintenance"),
        ("what", "maintenance"),
    ] {
        let asset = json!({"id": 9, "assigned_to": null, "status_label": {"status_meta": meta}});
        assert_eq!(canonical_status(&asset), status, "{meta}");
    }
    assert!(asset_record(&json!({"asset_tag": "x"})).is_err());

    assert_eq!(AssetsCursor::parse(Some(&Cursor(Value::Null))).unwrap(), AssetsCursor::default());
    let c = AssetsCursor { pass: 1, offset: 40, last_id: 42 };
    assert_eq!(AssetsCursor::parse(Some(&c.to_cursor())).unwrap(), c);
    assert!(AssetsCursor::parse(Some(&Cursor(json!({"pass": "later", "offset": 1})))).is_err());
}

#[tokio::test]
async fn check_names_the_token_owner_and_a_wrong_token_is_auth() {
    let sb = Sandbox::start().await;
    let report = sb.connector(50).check().await.unwrap();
    assert!(report.ok);
    assert!(report.detail.contains("Admin Fablab") && report.detail.contains("(admin)"), "{}", report.detail);

    let wrong = SnipeItConnector::new(SnipeItSettings { token: "revoked-token".into(), ..sb.settings(50) }).unwrap();
    let booker = crate::Booker { email: "a@exemple.fr".into(), name: "A".into() };
    for err in [
        wrong.check().await.unwrap_err(),
        wrong.read("assets", None).await.unwrap_err(),
        wrong.checkout_to("FAB-0001", &booker, None, "").await.unwrap_err(),
        wrong.checkin("FAB-0001", None, "").await.unwrap_err(),
    ] {
        assert!(matches!(&err, ConnectorError::Auth(m) if m.contains("401")), "{err}");
        assert!(!err.is_retryable());
        assert!(!err.to_string().contains("revoked-token"));
    }
    let err = sb.connector(50).read("bookings", None).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)));
}

#[tokio::test]
async fn a_refusal_in_an_http_200_is_never_a_success() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    let db = sb.db().await;
    let broken = live_assets(&db).into_iter().find(|a| a["status_id"] == 4).expect("an asset out for repair");
    // Snipe-IT's own refusal, through the connector's API layer.
    let body = json!({"checkout_to_type": "user", "assigned_user": 2});
    let path = format!("hardware/{}/checkout", broken["id"]);
    let request = conn.api.request(reqwest::Method::POST, &path).json(&body);
    let err = conn.api.call(request, "POST checkout").await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Invalid(m) if m.contains("HTTP 200") && m.contains("That asset is not available for checkout!")),
        "{err}"
    );
    // A validation bag, flattened.
    let answer = conn.api.create_user(&json!({"first_name": "Zoé"})).await.unwrap();
    let crate::api::Answer::Refused { messages, .. } = answer else { panic!("{answer:?}") };
    assert!(
        messages.contains("username: The username field is required.") && messages.contains("password:"),
        "{messages}"
    );
    assert_eq!(live_assets(&sb.db().await), live_assets(&db), "nothing moved");

    // A 200 `status:error` where a record was expected: Invalid, not an empty success.
    let refused = json!({"status": "error", "messages": {"limit": ["The limit must be an integer."]}}).to_string();
    let base = canned_server(vec![CannedResponse::json(200, refused)]).await.unwrap();
    let canned = SnipeItConnector::new(SnipeItSettings { base_url: base, ..sb.settings(50) }).unwrap();
    for err in [canned.check().await.unwrap_err(), canned.read("assets", None).await.unwrap_err()] {
        assert!(
            matches!(&err, ConnectorError::Invalid(m) if m.contains("limit: The limit must be an integer.")),
            "{err}"
        );
    }
    // A 404 (a route Snipe-IT does not have) names base_url.
    let base =
        canned_server(vec![CannedResponse::json(404, r#"{"status":"error","messages":"404 endpoint not found"}"#)])
            .await
            .unwrap();
    let lost = SnipeItConnector::new(SnipeItSettings { base_url: base, ..sb.settings(50) }).unwrap();
    assert!(matches!(lost.check().await.unwrap_err(), ConnectorError::Invalid(m) if m.contains("base_url")));
}

#[tokio::test]
async fn throttle_and_faults_are_retryable_with_the_wait() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    sb.control(reqwest::Method::PUT, "/_sandbox/throttle", json!({"per_minute": 2, "window_secs": 3600})).await;
    conn.check().await.expect("two calls within the limit");
    let booker = crate::Booker { email: "a@exemple.fr".into(), name: "A".into() };
    for err in [
        conn.read("assets", None).await.unwrap_err(),
        conn.checkout_to("FAB-0001", &booker, None, "").await.unwrap_err(),
    ] {
        assert!(matches!(&err, ConnectorError::RateLimited { .. }), "{err}");
        let wait = err.retry_after().expect("Retry-After");
        assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(3600), "{wait:?}");
    }
    sb.control(reqwest::Method::PUT, "/_sandbox/throttle", json!({"per_minute": 120})).await;
    sb.control(reqwest::Method::PUT, "/_sandbox/faults", json!({"error_rate": 1.0})).await;
    let err = conn.checkin("FAB-0001", None, "").await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Transient { .. }) && err.is_retryable(), "{err}");
    sb.control(reqwest::Method::PUT, "/_sandbox/faults", json!({})).await;
    assert!(conn.read("assets", None).await.is_ok());
}
