//! The Mattermost outbound connector (`kind = "mattermost"`): the hub announces canonical changes
//! in the team's channels — a new membership in `adhesions`, a booking in its room's channel, a
//! programme event in `programme` — with one thread per entity.
//!
//! # Routes and templates
//! Each [`Route`] says, for one entity kind, which channel (by name in the team) gets the posts
//! and which template renders them (syntax in [`render`]: `{field}`, `{a.b}`, `{amount:euros}`,
//! `{status:fr}`, `{{`/`}}`; dates and datetimes in French, Europe/Paris; a missing field renders
//! empty). The
//! channel name is a template too: the default booking route posts in `{resource_channel}`, the
//! channel the hub's configuration gives the booking's resource (the hub adds `resource_channel`
//! and `resource_name` to every booking it pushes). [`default_routes`] gives French templates for membership, payment,
//! booking and event. Channel ids are resolved with
//! `GET /api/v4/teams/name/{team}/channels/name/{channel}` and cached for the connector's life.
//!
//! # Write semantics
//! * No route for the entity kind: `Unsupported`, naming the kind (the hub skips it).
//! * The first change of an entity posts a top-level post (`POST /api/v4/posts`) rendered with
//!   the route's template; the external id is that root post's id.
//! * Later changes (`change.external_id` = the root post id) reply in the root's thread, saying
//!   what changed (field by field, old → new, under the rendered `update_template` when there is
//!   one) or that the entity was cancelled, then edit the root (`PUT /api/v4/posts/{id}/patch`)
//!   so it shows the current state; a cancelled entity (op `Deleted`, or `status` cancelled,
//!   refunded or rejected) has its root rewritten `Annulé : ~~…~~`. The external id stays the
//!   root's id; a change that alters nothing posts nothing.
//! * Idempotency without a local store: the root carries `props.hub_entity_id` (the canonical
//!   entity id), `props.hub_fields` (the fields it shows) and `props.hub_cancelled`; a reply
//!   carries `props.hub_state` (fields + cancelled after the change). A `Created` retried after a
//!   crash (no external id yet, and not `first_attempt`: the hub says when no earlier attempt can
//!   have posted) first looks for a live root with its `hub_entity_id` among the channel's latest posts (`GET /api/v4/channels/{id}/posts`, [`api::SCAN_PAGES`] pages of
//!   [`api::SCAN_PAGE_SIZE`]) and reuses it; an update retried after its reply was posted finds
//!   that reply as the thread's latest hub reply and only re-applies the edit of the root. A root
//!   deleted in Mattermost is posted again. A change whose entity has no root yet (a first
//!   `Updated`, or a `Deleted` of something never announced) posts a root showing its current
//!   state (struck through when cancelled): never a second top-level post for one entity.
//! * A booking that overlaps others of its resource carries `conflicts` (added by the hub: who,
//!   starts_at, ends_at of each): its root ends with `⚠️ Conflit : chevauche …`.
//! * A route may announce only some entities (`only_when`, field = value): the default payment
//!   route announces donations only — a membership's payment is told by the membership's post, so
//!   each new member makes one post. Other entities answer `Unsupported` with the reason (the hub
//!   records the push as skipped).
//! * A route announces news, not history (`news`, field + days): an entity never announced whose
//!   date is older than that is skipped with the reason, so connecting Odoo does not post every
//!   membership it ever held. Defaults: memberships by `period_start` (31 days), donations by
//!   `paid_at` (31 days), bookings by `ends_at` (already over: not announced). No default template shows an e-mail address: names come from
//!   the member's canonical person, which the hub adds to memberships and payments.
//!
//! # Streams
//! None: Mattermost is a target only; `read` answers Unsupported.

pub mod api;
pub mod render;
mod write;

use async_trait::async_trait;
use hub_connector_sdk::{
    CanonicalChange, CheckReport, Connector, ConnectorError, Cursor, EntityKind, Page, StreamInfo, WriteOutcome,
    http::{HttpClient, HttpSettings},
};
use serde::{Deserialize, Serialize};

use crate::api::Api;

/// Where and how one entity kind is announced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub entity: EntityKind,
    /// The channel's name in the team (not its display name); may hold placeholders.
    pub channel: String,
    /// The top-level post's text.
    pub template: String,
    /// The first line of a thread reply (the changed fields follow); `None`: "Mise à jour".
    #[serde(default)]
    pub update_template: Option<String>,
    /// Announce only entities whose fields have these values (e.g. payments of `kind = "donation"`:
    /// a membership's payment is already told by the membership's post); empty: every entity.
    #[serde(default)]
    pub only_when: std::collections::BTreeMap<String, String>,
    /// Announce only news: an entity never announced whose `field` (a date or date-time) is
    /// more than `days` days in the past is history (a tool's first read brings years of it)
    /// and is not posted; one already announced still gets its thread replies.
    #[serde(default)]
    pub news: Option<News>,
}

/// See [`Route::news`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct News {
    pub field: String,
    pub days: i64,
}

impl Route {
    /// Why this route does not announce an entity with these fields (`None`: it does).
    pub fn excludes(&self, fields: &serde_json::Value) -> Option<String> {
        self.only_when.iter().find_map(|(key, want)| {
            let have = fields.get(key).map(render::display_value).unwrap_or_default();
            (have != *want).then(|| format!("not announced: `{key}` is `{have}`, the route announces `{want}` only"))
        })
    }

    /// Why an entity never announced is history, not news, at `now` (`None`: it is news, or
    /// the route has no `news` rule, or the field is absent or not a date).
    pub fn history(&self, fields: &serde_json::Value, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
        let news = self.news.as_ref()?;
        let text = fields.get(&news.field)?.as_str()?;
        let at = chrono::DateTime::parse_from_rfc3339(text).map(|d| d.to_utc()).ok().or_else(|| {
            let day = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
            Some(day.and_hms_opt(23, 59, 59)?.and_utc())
        })?;
        (at < now - chrono::Duration::days(news.days)).then(|| {
            format!("not announced: `{}` is {text}, more than {} days ago (history, not news)", news.field, news.days)
        })
    }
}

/// French routes for memberships (`adhesions`), payments (`adhesions`), bookings (the room's
/// channel, `{resource_channel}`) and events (`programme`).
pub fn default_routes() -> Vec<Route> {
    let route = |entity, channel: &str, template: &str, update: &str| Route {
        entity,
        channel: channel.to_string(),
        template: template.to_string(),
        update_template: Some(update.to_string()),
        only_when: Default::default(),
        news: None,
    };
    let news = |field: &str, days| Some(News { field: field.to_string(), days });
    vec![
        Route {
            news: news("period_start", 31),
            ..route(
                EntityKind::Membership,
                "adhesions",
                "Nouvelle adhésion : {given_name} {family_name} — {plan}, à partir du {period_start} \
                 ({amount:euros}, {status:fr})",
                "Adhésion mise à jour : {given_name} {family_name} — {plan}",
            )
        },
        Route {
            only_when: [("kind".to_string(), "donation".to_string())].into(),
            news: news("paid_at", 31),
            ..route(
                EntityKind::Payment,
                "adhesions",
                "Nouveau don : {amount:euros} de {given_name} {family_name}, le {paid_at}",
                "Don mis à jour : {amount:euros} de {given_name} {family_name}",
            )
        },
        Route {
            news: news("ends_at", 0),
            ..route(
                EntityKind::Booking,
                "{resource_channel}",
                "Nouvelle réservation — {resource_name} : {booker_name|title}, du {starts_at} au {ends_at} ({status:fr})",
                "Réservation modifiée — {resource_name} : {booker_name|title}",
            )
        },
        route(
            EntityKind::Event,
            "programme",
            "Nouvel événement : {title} — {starts_at}, {place}",
            "Événement modifié : {title}",
        ),
    ]
}

/// Settings of one instance (built by the hub's registry from `[connectors.NAME]`).
#[derive(Clone)]
pub struct MattermostSettings {
    pub instance: String,
    /// The server's origin (`https://chat.example.org`, or a sandbox's base_url); `/api/v4/...` is appended.
    pub base_url: String,
    /// A bot or personal access token. Never logged, never in Debug.
    pub token: String,
    /// The team's name (URL name, e.g. `tiers-lieu`).
    pub team: String,
    /// At most one route per entity kind (see [`default_routes`]).
    pub routes: Vec<Route>,
}

impl MattermostSettings {
    /// Settings with [`default_routes`].
    pub fn new(
        instance: impl Into<String>,
        base_url: impl Into<String>,
        token: impl Into<String>,
        team: impl Into<String>,
    ) -> Self {
        MattermostSettings {
            instance: instance.into(),
            base_url: base_url.into(),
            token: token.into(),
            team: team.into(),
            routes: default_routes(),
        }
    }

    /// The first thing wrong with the settings, naming the field.
    pub fn problem(&self) -> Option<String> {
        let base = self.base_url.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Some(format!("base_url: `{base}` is not an http(s) URL"));
        }
        if self.token.trim().is_empty() {
            return Some("token: must not be empty".into());
        }
        if self.team.trim().is_empty() || self.team.contains(['/', '?', '#']) {
            return Some(format!("team: `{}` is not a team name", self.team));
        }
        for (i, route) in self.routes.iter().enumerate() {
            let at = format!("routes[{i}] ({})", route.entity);
            if self.routes[..i].iter().any(|r| r.entity == route.entity) {
                return Some(format!("{at}: a second route for the same entity"));
            }
            if route.channel.trim().is_empty() {
                return Some(format!("{at}.channel: must not be empty"));
            }
            if route.template.trim().is_empty() {
                return Some(format!("{at}.template: must not be empty"));
            }
            let templates = [("channel", Some(&route.channel)), ("template", Some(&route.template))];
            let update = [("update_template", route.update_template.as_ref())];
            for (name, text) in templates.into_iter().chain(update) {
                if let Some(Err(e)) = text.map(|t| render::check_template(t)) {
                    return Some(format!("{at}.{name}: {e}"));
                }
            }
        }
        None
    }

    fn route(&self, entity: EntityKind) -> Option<&Route> {
        self.routes.iter().find(|r| r.entity == entity)
    }
}

impl std::fmt::Debug for MattermostSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MattermostSettings")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .field("team", &self.team)
            .field("routes", &self.routes)
            .finish()
    }
}

/// A Mattermost instance.
pub struct MattermostConnector {
    settings: MattermostSettings,
    api: Api,
}

impl std::fmt::Debug for MattermostConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MattermostConnector").field("settings", &self.settings).finish()
    }
}

impl MattermostConnector {
    /// Builds the instance; settings that do not hold up are Invalid, naming the field.
    pub fn new(settings: MattermostSettings) -> Result<MattermostConnector, ConnectorError> {
        Self::with_http(settings.clone(), HttpSettings::new(settings.base_url.trim()))
    }

    /// As [`MattermostConnector::new`], with explicit HTTP settings (timeouts, rate limit).
    pub fn with_http(settings: MattermostSettings, http: HttpSettings) -> Result<MattermostConnector, ConnectorError> {
        if let Some(problem) = settings.problem() {
            return Err(ConnectorError::Invalid(format!("mattermost `{}`: {problem}", settings.instance)));
        }
        let client = HttpClient::new(&http)?;
        let api = Api::new(client, settings.token.clone(), settings.team.trim().to_string());
        Ok(MattermostConnector { settings, api })
    }

    pub fn settings(&self) -> &MattermostSettings {
        &self.settings
    }

    /// Posts `text` as a top-level message in `channel` (its name in the team), outside any route
    /// (the hub's own notices, e.g. equipment that could not be lent); returns the post's id.
    pub async fn notify(&self, channel: &str, text: &str) -> Result<String, ConnectorError> {
        let channel_id = self.api.channel_id(channel.trim()).await?;
        let post = self.api.create_post(&channel_id, None, text, serde_json::Map::new()).await?;
        Ok(post.id)
    }
}

#[async_trait]
impl Connector for MattermostConnector {
    fn kind(&self) -> &'static str {
        "mattermost"
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let username = self.api.me().await?;
        self.api.team().await?;
        Ok(CheckReport {
            ok: true,
            detail: format!("authenticated as @{username}; team `{}` found", self.settings.team),
        })
    }

    fn streams(&self) -> Vec<StreamInfo> {
        Vec::new()
    }

    async fn read(&self, stream: &str, _cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        Err(ConnectorError::Unsupported(format!("mattermost has no stream `{stream}`: it only announces changes")))
    }

    async fn write(&self, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
        let route = self.settings.route(change.entity_kind).ok_or_else(|| {
            ConnectorError::Unsupported(format!("no Mattermost route for entity `{}`", change.entity_kind))
        })?;
        if let Some(reason) = route.excludes(&change.fields) {
            return Err(ConnectorError::Unsupported(reason));
        }
        if change.external_id.is_none()
            && let Some(reason) = route.history(&change.fields, chrono::Utc::now())
        {
            return Err(ConnectorError::Unsupported(reason));
        }
        write::announce(&self.api, route, change).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_not_news() {
        let routes = default_routes();
        let membership = routes.iter().find(|r| r.entity == EntityKind::Membership).unwrap();
        let now = "2026-11-30T10:00:00Z".parse().unwrap();
        let at = |d: &str| serde_json::json!({ "period_start": d });
        assert_eq!(membership.history(&at("2026-11-29"), now), None, "yesterday's membership is news");
        assert_eq!(membership.history(&at("2026-10-30"), now), None, "31 days back, counted to the day's end");
        let old = membership.history(&at("2025-01-15"), now).expect("history");
        assert!(old.contains("period_start") && old.contains("2025-01-15"), "{old}");
        assert_eq!(membership.history(&serde_json::json!({}), now), None, "no date: announced");
        let booking = routes.iter().find(|r| r.entity == EntityKind::Booking).unwrap();
        let ends = |t: &str| serde_json::json!({ "ends_at": t });
        assert!(booking.history(&ends("2026-11-30T09:00:00Z"), now).is_some(), "a booking already over");
        assert_eq!(booking.history(&ends("2026-11-30T11:00:00Z"), now), None);
    }
}
