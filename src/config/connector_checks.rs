//! The value checks connector tables share (URLs, required text, page sizes, plans, streams,
//! `writes`, Mattermost routes, webhook secrets, cron schedules), each reporting (key, reason).

use std::collections::BTreeMap;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use super::connectors::{ENTITIES, RouteConfig};

pub(super) fn check_secret(key: &str, secret: &SecretString, out: &mut Vec<(String, String)>) {
    let s = secret.expose_secret();
    match s.strip_prefix("whsec_") {
        None => out.push((key.into(), "must start with `whsec_` (value not shown)".into())),
        Some(b64) if base64::engine::general_purpose::STANDARD.decode(b64).map(|k| k.is_empty()).unwrap_or(true) => {
            out.push((key.into(), "the part after `whsec_` must be non-empty base64 (value not shown)".into()))
        }
        Some(_) => {}
    }
}

pub(super) fn check_cron(schedules: &BTreeMap<String, String>, out: &mut Vec<(String, String)>) {
    for (stream, expr) in schedules {
        let fields = expr.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            out.push((
                format!("schedules.{stream}"),
                format!("`{expr}` has {fields} fields; expected 6 (seconds first), e.g. \"0 */15 * * * *\""),
            ));
        } else if let Err(e) = expr.parse::<cron::Schedule>() {
            out.push((format!("schedules.{stream}"), format!("`{expr}` is not a cron expression: {e}")));
        }
    }
}

pub(super) fn check_url(url: &str, out: &mut Vec<(String, String)>) {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        out.push(("base_url".into(), format!("`{url}` is not an http(s) URL")));
    }
}

pub(super) fn check_filled(values: &[(&str, &str)], out: &mut Vec<(String, String)>) {
    for (key, value) in values {
        if value.trim().is_empty() {
            out.push((key.to_string(), "must not be empty".into()));
        }
    }
}

pub(super) fn check_page_size(size: u32, max: u32, out: &mut Vec<(String, String)>) {
    if !(1..=max).contains(&size) {
        out.push(("page_size".into(), format!("must be between 1 and {max}")));
    }
}

/// Canonical plan → vendor product: neither side empty.
pub(super) fn check_plans(key: &str, plans: &BTreeMap<String, String>, out: &mut Vec<(String, String)>) {
    for (plan, product) in plans {
        if plan.trim().is_empty() || product.trim().is_empty() {
            out.push((format!("{key}.{plan}"), format!("`{plan}` → `{product}` has an empty side")));
        }
    }
}

/// Keys of `schedules` and `mappings` must be streams of the kind.
pub(super) fn check_streams(
    kind: &str,
    streams: &[&str],
    schedules: &BTreeMap<String, String>,
    mappings: &BTreeMap<String, String>,
    out: &mut Vec<(String, String)>,
) {
    let known = if streams.is_empty() {
        format!("{kind} has no stream to read")
    } else {
        format!("{kind} streams are {}", streams.join(", "))
    };
    for (key, map) in [("schedules", schedules), ("mappings", mappings)] {
        for stream in map.keys().filter(|s| !streams.contains(&s.as_str())) {
            out.push((format!("{key}.{stream}"), format!("unknown stream; {known}")));
        }
    }
}

/// Each `writes` entry: a canonical entity kind, that this instance can write, listed once.
pub(super) fn check_writes(writes: &[String], supported: &[&str], only: &str, out: &mut Vec<(String, String)>) {
    for (i, kind) in writes.iter().enumerate() {
        let reason = if !ENTITIES.contains(&kind.as_str()) {
            format!("unknown entity `{kind}`; expected one of {}", ENTITIES.join(", "))
        } else if !supported.contains(&kind.as_str()) {
            format!("`{kind}` cannot be written here: {only} {}", supported.join(", "))
        } else if writes[..i].contains(kind) {
            format!("`{kind}` is listed twice")
        } else {
            continue;
        };
        out.push(("writes".into(), reason));
    }
}

/// Mattermost routes: a known entity once each, non-empty channel and template, templates that
/// the connector's renderer accepts.
pub(super) fn check_routes(routes: &[RouteConfig], out: &mut Vec<(String, String)>) {
    for (i, route) in routes.iter().enumerate() {
        let at = format!("routes[{i}]");
        if !ENTITIES.contains(&route.entity.as_str()) {
            out.push((
                format!("{at}.entity"),
                format!("unknown entity `{}`; expected one of {}", route.entity, ENTITIES.join(", ")),
            ));
        } else if routes[..i].iter().any(|r| r.entity == route.entity) {
            out.push((format!("{at}.entity"), format!("a second route for `{}`", route.entity)));
        }
        let texts = [("channel", Some(&route.channel)), ("template", Some(&route.template))];
        for (key, text) in texts.into_iter().chain([("update_template", route.update_template.as_ref())]) {
            let Some(text) = text else { continue };
            if key != "update_template" && text.trim().is_empty() {
                out.push((format!("{at}.{key}"), "must not be empty".into()));
            } else if let Err(e) = hub_connector_mattermost::render::check_template(text) {
                out.push((format!("{at}.{key}"), e));
            }
        }
    }
}
