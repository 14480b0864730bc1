//! Snipe-IT's outbound notifications: the Slack-compatible webhook of Admin → Settings →
//! Integrations, posted on asset checkout, checkin and audit (Laravel's Slack notification channel
//! payload: `username`, `channel`, `text`, `attachments[{title,title_link,text,fields}]`).
//! Snipe-IT does not sign these posts; neither does the sandbox. The endpoint is configured through
//! `PUT /_sandbox/integrations` (the vendor has no API for its settings).

use serde_json::{Value, json};

use crate::{
    App,
    state::{Asset, Db},
};

/// Which notification.
pub enum Notice<'a> {
    Checkout { to: String, to_url: String, note: Option<&'a str>, expected: Option<String> },
    Checkin { note: Option<&'a str> },
    Audit { note: Option<&'a str> },
}

fn asset_title(db: &Db, a: &Asset) -> String {
    let model = db.models.get(&a.model_id).map(|m| m.name.as_str()).unwrap_or_default();
    match &a.name {
        Some(n) if !n.is_empty() => format!("{n} ({}) - {model}", a.asset_tag),
        _ => format!("{} - {model}", a.asset_tag),
    }
}

fn field(title: &str, value: String) -> Value {
    json!({"title": title, "value": value, "short": true})
}

/// Builds and sends the notification when an integration is configured.
pub fn notify(app: &App, db: &Db, asset: &Asset, notice: Notice<'_>) {
    let Some(cfg) = &db.integration else { return };
    let base = app.base_url();
    let admin = db.users.get(&1).map(|u| u.full_name()).unwrap_or_default();
    let by = format!("<{base}/users/1|{admin}>");
    let (event, text, fields, note) = match notice {
        Notice::Checkout { to, to_url, note, expected } => {
            let mut f = vec![field("To", format!("<{to_url}|{to}>")), field("By", by)];
            if let Some(e) = expected {
                f.push(field("Expected Checkin", e));
            }
            ("checkout", ":arrow_up: :computer: Asset checked out", f, note)
        }
        Notice::Checkin { note } => {
            let status = db.status_labels.get(&asset.status_id).map(|l| l.name.clone()).unwrap_or_default();
            let loc = asset.location_id.and_then(|l| db.locations.get(&l)).map(|l| l.name.clone()).unwrap_or_default();
            let f = vec![field("Administrator", by), field("Status", status), field("Location", loc)];
            ("checkin", ":arrow_down: :computer: Asset checked in", f, note)
        }
        Notice::Audit { note } => ("audit", ":clipboard: Asset Audited", vec![field("By", by)], note),
    };
    let mut attachment = json!({
        "title": asset_title(db, asset),
        "title_link": format!("{base}/hardware/{}", asset.id),
        "fields": fields,
    });
    if let Some(n) = note.filter(|n| !n.is_empty()) {
        attachment["text"] = Value::String(n.to_string());
    }
    let body = json!({
        "username": cfg.webhook_botname,
        "channel": cfg.webhook_channel,
        "text": text,
        "attachments": [attachment],
    });
    app.emitter.emit(
        &cfg.webhook_endpoint,
        event,
        vec![("Content-Type".into(), "application/json".into())],
        body.to_string(),
    );
}
