//! Announcing one canonical change: a root post for a new entity, a thread reply and an edited
//! root for the later ones (see the crate docs, "Write semantics").

use hub_connector_sdk::{CanonicalChange, ChangeOp, ConnectorError, WriteOutcome};
use serde_json::{Map, Value, json};

use crate::{
    Route,
    api::{Api, Post},
    render::{display_value, euros, french_word, render},
};

const ENTITY_ID: &str = "hub_entity_id";
const ENTITY_KIND: &str = "hub_entity_kind";
const FIELDS: &str = "hub_fields";
const CANCELLED: &str = "hub_cancelled";
const STATE: &str = "hub_state";

/// Whether the change leaves the entity cancelled.
pub fn is_cancelled(change: &CanonicalChange) -> bool {
    change.op == ChangeOp::Deleted
        || change
            .fields
            .get("status")
            .and_then(Value::as_str)
            .is_some_and(|s| matches!(s, "cancelled" | "canceled" | "refunded" | "rejected"))
}

/// The warning line of a booking that overlaps others (`conflicts`, added by the hub).
pub fn conflict_line(fields: &Value) -> Option<String> {
    let list = fields.get("conflicts")?.as_array().filter(|l| !l.is_empty())?;
    let items: Vec<String> = list.iter().map(|c| render("{who} (du {starts_at} au {ends_at})", c)).collect();
    Some(format!("⚠️ Conflit : chevauche {}", items.join(" ; ")))
}

/// The root's text: the template (with the conflict warning), struck through and prefixed when
/// cancelled.
pub fn root_text(route: &Route, fields: &Value, cancelled: bool) -> String {
    let mut text = render(&route.template, fields);
    if !cancelled {
        if let Some(line) = conflict_line(fields) {
            text.push('\n');
            text.push_str(&line);
        }
        return text;
    }
    let struck: Vec<String> =
        text.lines().map(|l| if l.trim().is_empty() { l.to_string() } else { format!("~~{l}~~") }).collect();
    format!("Annulé : {}", struck.join("\n"))
}

fn label(field: &str) -> &str {
    match field {
        "given_name" => "prénom",
        "family_name" => "nom",
        "email" => "e-mail",
        "phone" => "téléphone",
        "plan" => "formule",
        "status" => "statut",
        "period_start" | "starts_at" => "début",
        "period_end" | "ends_at" => "fin",
        "amount" => "montant",
        "title" => "titre",
        "place" => "lieu",
        "resource" => "espace",
        "paid_at" => "payé le",
        "conflicts" => "conflits",
        other => other,
    }
}

fn shown(field: &str, value: Option<&Value>) -> String {
    let text = match value {
        Some(Value::Number(n)) if field == "amount" => n.as_i64().map(euros).unwrap_or_else(|| n.to_string()),
        Some(Value::String(w)) if matches!(field, "status" | "kind") => {
            french_word(w).map(str::to_string).unwrap_or_else(|| w.clone())
        }
        Some(Value::Array(list)) if field == "conflicts" => {
            list.iter().map(|c| render("{who} (du {starts_at} au {ends_at})", c)).collect::<Vec<_>>().join(" ; ")
        }
        Some(v) => display_value(v),
        None => String::new(),
    };
    if text.is_empty() { "—".to_string() } else { text }
}

/// `• début : ancien → nouveau` for each top-level field whose value changed.
pub fn changed_lines(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.get(*k).filter(|v| !v.is_null()) != new.get(*k).filter(|v| !v.is_null()))
        .map(|k| format!("• {} : {} → {}", label(k), shown(k, old.get(k)), shown(k, new.get(k))))
        .collect()
}

fn reply_text(route: &Route, fields: &Value, cancelled: bool, was_cancelled: bool, lines: &[String]) -> String {
    let head = match (&route.update_template, cancelled, was_cancelled) {
        (_, true, false) => format!("Annulé : {}", render(&route.template, fields)),
        (_, false, true) => format!("Rétabli : {}", render(&route.template, fields)),
        (Some(t), _, _) => render(t, fields),
        (None, _, _) => "Mise à jour".to_string(),
    };
    let mut text = head;
    for line in lines {
        text.push('\n');
        text.push_str(line);
    }
    text
}

fn has_fields(fields: &Value) -> bool {
    fields.as_object().is_some_and(|m| !m.is_empty())
}

/// Applies `change` through `route`.
pub async fn announce(api: &Api, route: &Route, change: &CanonicalChange) -> Result<WriteOutcome, ConnectorError> {
    let entity_id = change.entity_id.to_string();
    let mut root = match change.external_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => api.get_post(id).await?,
        None => None,
    };
    if root.is_none() {
        let channel_id = channel_for(api, route, &change.fields).await?;
        // The scan looks for a root a crashed attempt posted; a first attempt cannot have one.
        if !change.first_attempt {
            root = api.find_root(&channel_id, |p| p.get(ENTITY_ID).and_then(Value::as_str) == Some(&entity_id)).await?;
        }
        if root.is_none() {
            return create_root(api, route, change, &channel_id, &entity_id).await;
        }
    }
    let root = root.ok_or_else(|| ConnectorError::Invalid("no root post".into()))?;
    update_root(api, route, change, root, &entity_id).await
}

async fn channel_for(api: &Api, route: &Route, fields: &Value) -> Result<String, ConnectorError> {
    let channel = render(&route.channel, fields);
    if channel.is_empty() || channel.contains(char::is_whitespace) {
        return Err(ConnectorError::Invalid(format!(
            "route for `{}`: channel `{}` renders as `{channel}`, not a channel name (a field is missing?)",
            route.entity, route.channel
        )));
    }
    api.channel_id(&channel).await
}

async fn create_root(
    api: &Api,
    route: &Route,
    change: &CanonicalChange,
    channel_id: &str,
    entity_id: &str,
) -> Result<WriteOutcome, ConnectorError> {
    let cancelled = is_cancelled(change);
    let mut props = Map::new();
    props.insert(ENTITY_ID.into(), json!(entity_id));
    props.insert(ENTITY_KIND.into(), json!(change.entity_kind.as_str()));
    props.insert(FIELDS.into(), change.fields.clone());
    props.insert(CANCELLED.into(), json!(cancelled));
    let post = api.create_post(channel_id, None, &root_text(route, &change.fields, cancelled), props).await?;
    tracing::info!(entity = %change.entity_kind, post_id = %post.id, "mattermost root post created");
    Ok(WriteOutcome { external_id: post.id.clone(), remote_updated_at: post.updated_at() })
}

async fn update_root(
    api: &Api,
    route: &Route,
    change: &CanonicalChange,
    root: Post,
    entity_id: &str,
) -> Result<WriteOutcome, ConnectorError> {
    let old_fields = root.props.get(FIELDS).cloned().unwrap_or(Value::Null);
    // A deletion may come without fields: the root keeps showing what it showed.
    let fields = if has_fields(&change.fields) { change.fields.clone() } else { old_fields.clone() };
    let cancelled = is_cancelled(change);
    let was_cancelled = root.props.get(CANCELLED).and_then(Value::as_bool).unwrap_or(false);
    let text = root_text(route, &fields, cancelled);
    let lines = changed_lines(&old_fields, &fields);
    if lines.is_empty() && cancelled == was_cancelled && text == root.message {
        return Ok(WriteOutcome { external_id: root.id.clone(), remote_updated_at: root.updated_at() });
    }
    if !lines.is_empty() || cancelled != was_cancelled {
        let state = json!({"fields": fields, "cancelled": cancelled});
        let mut replies = api.replies(&root.id).await?;
        replies.retain(|p| p.props.contains_key(STATE));
        let latest = replies.iter().max_by_key(|p| (p.create_at, p.id.clone()));
        if latest.is_none_or(|p| p.props.get(STATE) != Some(&state)) {
            let mut props = Map::new();
            props.insert(ENTITY_ID.into(), json!(entity_id));
            props.insert(STATE.into(), state);
            let message = reply_text(route, &fields, cancelled, was_cancelled, &lines);
            api.create_post(&root.channel_id, Some(&root.id), &message, props).await?;
        }
    }
    let mut props = root.props.clone();
    props.insert(ENTITY_ID.into(), json!(entity_id));
    props.insert(FIELDS.into(), fields);
    props.insert(CANCELLED.into(), json!(cancelled));
    let patched = api.patch_post(&root.id, &text, props).await?;
    tracing::info!(entity = %change.entity_kind, post_id = %root.id, cancelled, "mattermost root post updated");
    Ok(WriteOutcome { external_id: root.id, remote_updated_at: patched.updated_at() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_are_listed_in_french() {
        let old = json!({"title": "Atelier", "starts_at": "2026-12-01T09:00:00Z", "amount": 1000, "x": null});
        let new = json!({"title": "Atelier", "starts_at": "2026-12-02T09:00:00Z", "amount": 1500, "place": "Salle"});
        assert_eq!(
            changed_lines(&old, &new),
            vec![
                "• montant : 10,00 € → 15,00 €".to_string(),
                "• lieu : — → Salle".to_string(),
                "• début : mardi 1 décembre 2026 à 10 h 00 → mercredi 2 décembre 2026 à 10 h 00".to_string(),
            ]
        );
        assert!(changed_lines(&new, &new).is_empty());
    }

    #[test]
    fn cancelled_roots_are_struck_through() {
        let route = crate::default_routes().remove(3);
        let text = root_text(&route, &json!({"title": "Repair café", "place": "Atelier"}), true);
        assert_eq!(text, "Annulé : ~~Nouvel événement : Repair café — , Atelier~~");
    }
}
