//! Sandbox of stripe: not built yet (skeleton).

use hub_sandbox_core::{SandboxOptions, Started, serve};

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = hub_sandbox_core::FaultHandle::new(opts.faults);
    let running = serve("stripe", axum::Router::new(), axum::Router::new(), faults, opts.bind).await?;
    let credentials = serde_json::json!({ "base_url": running.base_url });
    Ok(Started { running, credentials })
}
