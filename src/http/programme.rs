//! The programme's public pages and feeds (no admin token: the programme is public), the
//! registrations, and the admin view of a spreadsheet's skipped rows.
//!
//! * `GET /programme/status`: what feeds the programme, where events go (Google Calendar: not
//!   configured), rows skipped at the last read.
//! * `GET /programme/{yyyy-mm}` (printable A4 page), `{yyyy-mm}.pdf`, `{yyyy-mm}.ics`,
//!   `{yyyy-mm}.json` (events with tasks and registration counts), `{yyyy-mm}/newsletter`.
//! * `POST /programme/events/{id}/registrations` `{name, email, task?, waitlist?}`: 201 confirmed,
//!   202 waitlisted (with `position`), 409 `full` / `already_registered` / `registrations_closed`.
//! * `DELETE /programme/registrations/{id}?token=…`: cancels with the token given at
//!   registration; the first on the waiting list moves up.
//! * `GET /api/v1/connectors/{instance}/problems` (admin): the rows a spreadsheet skipped.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use crate::{
    error::ApiError,
    programme::{
        Month, ProgrammeSettings, ics, month, newsletter, page, pdf,
        registrations::{self, RegistrationError, RegistrationRequest},
        status,
        tasks::Bound,
    },
};

fn settings(state: &AppState) -> ProgrammeSettings {
    match state.registry.programme() {
        Some(p) => p.settings.clone(),
        None => ProgrammeSettings { title: "Programme".into(), ..Default::default() },
    }
}

fn bound(state: &AppState) -> Result<&Bound, ApiError> {
    state.registry.programme().and_then(|p| p.bound()).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_configured",
            "aucun programme n'est configuré (connecteur `spreadsheet`)",
        )
    })
}

fn month_of(text: &str) -> Result<Month, ApiError> {
    Month::parse(text)
        .ok_or_else(|| ApiError::not_found(format!("« {text} » n'est pas un mois (AAAA-MM, ex. 2026-12)")))
}

fn typed(content_type: &'static str, body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

#[utoipa::path(get, path = "/programme/status", responses((status = 200, description = "spreadsheets, skipped rows, event targets; Google Calendar not configured")))]
pub async fn programme_status(State(state): State<AppState>) -> Json<Value> {
    Json(status::report(&state.registry))
}

#[utoipa::path(get, path = "/programme/{month}", params(("month" = String, Path, description = "`2026-12` (printable page), `2026-12.pdf`, `2026-12.ics` or `2026-12.json`")), responses((status = 200), (status = 404)))]
pub async fn programme_file(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let (name, ext) = file.rsplit_once('.').map_or((file.as_str(), ""), |(n, e)| (n, e));
    let month = month_of(name)?;
    let programme = month::load(&state.store, &settings(&state), month).await?;
    Ok(match ext {
        "" | "html" => typed("text/html; charset=utf-8", page::render(&programme)),
        "pdf" => typed("application/pdf", pdf::render(&programme)),
        "ics" => typed("text/calendar; charset=utf-8", ics::render(&programme)),
        "json" => Json(programme.to_json()).into_response(),
        other => return Err(ApiError::not_found(format!("format « {other} » inconnu : html, pdf, ics ou json"))),
    })
}

#[utoipa::path(get, path = "/programme/{month}/newsletter", responses((status = 200, description = "an HTML block for e-mail tools"), (status = 404)))]
pub async fn programme_newsletter(
    State(state): State<AppState>,
    Path(month): Path<String>,
) -> Result<Response, ApiError> {
    let programme = month::load(&state.store, &settings(&state), month_of(&month)?).await?;
    Ok(typed("text/html; charset=utf-8", newsletter::render(&programme)))
}

fn registration_error(e: RegistrationError) -> ApiError {
    match e {
        RegistrationError::NotFound(d) => ApiError::not_found(d),
        RegistrationError::Invalid(d) => ApiError::bad_request(d),
        RegistrationError::Full { detail } => ApiError::new(StatusCode::CONFLICT, "full", detail),
        RegistrationError::Already(d) => ApiError::new(StatusCode::CONFLICT, "already_registered", d),
        RegistrationError::Closed(d) => ApiError::new(StatusCode::CONFLICT, "registrations_closed", d),
        RegistrationError::Forbidden(d) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", d),
        RegistrationError::Store(e) => e.into(),
        RegistrationError::Apply(e) => {
            tracing::error!(class = %e.class, error = %e.message, "registration not recorded");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "l'inscription n'a pas pu être enregistrée ; voir les journaux du hub",
            )
        }
    }
}

#[utoipa::path(post, path = "/programme/events/{id}/registrations", request_body = RegistrationRequest, responses(
    (status = 201, description = "confirmed; `cancel_token` and `cancel_url` shown once"),
    (status = 202, description = "on the waiting list, with `position`"),
    (status = 400), (status = 404), (status = 409, description = "`full`, `already_registered` or `registrations_closed`")))]
pub async fn register(State(state): State<AppState>, Path(id): Path<Uuid>, body: Bytes) -> Result<Response, ApiError> {
    let req: RegistrationRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("corps JSON attendu {{name, email, task?, waitlist?}} : {e}")))?;
    let bound = bound(&state)?;
    let done = registrations::register(bound, id, &req).await.map_err(registration_error)?;
    let origin = settings(&state).public_origin;
    let cancel_url = format!("{origin}/programme/registrations/{}?token={}", done.id, done.cancel_token);
    let (code, detail) = match done.position {
        None => (StatusCode::CREATED, "Inscription confirmée.".to_string()),
        Some(p) => (StatusCode::ACCEPTED, format!("Complet : vous êtes en position {p} sur la liste d'attente.")),
    };
    let body = json!({
        "id": done.id, "status": done.status, "position": done.position, "event": id, "task": done.task,
        "cancel_token": done.cancel_token, "cancel_url": cancel_url, "cancel_method": "DELETE", "detail": detail,
    });
    Ok((code, Json(body)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CancelQuery {
    /// the cancel token given at registration
    pub token: Option<String>,
}

#[utoipa::path(delete, path = "/programme/registrations/{id}", params(CancelQuery), responses((status = 200), (status = 403), (status = 404)))]
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(q): Query<CancelQuery>,
) -> Result<Json<Value>, ApiError> {
    let token = q.token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "le jeton d'annulation (`?token=`) est requis")
    })?;
    let done = registrations::cancel(bound(&state)?, id, &token).await.map_err(registration_error)?;
    Ok(Json(json!({
        "id": id, "status": "cancelled", "already": done.already, "promoted": done.promoted,
        "detail": if done.already { "Cette inscription était déjà annulée." } else { "Inscription annulée." },
    })))
}

#[utoipa::path(get, path = "/api/v1/connectors/{instance}/problems", responses((status = 200, description = "the rows the last read skipped: sheet, row, column, reason"), (status = 404)), security(("bearer" = [])))]
pub async fn connector_problems(
    State(state): State<AppState>,
    Path(instance): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let inst = state
        .registry
        .get(&instance)
        .ok_or_else(|| ApiError::not_found(format!("no connector instance `{instance}`")))?;
    let sheet = inst.spreadsheet.as_ref().ok_or_else(|| {
        ApiError::not_found(format!(
            "instance `{instance}` is a {} connector: only spreadsheets report skipped rows",
            inst.kind
        ))
    })?;
    let problems: Vec<Value> = sheet.last_problems().iter().map(status::problem_json).collect();
    Ok(Json(json!({"instance": instance, "kind": inst.kind, "problems": problems})))
}
