//! Google's OAuth 2.0 web-server flow, simulated: `GET /o/oauth2/v2/auth` (consent, answered at once
//! by a 302 back to `redirect_uri` with `code` and `state`, no UI), `POST /token`
//! (`authorization_code` with PKCE S256/plain check, `refresh_token`), `POST /revoke`, and the
//! Bearer check (with scopes) in front of every `/calendar/v3/...` route.

use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sha2::Digest;

use crate::{
    error::GoogleError,
    state::{AccessToken, App, AuthCode, CLIENT_ID, CLIENT_SECRET, RefreshToken, base32hex_id},
};

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

fn random_token(prefix: &str, len: usize) -> String {
    let mut rng = fastrand::Rng::new();
    format!("{prefix}{}", base32hex_id(&mut rng, len))
}

/// The consent step: checks the client and parameters, then redirects straight back.
pub async fn authorize(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("client_id") != CLIENT_ID {
        return (StatusCode::UNAUTHORIZED, "Error 401: invalid_client\nThe OAuth client was not found.")
            .into_response();
    }
    let redirect_uri = get("redirect_uri");
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return (StatusCode::BAD_REQUEST, "Error 400: redirect_uri_mismatch").into_response();
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut back = form_urlencoded::Serializer::new(String::new());
    if let Some(state) = q.get("state") {
        back.append_pair("state", state);
    }
    let method = q.get("code_challenge_method").cloned().unwrap_or_else(|| "plain".into());
    if get("response_type") != "code" {
        back.append_pair("error", "unsupported_response_type");
    } else if get("scope").is_empty() {
        back.append_pair("error", "invalid_request");
        back.append_pair("error_description", "Missing required parameter: scope");
    } else if q.contains_key("code_challenge") && method != "S256" && method != "plain" {
        back.append_pair("error", "invalid_request");
        back.append_pair("error_description", "Invalid code_challenge_method");
    } else {
        let code = random_token("4/0sandbox", 40);
        let scope = get("scope").to_string();
        app.lock().codes.insert(
            code.clone(),
            AuthCode {
                client_id: CLIENT_ID.into(),
                redirect_uri: redirect_uri.into(),
                scope: scope.clone(),
                challenge: q.get("code_challenge").cloned(),
                challenge_method: method,
                offline: get("access_type") == "offline",
            },
        );
        back.append_pair("code", &code);
        back.append_pair("scope", &scope);
    }
    let location = format!("{redirect_uri}{sep}{}", back.finish());
    match HeaderValue::from_str(&location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "Error 400: redirect_uri_mismatch").into_response(),
    }
}

/// `POST /token` (form-encoded; client credentials in the body or HTTP Basic).
pub async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default().to_string();
    let (mut client_id, mut client_secret) = (get("client_id"), get("client_secret"));
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok())
        && let Some((id, secret)) = basic.split_once(':')
    {
        client_id = id.to_string();
        client_secret = secret.to_string();
    }
    if client_id != CLIENT_ID {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    }
    if client_secret != CLIENT_SECRET {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    let mut st = app.lock();
    let ttl = st.access_token_ttl_secs;
    let (scope, refresh) = match get("grant_type").as_str() {
        "authorization_code" => {
            let Some(code) = st.codes.remove(&get("code")) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Malformed auth code.");
            };
            if code.redirect_uri != get("redirect_uri") {
                return oauth_error(StatusCode::BAD_REQUEST, "redirect_uri_mismatch", "Bad Request");
            }
            if let Some(challenge) = &code.challenge {
                let verifier = get("code_verifier");
                if verifier.is_empty() {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "code_verifier or verifier is not needed.",
                    );
                }
                let computed = if code.challenge_method == "S256" {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier
                };
                if &computed != challenge {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code verifier.");
                }
            }
            let refresh = code.offline.then(|| random_token("1//0sandbox", 48));
            if let Some(r) = &refresh {
                st.refresh_tokens.insert(
                    r.clone(),
                    RefreshToken { client_id: code.client_id.clone(), scope: code.scope.clone(), revoked: false },
                );
            }
            (code.scope, refresh)
        }
        "refresh_token" => match st.refresh_tokens.get(&get("refresh_token")) {
            Some(r) if !r.revoked && r.client_id == client_id => (r.scope.clone(), None),
            _ => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked."),
        },
        "" => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Invalid grant_type: "),
        other => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("Invalid grant_type: {other}"),
            );
        }
    };
    let access = random_token("ya29.sandbox-", 64);
    st.access_tokens.insert(
        access.clone(),
        AccessToken { client_id, scope: scope.clone(), expires_at: Utc::now() + Duration::seconds(ttl) },
    );
    let mut body = json!({"access_token": access, "expires_in": ttl, "scope": scope, "token_type": "Bearer"});
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    Json(body).into_response()
}

/// `POST /revoke?token=...` (or the token in the form body): revokes a refresh or access token.
pub async fn revoke(State(app): State<App>, Query(q): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let Some(token) = q.get("token").or_else(|| form.get("token")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request");
    };
    let mut st = app.lock();
    let found = if let Some(r) = st.refresh_tokens.get_mut(token) {
        r.revoked = true;
        true
    } else {
        st.access_tokens.remove(token).is_some()
    };
    if found {
        (StatusCode::OK, Json(json!({}))).into_response()
    } else {
        oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Token expired or revoked")
    }
}

const READ_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.events.readonly",
];

/// Bearer check for `/calendar/v3/...`: 401 `authError` (or `required` when no credential),
/// 403 `insufficientPermissions` when the token's scopes do not allow the call.
pub async fn bearer(State(app): State<App>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|v| v.trim().to_string());
    let Some(presented) = presented else {
        return GoogleError::new(
            401,
            "global",
            "required",
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        )
        .at("header", "Authorization")
        .into_response();
    };
    let scope = {
        let mut st = app.lock();
        let scope = match st.access_tokens.get(&presented) {
            Some(t) if t.expires_at > Utc::now() => t.scope.clone(),
            _ => {
                return GoogleError::new(401, "global", "authError", "Invalid Credentials")
                    .at("header", "Authorization")
                    .into_response();
            }
        };
        if let Some((requests, window)) = st.user_rate_limit {
            let now = Utc::now().timestamp();
            if now - st.rate_window.0 >= window {
                st.rate_window = (now, 0);
            }
            st.rate_window.1 += 1;
            if st.rate_window.1 > requests {
                return GoogleError::new(403, "usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded")
                    .into_response();
            }
        }
        scope
    };
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let path = req.uri().path();
    let write = req.method() != Method::GET && !path.ends_with("/watch") && !path.ends_with("/channels/stop");
    let allowed = if !write {
        scopes.iter().any(|s| READ_SCOPES.contains(s))
    } else if path.contains("/events") {
        scopes.iter().any(|s| *s == READ_SCOPES[0] || *s == READ_SCOPES[2])
    } else {
        scopes.contains(&READ_SCOPES[0])
    };
    if !allowed {
        return GoogleError::new(
            403,
            "global",
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        )
        .into_response();
    }
    next.run(req).await
}

/// Parses a JSON request body, answering Google's `parseError` otherwise.
pub fn json_body(body: &Bytes) -> Result<Value, GoogleError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(GoogleError::parse_error()),
    }
}
