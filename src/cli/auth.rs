//! `hub auth google NAME`: starts the Google consent of a `google_calendar` instance, prints the
//! URL to open, and waits until the running hub has received Google's redirect and stored the
//! refresh token (encrypted). `hub auth google --new-key` prints a fresh `token_key`.

use std::{process::ExitCode, time::Duration};

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::{config::Config, consent, registry::Registry, store::Store};

#[derive(Debug, Subcommand)]
pub enum AuthAction {
    /// Authorize the hub on Google Calendar for one `google_calendar` instance
    Google {
        /// The instance's name (`[connectors.NAME]`)
        name: Option<String>,
        /// Print a new random `token_key` (base64 of 32 bytes) and stop
        #[arg(long)]
        new_key: bool,
    },
}

pub async fn run(config: Config, action: AuthAction) -> Result<ExitCode> {
    let AuthAction::Google { name, new_key } = action;
    if new_key {
        println!("{}", hub_connector_google_calendar::token_store::TokenKey::generate()?);
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = name else { bail!("name the google_calendar instance: hub auth google NAME") };
    let registry = Registry::from_config(&config)
        .map_err(|errors| anyhow::anyhow!(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")))?;
    let store = Store::connect(&config.database_url(), config.database.max_connections).await?;
    store.migrate().await?;
    let redirect = consent::redirect_url(&config, &name, config.http.bind);
    let started = crate::store::now_ms();
    let url = consent::begin(&store, &config, &registry, &name, &redirect).await.context("starting the consent")?;
    println!("Ouvrez cette adresse dans un navigateur et acceptez l'accès aux agendas :\n\n{url}\n");
    println!("Google renverra le navigateur vers {redirect} : le hub doit y répondre (hub serve).");
    let deadline = tokio::time::Instant::now() + consent::CONSENT_TTL;
    while tokio::time::Instant::now() < deadline {
        if consent::stored_since(&store, &name, started).await? {
            println!("Autorisation enregistrée pour « {name} » (jeton chiffré dans la base).");
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    bail!("no consent received within {} minutes", consent::CONSENT_TTL.as_secs() / 60)
}
