//! Frappe authentication (`frappe/auth.py`): `Authorization: token <key>:<secret>`,
//! `Authorization: Basic base64(<key>:<secret>)`, or the `sid` cookie from `POST /api/method/login`.
//! Wrong key/secret → 401 `AuthenticationError`; undecodable Basic → 400 `InvalidAuthorizationToken`;
//! no credentials (or an unknown scheme) → the request runs as `Guest`, who may read nothing
//! (403 `PermissionError` on resources). Bearer tokens are never issued here, so they are refused (401).

use axum::http::HeaderMap;
use base64::Engine;

use crate::{App, errors::FrappeError};

/// The demo API user (User with "API Access" keys).
pub const API_USER: &str = "api-hub@example.org";
pub const API_USER_FULL_NAME: &str = "API Hub";
pub const API_KEY: &str = "5e1a8f2c9d3b7a4";
pub const API_SECRET: &str = "b7c94e2f1a6d8035";
/// Password of [`API_USER`] for `POST /api/method/login`.
pub const API_PASSWORD: &str = "dokos-sandbox";

/// Who the request runs as.
#[derive(Debug, Clone, PartialEq)]
pub enum Who {
    User(String),
    Guest,
}

impl Who {
    pub fn name(&self) -> &str {
        match self {
            Who::User(u) => u,
            Who::Guest => "Guest",
        }
    }
    /// Guest may not touch the simulated DocTypes.
    pub fn require(&self, doctype: &str) -> Result<&str, FrappeError> {
        match self {
            Who::User(u) => Ok(u),
            Who::Guest => Err(FrappeError::permission(doctype)),
        }
    }
}

fn check_pair(pair: &str) -> Result<Who, FrappeError> {
    match pair.split_once(':') {
        Some((key, secret)) if key == API_KEY && secret == API_SECRET => Ok(Who::User(API_USER.to_string())),
        _ => Err(FrappeError::auth()),
    }
}

pub fn authenticate(headers: &HeaderMap, app: &App) -> Result<Who, FrappeError> {
    if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        return match scheme.to_lowercase().as_str() {
            "token" => check_pair(rest.trim()),
            "basic" => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(rest.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(FrappeError::bad_token)?;
                check_pair(&decoded)
            }
            "bearer" => Err(FrappeError::auth()),
            _ => Ok(Who::Guest),
        };
    }
    let sid = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == "sid")
        .map(|(_, v)| v.to_string());
    if let Some(sid) = sid {
        let st = app.state.lock().expect("state lock");
        if let Some(user) = st.sessions.get(&sid) {
            return Ok(Who::User(user.clone()));
        }
    }
    Ok(Who::Guest)
}
