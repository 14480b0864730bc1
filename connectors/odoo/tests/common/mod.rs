//! Shared helpers: start the Odoo sandbox, build connectors on each protocol, inspect the sandbox.
#![allow(dead_code)]

use std::collections::BTreeMap;

use hub_connector_odoo::{OdooConnector, OdooProtocol, OdooSettings};
use hub_connector_sdk::{CanonicalChange, ChangeOp, Connector, Cursor, EntityKind, SourceRecord};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::Value;

pub const PROTOCOLS: [OdooProtocol; 3] = [OdooProtocol::Json2, OdooProtocol::XmlRpc, OdooProtocol::JsonRpc];

pub struct Sandbox {
    pub started: Started,
    pub base: String,
    http: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_odoo::start(SandboxOptions::default()).await.expect("sandbox starts");
        let base = started.running.base_url.trim_end_matches('/').to_string();
        Sandbox { started, base, http: reqwest::Client::new() }
    }

    pub fn settings(&self, protocol: OdooProtocol) -> OdooSettings {
        let c = &self.started.credentials;
        let year = chrono::Utc::now().format("%Y").to_string();
        OdooSettings {
            instance: "odoo-test".into(),
            base_url: self.base.clone(),
            database: c["database"].as_str().unwrap().into(),
            login: c["login"].as_str().unwrap().into(),
            api_key: c["api_key"].as_str().unwrap().into(),
            protocol,
            membership_products: BTreeMap::from([
                ("Individuelle".to_string(), format!("Adhésion individuelle {year}")),
                ("Famille".to_string(), format!("Adhésion famille {year}")),
            ]),
            donation_product: Some("Don".into()),
            page_size: 7,
        }
    }

    pub fn connector(&self, protocol: OdooProtocol) -> OdooConnector {
        OdooConnector::new(self.settings(protocol)).expect("valid settings")
    }

    /// Every row of `model` as the sandbox stores it.
    pub async fn records(&self, model: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/records/{model}", self.base);
        let v: Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
        v.as_array().unwrap().clone()
    }

    pub async fn record(&self, model: &str, id: &str) -> Value {
        let id: i64 = id.parse().unwrap();
        self.records(model).await.into_iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{model} {id}"))
    }

    pub async fn counts(&self) -> Value {
        let v: Value =
            self.http.get(format!("{}/_sandbox/state", self.base)).send().await.unwrap().json().await.unwrap();
        v["counts"].clone()
    }

    pub async fn set_faults(&self, faults: Value) {
        let r = self.http.put(format!("{}/_sandbox/faults", self.base)).json(&faults).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    /// The member pays the invoice (Odoo's "Register Payment" from its UI, simulated).
    pub async fn pay(&self, invoice: i64) -> Value {
        let r = self.http.post(format!("{}/_sandbox/invoices/{invoice}/pay", self.base)).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.json().await.unwrap()
    }
}

/// Reads a stream page by page from `cursor`: the records and the last cursor.
pub async fn read_all(
    connector: &OdooConnector,
    stream: &str,
    cursor: Option<Cursor>,
) -> (Vec<SourceRecord>, Option<Cursor>, usize) {
    let mut cursor = cursor;
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        let page = connector.read(stream, cursor.as_ref()).await.expect("page reads");
        pages += 1;
        assert!(pages < 200, "pagination does not end");
        records.extend(page.records);
        if page.next_cursor.is_some() {
            cursor = page.next_cursor;
        }
        if !page.has_more {
            return (records, cursor, pages);
        }
    }
}

pub fn change(kind: EntityKind, fields: Value, external_id: Option<&str>) -> CanonicalChange {
    CanonicalChange {
        entity_kind: kind,
        entity_id: uuid::Uuid::new_v4(),
        op: ChangeOp::Updated,
        fields,
        external_id: external_id.map(str::to_string),
        first_attempt: false,
    }
}
