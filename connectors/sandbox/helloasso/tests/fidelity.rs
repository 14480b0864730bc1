//! Fidelity: HelloAsso's official Python SDK (helloasso-python==1.0.8) against the sandbox.
//! Runs tests/fidelity/helloasso_sdk.py with the interpreter in HUB_TEST_PYTHON; skipped when unset.
mod common;

use common::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_works_unchanged() {
    let Ok(python) = std::env::var("HUB_TEST_PYTHON") else {
        eprintln!("skipped: HUB_TEST_PYTHON is not set (needs helloasso-python==1.0.8)");
        return;
    };
    let sb = Sandbox::start().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity/helloasso_sdk.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .args([sb.cred("base_url"), sb.cred("client_id"), sb.cred("client_secret"), sb.cred("organization_slug")])
        .output()
        .await
        .expect("python runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "SDK script failed\n{stdout}\n{stderr}");
    assert!(stdout.contains("ALL OK"), "{stdout}");
}
