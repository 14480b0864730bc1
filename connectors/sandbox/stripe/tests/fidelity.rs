//! Fidelity: Stripe's official Python SDK (`stripe==16.1.0`), unchanged but for `api_base`, runs
//! `tests/fidelity/stripe_sdk.py` against the sandbox (customers, idempotency, a payment intent,
//! auto-pagination, a refund, typed errors, `stripe.Webhook.construct_event`). Needs the
//! interpreter in `HUB_TEST_PYTHON` (with `stripe` installed); skipped when it is unset.

mod common;

#[tokio::test]
async fn the_official_python_sdk_works_unchanged() {
    let Ok(python) = std::env::var("HUB_TEST_PYTHON") else {
        eprintln!("HUB_TEST_PYTHON is unset: skipping the Stripe Python SDK fidelity test");
        return;
    };
    let sb = common::start().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity/stripe_sdk.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .env("SANDBOX_BASE_URL", &sb.started.running.base_url)
        .env("SANDBOX_API_KEY", &sb.key)
        .env("SANDBOX_WEBHOOK_SECRET", sb.started.credentials["webhook_secret"].as_str().unwrap())
        .output()
        .await
        .expect("the interpreter runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "SDK script failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("OK stripe"), "{stdout}");
}
