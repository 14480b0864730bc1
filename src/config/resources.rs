//! `[resources.SLUG]`: the place's bookable things (rooms, desks, machines, camera kits), each
//! with the Cal.com event types booking it, its Google calendar, its Mattermost channel, the
//! Snipe-IT asset tags lent with it, and whether its public ICS feed shows names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The resource kinds of the canonical model.
pub const RESOURCE_KINDS: &[&str] = &["room", "desk", "coworking", "machine", "camera_kit"];

/// One `[resources.SLUG]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    /// Shown to people (posts, ICS feed name); default: the slug.
    #[serde(default)]
    pub name: Option<String>,
    /// One of [`RESOURCE_KINDS`].
    #[serde(default = "default_kind")]
    pub kind: String,
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Cal.com event type slugs (or ids) that book this resource; default: the slug itself.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// The Google calendar id mirroring the resource's bookings (none: not mirrored).
    #[serde(default)]
    pub calendar: Option<String>,
    /// The Mattermost channel (its name in the team) hearing about bookings; default: the slug.
    #[serde(default)]
    pub channel: Option<String>,
    /// Snipe-IT asset tags checked out to the booker for the booking's time.
    #[serde(default)]
    pub asset_tags: Vec<String>,
    /// `true`: the ICS feed shows who booked; `false`: it shows "Réservé" only.
    #[serde(default = "yes")]
    pub public: bool,
}

fn default_kind() -> String {
    "room".into()
}
fn yes() -> bool {
    true
}

impl ResourceConfig {
    pub fn display_name<'a>(&'a self, slug: &'a str) -> &'a str {
        self.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(slug)
    }

    pub fn channel_name<'a>(&'a self, slug: &'a str) -> &'a str {
        self.channel.as_deref().filter(|c| !c.trim().is_empty()).unwrap_or(slug)
    }

    /// The event types booking this resource (the slug when none are listed).
    pub fn event_types_or_slug(&self, slug: &str) -> Vec<String> {
        self.event_types.clone().unwrap_or_else(|| vec![slug.to_string()])
    }
}

/// `^[a-z0-9][a-z0-9-]*$`: the slug is a URL segment and a channel name.
pub fn valid_slug(slug: &str) -> bool {
    slug.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Problems as (key, reason), keys under `resources.`.
pub fn validate(resources: &BTreeMap<String, ResourceConfig>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut booked_by: BTreeMap<String, &str> = BTreeMap::new();
    for (slug, r) in resources {
        let at = |key: &str| format!("resources.{slug}.{key}");
        if !valid_slug(slug) {
            out.push((format!("resources.{slug}"), "a slug is lower-case letters, digits and `-`".into()));
        }
        if !RESOURCE_KINDS.contains(&r.kind.as_str()) {
            out.push((at("kind"), format!("`{}` is not one of {}", r.kind, RESOURCE_KINDS.join(", "))));
        }
        if r.calendar.as_deref().is_some_and(|c| c.trim().is_empty() || c.contains('/')) {
            out.push((at("calendar"), "not a calendar id".into()));
        }
        if r.channel.as_deref().is_some_and(|c| c.trim().is_empty() || c.contains(char::is_whitespace)) {
            out.push((at("channel"), "a channel name has no spaces".into()));
        }
        if r.asset_tags.iter().any(|t| t.trim().is_empty()) {
            out.push((at("asset_tags"), "an asset tag is empty".into()));
        }
        for event_type in r.event_types_or_slug(slug) {
            if let Some(other) = booked_by.insert(event_type.clone(), slug) {
                out.push((at("event_types"), format!("event type `{event_type}` already books `{other}`")));
            }
        }
    }
    out
}

/// Event type → resource slug, for the Cal.com connector.
pub fn event_type_index(resources: &BTreeMap<String, ResourceConfig>) -> BTreeMap<String, String> {
    resources.iter().flat_map(|(slug, r)| r.event_types_or_slug(slug).into_iter().map(|e| (e, slug.clone()))).collect()
}

/// Resource slug → calendar id, for the Google Calendar connector.
pub fn calendar_index(resources: &BTreeMap<String, ResourceConfig>) -> BTreeMap<String, String> {
    resources.iter().filter_map(|(slug, r)| r.calendar.clone().map(|c| (slug.clone(), c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> BTreeMap<String, ResourceConfig> {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_follow_the_slug() {
        let r = parse("[salle-hypatia]\nname = \"Salle Hypatia\"\n");
        let hypatia = &r["salle-hypatia"];
        assert_eq!((hypatia.kind.as_str(), hypatia.public), ("room", true));
        assert_eq!(hypatia.channel_name("salle-hypatia"), "salle-hypatia");
        assert_eq!(event_type_index(&r)["salle-hypatia"], "salle-hypatia");
        assert!(validate(&r).is_empty());
    }

    #[test]
    fn problems_name_their_key() {
        let r = parse(
            "[a]\nkind = \"spaceship\"\nevent_types = [\"x\"]\n[b]\nevent_types = [\"x\"]\nchannel = \"two words\"\n\
             [C]\n",
        );
        let keys: Vec<String> = validate(&r).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["resources.C", "resources.a.kind", "resources.b.channel", "resources.b.event_types"]);
    }
}
