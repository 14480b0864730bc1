//! The demo's HelloAsso step: the hub's notification URL registered as a partner does it, a
//! membership paid on HelloAsso, followed through notification, read-back, canonical records and
//! the outbound webhooks to the website.

use hub_connector_sdk::EntityKind;
use hub_sandbox::{AllSandboxes, core::seed};
use serde_json::json;

use super::{
    scenario::{trigger, wait_for},
    website::Website,
};
use crate::app::RunningApp;

/// Registers the hub's notification URL at HelloAsso (as a partner does), has someone pay a
/// membership there, and follows it: notification, read-back, canonical records, website.
pub async fn flow(app: &RunningApp, site: &Website, sandboxes: &AllSandboxes) -> Vec<String> {
    let mut out = Vec::new();
    let Some(ha) = sandboxes.get("helloasso") else { return out };
    let c = &ha.credentials;
    let client = reqwest::Client::new();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", c["client_id"].as_str().unwrap_or_default()),
        ("client_secret", c["client_secret"].as_str().unwrap_or_default()),
    ];
    let token = match client.post(format!("{}/oauth2/token", ha.running.base_url)).form(&form).send().await {
        Ok(r) => r.json::<serde_json::Value>().await.ok().and_then(|v| v["access_token"].as_str().map(str::to_string)),
        Err(_) => None,
    };
    let registered = match token {
        Some(t) => client
            .put(format!("{}/v5/partners/me/api-notifications", ha.running.base_url))
            .bearer_auth(t)
            .json(&json!({"url": app.url("/hooks/helloasso_main")}))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success()),
        None => false,
    };
    if !registered {
        out.push("3. HelloAsso : impossible d'enregistrer l'URL de notification du hub".into());
        return out;
    }
    let payer = seed::person(1);
    let fields = json!({"Date de naissance": "14/07/1989", "Commune": payer.city});
    let paid = match trigger(
        sandboxes,
        "helloasso",
        "/_sandbox/payments",
        json!({"formType": "Membership", "person": 1, "customFields": fields}),
    )
    .await
    {
        Ok(v) => v,
        Err(e) => {
            out.push(format!("3. HelloAsso : le paiement simulé a échoué ({e})"));
            return out;
        }
    };
    out.push(format!(
        "3. Sur HelloAsso, {} {} paie son adhésion → commande {} ({} €), notification signée envoyée au hub",
        payer.given_name,
        payer.family_name,
        paid["order"]["id"],
        paid["payment"]["amount"].as_f64().unwrap_or(0.0) / 100.0
    ));
    let email = payer.email.clone();
    let arrived = wait_for(|| async {
        let memberships = app.store.list_entities(EntityKind::Membership, 100).await.unwrap_or_default();
        memberships.iter().any(|m| m.fields.0["person_email"] == email.as_str())
    })
    .await;
    if !arrived {
        out.push("   → rien n'est arrivé dans le hub en 15 s".into());
        return out;
    }
    let people = app.store.list_entities(EntityKind::Person, 1000).await.unwrap_or_default();
    let person = people.iter().find(|p| p.fields.0["email"] == email.as_str());
    let memberships = app.store.list_entities(EntityKind::Membership, 100).await.unwrap_or_default();
    let membership = memberships.iter().find(|m| m.fields.0["person_email"] == email.as_str());
    out.push(format!(
        "   → relue par l'API HelloAsso (la notification n'est qu'un signal) : personne canonique {} ({}, née le {}), adhésion « {} » {}",
        person.map(|p| p.id.to_string()).unwrap_or_else(|| "?".into()),
        person.and_then(|p| p.fields.0["city"].as_str().map(str::to_string)).unwrap_or_default(),
        person
            .and_then(|p| p.fields.0["birth_date"].as_str().map(str::to_string))
            .map(|d| d.split('-').rev().collect::<Vec<_>>().join("/"))
            .unwrap_or_default(),
        membership.and_then(|m| m.fields.0["plan"].as_str().map(str::to_string)).unwrap_or_default(),
        membership.and_then(|m| m.fields.0["status"].as_str().map(str::to_string)).unwrap_or_default(),
    ));
    let told = wait_for(|| async { site.received().iter().any(|r| r.event_type == "payment.succeeded") }).await;
    out.push(format!(
        "   → {}",
        if told { "le site web a reçu membership.created et payment.succeeded" } else { "le site web n'a rien reçu" }
    ));
    out.extend(downstream(sandboxes, &email).await);
    out
}

async fn inspect(sandboxes: &AllSandboxes, tool: &str, path: &str) -> serde_json::Value {
    let Some(s) = sandboxes.get(tool) else { return serde_json::Value::Null };
    let url = format!("{}{path}", s.running.base_url.trim_end_matches('/'));
    match reqwest::get(url).await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

/// Where the membership went: Odoo (partner + paid line), Dokos (subscription), Mattermost (post).
async fn downstream(sandboxes: &AllSandboxes, email: &str) -> Vec<String> {
    let mut out = Vec::new();
    let odoo_line = wait_for(|| async {
        let partners = inspect(sandboxes, "odoo", "/_sandbox/records/res.partner").await;
        let Some(partner) = partners.as_array().into_iter().flatten().find(|p| p["email"] == email) else {
            return false;
        };
        let lines = inspect(sandboxes, "odoo", "/_sandbox/records/membership.membership_line").await;
        lines.as_array().into_iter().flatten().any(|l| l["partner"][0] == partner["id"] && l["state"] == "paid")
    })
    .await;
    out.push(if odoo_line {
        "   → Odoo : le contact (retrouvé par e-mail, pas dupliqué) a une ligne d'adhésion payée, facture comprise — Odoo le montre membre".into()
    } else {
        "   → Odoo : rien en 15 s (voir `hub targets pushes odoo_main`)".into()
    });
    let dokos = wait_for(|| async {
        let contacts = inspect(sandboxes, "dokos", "/_sandbox/docs/Contact").await;
        let Some(contact) = contacts["data"].as_array().into_iter().flatten().find(|c| c["email_id"] == email) else {
            return false;
        };
        let customers = inspect(sandboxes, "dokos", "/_sandbox/docs/Customer").await;
        let Some(customer) = customers["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["customer_primary_contact"] == contact["name"])
        else {
            return false;
        };
        let subs = inspect(sandboxes, "dokos", "/_sandbox/docs/Subscription").await;
        subs["data"].as_array().into_iter().flatten().any(|s| s["customer"] == customer["name"])
    })
    .await;
    out.push(if dokos {
        "   → Dokos : client et contact, avec son abonnement (Subscription) d'adhésion".into()
    } else {
        "   → Dokos : rien en 15 s (voir `hub targets pushes dokos_main`)".into()
    });
    let announcement = || async {
        let state = inspect(sandboxes, "mattermost", "/_sandbox/state").await;
        let channel = state["channels"].as_array().into_iter().flatten().find(|c| c["channel"]["name"] == "adhesions");
        let id = channel.map(|c| c["channel"]["id"].clone()).unwrap_or_default();
        state["posts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["channel_id"] == id && p["root_id"] == "" && p["props"]["hub_entity_id"].is_string())
            .and_then(|p| p["message"].as_str().map(str::to_string))
    };
    wait_for(|| async { announcement().await.is_some() }).await;
    let post = announcement().await;
    out.push(match post {
        Some(text) => format!("   → Mattermost, canal adhesions : « {text} »"),
        None => "   → Mattermost : aucune annonce en 15 s (voir `hub targets pushes equipe`)".into(),
    });
    out
}
