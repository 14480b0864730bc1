//! Shared test helpers: start the sandbox, call it with the demo key, receive webhooks on a local
//! HTTP server (raw bytes + headers kept for independent signature checks), compare JSON shapes.
#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};

pub struct Sandbox {
    pub started: Started,
    pub client: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let started = hub_sandbox_calcom::start(SandboxOptions::default()).await.expect("sandbox starts");
        Sandbox { started, client: reqwest::Client::new() }
    }
    pub fn url(&self, path: &str) -> String {
        self.started.running.url(path)
    }
    pub fn key(&self) -> String {
        self.started.credentials["api_key"].as_str().expect("api_key").to_string()
    }
    pub fn secret(&self) -> String {
        self.started.credentials["webhook_secret"].as_str().expect("webhook_secret").to_string()
    }
    /// An authenticated request with the version header the path wants.
    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let version = if path.starts_with("/v2/bookings") {
            Some("2024-08-13")
        } else if path.starts_with("/v2/event-types") && !path.contains("/webhooks") {
            Some("2024-06-14")
        } else if path.starts_with("/v2/schedules") {
            Some("2024-06-11")
        } else {
            None
        };
        let mut r = self.client.request(method, self.url(path)).bearer_auth(self.key());
        if let Some(v) = version {
            r = r.header("cal-api-version", v);
        }
        r
    }
    /// Sends and returns (status, JSON body).
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self.req(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}")))
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    /// Unauthenticated call to a `/_sandbox` route.
    pub async fn sandbox_post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self.client.post(self.url(path)).json(&body).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json"))
    }
    pub async fn event_type_id(&self, slug: &str) -> u64 {
        let (_, v) = self.get(&format!("/v2/event-types?username=la-fabrique-des-communs&eventSlug={slug}")).await;
        v["data"][0]["id"].as_u64().unwrap_or_else(|| panic!("event type {slug}: {v}"))
    }
    /// Subscribes `url` to `triggers` (optionally with a secret / template); returns the subscription.
    pub async fn subscribe(&self, url: &str, triggers: &[&str], extra: Value) -> Value {
        let mut body = json!({"subscriberUrl": url, "triggers": triggers, "active": true});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let (status, v) = self.post("/v2/webhooks", body).await;
        assert_eq!(status, 201, "{v}");
        v["data"].clone()
    }
}

/// One received delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
}

/// A local webhook receiver.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Delivery>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let app = Router::new()
            .route(
                "/hook",
                post(|State(got): State<Arc<Mutex<Vec<Delivery>>>>, headers: HeaderMap, body: Bytes| async move {
                    got.lock().unwrap().push(Delivery { headers, body });
                    "ok"
                }),
            )
            .with_state(got.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, got, _task: task }
    }
    /// Waits (generously, polling) until at least `n` deliveries arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        for _ in 0..600 {
            {
                let got = self.got.lock().unwrap();
                if got.len() >= n {
                    return got.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} webhook deliveries, got {}", self.got.lock().unwrap().len());
    }
    /// Deliveries whose `triggerEvent` is `trigger`.
    pub fn of(&self, trigger: &str) -> Vec<Delivery> {
        self.got.lock().unwrap().iter().filter(|d| d.json()["triggerEvent"] == trigger).cloned().collect()
    }
}

/// Free-form maps (the booker's answers, metadata): only their being objects is compared.
const FREE_FORM: &[&str] = &["metadata", "bookingFieldsResponses", "customInputs", "userFieldsResponses"];

/// Every key of `example` (recursively; first array element) exists in `ours` with a compatible
/// JSON type (null matches anything). Returns the mismatches, with their paths.
pub fn shape_diff(example: &Value, ours: &Value, path: &str, skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    match (example, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(e), Value::Object(o)) => {
            for (k, ev) in e {
                if skip.contains(&k.as_str()) {
                    continue;
                }
                if FREE_FORM.contains(&k.as_str()) {
                    if !o.get(k).is_some_and(|ov| ov.is_object() || ov.is_null()) {
                        out.push(format!("{path}/{k}: missing or not an object"));
                    }
                    continue;
                }
                match o.get(k) {
                    Some(ov) => out.extend(shape_diff(ev, ov, &format!("{path}/{k}"), skip)),
                    None => out.push(format!("{path}/{k}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(o)) => {
            if let (Some(ev), Some(ov)) = (e.first(), o.first()) {
                out.extend(shape_diff(ev, ov, &format!("{path}/0"), skip));
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (e, o) => out.push(format!("{path}: example {e} vs ours {o}")),
    }
    out
}

/// The examples folder.
pub fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/calcom/examples")
}

/// `hour`:00 Paris time on a Monday `weeks` weeks after the eighth coming Monday (so always in the
/// future and after the seeded bookings), as a UTC ISO string.
pub fn slot(weeks: i64, hour: u32) -> String {
    use chrono::{Datelike, TimeZone};
    let today = chrono::Utc::now().date_naive();
    let monday = today
        + chrono::Duration::days(7 - today.weekday().num_days_from_monday() as i64)
        + chrono::Duration::weeks(weeks + 8);
    let local =
        chrono_tz::Europe::Paris.from_local_datetime(&monday.and_hms_opt(hour, 0, 0).unwrap()).single().unwrap();
    local.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Subscribes `receiver` (secret `secret`) and makes one webhook of each simulated trigger happen:
/// BOOKING_CREATED, _RESCHEDULED, _CANCELLED, _REQUESTED, _REJECTED (API), MEETING_STARTED/_ENDED
/// (triggers). Returns the deliveries, one per trigger.
pub async fn produce_all(sb: &Sandbox, receiver: &Receiver, secret: &str) -> Vec<Delivery> {
    let triggers = [
        "BOOKING_CREATED",
        "BOOKING_RESCHEDULED",
        "BOOKING_CANCELLED",
        "BOOKING_REQUESTED",
        "BOOKING_REJECTED",
        "MEETING_STARTED",
        "MEETING_ENDED",
    ];
    sb.subscribe(&receiver.url, &triggers, json!({"secret": secret})).await;
    let room = sb.event_type_id("salle-hypatia").await;
    let attendee = json!({"name": "Héloïse Dupré", "email": "heloise.dupre@exemple.fr", "timeZone": "Europe/Paris", "language": "fr"});
    let (s, created) = sb.post("/v2/bookings", json!({"start": slot(10, 10), "eventTypeId": room, "attendee": attendee, "guests": ["noel@exemple.fr"], "bookingFieldsResponses": {"notes": "Prévoir le vidéoprojecteur"}})).await;
    assert_eq!(s, 201, "{created}");
    let uid = created["data"]["uid"].as_str().unwrap().to_string();
    let (s, moved) = sb
        .post(
            &format!("/v2/bookings/{uid}/reschedule"),
            json!({"start": slot(11, 10), "reschedulingReason": "Salle indisponible"}),
        )
        .await;
    assert_eq!(s, 201, "{moved}");
    let new_uid = moved["data"]["uid"].as_str().unwrap().to_string();
    let (s, v) = sb.post(&format!("/v2/bookings/{new_uid}/cancel"), json!({"cancellationReason": "Annulé"})).await;
    assert_eq!(s, 200, "{v}");
    let fetes = sb.event_type_id("salle-des-fetes").await;
    let (s, pending) = sb.post("/v2/bookings", json!({"start": slot(12, 15), "eventTypeId": fetes, "attendee": attendee, "bookingFieldsResponses": {"notes": "Repas partagé"}})).await;
    assert_eq!(s, 201, "{pending}");
    let p_uid = pending["data"]["uid"].as_str().unwrap().to_string();
    let (s, v) = sb
        .post(&format!("/v2/bookings/{p_uid}/decline"), json!({"reason": "Salle réservée pour la fête de quartier"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, other) = sb.post("/v2/bookings", json!({"start": slot(13, 10), "eventTypeId": room, "attendee": attendee, "guests": ["noel@exemple.fr"], "bookingFieldsResponses": {"notes": "Réunion du CA"}})).await;
    assert_eq!(s, 201, "{other}");
    let o_uid = other["data"]["uid"].as_str().unwrap().to_string();
    for action in ["meeting-started", "meeting-ended"] {
        let (s, v) = sb.sandbox_post(&format!("/_sandbox/bookings/{o_uid}/{action}"), json!({})).await;
        assert_eq!(s, 200, "{v}");
    }
    // 2 BOOKING_CREATED (first and `other`) + 6.
    receiver.wait_for(8).await;
    triggers.iter().map(|t| receiver.of(t).into_iter().next().unwrap_or_else(|| panic!("no {t}"))).collect()
}
