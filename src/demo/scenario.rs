//! The demo's scenario: what happens, step by step, and where each record went.

use std::time::{Duration, Instant};

use chrono::Utc;
use hub_connector_sdk::{
    EntityKind,
    standard_webhooks::{WebhookSecret, signed_headers},
};
use hub_sandbox::{AllSandboxes, core::seed};
use serde_json::json;

use super::website::Website;
use crate::app::RunningApp;

async fn wait_for<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Posts a member as the place's website form would, signed with the form's secret.
async fn post_member(app: &RunningApp, secret: &str, person: &seed::SeedPerson, phone: &str) -> Result<u16, String> {
    let body = json!({
        "type": "member.updated",
        "timestamp": Utc::now().to_rfc3339(),
        "data": {"id": format!("adh-{}", person.index), "email": person.email, "first_name": person.given_name,
                 "last_name": person.family_name, "phone": phone}
    })
    .to_string();
    let secret = WebhookSecret::parse(secret).map_err(|e| e.to_string())?;
    let id = format!("msg_demo_{}", uuid::Uuid::new_v4().simple());
    let headers = signed_headers(&secret, &id, Utc::now().timestamp(), body.as_bytes());
    let resp = reqwest::Client::new()
        .post(app.url("/hooks/formulaire_adhesion"))
        .headers(headers)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}

/// Plays the scenario; returns the lines to print.
pub async fn play(app: &RunningApp, form_secret: &str, site: &Website, sandboxes: &AllSandboxes) -> Vec<String> {
    let mut out = vec!["Scénario :".to_string()];
    let person = seed::person(0);
    let who = format!("{} {} <{}>", person.given_name, person.family_name, person.email);
    match post_member(app, form_secret, &person, &person.phone).await {
        Ok(202) => {
            out.push(format!("1. Le formulaire d'adhésion du site envoie {who} (webhook signé) → accepté (202)"))
        }
        Ok(status) => out.push(format!("1. Le formulaire d'adhésion a reçu {status} : scénario interrompu")),
        Err(e) => out.push(format!("1. Le hub ne répond pas ({e}) : scénario interrompu")),
    }
    let stored = wait_for(|| async { app.store.count_entities(EntityKind::Person).await.unwrap_or(0) >= 1 }).await;
    let people = app.store.list_entities(EntityKind::Person, 1).await.unwrap_or_default();
    match (stored, people.first()) {
        (true, Some(p)) => {
            let links = app.store.links_of("person", p.id).await.unwrap_or_default();
            let link = links.first().map(|l| format!("{}/{} id {}", l.system, l.instance, l.external_id));
            out.push(format!(
                "   → personne canonique {} ({}), lien externe {}",
                p.id,
                p.fields.0["email"].as_str().unwrap_or("?"),
                link.unwrap_or_else(|| "aucun".into())
            ));
        }
        _ => out.push("   → la personne n'est pas arrivée dans le magasin canonique en 15 s".into()),
    }
    let delivered = wait_for(|| async { site.received().iter().any(|r| r.event_type == "member.created") }).await;
    out.push(if delivered {
        let verified = site.received().iter().all(|r| r.verified);
        format!(
            "   → le site web a reçu member.created (webhook sortant, signature {})",
            if verified { "vérifiée" } else { "REFUSÉE" }
        )
    } else {
        "   → le site web n'a rien reçu en 15 s".into()
    });

    let new_phone = "07 12 34 56 78";
    let _ = post_member(app, form_secret, &person, new_phone).await;
    let updated = wait_for(|| async { site.received().iter().any(|r| r.event_type == "member.updated") }).await;
    out.push(format!(
        "2. {} change de téléphone ({new_phone}) → fiche mise à jour, {}",
        person.given_name,
        if updated { "member.updated livré au site web" } else { "rien livré au site web en 15 s" }
    ));

    out.push("3. Flux des outils (bacs à sable démarrés ; connecteurs à venir) :".into());
    for (key, flow) in [
        ("helloasso", "adhésions et dons HelloAsso → Odoo ou Dokos, annoncés dans Mattermost"),
        ("calcom", "réservations Cal.com → Mattermost, Google Calendar, Snipe-IT, flux ICS"),
        ("stripe", "paiements Stripe → fiches adhérents et factures"),
    ] {
        let base = sandboxes.get(key).map(|s| s.running.base_url.clone()).unwrap_or_default();
        out.push(format!("   - {flow} : pas encore de connecteur dans le hub ; l'API simulée répond sur {base}"));
    }
    out.push("   - programme mensuel depuis un tableur : pas encore construit".into());
    out
}
