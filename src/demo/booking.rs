//! The demo's booking step: Google Calendar authorized through the hub's own redirect (as `hub
//! auth google` does), Cal.com's webhook pointed at the hub, a room booked on Cal.com's booking
//! page, then followed: the post in the room's Mattermost channel, the event in the room's Google
//! calendar, the room's ICS feed.

use chrono::Utc;
use hub_sandbox::AllSandboxes;
use serde_json::{Value, json};

use super::scenario::trigger;
use crate::app::{App, RunningApp};

const ROOM: &str = "salle-hypatia";

fn calendar_of(room: &str) -> String {
    format!("c_{room}@group.calendar.google.com")
}

/// Polls `check` for up to 15 s: its first answer.
async fn poll<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < until {
        if let Some(v) = check().await {
            return Some(v);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

async fn get_json(url: String) -> Option<Value> {
    reqwest::Client::new().get(url).send().await.ok()?.json().await.ok()
}

/// Authorizes Google Calendar: the consent URL, followed as a browser would (the sandbox consents
/// at once and redirects to the hub's callback).
async fn consent(built: &App, app: &RunningApp) -> Result<(), String> {
    let redirect = crate::consent::redirect_url(&built.config, "google_main", app.addr);
    let url = crate::consent::begin(&built.store, &built.config, &built.registry, "google_main", &redirect)
        .await
        .map_err(|e| e.to_string())?;
    let page = reqwest::get(url).await.map_err(|e| e.to_string())?;
    if page.status().is_success() { Ok(()) } else { Err(format!("the callback answered {}", page.status())) }
}

/// Cal.com's webhook subscription, the vendor's way.
async fn subscribe(app: &RunningApp, sandboxes: &AllSandboxes) -> Result<(), String> {
    let cal = sandboxes.get("calcom").ok_or("no Cal.com sandbox")?;
    let c = &cal.credentials;
    let body = json!({"subscriberUrl": app.url("/hooks/calcom_main"), "active": true,
        "triggers": ["BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED", "BOOKING_REQUESTED"],
        "secret": c["webhook_secret"]});
    let resp = reqwest::Client::new()
        .post(format!("{}/v2/webhooks", cal.running.base_url.trim_end_matches('/')))
        .bearer_auth(c["api_key"].as_str().unwrap_or_default())
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().is_success() { Ok(()) } else { Err(format!("Cal.com answered {}", resp.status())) }
}

/// The first free slot among a few in the coming days (the seeded month already holds bookings).
async fn book(sandboxes: &AllSandboxes) -> Result<(String, chrono::DateTime<Utc>), String> {
    let mut last = "aucun créneau libre".to_string();
    for day in 2..9 {
        for hour in [7, 12, 15, 17] {
            let start = (Utc::now().date_naive() + chrono::Duration::days(day)).and_hms_opt(hour, 0, 0);
            let Some(start) = start.map(|s| s.and_utc()) else { continue };
            let body = json!({"eventTypeSlug": ROOM, "start": start.to_rfc3339(), "seedPerson": 2});
            match trigger(sandboxes, "calcom", "/_sandbox/bookings", body).await {
                Ok(v) => {
                    return v["data"]["uid"].as_str().map(|u| (u.to_string(), start)).ok_or_else(|| "no uid".into());
                }
                Err(e) => last = e,
            }
        }
    }
    Err(last)
}

/// The booking step; the lines to print.
pub async fn flow(built: &App, app: &RunningApp, sandboxes: &AllSandboxes) -> Vec<String> {
    let mut out = Vec::new();
    match consent(built, app).await {
        Ok(()) => out.push(
            "4. Google Agenda : autorisation donnée via la redirection du hub (jeton de rafraîchissement chiffré en base)"
                .into(),
        ),
        Err(e) => out.push(format!("4. Google Agenda : l'autorisation a échoué ({e})")),
    }
    if let Err(e) = subscribe(app, sandboxes).await {
        out.push(format!("   Cal.com : impossible d'abonner le hub aux webhooks ({e})"));
        return out;
    }
    let (uid, start) = match book(sandboxes).await {
        Ok(booked) => booked,
        Err(e) => {
            out.push(format!("   Cal.com : la réservation simulée a échoué ({e})"));
            return out;
        }
    };
    out.push(format!(
        "   Cal.com : un membre réserve la salle Hypatia {} (réservation {uid}) ; le webhook signé arrive au hub",
        super::scenario::french_datetime(start)
    ));
    let booking = poll(|| async {
        let rows = app.store.list_entities(hub_connector_sdk::EntityKind::Booking, 10_000).await.unwrap_or_default();
        rows.iter().find(|r| r.fields.0["uid"] == uid.as_str()).map(|r| r.id.to_string())
    })
    .await;
    let Some(id) = booking else {
        out.push("   → la réservation n'est pas arrivée dans le magasin canonique en 15 s".into());
        return out;
    };
    out.push(format!("   → relue par l'API Cal.com : réservation canonique {id}"));
    let mm = sandboxes.get("mattermost").map(|s| s.running.base_url.trim_end_matches('/').to_string());
    let post = poll(|| async {
        let state = get_json(format!("{}/_sandbox/state", mm.clone().unwrap_or_default())).await.unwrap_or_default();
        state["posts"].as_array().and_then(|posts| {
            posts.iter().find(|p| p["props"]["hub_entity_id"] == id.as_str() && p["root_id"] == "").cloned()
        })
    })
    .await;
    out.push(match post {
        Some(p) => format!("   → Mattermost, canal {ROOM} : « {} »", p["message"].as_str().unwrap_or_default()),
        None => "   → rien dans Mattermost en 15 s".into(),
    });
    let google = sandboxes.get("google_calendar").map(|s| s.running.base_url.trim_end_matches('/').to_string());
    let event = poll(|| async {
        let url = format!("{}/_sandbox/calendars/{}/events", google.clone().unwrap_or_default(), calendar_of(ROOM));
        let events = get_json(url).await.unwrap_or_default();
        events.as_array().and_then(|all| {
            all.iter()
                .map(|e| e["event"].clone())
                .find(|e| e.pointer("/extendedProperties/private/hub_booking_id") == Some(&json!(id)))
        })
    })
    .await;
    out.push(match event {
        Some(e) => format!(
            "   → Google Agenda « Salle Hypatia » : événement « {} », début {} ({})",
            e["summary"].as_str().unwrap_or_default(),
            e["start"]["dateTime"].as_str().unwrap_or_default(),
            e["start"]["timeZone"].as_str().unwrap_or_default()
        ),
        None => "   → rien dans Google Agenda en 15 s".into(),
    });
    out.push(format!("   → flux ICS de la salle : {}", app.url(&format!("/calendar/{ROOM}.ics"))));
    out
}
