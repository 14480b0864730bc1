//! Bearer personal-access-token authentication (`auth:api`) and Laravel's `throttle:api` rate
//! limiter (120 requests per minute per user by default, `X-RateLimit-*` and `Retry-After` headers).
//! Authentication runs first, as in Snipe-IT's `api` middleware group, so refused requests do not
//! count against the limit.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::App;

/// Fixed-window limiter keyed by token (Laravel's `RateLimiter::attempt` with a 60 s decay).
#[derive(Debug)]
pub struct Throttle {
    pub per_minute: u32,
    /// Length of a window (60 s; longer only for tests that must not depend on the clock).
    pub window: Duration,
    hits: HashMap<String, (Instant, u32)>,
}

impl Throttle {
    pub fn new(per_minute: u32) -> Throttle {
        Throttle { per_minute, window: Duration::from_secs(60), hits: HashMap::new() }
    }
    pub fn reset(&mut self, per_minute: u32, window: Duration) {
        self.per_minute = per_minute;
        self.window = window;
        self.hits.clear();
    }
    /// `Ok(remaining)` or `Err(seconds until the window reopens)`.
    fn hit(&mut self, key: &str) -> Result<u32, u64> {
        let now = Instant::now();
        let entry = self.hits.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(self.per_minute - entry.1)
    }
}

fn header_num(resp: &mut Response, name: &'static str, v: u64) {
    resp.headers_mut().insert(name, HeaderValue::from(v));
}

/// The 401 body of the vendor's example (`error-unauthenticated.401.json`).
pub fn unauthenticated() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"status": "error", "messages": "An Error has occured! Unauthenticated.", "payload": null})),
    )
        .into_response()
}

pub async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    if token != Some(app.token.as_str()) {
        return unauthenticated();
    }
    let (limit, outcome) = {
        let mut t = app.throttle.lock().expect("throttle lock");
        (t.per_minute, t.hit("user:1"))
    };
    match outcome {
        Ok(remaining) => {
            let mut resp = next.run(req).await;
            header_num(&mut resp, "x-ratelimit-limit", u64::from(limit));
            header_num(&mut resp, "x-ratelimit-remaining", u64::from(remaining));
            resp
        }
        Err(retry_after) => {
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"status": "error", "messages": "Too Many Requests", "payload": null})),
            )
                .into_response();
            header_num(&mut resp, "x-ratelimit-limit", u64::from(limit));
            header_num(&mut resp, "x-ratelimit-remaining", 0);
            header_num(&mut resp, "retry-after", retry_after);
            let reset = chrono::Utc::now().timestamp().max(0) as u64 + retry_after;
            header_num(&mut resp, "x-ratelimit-reset", reset);
            resp
        }
    }
}
