//! What feeds the programme and where its events go, for `GET /programme/status` (public: no
//! file path, no share URL beyond its host, and only the number of rows skipped at the last read —
//! which rows and why is in the admin API) and the start-up log: the spreadsheet instances, the
//! event kinds, the targets that receive events — and Google Calendar, which has no connector
//! yet and is reported as not configured rather than silently missing.

use hub_connector_sdk::EntityKind;
use hub_connector_spreadsheet::{RowProblem, Source};
use serde_json::{Value, json};

use crate::registry::Registry;

/// Why events do not reach Google Calendar.
pub const GOOGLE_CALENDAR_NOT_CONFIGURED: &str = "Google Agenda : non configuré — le hub n'a pas encore de connecteur \
     Google Calendar, les événements n'y sont pas envoyés (en attendant, abonnez l'agenda au flux \
     /programme/AAAA-MM.ics)";

/// One skipped row as JSON: sheet, row, column, reason, and the sentence.
pub fn problem_json(p: &RowProblem) -> Value {
    json!({"sheet": p.sheet, "row": p.row, "column": p.column, "reason": p.reason, "message": p.to_string()})
}

/// The status document.
pub fn report(registry: &Registry) -> Value {
    let spreadsheets: Vec<Value> = registry
        .instances()
        .filter_map(|i| i.spreadsheet.as_ref().map(|s| (i, s)))
        .map(|(i, s)| {
            let source = match &s.settings().source {
                Source::Path(_) => "fichier local".to_string(),
                url => url.redacted(),
            };
            json!({
                "instance": i.name, "enabled": i.enabled, "source": source, "schedules": i.schedules,
                "skipped_rows": s.last_problems().len(),
                "problems": format!("/api/v1/connectors/{}/problems", i.name),
            })
        })
        .collect();
    let announcing: Vec<Value> = registry
        .instances()
        .filter(|i| i.enabled && i.writes.contains(&EntityKind::Event) && i.kind != crate::programme::INSTANCE)
        .map(|i| json!({"instance": i.name, "kind": i.kind}))
        .collect();
    let kinds = registry.programme().map(|p| p.kinds.names());
    json!({
        "configured": registry.programme().is_some(),
        "spreadsheets": spreadsheets,
        "kinds": kinds,
        "tasks": registry.programme().map(|_| "les tâches de chaque événement sont créées par la cible interne `programme`"),
        "targets": announcing,
        "google_calendar": {"configured": false, "detail": GOOGLE_CALENDAR_NOT_CONFIGURED},
    })
}
