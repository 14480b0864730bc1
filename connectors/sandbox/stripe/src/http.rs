//! What wraps every `/v1` call: a `Request-Id`, the secret-key check (Bearer or Basic user),
//! `Idempotency-Key` replay (same key + same request → the first answer with
//! `Idempotent-Replayed: true`; same key + other parameters → 400 `idempotency_error`), the
//! `Stripe-Version` answer header, and the [`Params`] extractor (query + form body as JSON).

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::{FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde_json::Value;

use crate::{
    error::ApiError,
    form,
    state::{App, Saved},
    webhooks::{API_VERSION, ReqInfo},
};

/// The request id given to the current call.
#[derive(Clone)]
struct RequestId(String);

const BODY_LIMIT: usize = 2 * 1024 * 1024;

fn bearer_or_basic(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?.trim();
    if let Some(token) = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")) {
        return Some(token.trim().to_string());
    }
    let encoded = auth.strip_prefix("Basic ").or_else(|| auth.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(text.split(':').next().unwrap_or_default().to_string())
}

fn unauthorized(message: String) -> Response {
    let mut resp =
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", message, None, None).into_response();
    resp.headers_mut().insert("www-authenticate", HeaderValue::from_static("Basic realm=\"Stripe\""));
    resp
}

fn mask(key: &str) -> String {
    let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let head: String = key.chars().take(8).collect();
    format!("{head}{}{tail}", "*".repeat(key.chars().count().saturating_sub(12)))
}

fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// Middleware on every vendor route.
pub async fn stripe_layer(State(app): State<App>, req: Request, next: Next) -> Response {
    let request_id = format!("req_{}", app.lock().random(14));
    let version = req.headers().get("stripe-version").and_then(|v| v.to_str().ok()).unwrap_or(API_VERSION).to_string();
    let mut resp = handle(app, req, next, request_id.clone()).await;
    if resp.headers().get("request-id").is_none() {
        set_header(&mut resp, "request-id", &request_id);
    }
    set_header(&mut resp, "stripe-version", &version);
    resp
}

async fn handle(app: App, mut req: Request, next: Next, request_id: String) -> Response {
    match bearer_or_basic(req.headers()) {
        None => return unauthorized("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.".into()),
        Some(key) if key != app.api_key => return unauthorized(format!("Invalid API Key provided: {}", mask(&key))),
        Some(_) => {}
    }
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let Some(key) = key.filter(|_| req.method() == axum::http::Method::POST) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let fingerprint = format!("{} {} {}", parts.method, parts.uri, String::from_utf8_lossy(&bytes));
    {
        let mut store = app.lock();
        match store.idempotency.get(&key) {
            Some(Saved::Done { fingerprint: f, status, body, request_id: first_id }) if *f == fingerprint => {
                let mut resp = Response::new(Body::from(body.clone()));
                *resp.status_mut() = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
                set_header(&mut resp, "content-type", "application/json");
                set_header(&mut resp, "idempotent-replayed", "true");
                set_header(&mut resp, "idempotency-key", &key);
                set_header(&mut resp, "original-request", first_id);
                set_header(&mut resp, "request-id", first_id);
                return resp;
            }
            Some(Saved::InFlight { fingerprint: f }) if *f == fingerprint => {
                return ApiError::new(StatusCode::CONFLICT, "idempotency_error", "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ".to_string() + &key + ". Please try again later.", None, None).into_response();
            }
            Some(_) => {
                return ApiError::new(StatusCode::BAD_REQUEST, "idempotency_error", format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."), None, None).into_response();
            }
            None => {
                store.idempotency.insert(key.clone(), Saved::InFlight { fingerprint: fingerprint.clone() });
            }
        }
    }
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (mut parts, body) = resp.into_parts();
    let bytes: Bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let status = parts.status.as_u16();
    {
        let mut store = app.lock();
        // Stripe saves a result once the endpoint began executing; failed validation is not saved.
        if matches!(status, 400 | 401 | 404 | 409 | 429) {
            store.idempotency.remove(&key);
        } else {
            store.idempotency.insert(
                key.clone(),
                Saved::Done { fingerprint, status, body: bytes.to_vec(), request_id: request_id.clone() },
            );
        }
    }
    if let Ok(v) = HeaderValue::from_str(&key) {
        parts.headers.insert("idempotency-key", v);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The call's parameters: query string and form body merged into JSON, plus what events record.
pub struct Params {
    pub v: Value,
    pub req: ReqInfo,
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let mut v = form::parse(req.uri().query().unwrap_or_default());
        let info = ReqInfo {
            id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            idempotency_key: req.headers().get("idempotency-key").and_then(|h| h.to_str().ok()).map(str::to_string),
        };
        let is_json = req
            .headers()
            .get("content-type")
            .and_then(|h| h.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"));
        let bytes = to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::invalid_request("Request body too large or unreadable.".into(), None, None))?;
        if is_json && !bytes.is_empty() {
            return Err(ApiError::invalid_request(
                "Invalid request: Stripe expects `application/x-www-form-urlencoded` bodies, not JSON.".into(),
                None,
                None,
            ));
        }
        form::merge(&mut v, form::parse(&String::from_utf8_lossy(&bytes)));
        Ok(Params { v, req: info })
    }
}
