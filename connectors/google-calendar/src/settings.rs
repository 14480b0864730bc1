//! The settings of one Google Calendar instance, their defaults and their checks.

use std::collections::BTreeMap;

use chrono_tz::Tz;

/// Google's API origin (the API lives under `/calendar/v3/`).
pub const DEFAULT_BASE_URL: &str = "https://www.googleapis.com";
/// Google's authorization (consent) endpoint.
pub const DEFAULT_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The time zone bookings are written in and all-day events are read in.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";
/// Events asked per events.list call (Google: default 250, max 2500).
pub const DEFAULT_PAGE_SIZE: u32 = 250;

/// Settings of one instance (built by the hub's registry from `[connectors.NAME]`).
#[derive(Clone)]
pub struct GoogleCalendarSettings {
    pub instance: String,
    /// The API origin ([`DEFAULT_BASE_URL`], or a sandbox's base_url); `/calendar/v3/...` is appended.
    pub base_url: String,
    /// The OAuth consent endpoint ([`DEFAULT_AUTH_URL`]).
    pub auth_url: String,
    /// The OAuth token endpoint ([`DEFAULT_TOKEN_URL`]).
    pub token_url: String,
    pub client_id: String,
    /// Never logged, never in Debug.
    pub client_secret: String,
    /// The refresh token, already decrypted by the hub (see [`crate::token_store`]); `None` until
    /// `hub auth google INSTANCE` has run: every API call then fails with Auth. Never in Debug.
    pub refresh_token: Option<String>,
    /// Resource slug → Google calendar id (`c_…@group.calendar.google.com`).
    pub calendars: BTreeMap<String, String>,
    /// IANA name ([`DEFAULT_TIME_ZONE`]).
    pub time_zone: String,
    /// The secret the hub gives Google when it opens a push channel; Google echoes it in
    /// `X-Goog-Channel-Token`. Without it, push channels cannot be opened and every push is
    /// refused. Never in Debug.
    pub channel_token: Option<String>,
    /// Events per events.list page ([`DEFAULT_PAGE_SIZE`]).
    pub page_size: u32,
}

impl GoogleCalendarSettings {
    /// Settings with Google's endpoints, Europe/Paris, no refresh token, no calendars yet.
    pub fn new(instance: impl Into<String>, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        GoogleCalendarSettings {
            instance: instance.into(),
            base_url: DEFAULT_BASE_URL.into(),
            auth_url: DEFAULT_AUTH_URL.into(),
            token_url: DEFAULT_TOKEN_URL.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: None,
            calendars: BTreeMap::new(),
            time_zone: DEFAULT_TIME_ZONE.into(),
            channel_token: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// The configured time zone (Europe/Paris when the name is unknown; [`Self::problem`] reports it).
    pub fn tz(&self) -> Tz {
        self.time_zone.trim().parse().unwrap_or(chrono_tz::Europe::Paris)
    }

    /// The calendar of a resource slug.
    pub fn calendar_of(&self, resource: &str) -> Option<&str> {
        self.calendars.get(resource.trim()).map(String::as_str)
    }

    /// The resource slug of a calendar id (the first slug naming it).
    pub fn resource_of(&self, calendar_id: &str) -> Option<&str> {
        self.calendars.iter().find(|(_, c)| c.as_str() == calendar_id).map(|(s, _)| s.as_str())
    }

    /// The first thing wrong with these settings, naming the field (`None`: nothing).
    pub fn problem(&self) -> Option<String> {
        for (name, url) in [("base_url", &self.base_url), ("auth_url", &self.auth_url), ("token_url", &self.token_url)]
        {
            let url = url.trim();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Some(format!("{name}: `{url}` is not an http(s) URL"));
            }
        }
        if self.client_id.trim().is_empty() {
            return Some("client_id: must not be empty".into());
        }
        if self.client_secret.is_empty() {
            return Some("client_secret: must not be empty".into());
        }
        if self.refresh_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Some("refresh_token: must not be empty when set".into());
        }
        if self.calendars.is_empty() {
            return Some("calendars: name at least one resource slug = calendar id".into());
        }
        for (slug, id) in &self.calendars {
            if slug.trim().is_empty() || id.trim().is_empty() || id.contains('/') {
                return Some(format!("calendars.{slug}: `{id}` is not a calendar id"));
            }
        }
        if self.time_zone.trim().parse::<Tz>().is_err() {
            return Some(format!("time_zone: `{}` is not an IANA time zone", self.time_zone));
        }
        if let Some(token) = &self.channel_token
            && (token.len() < 16 || token.len() > 256 || !token.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Some("channel_token: 16 to 256 printable ASCII characters".into());
        }
        if self.page_size == 0 || self.page_size > 2500 {
            return Some(format!("page_size: {} is not between 1 and 2500", self.page_size));
        }
        None
    }
}

impl std::fmt::Debug for GoogleCalendarSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleCalendarSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("calendars", &self.calendars)
            .field("time_zone", &self.time_zone)
            .field("channel_token", &self.channel_token.as_ref().map(|_| "[redacted]"))
            .field("page_size", &self.page_size)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> GoogleCalendarSettings {
        let mut s = GoogleCalendarSettings::new("gcal", "id.apps.googleusercontent.com", "GOCSPX-secret");
        s.refresh_token = Some("1//refresh-secret".into());
        s.channel_token = Some("channel-secret-0123456789".into());
        s.calendars.insert("salle-hypatia".into(), "c_hypatia@group.calendar.google.com".into());
        s
    }

    #[test]
    fn debug_redacts_every_secret() {
        let text = format!("{:?}", valid());
        for secret in ["GOCSPX-secret", "refresh-secret", "channel-secret"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(text.contains("salle-hypatia") && text.contains("[redacted]"));
    }

    #[test]
    fn problems_name_the_field() {
        assert_eq!(valid().problem(), None);
        type Breaker = fn(&mut GoogleCalendarSettings);
        let cases: Vec<(Breaker, &str)> = vec![
            (|s| s.base_url = "ftp://x".into(), "base_url"),
            (|s| s.client_secret.clear(), "client_secret"),
            (|s| s.calendars.clear(), "calendars"),
            (|s| s.time_zone = "Europe/Nowhere".into(), "time_zone"),
            (|s| s.channel_token = Some("short".into()), "channel_token"),
            (|s| s.page_size = 0, "page_size"),
            (|s| s.refresh_token = Some(" ".into()), "refresh_token"),
        ];
        for (break_it, field) in cases {
            let mut s = valid();
            break_it(&mut s);
            assert!(s.problem().is_some_and(|p| p.starts_with(field)), "{field}: {:?}", s.problem());
        }
        let s = valid();
        assert_eq!(s.resource_of("c_hypatia@group.calendar.google.com"), Some("salle-hypatia"));
        assert_eq!(s.calendar_of("salle-hypatia"), Some("c_hypatia@group.calendar.google.com"));
    }
}
