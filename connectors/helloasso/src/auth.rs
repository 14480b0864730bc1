//! OAuth2 for HelloAsso with the `oauth2` crate: client credentials against `{base_url}/oauth2/token`
//! (credentials in the form body, as HelloAsso's getting-started page shows them), the access token
//! cached with its expiry and renewed with the refresh_token grant shortly before it expires (or a
//! new client_credentials grant when the refresh is refused). One async mutex guards the cache, so
//! concurrent requests wait for one token call instead of stampeding the token endpoint.
//!
//! The token endpoint is reached through [`OAuthHttp`], a newtype implementing
//! [`oauth2::AsyncHttpClient`] over the connector's reqwest 0.13 client (redirects disabled by the
//! SDK's `HttpClient`). 429 and 5xx answers are classified by the SDK (retryable, with Retry-After);
//! other answers go to the `oauth2` crate, which reads RFC 6749 error bodies.

use std::{
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

use hub_connector_sdk::{ConnectorError, http::classify};
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RefreshToken, RequestTokenError, TokenResponse,
    TokenUrl,
    basic::{BasicClient, BasicErrorResponseType},
};
use tokio::sync::Mutex;

/// HelloAsso's access token lifetime (30 min, NOTES §2), assumed when the answer has no `expires_in`.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(1800);
/// A token is renewed when less than this is left of its life.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

type TokenClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A `ConnectorError` travelling through the `oauth2` crate.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenHttpError(pub ConnectorError);

/// The `oauth2::AsyncHttpClient` over our reqwest 0.13 client.
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
                TokenHttpError(ConnectorError::transient(format!("token request failed: {}", crate::describe(e))))
            })?;
            let status = response.status();
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let error = match classify(response).await {
                    Err(e) => e,
                    Ok(_) => ConnectorError::transient(format!("token endpoint answered HTTP {status}")),
                };
                return Err(TokenHttpError(error));
            }
            let mut builder = http::Response::builder().status(status.as_u16());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await.map_err(|e| {
                TokenHttpError(ConnectorError::transient(format!("reading the token answer: {}", crate::describe(e))))
            })?;
            builder
                .body(body.to_vec())
                .map_err(|e| TokenHttpError(ConnectorError::Invalid(format!("cannot rebuild the token answer: {e}"))))
        })
    }
}

struct CachedToken {
    access: String,
    expires_at: Instant,
    refresh: Option<String>,
}

/// Issues bearer tokens for the API; cheap to share behind the connector.
pub struct TokenSource {
    client: TokenClient,
    http: OAuthHttp,
    cache: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource").field("token_url", &self.client.token_uri().as_str()).finish_non_exhaustive()
    }
}

impl TokenSource {
    pub fn new(
        base_url: &str,
        client_id: &str,
        client_secret: &str,
        http: reqwest::Client,
    ) -> Result<TokenSource, ConnectorError> {
        let token_url = TokenUrl::new(format!("{}/oauth2/token", base_url.trim_end_matches('/')))
            .map_err(|e| ConnectorError::Invalid(format!("base_url: not a valid URL for the token endpoint: {e}")))?;
        let client = BasicClient::new(ClientId::new(client_id.to_string()))
            .set_client_secret(ClientSecret::new(client_secret.to_string()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url);
        Ok(TokenSource { client, http: OAuthHttp(http), cache: Mutex::new(None) })
    }

    /// A valid access token: the cached one, a refreshed one, or a new one.
    pub async fn token(&self) -> Result<String, ConnectorError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.expires_at > Instant::now() + RENEW_MARGIN
        {
            return Ok(cached.access.clone());
        }
        let refresh = cache.as_ref().and_then(|c| c.refresh.clone());
        let fresh = match refresh {
            Some(refresh) => match self.refresh(refresh).await {
                Ok(token) => token,
                Err(e) if e.is_retryable() => return Err(e),
                Err(e) => {
                    tracing::info!(class = e.class(), "HelloAsso refused the refresh token; asking for a new token");
                    self.client_credentials().await?
                }
            },
            None => self.client_credentials().await?,
        };
        let access = fresh.access.clone();
        *cache = Some(fresh);
        Ok(access)
    }

    /// Forgets `rejected` (the API answered 401 with it); its refresh token stays usable.
    pub async fn invalidate(&self, rejected: &str) {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_mut()
            && cached.access == rejected
        {
            cached.expires_at = Instant::now();
        }
    }

    async fn client_credentials(&self) -> Result<CachedToken, ConnectorError> {
        tracing::debug!("requesting a HelloAsso access token (client_credentials)");
        let answer = self.client.exchange_client_credentials().request_async(&self.http).await.map_err(token_error)?;
        Ok(cached(&answer))
    }

    async fn refresh(&self, refresh: String) -> Result<CachedToken, ConnectorError> {
        tracing::debug!("renewing the HelloAsso access token (refresh_token)");
        let refresh = RefreshToken::new(refresh);
        let answer =
            self.client.exchange_refresh_token(&refresh).request_async(&self.http).await.map_err(token_error)?;
        Ok(cached(&answer))
    }
}

fn cached(answer: &oauth2::basic::BasicTokenResponse) -> CachedToken {
    CachedToken {
        access: answer.access_token().secret().clone(),
        expires_at: Instant::now() + answer.expires_in().unwrap_or(DEFAULT_TOKEN_LIFETIME),
        refresh: answer.refresh_token().map(|r| r.secret().clone()),
    }
}

/// The `oauth2` crate's error as a `ConnectorError`; never carries a body (it could hold a token).
fn token_error(e: RequestTokenError<TokenHttpError, oauth2::basic::BasicErrorResponse>) -> ConnectorError {
    match e {
        RequestTokenError::Request(TokenHttpError(inner)) => inner,
        RequestTokenError::ServerResponse(answer) => {
            let code = answer.error();
            let description = answer.error_description().map(|d| format!(" ({d})")).unwrap_or_default();
            let text = format!("the HelloAsso token endpoint answered `{code}`{description}");
            match code {
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient
                | BasicErrorResponseType::InvalidGrant => ConnectorError::Auth(text),
                _ => ConnectorError::Invalid(text),
            }
        }
        RequestTokenError::Parse(e, _body) => {
            ConnectorError::Invalid(format!("the HelloAsso token endpoint's answer does not parse: {e}"))
        }
        RequestTokenError::Other(text) => ConnectorError::Invalid(format!("HelloAsso token endpoint: {text}")),
    }
}
