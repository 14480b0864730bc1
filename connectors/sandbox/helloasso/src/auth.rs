//! OAuth2 at `POST /oauth2/token` (form-encoded `client_credentials` and `refresh_token` grants;
//! JWT-looking access tokens that expire, refresh tokens that rotate) and the bearer check of
//! every `/v5` route (401 with a JSON body when the token is missing, unknown or expired).

use axum::{
    Json,
    body::Bytes,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use chrono::{Duration, Utc};
use serde_json::json;

use crate::App;
use crate::model::{AccessToken, RefreshToken, Store};
use crate::wire::{Params, unauthorized};

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

fn random_hex(rng: &mut fastrand::Rng, bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rng.u8(..))).collect()
}

/// Issues an access token (a JWT-shaped string) and a refresh token for `client_id`.
fn issue(store: &mut Store, client_id: &str) -> serde_json::Value {
    let now = Utc::now();
    let ttl = store.access_token_ttl_secs;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jti = random_hex(&mut store.rng, 16);
    let header = b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = b64.encode(
        json!({
            "jti": jti, "cid": client_id, "urs": "OrganizationAdmin",
            "iat": now.timestamp(), "exp": now.timestamp() + ttl,
        })
        .to_string(),
    );
    let signature = b64.encode(random_hex(&mut store.rng, 32));
    let access = format!("{header}.{payload}.{signature}");
    let refresh = random_hex(&mut store.rng, 16);
    store
        .access_tokens
        .insert(access.clone(), AccessToken { client_id: client_id.into(), expires_at: now + Duration::seconds(ttl) });
    store.refresh_tokens.insert(
        refresh.clone(),
        RefreshToken { client_id: client_id.into(), expires_at: now + Duration::seconds(store.refresh_token_ttl_secs) },
    );
    json!({"access_token": access, "token_type": "bearer", "expires_in": ttl, "refresh_token": refresh})
}

/// `POST /oauth2/token`.
pub async fn token(State(app): State<App>, headers: axum::http::HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request must use Content-Type application/x-www-form-urlencoded.",
        );
    }
    let form = Params::parse(&String::from_utf8_lossy(&body));
    let Some(client_id) = form.get("client_id") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The mandatory 'client_id' parameter is missing.",
        );
    };
    let mut store = app.store.lock().expect("store lock");
    match form.get("grant_type") {
        Some("client_credentials") => {
            let Some(secret) = form.get("client_secret") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The mandatory 'client_secret' parameter is missing.",
                );
            };
            if client_id != app.client_id || secret != app.client_secret {
                return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", "Client authentication failed.");
            }
            Json(issue(&mut store, client_id)).into_response()
        }
        Some("refresh_token") => {
            let Some(refresh) = form.get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The mandatory 'refresh_token' parameter is missing.",
                );
            };
            if client_id != app.client_id {
                return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", "Client authentication failed.");
            }
            match store.refresh_tokens.remove(refresh) {
                Some(r) if r.client_id == client_id && r.expires_at > Utc::now() => {
                    Json(issue(&mut store, client_id)).into_response()
                }
                _ => oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The specified refresh token is invalid or has expired.",
                ),
            }
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("The grant type '{other}' is not supported."),
        ),
        None => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "The mandatory 'grant_type' parameter is missing.")
        }
    }
}

/// Middleware on `/v5`: a valid, unexpired bearer token or 401.
pub async fn require_token(State(app): State<App>, req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .map(str::to_string);
    let valid = match bearer {
        Some(token) => {
            let store = app.store.lock().expect("store lock");
            store.access_tokens.get(&token).is_some_and(|t| t.expires_at > Utc::now())
        }
        None => false,
    };
    if !valid {
        return unauthorized();
    }
    next.run(req).await
}
