//! Registrations to programme events and their tasks: the sheet's Jauge as the limit, a clear 409
//! when full, the waiting list (202 with the position) that moves up on cancellation, tasks with
//! their own places, counts in the JSON feed, `registration.*` changes in the outbox, and no
//! overbooking when many people register at once. Runs on SQLite, and on PostgreSQL with
//! HUB_TEST_DATABASE_URL.

mod common;

use common::programme::{HEADER, Programme};
use serde_json::{Value, json};

async fn post(p: &Programme, event: &str, body: Value) -> (u16, Value) {
    let url = p.hub.url(&format!("/programme/events/{event}/registrations"));
    let resp = p.client.post(url).json(&body).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

async fn cancel(p: &Programme, id: &Value, token: &str) -> (u16, Value) {
    let url = p.hub.url(&format!("/programme/registrations/{}?token={token}", id.as_str().unwrap()));
    let resp = p.client.delete(url).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

fn person(n: usize) -> Value {
    json!({"name": format!("Personne {n}"), "email": format!("personne{n}@example.org")})
}

async fn started() -> Programme {
    let p = Programme::start("programme.csv", b"").await;
    let sheet = format!(
        "{HEADER}\n{};18h;20h;Réunion du collectif;Réunion;Grande salle;Camille;2;\n{};9h;17h;Grand chantier;Chantier participatif;Cour;Sam;5;\n",
        p.date(4),
        p.date(11)
    );
    p.write(sheet.as_bytes());
    p.sync().await.unwrap();
    for title in ["Réunion du collectif", "Grand chantier"] {
        let id = p.event(title).await.unwrap().id;
        common::eventually("the tasks", || async { p.task_slugs(id).await.len() == 3 }).await;
    }
    p
}

fn counts(json: &Value, title: &str, task: Option<&str>) -> (i64, i64, Value) {
    let e = json["events"].as_array().unwrap().iter().find(|e| e["title"] == title).unwrap();
    let r = match task {
        None => &e["registrations"],
        Some(slug) => &e["tasks"].as_array().unwrap().iter().find(|t| t["slug"] == slug).unwrap()["registrations"],
    };
    (r["confirmed"].as_i64().unwrap(), r["waitlisted"].as_i64().unwrap(), r["remaining"].clone())
}

#[tokio::test]
async fn capacity_waiting_list_tasks_and_cancellation() {
    let p = started().await;
    let meeting = p.event("Réunion du collectif").await.unwrap().id.to_string();
    let (s1, first) = post(&p, &meeting, person(1)).await;
    assert_eq!((s1, first["status"].as_str()), (201, Some("confirmed")), "{first}");
    assert!(first["cancel_url"].as_str().unwrap().starts_with("https://hub.example.org/programme/registrations/"));
    assert_eq!(post(&p, &meeting, person(2)).await.0, 201);
    let (s3, full) = post(&p, &meeting, person(3)).await;
    assert_eq!((s3, full["code"].as_str()), (409, Some("full")), "{full}");
    assert!(full["detail"].as_str().unwrap().contains("complet"), "{full}");
    let (s3, third) =
        post(&p, &meeting, json!({"name": "Personne 3", "email": "personne3@example.org", "waitlist": true})).await;
    assert_eq!(
        (s3, third["status"].as_str(), third["position"].as_i64()),
        (202, Some("waitlisted"), Some(1)),
        "{third}"
    );
    let (_, fourth) = post(&p, &meeting, json!({"name": "P4", "email": "p4@example.org", "waitlist": true})).await;
    assert_eq!(fourth["position"], 2);
    let (dup, again) = post(&p, &meeting, json!({"name": "Personne 1", "email": " Personne1@Example.org "})).await;
    assert_eq!((dup, again["code"].as_str()), (409, Some("already_registered")), "{again}");

    // Tasks: own places are a pool of their own; "participer" shares the Jauge.
    assert_eq!(post(&p, &meeting, json!({"name": "Anim", "email": "anim@example.org", "task": "animer"})).await.0, 201);
    let (s, busy) = post(&p, &meeting, json!({"name": "Anim 2", "email": "anim2@example.org", "task": "animer"})).await;
    assert_eq!((s, busy["code"].as_str()), (409, Some("full")), "{busy}");
    let (s, shared) =
        post(&p, &meeting, json!({"name": "Part", "email": "part@example.org", "task": "participer"})).await;
    assert_eq!((s, shared["code"].as_str()), (409, Some("full")), "participer counts against the Jauge: {shared}");
    let (s, unknown) = post(&p, &meeting, json!({"name": "X", "email": "x@example.org", "task": "jongler"})).await;
    assert_eq!((s, unknown["code"].as_str()), (400, Some("bad_request")), "{unknown}");
    assert!(unknown["detail"].as_str().unwrap().contains("animer"), "names the tasks: {unknown}");

    // Bad input and unknown events.
    assert_eq!(post(&p, &meeting, json!({"name": "X", "email": "pas-une-adresse"})).await.0, 400);
    let url = p.hub.url(&format!("/programme/events/{meeting}/registrations"));
    let resp = p.client.post(url).body("{not json").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "bad_request");
    assert_eq!(post(&p, &uuid::Uuid::now_v7().to_string(), person(9)).await.0, 404);

    let (_, json) = p.get_json(&format!("/programme/{}.json", p.month)).await;
    assert_eq!(counts(&json, "Réunion du collectif", None), (2, 2, json!(0)));
    assert_eq!(counts(&json, "Réunion du collectif", Some("animer")), (1, 0, json!(0)));

    // Cancelling: a wrong token is refused; the right one frees the place for the first waiting.
    let id = &first["id"];
    assert_eq!(cancel(&p, id, "mauvais-jeton").await.0, 403);
    let (s, done) = cancel(&p, id, first["cancel_token"].as_str().unwrap()).await;
    assert_eq!((s, &done["promoted"]), (200, &third["id"]), "{done}");
    let (s, again) = cancel(&p, id, first["cancel_token"].as_str().unwrap()).await;
    assert_eq!((s, again["already"].as_bool()), (200, Some(true)));
    let (_, json) = p.get_json(&format!("/programme/{}.json", p.month)).await;
    assert_eq!(counts(&json, "Réunion du collectif", None), (2, 1, json!(0)));

    // Registrations are canonical changes: outbound webhooks see them.
    let outbox = p.hub.store().outbox_after(0, 10_000).await.unwrap();
    let types: Vec<&str> =
        outbox.iter().filter(|o| o.entity_kind == "registration").map(|o| o.event_type.as_str()).collect();
    assert_eq!(types.iter().filter(|t| **t == "registration.created").count(), 5, "{types:?}");
    assert!(types.contains(&"registration.cancelled") && types.contains(&"registration.updated"), "{types:?}");
    let payloads = outbox.iter().map(|o| o.payload.0.to_string()).collect::<String>();
    assert!(!payloads.contains(first["cancel_token"].as_str().unwrap()), "the token itself is never stored");
    p.shutdown().await;
}

#[tokio::test]
async fn many_people_at_once_never_overbook() {
    let p = started().await;
    let site = p.event("Grand chantier").await.unwrap().id.to_string();
    let attempts = (0..24).map(|n| post(&p, &site, person(100 + n)));
    let results = futures::future::join_all(attempts).await;
    let confirmed = results.iter().filter(|(s, _)| *s == 201).count();
    let refused = results.iter().filter(|(s, b)| *s == 409 && b["code"] == "full").count();
    assert_eq!((confirmed, refused), (5, 19), "{results:?}");
    let volunteers = (0..12)
        .map(|n| post(&p, &site, json!({"name": "B", "email": format!("b{n}@example.org"), "task": "benevole"})));
    let results = futures::future::join_all(volunteers).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 8, "the task's 8 places: {results:?}");
    let (_, json) = p.get_json(&format!("/programme/{}.json", p.month)).await;
    assert_eq!(counts(&json, "Grand chantier", None), (5, 0, json!(0)));
    assert_eq!(counts(&json, "Grand chantier", Some("benevole")), (8, 0, json!(0)));
    p.shutdown().await;
}
