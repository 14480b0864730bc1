//! The booking kinds' tables: `kind = "calcom"` (bookings read), `kind = "google_calendar"`
//! (bookings mirrored into the resources' calendars, staff events read back as blocks) and
//! `kind = "snipeit"` (the equipment lent with bookings: assets read, checked out and in).

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{
    connector_checks::*,
    connectors::{optional_secret, secret, yes},
};

/// `kind = "calcom"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalcomConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream (`bookings`) → cron expression (the safety net behind the webhooks).
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// stream → mapping name (default `calcom/{stream}`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    #[serde(default = "default_calcom_url")]
    pub base_url: String,
    /// `cal_live_…` (Cal.com: Settings → Developer → API keys).
    #[serde(deserialize_with = "secret")]
    pub api_key: SecretString,
    /// The secret set on the Cal.com webhook; without it every webhook is refused.
    #[serde(default, deserialize_with = "optional_secret")]
    pub webhook_secret: Option<SecretString>,
    #[serde(default = "default_calcom_page_size")]
    pub page_size: u32,
}

fn default_calcom_url() -> String {
    hub_connector_calcom::DEFAULT_BASE_URL.into()
}
fn default_calcom_page_size() -> u32 {
    hub_connector_calcom::DEFAULT_PAGE_SIZE
}

/// `kind = "google_calendar"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleCalendarConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream (`events`) → cron expression.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// stream → mapping name (default `google_calendar/{stream}`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    /// Canonical entity kinds written (`booking`).
    #[serde(default = "bookings")]
    pub writes: Vec<String>,
    #[serde(default = "default_google_api")]
    pub base_url: String,
    #[serde(default = "default_google_auth")]
    pub auth_url: String,
    #[serde(default = "default_google_token")]
    pub token_url: String,
    pub client_id: String,
    #[serde(deserialize_with = "secret")]
    pub client_secret: SecretString,
    /// Standard base64 of 32 bytes: encrypts the refresh token kept in the database
    /// (`hub auth google --new-key` prints one).
    #[serde(deserialize_with = "secret")]
    pub token_key: SecretString,
    /// The hub's public URL of `/oauth/google/callback`, as registered with Google; default:
    /// `http://<http.bind>/oauth/google/callback`.
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Resource slug → calendar id; default: the `calendar` of each `[resources.SLUG]`.
    #[serde(default)]
    pub calendars: BTreeMap<String, String>,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Echoed by Google in `X-Goog-Channel-Token` on push notifications (16 to 256 characters).
    #[serde(default, deserialize_with = "optional_secret")]
    pub channel_token: Option<SecretString>,
    /// Where Google sends push notifications: this hub's public `https://…/hooks/NAME`; default
    /// `http://<http.bind>/hooks/NAME` (the sandbox). Channels are opened only with `channel_token`.
    #[serde(default)]
    pub push_url: Option<String>,
    /// The channels' lifetime to ask Google for (default: Google's, a week).
    #[serde(default)]
    pub channel_ttl_secs: Option<u64>,
    #[serde(default = "default_google_page_size")]
    pub page_size: u32,
}

fn bookings() -> Vec<String> {
    vec!["booking".into()]
}
fn default_google_api() -> String {
    hub_connector_google_calendar::DEFAULT_BASE_URL.into()
}
fn default_google_auth() -> String {
    hub_connector_google_calendar::DEFAULT_AUTH_URL.into()
}
fn default_google_token() -> String {
    hub_connector_google_calendar::DEFAULT_TOKEN_URL.into()
}
fn default_time_zone() -> String {
    hub_connector_google_calendar::DEFAULT_TIME_ZONE.into()
}
fn default_google_page_size() -> u32 {
    hub_connector_google_calendar::DEFAULT_PAGE_SIZE
}

/// `kind = "snipeit"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnipeItConnectorConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// stream (`assets`) → cron expression.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
    /// stream → mapping name (default `snipeit/{stream}`).
    #[serde(default)]
    pub mappings: BTreeMap<String, String>,
    /// The instance's origin, e.g. `https://inventaire.mon-tiers-lieu.org`.
    pub base_url: String,
    /// A personal access token (Snipe-IT: your account → Manage API keys).
    #[serde(deserialize_with = "secret")]
    pub token: SecretString,
    #[serde(default = "default_snipeit_page_size")]
    pub page_size: u32,
}

fn default_snipeit_page_size() -> u32 {
    hub_connector_snipeit::DEFAULT_PAGE_SIZE
}

impl SnipeItConnectorConfig {
    pub fn validate(&self, out: &mut Vec<(String, String)>) {
        check_url(&self.base_url, out);
        let token = self.token.expose_secret();
        if token.trim().is_empty() || token.trim().chars().any(|c| c.is_control() || c.is_whitespace()) {
            out.push(("token".into(), "must be non-empty, without spaces (value not shown)".into()));
        }
        check_page_size(self.page_size, hub_connector_snipeit::MAX_PAGE_SIZE, out);
        check_streams("snipeit", &[hub_connector_snipeit::ASSETS], &self.schedules, &self.mappings, out);
    }
}

impl CalcomConnectorConfig {
    pub fn validate(&self, out: &mut Vec<(String, String)>) {
        check_url(&self.base_url, out);
        check_filled(&[("api_key", self.api_key.expose_secret())], out);
        if let Some(s) = &self.webhook_secret {
            check_filled(&[("webhook_secret", s.expose_secret())], out);
        }
        check_page_size(self.page_size, hub_connector_calcom::MAX_PAGE_SIZE, out);
        check_streams("calcom", &[hub_connector_calcom::BOOKINGS], &self.schedules, &self.mappings, out);
    }
}

impl GoogleCalendarConnectorConfig {
    pub fn validate(&self, out: &mut Vec<(String, String)>) {
        for (key, url) in [("base_url", &self.base_url), ("auth_url", &self.auth_url), ("token_url", &self.token_url)] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                out.push((key.into(), format!("`{url}` is not an http(s) URL")));
            }
        }
        for (key, url) in [("redirect_url", &self.redirect_url), ("push_url", &self.push_url)] {
            if let Some(url) = url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                out.push((key.into(), format!("`{url}` is not an http(s) URL")));
            }
        }
        if let Some(token) = &self.channel_token {
            let t = token.expose_secret();
            if t.len() < 16 || t.len() > 256 || !t.bytes().all(|b| b.is_ascii_graphic()) {
                out.push(("channel_token".into(), "16 to 256 visible ASCII characters (value not shown)".into()));
            }
        }
        check_filled(&[("client_id", &self.client_id)], out);
        check_filled(&[("client_secret", self.client_secret.expose_secret())], out);
        if let Err(e) =
            hub_connector_google_calendar::token_store::TokenKey::from_base64(self.token_key.expose_secret())
        {
            out.push(("token_key".into(), e.to_string()));
        }
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            out.push(("time_zone".into(), format!("`{}` is not an IANA time zone", self.time_zone)));
        }
        check_page_size(self.page_size, 2500, out);
        check_streams(
            "google_calendar",
            &[hub_connector_google_calendar::EVENTS],
            &self.schedules,
            &self.mappings,
            out,
        );
        check_writes(&self.writes, &["booking"], "google_calendar writes only", out);
    }
}
