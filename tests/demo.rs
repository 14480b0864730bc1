//! `hub demo` and `hub sandbox` as a newcomer runs them: the real binary, no configuration, no
//! account anywhere; the demo plays its scenario and reports where each record went.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

fn hub() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hub"));
    cmd.env_remove("HUB_TEST_DATABASE_URL").env("HUB_LOG", "warn").kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn the_demo_plays_its_scenario_end_to_end() {
    let dir = std::env::temp_dir().join(format!("hub_demo_{}", uuid::Uuid::new_v4().simple()));
    for _ in 0..2 {
        // Twice on the same folder: each run starts from an empty database and reads the same.
        let out = hub()
            .args(["demo", "--once", "--bind", "127.0.0.1:0", "--data-dir", dir.to_str().unwrap()])
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        for expected in [
            "accepté (202)",
            "personne canonique",
            "lien externe webhook/formulaire_adhesion",
            "le site web a reçu member.created (webhook sortant, signature vérifiée)",
            "member.updated livré au site web",
            "paie son adhésion → commande",
            "relue par l'API HelloAsso",
            "adhésion « ",
            "le site web a reçu membership.created et payment.succeeded",
            "Odoo : le contact (retrouvé par e-mail, pas dupliqué) a une ligne d'adhésion payée",
            "Dokos : client et contact, avec son abonnement",
            "Mattermost, canal adhesions : « Nouvelle adhésion : ",
            "→ 3 événement(s) créé(s)",
            "tâche(s) selon le type de chaque événement",
            "annoncés dans Mattermost, canal programme",
            "Google Agenda : autorisation donnée via la redirection du hub",
            "Cal.com : un membre réserve la salle Hypatia",
            "→ relue par l'API Cal.com : réservation canonique",
            "Mattermost, canal salle-hypatia : « Nouvelle réservation — Salle Hypatia : ",
            "→ Google Agenda « Salle Hypatia » : événement « ",
            "/calendar/salle-hypatia.ics",
            "Stripe : paiement pi_",
        ] {
            assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
        }
        for key in hub_sandbox::KEYS {
            assert!(stdout.contains(key), "sandbox {key} not listed:\n{stdout}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn hub_sandbox_json_prints_every_tool_with_a_base_url_that_answers() {
    let mut child = hub().args(["sandbox", "--json"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await.unwrap().unwrap().unwrap();
    let all: serde_json::Value = serde_json::from_str(&first).unwrap();
    let client = reqwest::Client::new();
    let expected: [(&str, &[&str]); 8] = [
        ("calcom", &["api_key", "webhook_secret"]),
        ("odoo", &["database", "login", "api_key"]),
        ("dokos", &["api_key", "api_secret"]),
        ("snipeit", &["token"]),
        ("mattermost", &["token"]),
        ("helloasso", &["client_id", "client_secret", "organization_slug"]),
        ("stripe", &["api_key", "webhook_secret"]),
        ("google_calendar", &["client_id", "client_secret", "token_url", "auth_url", "refresh_token", "calendar_id"]),
    ];
    for (key, credentials) in expected {
        for c in credentials {
            assert!(all[key][c].as_str().is_some_and(|v| !v.is_empty()), "{key}.{c} missing: {all}");
        }
    }
    for key in hub_sandbox::KEYS {
        let base = all[key]["base_url"].as_str().unwrap_or_else(|| panic!("{key} has no base_url: {all}"));
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let faults: serde_json::Value =
            client.get(format!("{base}/_sandbox/faults")).send().await.unwrap().json().await.unwrap();
        assert_eq!(faults["error_rate"], 0.0, "{key}");
    }
    child.kill().await.unwrap();
}
