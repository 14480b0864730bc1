//! Google consent for `google_calendar` instances: `hub auth google NAME` starts it (the consent
//! URL, with PKCE), Google redirects to the hub's `GET /oauth/google/callback`, and the hub
//! exchanges the code and keeps the refresh token in the database encrypted with the instance's
//! `token_key` (XChaCha20-Poly1305, see the connector's `token_store`). The consent under way
//! (state → PKCE verifier, encrypted too) lives in the database, not in one process's memory, so
//! the CLI, the process that receives the redirect and the others of a multi-process hub agree;
//! every process loads the stored token at start and looks for a newer one every
//! [`RELOAD_EVERY`]. Neither the token nor the verifier ever reaches a log line or an answer.

use std::time::Duration;

use hub_connector_google_calendar::{
    GoogleCalendarConnector, oauth,
    token_store::{TokenKey, TokenStoreError},
};
use hub_connector_sdk::ConnectorError;
use secrecy::ExposeSecret;

use crate::{
    config::{Config, ConnectorConfig},
    registry::Registry,
    store::{Store, StoreError, now_ms},
};

/// How long a consent may take between `hub auth google` and the redirect.
pub const CONSENT_TTL: Duration = Duration::from_secs(15 * 60);
/// How often a running hub looks for a refresh token stored by another process.
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);
/// The callback's path on the hub.
pub const CALLBACK_PATH: &str = "/oauth/google/callback";

#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("no google_calendar connector named `{0}`")]
    UnknownInstance(String),
    #[error("this consent is unknown, already used or expired: run `hub auth google NAME` again")]
    UnknownState,
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("{0}")]
    Key(#[from] TokenStoreError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

struct Google<'a> {
    connector: &'a GoogleCalendarConnector,
    key: TokenKey,
    redirect_url: Option<&'a str>,
}

fn google<'a>(config: &'a Config, registry: &'a Registry, instance: &str) -> Result<Google<'a>, ConsentError> {
    let unknown = || ConsentError::UnknownInstance(instance.to_string());
    let Some(ConnectorConfig::GoogleCalendar(table)) = config.connectors.get(instance) else { return Err(unknown()) };
    let connector = registry.get(instance).and_then(|i| i.google.as_deref()).ok_or_else(unknown)?;
    let key = TokenKey::from_base64(table.token_key.expose_secret())?;
    Ok(Google { connector, key, redirect_url: table.redirect_url.as_deref() })
}

/// The redirect URL of `instance`: its `redirect_url`, else `http://<hub address>/oauth/google/callback`.
pub fn redirect_url(config: &Config, instance: &str, hub: std::net::SocketAddr) -> String {
    if let Some(ConnectorConfig::GoogleCalendar(table)) = config.connectors.get(instance)
        && let Some(url) = &table.redirect_url
    {
        return url.clone();
    }
    let host = if hub.ip().is_unspecified() { std::net::IpAddr::from([127, 0, 0, 1]) } else { hub.ip() };
    format!("http://{}{CALLBACK_PATH}", std::net::SocketAddr::new(host, hub.port()))
}

/// Starts a consent: the URL to open. `redirect` is where Google must send the browser back.
pub async fn begin(
    store: &Store,
    config: &Config,
    registry: &Registry,
    instance: &str,
    redirect: &str,
) -> Result<String, ConsentError> {
    let g = google(config, registry, instance)?;
    let redirect = g.redirect_url.unwrap_or(redirect);
    let (url, state, verifier) = oauth::authorization_url(g.connector.settings(), redirect)?;
    store.insert_pending_consent(&state, instance, &g.key.encrypt(&verifier)?, redirect).await?;
    tracing::info!(instance, "Google consent started");
    Ok(url)
}

/// Finishes a consent from the redirect's query: the code exchanged, the refresh token stored
/// encrypted and given to the running connector. Answers the instance's name.
pub async fn complete(
    store: &Store,
    config: &Config,
    registry: &Registry,
    query: &str,
) -> Result<String, ConsentError> {
    let state = reqwest::Url::parse(&format!("http://callback.invalid/?{}", query.trim_start_matches('?')))
        .ok()
        .and_then(|u| u.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()))
        .ok_or(ConsentError::UnknownState)?;
    let pending = store.take_pending_consent(&state).await?.ok_or(ConsentError::UnknownState)?;
    if now_ms() - pending.created_at_ms > CONSENT_TTL.as_millis() as i64 {
        return Err(ConsentError::UnknownState);
    }
    let g = google(config, registry, &pending.instance)?;
    let code = oauth::parse_callback(query, &state)?;
    let verifier = g.key.decrypt(&pending.verifier)?;
    let refresh = oauth::exchange_code(g.connector.settings(), &code, &verifier, &pending.redirect_url).await?;
    store.save_refresh_token(&pending.instance, &g.key.encrypt(&refresh)?).await?;
    g.connector.set_refresh_token(refresh).await;
    tracing::info!(instance = %pending.instance, "Google consent given: refresh token stored (encrypted)");
    Ok(pending.instance)
}

/// Gives every `google_calendar` connector its stored refresh token, when it is newer than
/// `since_ms`; answers the newest storage time seen. A token the key cannot decrypt is reported
/// (the key was changed: consent again) and skipped.
pub async fn load_tokens(store: &Store, config: &Config, registry: &Registry, since_ms: i64) -> i64 {
    let mut newest = since_ms;
    for name in config.connectors.keys() {
        let Ok(g) = google(config, registry, name) else { continue };
        match store.refresh_token(name).await {
            Ok(Some((stored, at))) if at > since_ms => match g.key.decrypt(&stored) {
                Ok(token) => {
                    g.connector.set_refresh_token(token).await;
                    newest = newest.max(at);
                }
                Err(e) => tracing::error!(instance = %name, error = %e, "stored Google refresh token unusable"),
            },
            Ok(_) => {}
            Err(e) => tracing::error!(instance = %name, error = %e, "cannot read the stored Google refresh token"),
        }
    }
    newest
}

/// Whether `instance` has a stored refresh token newer than `since_ms`.
pub async fn stored_since(store: &Store, instance: &str, since_ms: i64) -> Result<bool, StoreError> {
    Ok(store.refresh_token(instance).await?.is_some_and(|(_, at)| at >= since_ms))
}
