//! OAuth 2.0: authorization code + PKCE S256 end to end, refresh, revocation, expiry, scopes, and
//! the API's auth refusals (401 `required` / `authError`, 403 `insufficientPermissions`).

mod common;

use base64::Engine;
use common::*;
use serde_json::{Value, json};
use sha2::Digest;

fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

async fn consent(sb: &Sandbox, scope: &str, challenge: &str) -> String {
    let redirect = "http://127.0.0.1:9/callback";
    let resp = sb
        .http
        .get(sb.cred("auth_url"))
        .query(&[
            ("client_id", sb.cred("client_id").as_str()),
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("scope", scope),
            ("access_type", "offline"),
            ("state", "xyz-état"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("auth");
    assert_eq!(resp.status(), 302, "consent redirects back");
    let location = resp.headers()["location"].to_str().expect("location").to_string();
    assert!(location.starts_with(redirect), "{location}");
    let q = query_of(&location);
    assert_eq!(param(&q, "state"), Some("xyz-état"));
    param(&q, "code").expect("code").to_string()
}

async fn exchange(sb: &Sandbox, code: &str, verifier: &str) -> reqwest::Response {
    sb.http
        .post(sb.cred("token_url"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("client_id", &sb.cred("client_id")),
            ("client_secret", &sb.cred("client_secret")),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("token")
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

#[tokio::test]
async fn credentials_have_the_documented_keys() {
    let sb = start().await;
    for k in ["base_url", "client_id", "client_secret", "token_url", "auth_url", "refresh_token", "calendar_id"] {
        assert!(sb.started.credentials[k].as_str().is_some_and(|v| !v.is_empty()), "{k}");
    }
    let entry = sb.json(&format!("/users/me/calendarList/{}", sb.calendar())).await;
    assert_eq!(entry["id"], sb.started.credentials["calendar_id"]);
}

#[tokio::test]
async fn authorization_code_with_pkce_then_refresh() {
    let sb = start().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sandbox-verifier";
    let code = consent(&sb, "https://www.googleapis.com/auth/calendar.events", &challenge(verifier)).await;

    // a wrong verifier is refused, and the code is spent
    let bad = exchange(&sb, &code, "not-the-verifier-not-the-verifier-not-the-verifier").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.expect("json")["error"], "invalid_grant");
    let reused = exchange(&sb, &code, verifier).await;
    assert_eq!(reused.status(), 400);

    let code = consent(&sb, "https://www.googleapis.com/auth/calendar.events", &challenge(verifier)).await;
    let ok = exchange(&sb, &code, verifier).await;
    assert_eq!(ok.status(), 200);
    let tokens: Value = ok.json().await.expect("json");
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["expires_in"].as_i64().is_some_and(|s| s > 0));
    let access = tokens["access_token"].as_str().expect("access");
    let refresh_token = tokens["refresh_token"].as_str().expect("offline access gives a refresh token");
    let list = sb
        .http
        .get(sb.api(&format!("/calendars/{}/events", sb.calendar())))
        .bearer_auth(access)
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), 200);

    let mut creds = sb.started.credentials.clone();
    creds["refresh_token"] = json!(refresh_token);
    let refreshed: Value = refresh(&sb.http, &creds).await.json().await.expect("json");
    assert!(refreshed["access_token"].is_string() && refreshed["refresh_token"].is_null(), "{refreshed}");

    // revoke → invalid_grant on refresh
    let r = sb.http.post(sb.url("/revoke")).query(&[("token", refresh_token)]).send().await.expect("revoke");
    assert_eq!(r.status(), 200);
    let again = refresh(&sb.http, &creds).await;
    assert_eq!(again.status(), 400);
    assert_eq!(again.json::<Value>().await.expect("json")["error"], "invalid_grant");
}

#[tokio::test]
async fn token_example_request_and_responses_are_reproduced() {
    let sb = start().await;
    for (name, ex) in examples().into_iter().filter(|(n, _)| n.starts_with("oauth2-token")) {
        // the example's form, with its placeholders replaced by the sandbox's credentials
        let mut form: Vec<(String, String)> = Vec::new();
        for (k, v) in ex["request"]["form"].as_object().expect("form") {
            let v = v.as_str().expect("string");
            let v = if v.starts_with('<') { sb.cred(k) } else { v.to_string() };
            form.push((k.clone(), v));
        }
        let resp = sb.http.post(sb.cred("token_url")).form(&form).send().await.expect("token");
        assert_eq!(resp.status(), 200, "{name}");
        let body: Value = resp.json().await.expect("json");
        let keys = |v: &Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&body), keys(&ex["response_200"]), "{name}: {body}");
        assert_eq!(body["token_type"], ex["response_200"]["token_type"]);

        // the same request with an unknown refresh token: the example's error body
        let form: Vec<(String, String)> = form
            .into_iter()
            .map(|(k, v)| if k == "refresh_token" { (k, "1//0revoked".into()) } else { (k, v) })
            .collect();
        let resp = sb.http.post(sb.cred("token_url")).form(&form).send().await.expect("token");
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(keys(&body), keys(&ex["response_400_revoked_or_expired"]));
        assert_eq!(body, ex["response_400_revoked_or_expired"]);
    }
}

#[tokio::test]
async fn wrong_client_secret_is_refused() {
    let sb = start().await;
    let mut creds = sb.started.credentials.clone();
    creds["client_secret"] = json!("wrong");
    let resp = refresh(&sb.http, &creds).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "invalid_client");
}

#[tokio::test]
async fn api_refuses_missing_invalid_and_expired_tokens_like_the_example() {
    let sb = start().await;
    let path = format!("/calendars/{}/events", sb.calendar());
    let missing = sb.http.get(sb.api(&path)).send().await.expect("request");
    assert_eq!(missing.status(), 401);
    assert_google_error(&missing.json().await.expect("json"), 401, "required");

    let example = examples().into_iter().find(|(n, _)| n.starts_with("error-401")).expect("401 example").1;
    let check = |body: Value| {
        assert_google_error(&body, 401, "authError");
        assert_eq!(body["error"]["errors"], example["error"]["errors"]);
        assert_eq!(body["error"]["message"], example["error"]["message"]);
    };
    let invalid = sb.http.get(sb.api(&path)).bearer_auth("ya29.not-a-token").send().await.expect("request");
    assert_eq!(invalid.status(), 401);
    assert!(invalid.headers().contains_key("www-authenticate"));
    check(invalid.json().await.expect("json"));

    assert_eq!(sb.get(&path).await.status(), 200);
    let r = sb.http.post(sb.url("/_sandbox/oauth/expire-access-tokens")).send().await.expect("expire");
    assert_eq!(r.status(), 200);
    let expired = sb.get(&path).await;
    assert_eq!(expired.status(), 401);
    check(expired.json().await.expect("json"));
}

#[tokio::test]
async fn read_only_scope_cannot_write() {
    let sb = start().await;
    let verifier = "a-verifier-long-enough-for-pkce-0123456789-abcdefghijklmnop";
    let code = consent(&sb, "https://www.googleapis.com/auth/calendar.readonly", &challenge(verifier)).await;
    let tokens: Value = exchange(&sb, &code, verifier).await.json().await.expect("json");
    let access = tokens["access_token"].as_str().expect("access");
    let path = sb.api(&format!("/calendars/{}/events", sb.calendar()));
    assert_eq!(sb.http.get(&path).bearer_auth(access).send().await.expect("get").status(), 200);
    let body = json!({"summary": "x", "start": {"date": "2026-01-05"}, "end": {"date": "2026-01-06"}});
    let resp = sb.http.post(&path).bearer_auth(access).json(&body).send().await.expect("post");
    assert_eq!(resp.status(), 403);
    assert_google_error(&resp.json().await.expect("json"), 403, "insufficientPermissions");
}

#[tokio::test]
async fn access_token_lifetime_is_configurable() {
    let sb = start().await;
    let path = format!("/calendars/{}", sb.calendar());
    let r =
        sb.http.put(sb.url("/_sandbox/config")).json(&json!({"accessTokenTtlSecs": 0})).send().await.expect("config");
    assert_eq!(r.status(), 200);
    let tokens: Value = refresh(&sb.http, &sb.started.credentials).await.json().await.expect("json");
    assert_eq!(tokens["expires_in"], json!(0));
    let access = tokens["access_token"].as_str().expect("access");
    let resp = sb.http.get(sb.api(&path)).bearer_auth(access).send().await.expect("get");
    assert_eq!(resp.status(), 401, "born expired");
    assert_google_error(&resp.json().await.expect("json"), 401, "authError");
    sb.http.put(sb.url("/_sandbox/config")).json(&json!({"accessTokenTtlSecs": 3599})).send().await.expect("config");
    let tokens: Value = refresh(&sb.http, &sb.started.credentials).await.json().await.expect("json");
    assert_eq!(tokens["expires_in"], json!(3599));
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(sb.http.get(sb.api(&path)).bearer_auth(access).send().await.expect("get").status(), 200);
}
