//! Checkout and checkin against the sandbox: moves happen once however often they are asked,
//! users are found by address or created once, and what someone else did is an outcome.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use hub_connector_sdk::ConnectorError;
use serde_json::{Value, json};

use super::{Sandbox, live_assets};
use crate::{Booker, CheckinOutcome, CheckoutOutcome};

/// The activity-log entries of `action` about `asset_id`.
fn logged(db: &Value, action: &str, asset_id: u64) -> usize {
    let logs = db["logs"].as_array().unwrap();
    logs.iter().filter(|l| l["action_type"] == action && l["asset_id"] == asset_id).count()
}

fn asset(db: &Value, id: u64) -> &Value {
    &db["assets"][id.to_string()]
}

/// Ready-to-deploy assets (deployable label, not assigned), lowest id first.
fn available(db: &Value) -> Vec<Value> {
    let mut ready: Vec<Value> =
        live_assets(db).into_iter().filter(|a| a["status_id"] == 1 && a["assigned_to"].is_null()).collect();
    ready.sort_by_key(|a| a["id"].as_u64());
    ready
}

fn held(db: &Value) -> Value {
    live_assets(db).into_iter().find(|a| a["assigned_to"][0] == "user").expect("a seeded checkout")
}

fn users_with_email(db: &Value, email: &str) -> Vec<Value> {
    db["users"].as_object().unwrap().values().filter(|u| u["email"] == email).cloned().collect()
}

fn tag(a: &Value) -> &str {
    a["asset_tag"].as_str().unwrap()
}

fn id(a: &Value) -> u64 {
    a["id"].as_u64().unwrap()
}

#[tokio::test]
async fn checkout_and_checkin_happen_once_however_often_asked() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    let db = sb.db().await;
    let target = available(&db)[0].clone();
    let user = &db["users"]["2"];
    let email = user["email"].as_str().unwrap();
    // The address as the booking tool spells it (case differs).
    let booker = Booker { email: email.to_uppercase(), name: "Whatever Name".into() };
    let due: DateTime<Utc> = "2026-12-04T17:30:00Z".parse().unwrap();

    let outcome = conn.checkout_to(tag(&target), &booker, Some(due), "Réservation #42").await.unwrap();
    assert_eq!(outcome, CheckoutOutcome::CheckedOut { asset_id: id(&target), user_id: 2 });
    let after = sb.db().await;
    let a = asset(&after, id(&target));
    assert_eq!(a["assigned_to"], json!(["user", 2]));
    assert_eq!(a["expected_checkin"], "2026-12-04");
    assert_eq!(logged(&after, "checkout", id(&target)), 1);
    assert_eq!(after["logs"].as_array().unwrap().last().unwrap()["note"], "Réservation #42");
    assert_eq!(after["users"].as_object().unwrap().len(), db["users"].as_object().unwrap().len(), "no user created");

    // The retry after a crash: nothing is sent.
    for _ in 0..2 {
        let again = conn.checkout_to(tag(&target), &booker, Some(due), "Réservation #42").await.unwrap();
        assert_eq!(again, CheckoutOutcome::AlreadyWithBooker);
    }
    let record = conn.asset_by_tag(&tag(&target).to_lowercase()).await.unwrap().expect("found by tag");
    assert_eq!(record["assigned_to"]["email"], email);
    assert_eq!(logged(&sb.db().await, "checkout", id(&target)), 1, "no second checkout");

    assert_eq!(conn.checkin(tag(&target), Some(email), "Fin de réservation").await.unwrap(), CheckinOutcome::CheckedIn);
    assert_eq!(
        conn.checkin(tag(&target), Some(email), "Fin de réservation").await.unwrap(),
        CheckinOutcome::NotCheckedOut
    );
    let end = sb.db().await;
    assert!(asset(&end, id(&target))["assigned_to"].is_null());
    assert_eq!(logged(&end, "checkin from", id(&target)), 1, "no second checkin");
}

#[tokio::test]
async fn an_unknown_booker_is_created_once() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    let db = sb.db().await;
    let ready = available(&db);
    let email = "zoe.nouvelle@exemple.fr";
    let booker = Booker { email: email.into(), name: " Zoé  Nouvelle-Personne ".into() };

    let first = conn.checkout_to(tag(&ready[0]), &booker, None, "").await.unwrap();
    let CheckoutOutcome::CheckedOut { user_id, .. } = first else { panic!("{first:?}") };
    let second = conn.checkout_to(tag(&ready[1]), &booker, None, "").await.unwrap();
    assert_eq!(second, CheckoutOutcome::CheckedOut { asset_id: id(&ready[1]), user_id });
    assert_eq!(conn.checkout_to(tag(&ready[0]), &booker, None, "").await.unwrap(), CheckoutOutcome::AlreadyWithBooker);

    let after = sb.db().await;
    let created = users_with_email(&after, email);
    assert_eq!(created.len(), 1, "one user for the booker");
    let u = &created[0];
    assert_eq!((u["id"].as_u64(), u["first_name"].as_str()), (Some(user_id), Some("Zoé")));
    assert_eq!((u["last_name"].as_str(), u["username"].as_str()), (Some("Nouvelle-Personne"), Some(email)));
    assert_eq!(u["activated"], false, "an account to hold equipment, not to log in");
    assert_eq!(asset(&after, id(&ready[1]))["assigned_to"], json!(["user", user_id]));

    // A username already taken by someone with another address: a suffixed username.
    let other = "camille.prise@exemple.fr";
    let body = json!({"first_name": "Camille", "username": other, "email": "autre@exemple.fr",
                      "password": "0123456789abcdef", "password_confirmation": "0123456789abcdef"});
    let made = conn.api.create_user(&body).await.unwrap();
    assert!(matches!(made, crate::api::Answer::Done(_)), "{made:?}");
    let booker = Booker { email: other.into(), name: "Camille Prise".into() };
    let outcome = conn.checkout_to(tag(&ready[2]), &booker, None, "").await.unwrap();
    assert!(matches!(outcome, CheckoutOutcome::CheckedOut { .. }), "{outcome:?}");
    let created = users_with_email(&sb.db().await, other);
    assert_eq!(created.len(), 1);
    assert!(created[0]["username"].as_str().unwrap().starts_with(&format!("{other}-")), "{}", created[0]);
}

#[tokio::test]
async fn what_cannot_move_is_an_outcome_not_an_error() {
    let sb = Sandbox::start().await;
    let conn = sb.connector(50);
    let db = sb.db().await;
    let taken = held(&db);
    let holder = &db["users"][taken["assigned_to"][1].to_string()];
    let holder_name = holder["first_name"].as_str().unwrap();
    let newcomer = Booker { email: "jamais.vu@exemple.fr".into(), name: "Jamais Vu".into() };
    let broken = live_assets(&db).into_iter().find(|a| a["status_id"] == 4).unwrap();
    let archived = live_assets(&db).into_iter().find(|a| a["status_id"] == 3).unwrap();
    let pending = live_assets(&db).into_iter().find(|a| a["status_id"] == 2).unwrap();

    let cases = [
        (tag(&taken), holder_name.to_string()),
        (tag(&broken), "Out for Repair".to_string()),
        (tag(&archived), "Archived".to_string()),
        (tag(&pending), "Pending".to_string()),
        ("FAB-9999", "no asset with tag FAB-9999".to_string()),
    ];
    for (asset_tag, says) in cases {
        match conn.checkout_to(asset_tag, &newcomer, None, "").await {
            Ok(CheckoutOutcome::Unavailable { reason }) => assert!(reason.contains(&says), "{asset_tag}: {reason}"),
            other => panic!("{asset_tag}: {other:?}"),
        }
    }
    let after = sb.db().await;
    assert_eq!(after["logs"], db["logs"], "nothing logged");
    assert!(users_with_email(&after, &newcomer.email).is_empty(), "no user created for nothing");

    // At checkin: someone else has it → left alone; nobody has it → nothing to do.
    let other = conn.checkin(tag(&taken), Some("quelquun.dautre@exemple.fr"), "").await.unwrap();
    let CheckinOutcome::HeldBySomeoneElse { holder: who } = other else { panic!("{other:?}") };
    assert!(who.contains(holder_name) && who.contains(holder["email"].as_str().unwrap()), "{who}");
    assert_eq!(sb.db().await["logs"], db["logs"], "not checked in");
    assert_eq!(conn.checkin(tag(&broken), None, "").await.unwrap(), CheckinOutcome::NotCheckedOut);
    let err = conn.checkin("FAB-9999", None, "").await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains("FAB-9999")), "{err}");
    let nobody = Booker { email: "pas une adresse".into(), name: String::new() };
    let err = conn.checkout_to("FAB-0001", &nobody, None, "").await;
    assert!(matches!(err, Err(ConnectorError::Invalid(m)) if m.contains("not an address")));
    // Without an expected holder, checkin takes it back from whoever has it.
    assert_eq!(conn.checkin(tag(&taken), None, "Rendu à l'accueil").await.unwrap(), CheckinOutcome::CheckedIn);
}

#[tokio::test]
async fn a_checkout_refused_after_someone_else_took_the_asset_is_unavailable() {
    let sb = Sandbox::start().await;
    let conn = Arc::new(sb.connector(50));
    let db = sb.db().await;
    let target = available(&db)[0].clone();
    let booker = Booker { email: db["users"]["3"]["email"].as_str().unwrap().into(), name: "B".into() };
    // Every API call takes a second: staff check the asset out while the connector looks the
    // booker up, between its read of the asset and its checkout.
    sb.control(reqwest::Method::PUT, "/_sandbox/faults", json!({"latency_ms": 1000})).await;
    let task = {
        let (conn, asset_tag) = (conn.clone(), tag(&target).to_string());
        tokio::spawn(async move { conn.checkout_to(&asset_tag, &booker, None, "").await })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let staff = json!({"asset_tag": tag(&target), "checkout_to_type": "user", "assigned_user": 4});
    sb.control(reqwest::Method::POST, "/_sandbox/ui/checkout", staff).await;
    let outcome = task.await.unwrap().unwrap();
    sb.control(reqwest::Method::PUT, "/_sandbox/faults", json!({})).await;

    let CheckoutOutcome::Unavailable { reason } = outcome else { panic!("{outcome:?}") };
    let staff_user = db["users"]["4"]["first_name"].as_str().unwrap();
    assert!(reason.contains(staff_user), "{reason}");
    assert!(reason.contains("Snipe-IT: That asset is not available for checkout!"), "the refusal was read: {reason}");
    let after = sb.db().await;
    assert_eq!(asset(&after, id(&target))["assigned_to"], json!(["user", 4]));
    assert_eq!(logged(&after, "checkout", id(&target)), 1, "only the staff's");
}
