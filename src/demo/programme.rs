//! The demo's programme step: the month's spreadsheet (a CSV in the demo folder) becomes events
//! with their tasks, announced in Mattermost's `programme` channel, and the public pages and feeds.

use hub_connector_sdk::EntityKind;
use hub_sandbox::AllSandboxes;

use super::scenario::wait_for;
use crate::{app::App, flows::sync::sync_stream, programme::Month};

/// The header and three rows of next month's programme (French headers, as organisers write them).
pub fn sheet(month: Month) -> String {
    let day = |d: u32| format!("{d:02}/{:02}/{}", month.month, month.year);
    format!(
        "Date;Début;Fin;Titre;Type;Lieu;Animateur·rice;Jauge;Description\n\
         {};18h30;20h;Réunion mensuelle du collectif;Réunion;Grande salle;Camille;25;Ordre du jour : le budget\n\
         {};14h;17h;Atelier réparation de vélos;Atelier;Fablab;Sam;8;Venez avec votre vélo\n\
         {};9h30;17h;Chantier participatif du jardin;Chantier participatif;Jardin;Lou;;Apportez des gants\n",
        day(3),
        day(12),
        day(19)
    )
}

/// The month the demo's sheet plans (next month, Paris time).
pub fn month() -> Month {
    Month::of(chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive()).next()
}

/// Syncs the sheet and says where its rows went.
pub async fn flow(app: &App, base_url: &str, sandboxes: &AllSandboxes) -> Vec<String> {
    let mut out = Vec::new();
    let month = month();
    match sync_stream(&app.flows(), "planning", "events", false, usize::MAX, &mut |_| {}).await {
        Ok(r) => out.push(format!(
            "5. Le tableur du programme de {:02}/{} (programme.csv, une ligne par événement) → {} événement(s) créé(s)",
            month.month, month.year, r.created
        )),
        Err(e) => {
            out.push(format!("5. Le tableur du programme n'a pas pu être lu : {}", e.message));
            return out;
        }
    }
    let tasks = wait_for(|| async { app.store.count_entities(EntityKind::Task).await.unwrap_or(0) >= 3 }).await;
    let n = app.store.count_entities(EntityKind::Task).await.unwrap_or(0);
    out.push(if tasks {
        format!("   → {n} tâche(s) selon le type de chaque événement (mappings/programme-kinds.toml : animer, participer, bénévoles…)")
    } else {
        "   → aucune tâche en 15 s (voir `hub targets pushes programme`)".into()
    });
    let announced = wait_for(|| async {
        let Some(mm) = sandboxes.get("mattermost") else { return false };
        let url = format!("{}/_sandbox/state", mm.running.base_url.trim_end_matches('/'));
        let Ok(resp) = reqwest::get(url).await else { return false };
        let state: serde_json::Value = resp.json().await.unwrap_or_default();
        let channel = state["channels"].as_array().into_iter().flatten().find(|c| c["channel"]["name"] == "programme");
        let id = channel.map(|c| c["channel"]["id"].clone()).unwrap_or_default();
        state["posts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["channel_id"] == id && p["props"]["hub_entity_id"].is_string())
            .count()
            >= 3
    })
    .await;
    out.push(if announced {
        "   → annoncés dans Mattermost, canal programme (un fil par événement)".into()
    } else {
        "   → pas d'annonce Mattermost en 15 s (voir `hub targets pushes equipe`)".into()
    });
    let m = format!("{}-{:02}", month.year, month.month);
    out.push(format!(
        "   → {base_url}/programme/{m} (imprimable), .pdf, .ics, .json, /newsletter ; inscriptions : POST {base_url}/programme/events/{{id}}/registrations"
    ));
    out
}
