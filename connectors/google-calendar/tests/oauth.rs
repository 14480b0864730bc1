//! OAuth against the sandbox: the whole PKCE consent (the redirect reaches a small local listener
//! standing for the hub), the refresh token it yields, access-token refresh after expiry, and the
//! refusals (wrong verifier, revoked or missing refresh token).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use hub_connector_google_calendar::{GoogleCalendarConnector, oauth, token_store};
use hub_connector_sdk::{
    Connector, ConnectorError,
    testkit::{CannedResponse, serve_fn},
};

/// A listener standing for the hub's redirect endpoint: records what reaches `/callback`.
async fn callback_listener() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let store = seen.clone();
    let base = serve_fn(move |path_and_query| {
        store.lock().unwrap().push(path_and_query.to_string());
        CannedResponse::json(200, r#"{"status":"ok"}"#)
    })
    .await
    .unwrap();
    (format!("{base}/callback"), seen)
}

/// Opens the consent URL as a browser would (following Google's redirect back to the hub) and
/// returns the query the hub received.
async fn consent(url: &str, seen: &Arc<Mutex<Vec<String>>>) -> String {
    let browser = reqwest::Client::new();
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "the redirect reached the listener");
    let got = seen.lock().unwrap().last().cloned().expect("the listener was called");
    assert!(got.starts_with("/callback?"), "{got}");
    got
}

#[tokio::test]
async fn pkce_consent_yields_a_refresh_token_the_connector_uses() {
    let sb = Sandbox::start().await;
    let mut settings = sb.settings();
    settings.refresh_token = None;
    let (redirect, seen) = callback_listener().await;
    let (url, state, verifier) = oauth::authorization_url(&settings, &redirect).unwrap();
    assert!(url.starts_with(&sb.cred("auth_url")), "{url}");
    let query = consent(&url, &seen).await;
    let code = oauth::parse_callback(&query, &state).unwrap();
    assert!(oauth::parse_callback(&query, "another-state").is_err(), "a foreign state is refused");
    let refresh = oauth::exchange_code(&settings, &code, &verifier, &redirect).await.unwrap();
    assert!(refresh.starts_with("1//"), "a Google-like refresh token");
    // the hub stores it encrypted, and gives it back decrypted to the connector
    let key = token_store::TokenKey::generate().unwrap();
    let stored = token_store::encrypt(&key, &refresh).unwrap();
    settings.refresh_token = Some(token_store::decrypt(&key, &stored).unwrap());
    let report = GoogleCalendarConnector::new(settings).unwrap().check().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert!(report.detail.contains("salle-hypatia"), "{report:?}");
    // a code is used once
    let again = oauth::exchange_code(&sb.settings(), &code, &verifier, &redirect).await.unwrap_err();
    assert!(matches!(again, ConnectorError::Auth(_)), "{again}");
}

#[tokio::test]
async fn a_wrong_verifier_or_redirect_is_refused() {
    let sb = Sandbox::start().await;
    let settings = sb.settings();
    let (redirect, seen) = callback_listener().await;
    let (url, state, _verifier) = oauth::authorization_url(&settings, &redirect).unwrap();
    let code = oauth::parse_callback(&consent(&url, &seen).await, &state).unwrap();
    let (_, _, other_verifier) = oauth::authorization_url(&settings, &redirect).unwrap();
    let err = oauth::exchange_code(&settings, &code, &other_verifier, &redirect).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Auth(m) if m.contains("invalid_grant")), "{err}");
    assert!(!err.to_string().contains(&other_verifier), "the verifier is not echoed");
    let (url, state, verifier) = oauth::authorization_url(&settings, &redirect).unwrap();
    let code = oauth::parse_callback(&consent(&url, &seen).await, &state).unwrap();
    let err = oauth::exchange_code(&settings, &code, &verifier, "http://127.0.0.1:9/elsewhere").await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once() {
    let sb = Sandbox::start().await;
    let conn = sb.connector();
    assert!(conn.check().await.unwrap().ok);
    assert_eq!(sb.state().await["accessTokens"], 1);
    assert!(conn.check().await.unwrap().ok);
    assert_eq!(sb.state().await["accessTokens"], 1, "the access token is cached");
    sb.trigger("/_sandbox/oauth/expire-access-tokens", serde_json::json!({})).await;
    let (records, _) = read_pass(&conn, None).await;
    assert!(!records.is_empty());
    assert_eq!(sb.state().await["accessTokens"], 2, "one refresh after the 401");
}

#[tokio::test]
async fn a_revoked_or_missing_refresh_token_is_auth() {
    let sb = Sandbox::start().await;
    let revoke = sb.client.post(format!("{}/revoke", sb.base())).query(&[("token", sb.cred("refresh_token"))]);
    assert!(revoke.send().await.unwrap().status().is_success());
    let err = sb.connector().read("events", None).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Auth(m) if m.contains("hub auth google gcal-test")), "{err}");
    let mut settings = sb.settings();
    settings.refresh_token = None;
    let err = GoogleCalendarConnector::new(settings).unwrap().check().await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Auth(m) if m.contains("no Google refresh token")), "{err}");
    let mut settings = sb.settings();
    settings.client_secret = "wrong".into();
    let err = GoogleCalendarConnector::new(settings).unwrap().check().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err}");
}
