//! `hub sandbox`: the seven tools' sandboxes on loopback, their base URLs and demo credentials
//! (with `--json`, the first line is one JSON object keyed by tool), until Ctrl-C.

use std::process::ExitCode;

use anyhow::{Context, Result};
use hub_sandbox::core::{Faults, SandboxOptions};

pub async fn run(json: bool, faults: Option<String>, bind_ip: std::net::IpAddr) -> Result<ExitCode> {
    let faults: Faults = match faults {
        Some(text) => serde_json::from_str(&text).context("--faults is a JSON object of fault rates")?,
        None => Faults::default(),
    };
    let opts = SandboxOptions { bind: std::net::SocketAddr::new(bind_ip, 0), faults, seed: true };
    let all = hub_sandbox::start_all(&opts).await.context("starting the sandboxes")?;
    let credentials = all.credentials();
    if json {
        println!("{}", serde_json::to_string(&credentials)?);
    } else {
        println!("Sandboxes (Ctrl-C to stop); faults: GET/PUT {{base_url}}/_sandbox/faults");
        for key in hub_sandbox::KEYS {
            println!("\n{key}");
            if let Some(obj) = credentials[key].as_object() {
                for (k, v) in obj {
                    println!("  {k:<22} {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
                }
            }
        }
    }
    use std::io::Write;
    std::io::stdout().flush().ok();
    tokio::signal::ctrl_c().await.ok();
    Ok(ExitCode::SUCCESS)
}
