//! OAuth 2.0 for Google with the `oauth2` crate: the authorization code flow with PKCE (S256) that
//! `hub auth google INSTANCE` runs once — [`authorization_url`] (printed for a human to open),
//! [`parse_callback`] (the redirect the hub receives: state checked in constant time) and
//! [`exchange_code`] (the refresh token the hub encrypts with [`crate::token_store`]) — and the
//! [`TokenSource`] the connector uses afterwards: access tokens from the refresh token, cached
//! until a minute before they expire, dropped on a 401 so the next call refreshes once.
//!
//! The consent URL asks for `access_type=offline` and `prompt=consent`, so Google issues a refresh
//! token every time (it only does on the first consent otherwise). Scope: [`SCOPES`]
//! (`calendar.events` covers events list/get/insert/patch/watch and channels.stop; calendarList
//! and calendars.get would need `calendar.readonly`, so `check` lists events instead).
//! Client credentials go in the form body, as Google's guides show them. The token endpoint is
//! reached through [`OAuthHttp`], an `oauth2::AsyncHttpClient` over our reqwest 0.13 client
//! (redirects disabled); 429/5xx answers are classified retryable, 401/403 Auth.

use std::{
    borrow::Cow,
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

use hub_connector_sdk::{ConnectorError, http::classify};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
    basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicTokenResponse},
};
use subtle::ConstantTimeEq;
use tokio::sync::Mutex;

use crate::GoogleCalendarSettings;

/// The scopes asked at consent.
pub const SCOPES: &[&str] = &["https://www.googleapis.com/auth/calendar.events"];
/// Google's access-token lifetime, assumed when the answer has no `expires_in`.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3599);
/// A cached access token is renewed when less than this is left of its life.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

type TokenClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A `ConnectorError` travelling through the `oauth2` crate.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenHttpError(pub ConnectorError);

/// The `oauth2::AsyncHttpClient` over our reqwest 0.13 client (build it with redirects disabled).
#[derive(Clone)]
pub struct OAuthHttp(pub reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, TokenHttpError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request: reqwest::Request = request.try_into().map_err(|e: reqwest::Error| {
                TokenHttpError(ConnectorError::Invalid(format!("cannot build the token request: {}", e.without_url())))
            })?;
            let response = self.0.execute(request).await.map_err(|e| {
                TokenHttpError(ConnectorError::transient(format!("token request failed: {}", crate::api::describe(e))))
            })?;
            let status = response.status();
            if status.as_u16() == 429 || status.is_server_error() || status.as_u16() == 403 {
                return Err(TokenHttpError(match classify(response).await {
                    Err(e) => e,
                    Ok(_) => ConnectorError::transient(format!("the token endpoint answered HTTP {status}")),
                }));
            }
            let mut builder = http::Response::builder().status(status.as_u16());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await.map_err(|e| {
                TokenHttpError(ConnectorError::transient(format!(
                    "reading the token answer: {}",
                    crate::api::describe(e)
                )))
            })?;
            if status.as_u16() == 401 {
                let code = serde_json::from_slice::<BasicErrorResponse>(&body)
                    .map(|e| format!(" `{}`", e.error()))
                    .unwrap_or_default();
                return Err(TokenHttpError(ConnectorError::Auth(format!(
                    "the Google token endpoint answered HTTP 401{code}: check client_id and client_secret"
                ))));
            }
            builder
                .body(body.to_vec())
                .map_err(|e| TokenHttpError(ConnectorError::Invalid(format!("cannot rebuild the token answer: {e}"))))
        })
    }
}

/// A reqwest client for the token endpoint: no redirects, bounded time.
pub fn token_http() -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .user_agent(hub_connector_sdk::http::USER_AGENT)
        .build()
        .map_err(|e| ConnectorError::Invalid(format!("cannot build the HTTP client: {}", crate::api::describe(e))))
}

fn invalid_url(field: &str) -> impl Fn(oauth2::url::ParseError) -> ConnectorError + '_ {
    move |e| ConnectorError::Invalid(format!("{field}: not a valid URL: {e}"))
}

fn client(settings: &GoogleCalendarSettings) -> Result<TokenClient, ConnectorError> {
    let token_url = TokenUrl::new(settings.token_url.trim().to_string()).map_err(invalid_url("token_url"))?;
    Ok(BasicClient::new(ClientId::new(settings.client_id.trim().to_string()))
        .set_client_secret(ClientSecret::new(settings.client_secret.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(token_url))
}

/// Starts the consent: `(url to open, csrf state, PKCE verifier)`. Keep the state and the verifier
/// (in memory, for the few minutes the human needs) until the redirect comes back to
/// `redirect_uri` (which must be registered for the OAuth client at Google).
pub fn authorization_url(
    settings: &GoogleCalendarSettings,
    redirect_uri: &str,
) -> Result<(String, String, String), ConnectorError> {
    let auth_url = AuthUrl::new(settings.auth_url.trim().to_string()).map_err(invalid_url("auth_url"))?;
    let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(invalid_url("redirect_uri"))?;
    let client = client(settings)?.set_auth_uri(auth_url).set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(SCOPES.iter().map(|s| Scope::new(s.to_string())))
        .add_extra_param("access_type", "offline")
        .add_extra_param("prompt", "consent")
        .set_pkce_challenge(challenge)
        .url();
    Ok((url.to_string(), state.secret().clone(), verifier.secret().clone()))
}

/// Reads the redirect's query (`code=…&state=…`, a leading `?` or a whole URL accepted): the
/// authorization code, once the state matches `expected_state` (constant-time). A refused consent
/// (`error=access_denied`) or a state that does not match is Auth.
pub fn parse_callback(query: &str, expected_state: &str) -> Result<String, ConnectorError> {
    let query = query.split_once('?').map_or(query, |(_, q)| q);
    let url = reqwest::Url::parse(&format!("http://callback.invalid/?{query}"))
        .map_err(|e| ConnectorError::Invalid(format!("the redirect's query does not parse: {e}")))?;
    let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    let state = get("state").unwrap_or_default();
    if !bool::from(state.as_bytes().ct_eq(expected_state.as_bytes())) || expected_state.is_empty() {
        return Err(ConnectorError::Auth(
            "the redirect's `state` does not match the consent that was started: start again".into(),
        ));
    }
    if let Some(error) = get("error") {
        return Err(ConnectorError::Auth(format!("Google refused the consent: `{error}`")));
    }
    get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ConnectorError::Invalid("the redirect carries no `code`".into()))
}

/// Exchanges the authorization code (with the PKCE verifier of [`authorization_url`]) for the
/// refresh token. Google answers without one when the consent did not ask for offline access:
/// that is Auth, asking to consent again.
pub async fn exchange_code(
    settings: &GoogleCalendarSettings,
    code: &str,
    pkce_verifier: &str,
    redirect_uri: &str,
) -> Result<String, ConnectorError> {
    let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(invalid_url("redirect_uri"))?;
    let http = OAuthHttp(token_http()?);
    let answer = client(settings)?
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
        .set_redirect_uri(Cow::Owned(redirect))
        .request_async(&http)
        .await
        .map_err(|e| token_error(e, &settings.instance))?;
    answer.refresh_token().map(|r| r.secret().clone()).ok_or_else(|| {
        ConnectorError::Auth("Google issued no refresh token (offline access not granted): consent again".into())
    })
}

struct CachedToken {
    access: String,
    expires_at: Instant,
}

/// Access tokens from the refresh token; cheap to share behind the connector. One async mutex
/// guards the cache, so concurrent calls wait for one refresh instead of stampeding Google.
pub struct TokenSource {
    client: TokenClient,
    http: OAuthHttp,
    /// Set at build time from the settings, or later by the hub once `hub auth google` ran.
    refresh_token: std::sync::RwLock<Option<String>>,
    instance: String,
    cache: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource").field("token_url", &self.client.token_uri().as_str()).finish_non_exhaustive()
    }
}

impl TokenSource {
    pub fn new(settings: &GoogleCalendarSettings, http: reqwest::Client) -> Result<TokenSource, ConnectorError> {
        Ok(TokenSource {
            client: client(settings)?,
            http: OAuthHttp(http),
            refresh_token: std::sync::RwLock::new(settings.refresh_token.clone()),
            instance: settings.instance.clone(),
            cache: Mutex::new(None),
        })
    }

    /// A valid access token: the cached one or a refreshed one.
    pub async fn token(&self) -> Result<String, ConnectorError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.expires_at > Instant::now() + RENEW_MARGIN
        {
            return Ok(cached.access.clone());
        }
        let refresh = self.refresh_token.read().ok().and_then(|t| t.clone());
        let refresh = refresh.ok_or_else(|| {
            ConnectorError::Auth(format!(
                "no Google refresh token for `{}`: run `hub auth google {}`",
                self.instance, self.instance
            ))
        })?;
        tracing::debug!(instance = %self.instance, "refreshing the Google access token");
        let answer = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh))
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(e, &self.instance))?;
        let fresh = cached(&answer);
        let access = fresh.access.clone();
        *cache = Some(fresh);
        Ok(access)
    }

    /// Replaces the refresh token (a new consent) and drops the cached access token.
    pub async fn set_refresh_token(&self, token: String) {
        if let Ok(mut slot) = self.refresh_token.write() {
            *slot = Some(token);
        }
        *self.cache.lock().await = None;
    }

    /// Whether a refresh token is known.
    pub fn has_refresh_token(&self) -> bool {
        self.refresh_token.read().is_ok_and(|t| t.is_some())
    }

    /// Forgets `rejected` (the API answered 401 with it): the next [`TokenSource::token`] refreshes.
    pub async fn invalidate(&self, rejected: &str) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| c.access == rejected) {
            *cache = None;
        }
    }
}

fn cached(answer: &BasicTokenResponse) -> CachedToken {
    CachedToken {
        access: answer.access_token().secret().clone(),
        expires_at: Instant::now() + answer.expires_in().unwrap_or(DEFAULT_TOKEN_LIFETIME),
    }
}

/// The `oauth2` crate's error as a `ConnectorError`; never carries a body (it could hold a token).
fn token_error(e: RequestTokenError<TokenHttpError, BasicErrorResponse>, instance: &str) -> ConnectorError {
    match e {
        RequestTokenError::Request(TokenHttpError(inner)) => inner,
        RequestTokenError::ServerResponse(answer) => {
            let code = answer.error();
            let description = answer.error_description().map(|d| format!(" ({d})")).unwrap_or_default();
            let text = format!("the Google token endpoint answered `{code}`{description}");
            match code {
                BasicErrorResponseType::InvalidGrant => {
                    ConnectorError::Auth(format!("{text}: run `hub auth google {instance}` again"))
                }
                BasicErrorResponseType::InvalidClient | BasicErrorResponseType::UnauthorizedClient => {
                    ConnectorError::Auth(format!("{text}: check client_id and client_secret"))
                }
                _ => ConnectorError::Invalid(text),
            }
        }
        RequestTokenError::Parse(e, _body) => {
            ConnectorError::Invalid(format!("the Google token endpoint's answer does not parse: {e}"))
        }
        RequestTokenError::Other(text) => ConnectorError::Invalid(format!("Google token endpoint: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> GoogleCalendarSettings {
        GoogleCalendarSettings::new("gcal", "client-1.apps.googleusercontent.com", "secret")
    }

    #[test]
    fn the_consent_url_asks_for_offline_access_with_pkce() {
        let (url, state, verifier) = authorization_url(&settings(), "https://hub.example.org/oauth/callback").unwrap();
        let url = reqwest::Url::parse(&url).unwrap();
        assert!(url.as_str().starts_with(crate::settings::DEFAULT_AUTH_URL));
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("access_type"), Some("offline"));
        assert_eq!(get("prompt"), Some("consent"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("scope"), Some(SCOPES[0]));
        assert_eq!(get("state"), Some(state.as_str()));
        assert_eq!(get("redirect_uri"), Some("https://hub.example.org/oauth/callback"));
        assert!(verifier.len() >= 43 && !url.as_str().contains(&verifier), "the verifier never leaves");
    }

    #[test]
    fn the_callback_needs_the_same_state() {
        assert_eq!(parse_callback("?code=4/abc&state=s1", "s1").unwrap(), "4/abc");
        assert_eq!(parse_callback("https://hub/cb?state=s1&code=4%2Fabc", "s1").unwrap(), "4/abc");
        assert!(matches!(parse_callback("code=4/abc&state=other", "s1"), Err(ConnectorError::Auth(_))));
        assert!(matches!(parse_callback("code=4/abc", "s1"), Err(ConnectorError::Auth(_))));
        let refused = parse_callback("error=access_denied&state=s1", "s1").unwrap_err();
        assert!(matches!(&refused, ConnectorError::Auth(m) if m.contains("access_denied")), "{refused}");
        assert!(matches!(parse_callback("state=s1", "s1"), Err(ConnectorError::Invalid(_))));
    }
}
