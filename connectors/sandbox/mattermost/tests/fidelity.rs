//! The official Python client `mattermostdriver` (pinned: `mattermostdriver==7.3.2`) against the
//! sandbox: `tests/fidelity/mattermost_driver.py` run with the interpreter named by
//! `HUB_TEST_PYTHON` (skipped with a message when unset). The script's results are checked here
//! against the sandbox's own state.

mod common;

use serde_json::Value;

#[tokio::test]
async fn the_official_python_driver_posts_and_replies() {
    let Ok(python) = std::env::var("HUB_TEST_PYTHON") else {
        eprintln!("HUB_TEST_PYTHON is unset: skipping the mattermostdriver fidelity test");
        return;
    };
    let s = common::start().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity/mattermost_driver.py");
    let cred = |k: &str| s.credentials[k].as_str().unwrap().to_string();
    let out = tokio::process::Command::new(python)
        .arg(script)
        .args([cred("base_url"), cred("token"), cred("team"), cred("incoming_webhook_key")])
        .output()
        .await
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "driver script failed:\n{stderr}");
    let seen: Value = serde_json::from_slice(out.stdout.trim_ascii()).unwrap_or_else(|e| panic!("{e}: {stderr}"));

    let state: Value = reqwest::get(s.running.url("/_sandbox/state")).await.unwrap().json().await.unwrap();
    let posts = state["posts"].as_array().unwrap();
    let find =
        |id: &Value| posts.iter().find(|p| &p["id"] == id).unwrap_or_else(|| panic!("{id} not in state")).clone();
    let root = find(&seen["root"]);
    let reply = find(&seen["reply"]);
    let admin_reply = find(&seen["admin_reply"]);
    assert_eq!(root["message"], "Atelier réparation samedi 14h");
    assert!(root["edit_at"].as_i64().unwrap() > 0);
    assert_eq!(root["props"]["hub_event"], "evt-42");
    assert_eq!(reply["root_id"], seen["root"]);
    assert_eq!(reply["message"], "Inscriptions ouvertes (12 places)");
    assert_eq!(admin_reply["root_id"], seen["root"]);
    assert_eq!(root["reply_count"], 2);
    let hooked = posts.iter().find(|p| p["message"] == "Publié par le webhook").expect("webhook post");
    assert_eq!(hooked["channel_id"], seen["channel"]);
    assert_eq!(hooked["props"]["override_username"], "hub");
}
