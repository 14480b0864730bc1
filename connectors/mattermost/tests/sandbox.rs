//! The connector against the Mattermost sandbox over real HTTP.

use std::time::Duration;

use hub_connector_mattermost::{MattermostConnector, MattermostSettings, Route, default_routes};
use hub_connector_sdk::{CanonicalChange, ChangeOp, Connector, ConnectorError, EntityKind};
use hub_sandbox_core::{SandboxOptions, Started};
use serde_json::{Value, json};
use uuid::Uuid;

async fn sandbox() -> Started {
    hub_sandbox_mattermost::start(SandboxOptions::default()).await.expect("sandbox starts")
}

fn base(started: &Started) -> String {
    started.running.base_url.trim_end_matches('/').to_string()
}

fn settings(started: &Started) -> MattermostSettings {
    let c = &started.credentials;
    MattermostSettings::new(
        "mm",
        c["base_url"].as_str().unwrap(),
        c["token"].as_str().unwrap(),
        c["team"].as_str().unwrap(),
    )
}

fn connector(started: &Started) -> MattermostConnector {
    MattermostConnector::new(settings(started)).expect("valid settings")
}

async fn state(started: &Started) -> Value {
    reqwest::get(format!("{}/_sandbox/state", base(started))).await.unwrap().json().await.unwrap()
}

async fn set_faults(started: &Started, faults: Value) {
    let r =
        reqwest::Client::new().put(format!("{}/_sandbox/faults", base(started))).json(&faults).send().await.unwrap();
    assert!(r.status().is_success(), "faults accepted: {}", r.status());
}

/// The live posts of channel `name`, oldest first.
fn posts_in(state: &Value, name: &str) -> Vec<Value> {
    let channel = state["channels"].as_array().unwrap().iter().find(|c| c["channel"]["name"] == name);
    let id = channel.unwrap_or_else(|| panic!("channel {name}"))["channel"]["id"].clone();
    state["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["channel_id"] == id && p["delete_at"] == 0)
        .cloned()
        .collect()
}

fn for_entity(posts: &[Value], entity: Uuid) -> Vec<Value> {
    posts.iter().filter(|p| p["props"]["hub_entity_id"] == entity.to_string()).cloned().collect()
}

fn roots(posts: &[Value]) -> Vec<Value> {
    posts.iter().filter(|p| p["root_id"] == "").cloned().collect()
}

fn change(kind: EntityKind, id: Uuid, op: ChangeOp, fields: Value, external_id: Option<&str>) -> CanonicalChange {
    CanonicalChange {
        entity_kind: kind,
        entity_id: id,
        op,
        fields,
        external_id: external_id.map(str::to_string),
        first_attempt: false,
    }
}

fn membership(plan: &str) -> Value {
    json!({"given_name": "Awa", "family_name": "Diallo", "plan": plan, "status": "active",
        "period_start": "2026-12-01", "period_end": "2027-11-30", "amount": 2500, "person_email": "awa@exemple.fr"})
}

#[tokio::test]
async fn check_accepts_the_bot_and_refuses_a_wrong_token() {
    let started = sandbox().await;
    let report = connector(&started).check().await.expect("check passes");
    assert!(report.ok, "{report:?}");
    let mut wrong = settings(&started);
    wrong.token = "not-the-token".into();
    let err = MattermostConnector::new(wrong).unwrap().check().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    let mut team = settings(&started);
    team.team = "pas-une-equipe".into();
    let err = MattermostConnector::new(team).unwrap().check().await.unwrap_err();
    assert_eq!(err, ConnectorError::Invalid("team `pas-une-equipe` not found".into()));
}

#[tokio::test]
async fn a_created_membership_is_one_post_in_adhesions_even_when_retried() {
    let started = sandbox().await;
    let mm = connector(&started);
    let before = posts_in(&state(&started).await, "adhesions").len();
    let id = Uuid::new_v4();
    let created = change(EntityKind::Membership, id, ChangeOp::Created, membership("solidaire"), None);
    let out = mm.write(&created).await.expect("posted");
    assert!(out.remote_updated_at.is_some());
    let posts = posts_in(&state(&started).await, "adhesions");
    assert_eq!(posts.len(), before + 1);
    let mine = for_entity(&posts, id);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], out.external_id);
    assert_eq!(mine[0]["root_id"], "");
    assert_eq!(
        mine[0]["message"],
        "Nouvelle adhésion : Awa Diallo — solidaire, à partir du mardi 1 décembre 2026 (25,00 €, active)"
    );
    // A retry after a crash (no external id stored) and a replay with the id: still one post.
    assert_eq!(mm.write(&created).await.unwrap().external_id, out.external_id);
    let replay = change(EntityKind::Membership, id, ChangeOp::Created, membership("solidaire"), Some(&out.external_id));
    assert_eq!(mm.write(&replay).await.unwrap().external_id, out.external_id);
    let posts = posts_in(&state(&started).await, "adhesions");
    assert_eq!(posts.len(), before + 1);
    // Another entity gets its own post.
    let other = change(EntityKind::Membership, Uuid::new_v4(), ChangeOp::Created, membership("découverte"), None);
    assert_ne!(mm.write(&other).await.unwrap().external_id, out.external_id);
    assert_eq!(posts_in(&state(&started).await, "adhesions").len(), before + 2);
}

#[tokio::test]
async fn an_update_replies_in_the_thread_and_edits_the_root() {
    let started = sandbox().await;
    let mm = connector(&started);
    let id = Uuid::new_v4();
    let root = mm.write(&change(EntityKind::Membership, id, ChangeOp::Created, membership("solidaire"), None)).await;
    let root = root.unwrap().external_id;
    let updated = change(EntityKind::Membership, id, ChangeOp::Updated, membership("bienfaiteur"), Some(&root));
    let out = mm.write(&updated).await.expect("updated");
    assert_eq!(out.external_id, root);
    let posts = for_entity(&posts_in(&state(&started).await, "adhesions"), id);
    let tops = roots(&posts);
    assert_eq!(tops.len(), 1, "still one top-level post");
    assert_eq!(tops[0]["id"], root);
    assert!(tops[0]["message"].as_str().unwrap().contains("— bienfaiteur,"), "{}", tops[0]["message"]);
    assert!(tops[0]["edit_at"].as_i64().unwrap() > 0);
    let replies: Vec<&Value> = posts.iter().filter(|p| p["root_id"] == root).collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(
        replies[0]["message"],
        "Adhésion mise à jour : Awa Diallo — bienfaiteur\n• formule : solidaire → bienfaiteur"
    );
    // The same update again (a retry): nothing new.
    mm.write(&updated).await.unwrap();
    let again = for_entity(&posts_in(&state(&started).await, "adhesions"), id);
    assert_eq!(again.len(), 2);
    // Back to the first plan: a second reply.
    let back = change(EntityKind::Membership, id, ChangeOp::Updated, membership("solidaire"), Some(&root));
    mm.write(&back).await.unwrap();
    let posts = for_entity(&posts_in(&state(&started).await, "adhesions"), id);
    assert_eq!(posts.iter().filter(|p| p["root_id"] == root).count(), 2);
    assert_eq!(roots(&posts).len(), 1);
    // An update whose link was lost finds the root by its marker.
    let lost = change(EntityKind::Membership, id, ChangeOp::Updated, membership("bienfaiteur"), None);
    assert_eq!(mm.write(&lost).await.unwrap().external_id, root);
    let posts = for_entity(&posts_in(&state(&started).await, "adhesions"), id);
    assert_eq!((roots(&posts).len(), posts.len()), (1, 4));
}

#[tokio::test]
async fn a_root_deleted_in_mattermost_is_posted_again() {
    let started = sandbox().await;
    let mm = connector(&started);
    let id = Uuid::new_v4();
    let first = mm.write(&change(EntityKind::Membership, id, ChangeOp::Created, membership("solidaire"), None)).await;
    let first = first.unwrap().external_id;
    let token = started.credentials["token"].as_str().unwrap();
    let deleted = reqwest::Client::new()
        .delete(format!("{}/api/v4/posts/{first}", base(&started)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let updated = change(EntityKind::Membership, id, ChangeOp::Updated, membership("bienfaiteur"), Some(&first));
    let second = mm.write(&updated).await.unwrap().external_id;
    assert_ne!(second, first);
    let posts = for_entity(&posts_in(&state(&started).await, "adhesions"), id);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["id"], second);
    assert!(posts[0]["message"].as_str().unwrap().contains("— bienfaiteur,"));
}

#[tokio::test]
async fn a_cancelled_booking_replies_and_strikes_the_root_in_its_room_channel() {
    // A booking to come (one already over is history: not announced), on a Saturday before the
    // October change, as in 2026.
    let started = sandbox().await;
    let mm = connector(&started);
    let id = Uuid::new_v4();
    let fields = json!({"resource": "salle-hypatia", "resource_channel": "salle-hypatia",
        "resource_name": "Salle Hypatia", "booker_name": "Camille Martin", "title": "Réunion du CA",
        "status": "confirmed", "starts_at": "2037-10-24T16:00:00Z", "ends_at": "2037-10-24T18:00:00Z"});
    let root = mm.write(&change(EntityKind::Booking, id, ChangeOp::Created, fields, None)).await.unwrap();
    let root = root.external_id;
    let posts = for_entity(&posts_in(&state(&started).await, "salle-hypatia"), id);
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0]["message"],
        "Nouvelle réservation — Salle Hypatia : Camille Martin, du samedi 24 octobre 2037 à 18 h 00 au samedi \
         24 octobre 2037 à 20 h 00 (confirmée)"
    );
    let deleted = change(EntityKind::Booking, id, ChangeOp::Deleted, json!({}), Some(&root));
    assert_eq!(mm.write(&deleted).await.unwrap().external_id, root);
    let posts = for_entity(&posts_in(&state(&started).await, "salle-hypatia"), id);
    let tops = roots(&posts);
    assert_eq!(tops.len(), 1);
    let text = tops[0]["message"].as_str().unwrap();
    assert!(text.starts_with("Annulé : ~~Nouvelle réservation — Salle Hypatia : Camille Martin"), "{text}");
    assert!(text.ends_with("~~"), "{text}");
    let replies: Vec<&Value> = posts.iter().filter(|p| p["root_id"] == root).collect();
    assert_eq!(replies.len(), 1);
    assert!(replies[0]["message"].as_str().unwrap().starts_with("Annulé : Nouvelle réservation"));
    // Retried: no second reply.
    mm.write(&deleted).await.unwrap();
    assert_eq!(for_entity(&posts_in(&state(&started).await, "salle-hypatia"), id).len(), 2);
}

#[tokio::test]
async fn unknown_channels_and_unrouted_entities_are_refused_clearly() {
    let started = sandbox().await;
    let mut s = settings(&started);
    s.routes = vec![Route {
        entity: EntityKind::Event,
        channel: "nulle-part".into(),
        template: "{title}".into(),
        update_template: None,
        only_when: Default::default(),
        news: None,
    }];
    let mm = MattermostConnector::new(s).unwrap();
    let event = change(EntityKind::Event, Uuid::new_v4(), ChangeOp::Created, json!({"title": "Repair café"}), None);
    let err = mm.write(&event).await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Invalid(
            "channel `nulle-part` not found in team `tiers-lieu` (create it or fix the route)".into()
        )
    );
    let asset = change(EntityKind::Asset, Uuid::new_v4(), ChangeOp::Created, json!({}), None);
    let err = mm.write(&asset).await.unwrap_err();
    assert_eq!(err, ConnectorError::Unsupported("no Mattermost route for entity `asset`".into()));
    // A booking without its resource cannot pick a channel.
    let booking = change(EntityKind::Booking, Uuid::new_v4(), ChangeOp::Created, json!({"title": "x"}), None);
    let err = connector(&started).write(&booking).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Invalid(d) if d.contains("{resource_channel}")), "{err:?}");
    assert!(connector(&started).streams().is_empty());
    assert!(matches!(connector(&started).read("posts", None).await, Err(ConnectorError::Unsupported(_))));
}

#[tokio::test]
async fn faults_are_classified_then_things_go_back_to_normal() {
    let started = sandbox().await;
    let mm = connector(&started);
    let event = json!({"title": "Repair café", "starts_at": "2026-12-05T13:00:00Z", "place": "Atelier bois"});
    let created = change(EntityKind::Event, Uuid::new_v4(), ChangeOp::Created, event, None);
    set_faults(&started, json!({"rate_limit_rate": 1.0, "retry_after_secs": 7})).await;
    let err = mm.write(&created).await.unwrap_err();
    assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    set_faults(&started, json!({"error_rate": 1.0})).await;
    let err = mm.check().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err:?}");
    assert!(err.is_retryable());
    set_faults(&started, json!({})).await;
    let out = mm.write(&created).await.expect("normal again");
    let posts = for_entity(&posts_in(&state(&started).await, "programme"), created.entity_id);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["id"], out.external_id);
    assert_eq!(posts[0]["message"], "Nouvel événement : Repair café — samedi 5 décembre 2026 à 14 h 00, Atelier bois");
}

#[test]
fn settings_name_their_problem_and_hide_the_token() {
    let mut s = MattermostSettings::new("mm", "http://127.0.0.1:1", "s3cr3t-token", "tiers-lieu");
    assert_eq!(s.problem(), None);
    assert!(!format!("{s:?}").contains("s3cr3t-token"));
    s.routes.push(default_routes().remove(0));
    assert_eq!(s.problem().unwrap(), "routes[4] (membership): a second route for the same entity");
    s.routes.pop();
    s.routes[1].template = "Don de {amount:euros".into();
    assert!(s.problem().unwrap().starts_with("routes[1] (payment).template: unclosed"));
    s.token = String::new();
    let err = MattermostConnector::new(s).unwrap_err();
    assert_eq!(err, ConnectorError::Invalid("mattermost `mm`: token: must not be empty".into()));
}

#[tokio::test]
async fn notify_posts_one_top_level_message_and_names_an_unknown_channel() {
    let started = sandbox().await;
    let mm = connector(&started);
    let before = posts_in(&state(&started).await, "materiel").len();
    let id = mm.notify("materiel", "Matériel indisponible : FAB-0003").await.expect("posted");
    let posts = posts_in(&state(&started).await, "materiel");
    assert_eq!(posts.len(), before + 1);
    let post = posts.iter().find(|p| p["id"] == id.as_str()).expect("the post, by the id returned");
    assert_eq!(
        (post["root_id"].as_str(), post["message"].as_str()),
        (Some(""), Some("Matériel indisponible : FAB-0003"))
    );
    let err = mm.notify("pas-un-canal", "x").await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Invalid(d) if d.contains("pas-un-canal")), "{err:?}");
}
