//! The `hub` binary itself: `config check` reports every problem with file and key, and SIGTERM
//! stops intake and lets running jobs finish before the process exits cleanly.

mod common;

use std::process::Command;

use common::*;

fn hub() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hub"));
    cmd.env_remove("HUB_TEST_DATABASE_URL").env("HUB_LOG", "warn");
    cmd
}

#[test]
fn config_check_reports_every_problem_with_file_and_key() {
    let dir = std::env::temp_dir().join(format!("hub_cli_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("mappings/webhook")).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        format!(
            "[mappings]\ndir = \"{}/mappings\"\n[connectors.members_form]\nkind = \"webhook\"\nsecret = \"{SECRET}\"\nstream = \"members\"\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("mappings/webhook/members.toml"),
        "entity = \"person\"\n[fields.email]\nfrom = \"/email\"\ntransform = \"email\"\n",
    )
    .unwrap();
    let out = hub().args(["config", "check", good.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 connector instance(s), 1 mapping(s)"));

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[http]\nbind = \"nowhere\"\nport = 3\n[queue]\nconcurrency = 0\n").unwrap();
    let out = hub().args(["config", "check", bad.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("http.bind"), "{err}");

    std::fs::write(
        dir.join("mappings/webhook/members.toml"),
        "entity = \"person\"\n[fields.email]\nfrom = \"/email\"\ntransform = \"emial\"\n",
    )
    .unwrap();
    let out = hub().args(["config", "check", good.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("members.toml") && err.contains("fields.email.transform") && err.contains("emial"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn sigterm_stops_intake_and_lets_running_jobs_finish() {
    let db = hub::testing::FreshDatabase::from_env().await.unwrap();
    let toml = hub::bench::bench_config_toml(&db.url, &db.dir, "").unwrap();
    let config_path = db.dir.join("hub.toml");
    std::fs::write(&config_path, &toml).unwrap();
    let (mut child, base) = spawn_hub_process(&config_path, &[]).await;
    let client = reqwest::Client::new();
    for n in 0..40 {
        assert_eq!(post_member_to(&client, &base, n).await, 202);
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert!(exit.success(), "the hub exits cleanly on SIGTERM: {exit:?}");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err(), "intake is closed");
    let store = hub::store::Store::connect(&db.url, 2).await.unwrap();
    let counts = store.job_counts().await.unwrap();
    assert!(!counts.iter().any(|(s, n)| s == "running" && *n > 0), "no job left half-done: {counts:?}");
    store.close().await;
    db.drop_database().await;
}
