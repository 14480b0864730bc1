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

pub(super) async fn wait_for<F, Fut>(mut check: F) -> bool
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

    out.extend(super::helloasso::flow(app, site, sandboxes).await);
    out
}

/// Posts to a sandbox's trigger route; the JSON answer or why not.
pub(super) async fn trigger(
    sandboxes: &AllSandboxes,
    key: &str,
    path: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let base = sandboxes.get(key).map(|s| s.running.base_url.clone()).ok_or("no such sandbox")?;
    let resp =
        reqwest::Client::new().post(format!("{base}{path}")).json(&body).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let json: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
    if status.is_success() { Ok(json) } else { Err(format!("{status}: {json}")) }
}

/// A payment lands on Stripe: created in the tool's sandbox; the line says where it is and that
/// no connector reads it yet.
pub(super) async fn tool_activity(sandboxes: &AllSandboxes) -> Vec<String> {
    let mut out = Vec::new();
    let not_yet = "le hub n'a pas encore ce connecteur : la donnée reste dans l'outil";
    let payment = json!({"amount": 2000, "currency": "eur", "description": "Adhésion annuelle"});
    match trigger(sandboxes, "stripe", "/_sandbox/payments", payment).await {
        Ok(v) => {
            let id =
                ["/payment_intent/id", "/id", "/charge/id"].iter().find_map(|p| v.pointer(p).and_then(|x| x.as_str()));
            out.push(format!("Stripe : paiement {} de 20,00 € ; {not_yet}", id.unwrap_or("?")))
        }
        Err(e) => out.push(format!("Stripe : le paiement simulé a échoué ({e})")),
    }
    out
}

/// `le mardi 1 décembre à 10 h 00` (Europe/Paris).
pub(super) fn french_datetime(at: chrono::DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};

    use crate::programme::french::{month_name, weekday_name};
    let local = at.with_timezone(&chrono_tz::Europe::Paris);
    format!(
        "le {} {} {} à {} h {:02}",
        weekday_name(local.weekday()),
        local.day(),
        month_name(local.month()),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_read_in_french_in_paris_time() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(super::french_datetime(at), "le mardi 1 décembre à 10 h 00");
        let summer = chrono::DateTime::parse_from_rfc3339("2026-07-14T09:30:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(super::french_datetime(summer), "le mardi 14 juillet à 11 h 30");
    }
}
