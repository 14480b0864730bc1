//! Fidelity: Odoo's documented XML-RPC examples run by Python's own `xmlrpc.client` (the client
//! Odoo's documentation uses) against the sandbox. Runs with the interpreter named by
//! `HUB_TEST_PYTHON` (standard library only); skipped when it is unset.

mod common;

use std::path::Path;

#[tokio::test]
async fn python_xmlrpc_client_runs_the_documentation_examples() {
    let Ok(python) = std::env::var("HUB_TEST_PYTHON") else {
        eprintln!("HUB_TEST_PYTHON is not set: skipping the xmlrpc.client fidelity test");
        return;
    };
    let sb = common::start().await;
    let c = &sb.credentials;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity/xmlrpc_client.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .arg(c["base_url"].as_str().unwrap())
        .arg(c["database"].as_str().unwrap())
        .arg(c["login"].as_str().unwrap())
        .arg(c["api_key"].as_str().unwrap())
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the xmlrpc.client script failed");
    assert!(stdout.contains("all checks passed"));
}
