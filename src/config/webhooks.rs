//! `[webhooks]`: outbound delivery settings, and endpoints declared in the configuration
//! (`[webhooks.endpoints.NAME]`); endpoints can also be created through the admin API.

use std::collections::BTreeMap;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Deliver at all (fan-out and dispatch run in every hub process when true).
    pub enabled: bool,
    /// Delay before each attempt, in seconds: the first is "immediately".
    pub retry_schedule_secs: Vec<u64>,
    /// Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter].
    pub jitter: f64,
    /// A 429/503 `Retry-After` is honoured up to this many seconds.
    pub retry_after_max_secs: u64,
    /// An endpoint failing with no success for this long is disabled (5 days).
    pub disable_after_secs: u64,
    pub connect_timeout_secs: u64,
    /// Whole request, response excerpt included.
    pub request_timeout_secs: u64,
    /// How much of a response is kept in the attempt log.
    pub response_excerpt_bytes: usize,
    /// Deliveries in flight per endpoint (a slow endpoint only slows itself).
    pub concurrency_per_endpoint: usize,
    pub poll_interval_ms: u64,
    /// How long a claimed delivery stays reserved (a crashed process's claims come back after it).
    pub lease_secs: u64,
    /// After a secret rotation the old secret keeps signing, beside the new one, this long.
    pub rotation_overlap_secs: u64,
    /// Networks deliveries may reach although they are private, loopback or link-local.
    pub allow_networks: Vec<IpNet>,
    /// Delivered and failed deliveries, their attempts and their messages are kept this long.
    pub retention_days: u64,
    /// Endpoints by name.
    pub endpoints: BTreeMap<String, EndpointConfig>,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            enabled: true,
            retry_schedule_secs: vec![0, 5, 300, 1800, 7200, 18000, 36000, 36000],
            jitter: 0.2,
            retry_after_max_secs: 3600,
            disable_after_secs: 5 * 24 * 3600,
            connect_timeout_secs: 5,
            request_timeout_secs: 15,
            response_excerpt_bytes: 1024,
            concurrency_per_endpoint: 32,
            poll_interval_ms: 100,
            lease_secs: 60,
            rotation_overlap_secs: 24 * 3600,
            allow_networks: vec![],
            retention_days: 30,
            endpoints: BTreeMap::new(),
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    pub url: String,
    /// Event types (`member.created`), families (`member.*`); empty: every event.
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// `whsec_` + base64 (24 to 64 bytes): shared with the receiver.
    pub secret: SecretString,
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl WebhooksConfig {
    /// Semantic problems as (key under `webhooks.`, reason).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.retry_schedule_secs.is_empty() {
            out.push(("retry_schedule_secs".into(), "needs at least one attempt".into()));
        }
        if !(0.0..1.0).contains(&self.jitter) {
            out.push(("jitter".into(), "must be in [0, 1)".into()));
        }
        for (key, v) in [
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("request_timeout_secs", self.request_timeout_secs),
            ("lease_secs", self.lease_secs),
        ] {
            if v == 0 {
                out.push((key.into(), "must be at least 1".into()));
            }
        }
        if self.request_timeout_secs > 60 {
            out.push(("request_timeout_secs".into(), "must be at most 60 (a bounded delivery timeout)".into()));
        }
        if self.lease_secs <= self.request_timeout_secs {
            out.push(("lease_secs".into(), "must be longer than request_timeout_secs".into()));
        }
        if self.retention_days == 0 {
            out.push(("retention_days".into(), "must be at least 1".into()));
        }
        if self.concurrency_per_endpoint == 0 {
            out.push(("concurrency_per_endpoint".into(), "must be at least 1".into()));
        }
        if self.poll_interval_ms < 10 {
            out.push(("poll_interval_ms".into(), "must be at least 10".into()));
        }
        if self.response_excerpt_bytes > 64 * 1024 {
            out.push(("response_excerpt_bytes".into(), "must be at most 65536".into()));
        }
        for (name, ep) in &self.endpoints {
            let key = |k: &str| format!("endpoints.{name}.{k}");
            if let Err(why) = crate::webhooks::catalogue::check_filters(&ep.event_types) {
                out.push((key("event_types"), why));
            }
            match reqwest::Url::parse(&ep.url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                Ok(u) => out.push((key("url"), format!("scheme `{}` is not http or https", u.scheme()))),
                Err(e) => out.push((key("url"), format!("not a URL: {e}"))),
            }
            if let Err(e) = crate::webhooks::secret::check_whsec(ep.secret.expose_secret()) {
                out.push((key("secret"), e.to_string()));
            }
        }
        out
    }
}
