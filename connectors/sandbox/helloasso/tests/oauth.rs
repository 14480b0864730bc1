//! OAuth2 at /oauth2/token and the bearer check: client_credentials, refresh (rotating), expiry,
//! refusals with the vendor's bodies.
mod common;

use common::{SLUG, Sandbox};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn client_credentials_gives_an_expiring_bearer_token_and_a_refresh_token() {
    let sb = Sandbox::start().await;
    let creds = &sb.started.credentials;
    for key in ["base_url", "client_id", "client_secret", "organization_slug", "notification_signature_key"] {
        assert!(creds[key].as_str().is_some_and(|s| !s.is_empty()), "credential {key}: {creds}");
    }
    assert_eq!(creds["organization_slug"], SLUG);
    let t = sb.token().await;
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 1800, "30 min per the getting-started page");
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 3, "a JWT: {access}");
    assert!(t["refresh_token"].as_str().is_some_and(|r| !r.is_empty()));
    let (status, orgs) = sb.get_with(access, "/v5/users/me/organizations").await;
    assert_eq!(status, 200);
    assert_eq!(orgs[0]["organizationSlug"], SLUG);
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_refused_with_the_oauth2_body() {
    let sb = Sandbox::start().await;
    let id = sb.cred("client_id");
    let (status, body) =
        sb.token_raw(&[("client_id", &id), ("client_secret", "nope"), ("grant_type", "client_credentials")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unauthorized_client");
    assert!(body["error_description"].is_string());
    let (status, body) = sb.token_raw(&[("client_id", &id), ("grant_type", "client_credentials")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    let (status, body) = sb.token_raw(&[("client_id", &id), ("grant_type", "password")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
    // JSON instead of a form body.
    let resp = sb
        .http
        .post(sb.url("/oauth2/token"))
        .json(&json!({"client_id": id, "client_secret": sb.cred("client_secret"), "grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn api_calls_without_a_valid_token_get_401_and_other_organizations_403() {
    let sb = Sandbox::start().await;
    let path = format!("/v5/organizations/{SLUG}/orders");
    let resp = sb.http.get(sb.url(&path)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().get("www-authenticate").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().is_some_and(|m| m.contains("denied")), "{body}");
    let (status, _) = sb.get_with("not-a-token", &path).await;
    assert_eq!(status, 401);
    let token = sb.access_token().await;
    let (status, body) = sb.get_with(&token, "/v5/organizations/une-autre-asso/orders").await;
    assert_eq!(status, 403, "{body}");
    assert!(body["errors"][0]["message"].is_string());
}

#[tokio::test]
async fn expired_tokens_are_refused_and_a_refresh_gives_a_new_pair_once() {
    let sb = Sandbox::start().await;
    let first = sb.token().await;
    let access = first["access_token"].as_str().unwrap().to_string();
    let path = format!("/v5/organizations/{SLUG}/forms");
    assert_eq!(sb.get_with(&access, &path).await.0, 200);
    let (status, expired) = sb.control(Method::POST, "/_sandbox/expire-tokens", json!({})).await;
    assert_eq!(status, 200);
    assert!(expired["expired"].as_u64().unwrap() >= 1);
    let (status, body) = sb.get_with(&access, &path).await;
    assert_eq!(status, 401, "expired token: {body}");
    assert!(body["message"].is_string());

    let id = sb.cred("client_id");
    let refresh = first["refresh_token"].as_str().unwrap().to_string();
    let (status, second) =
        sb.token_raw(&[("client_id", &id), ("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["access_token"], first["access_token"]);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(sb.get_with(second["access_token"].as_str().unwrap(), &path).await.0, 200);
    // The old refresh token was used up.
    let (status, body) =
        sb.token_raw(&[("client_id", &id), ("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    // A refresh for another client is refused.
    let next = second["refresh_token"].as_str().unwrap();
    let (status, body) =
        sb.token_raw(&[("client_id", "someone-else"), ("grant_type", "refresh_token"), ("refresh_token", next)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")));
}

#[tokio::test]
async fn the_token_lifetime_is_configurable() {
    let sb = Sandbox::start().await;
    let (status, cfg) = sb.control(Method::PUT, "/_sandbox/config", json!({"accessTokenTtlSecs": 5})).await;
    assert_eq!((status, cfg["accessTokenTtlSecs"].as_i64()), (200, Some(5)));
    assert_eq!(sb.token().await["expires_in"], 5);
}
