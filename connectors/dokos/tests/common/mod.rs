//! Shared by the sandbox tests: a started Dokos sandbox, a connector on it, inspection calls.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use std::collections::BTreeMap;

use hub_connector_dokos::{DokosConnector, DokosSettings};
use hub_connector_sdk::{CanonicalChange, ChangeOp, Connector, Cursor, EntityKind, SourceRecord};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};

pub struct Sandbox {
    pub started: Started,
    pub client: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_dokos::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, client: reqwest::Client::new() }
    }

    pub fn cred(&self, key: &str) -> String {
        self.started.credentials[key].as_str().expect("credential present").to_string()
    }

    pub fn base(&self) -> String {
        self.started.running.base_url.clone()
    }

    pub fn settings(&self) -> DokosSettings {
        let mut settings = DokosSettings::new("dokos-test", self.base(), self.cred("api_key"), self.cred("api_secret"));
        settings.membership_plans = BTreeMap::from([
            ("annual".to_string(), "Adhésion annuelle".to_string()),
            ("resident".to_string(), "Abonnement résident mensuel".to_string()),
        ]);
        settings.page_size = 40;
        settings
    }

    pub fn connector(&self) -> DokosConnector {
        DokosConnector::new(self.settings()).expect("valid settings")
    }

    /// Every document of a DocType, as the sandbox holds it.
    pub async fn docs(&self, doctype: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/docs/{doctype}", self.base());
        let body: Value = self.client.get(url).send().await.expect("docs").json().await.expect("docs json");
        body["data"].as_array().expect("data array").clone()
    }

    pub async fn doc(&self, doctype: &str, name: &str) -> Value {
        self.docs(doctype).await.into_iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("{doctype} {name}"))
    }

    /// Document counts per DocType from `/_sandbox/state`.
    pub async fn count(&self, doctype: &str) -> u64 {
        let url = format!("{}/_sandbox/state", self.base());
        let body: Value = self.client.get(url).send().await.expect("state").json().await.expect("state json");
        body["counts"][doctype].as_u64().unwrap_or(0)
    }

    /// A desk edit (staff saving a document in Dokos).
    pub async fn desk_update(&self, doctype: &str, name: &str, values: Value) -> Value {
        let url = format!("{}/_sandbox/docs/{doctype}/{name}", self.base());
        let response = self.client.put(url).json(&values).send().await.expect("desk update");
        assert!(response.status().is_success(), "desk update: {}", response.status());
        response.json().await.expect("desk json")
    }

    pub async fn set_faults(&self, faults: Value) {
        let url = format!("{}/_sandbox/faults", self.base());
        let response = self.client.put(url).json(&faults).send().await.expect("faults");
        assert!(response.status().is_success(), "faults: {}", response.status());
    }
}

/// Reads a whole stream from `cursor`, page by page: the records, the last cursor and the pages.
pub async fn read_all(
    connector: &DokosConnector,
    stream: &str,
    mut cursor: Option<Cursor>,
) -> (Vec<SourceRecord>, Option<Cursor>, usize) {
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        let page = connector.read(stream, cursor.as_ref()).await.expect("page reads");
        pages += 1;
        assert!(pages < 100, "pagination does not end");
        records.extend(page.records);
        if page.next_cursor.is_some() {
            cursor = page.next_cursor;
        }
        if !page.has_more {
            return (records, cursor, pages);
        }
    }
}

pub fn change(kind: EntityKind, op: ChangeOp, fields: Value, external_id: Option<&str>) -> CanonicalChange {
    CanonicalChange {
        entity_kind: kind,
        entity_id: uuid::Uuid::nil(),
        op,
        fields,
        external_id: external_id.map(str::to_string),
        first_attempt: false,
    }
}

pub fn person(email: &str, given: &str, family: &str, phone: &str) -> Value {
    json!({"given_name": given, "family_name": family, "email": email, "phone": phone, "country": "FR"})
}
