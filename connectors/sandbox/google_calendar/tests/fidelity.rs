//! Fidelity: Google's official Python client, unchanged, drives the sandbox (tests/fidelity/
//! calendar_client.py). Runs with the interpreter in `HUB_TEST_PYTHON` (with
//! `google-api-python-client==2.202.0` and `google-auth==2.62.2` installed); skipped when unset.

mod common;

use serde_json::Value;

#[tokio::test]
async fn official_python_client_works_unchanged() {
    let Ok(python) = std::env::var("HUB_TEST_PYTHON") else {
        eprintln!("HUB_TEST_PYTHON is unset: skipping the google-api-python-client fidelity test");
        return;
    };
    let sb = common::start().await;
    let dir = std::env::temp_dir().join(format!("gcal-fidelity-{}", sb.started.running.addr.port()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let creds = dir.join("credentials.json");
    std::fs::write(&creds, sb.started.credentials.to_string()).expect("write credentials");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity/calendar_client.py");
    let discovery = common::spec_dir().join("calendar.v3.discovery.json");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .arg(&creds)
        .arg(discovery)
        .output()
        .await
        .expect("python runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "python failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value =
        serde_json::from_str(stdout.trim().lines().last().expect("a report line")).expect("json report");
    assert_eq!(report["instances"], 3);
    // what the client did is visible on the sandbox's side
    let ev = sb.json(&format!("/calendars/{}/events/{}", sb.calendar(), report["event"].as_str().expect("id"))).await;
    assert_eq!(ev["status"], "cancelled");
    assert_eq!(ev["summary"], "Atelier vélo");
}
