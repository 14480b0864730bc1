//! Audit schedules: `GET /hardware/audit/due` and `GET /hardware/audit/overdue` (lists of assets,
//! sorted and paged like `GET /hardware`).

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};

use super::hardware::list_assets;
use crate::{App, state::now};

/// `GET /hardware/audit/due`: assets whose next audit falls within 14 days (Snipe-IT's default
/// `audit_warning_days`), overdue ones included.
pub async fn audit_due(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let limit = now().date() + chrono::Duration::days(14);
    let list = list_assets(&app, &q, |_, a| a.deleted_at.is_none() && a.next_audit_date.is_some_and(|d| d <= limit));
    Json(list).into_response()
}

/// `GET /hardware/audit/overdue`: assets whose next audit date has passed.
pub async fn audit_overdue(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let today = now().date();
    let list = list_assets(&app, &q, |_, a| a.deleted_at.is_none() && a.next_audit_date.is_some_and(|d| d < today));
    Json(list).into_response()
}
