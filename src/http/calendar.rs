//! `GET /calendar/{slug}.ics`: the public ICS feed of one resource (see `resource_feed`).

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

use super::AppState;
use crate::{error::ApiError, resource_feed};

#[utoipa::path(get, path = "/calendar/{file}", params(("file" = String, Path, description = "`salle-hypatia.ics`: a resource's slug and `.ics`")), responses((status = 200, description = "text/calendar"), (status = 404)))]
pub async fn resource_ics(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let slug = file
        .strip_suffix(".ics")
        .ok_or_else(|| ApiError::not_found(format!("« {file} » : le flux d'une ressource se termine par .ics")))?;
    let resource = state.registry.resources().get(slug).ok_or_else(|| {
        ApiError::not_found(format!("aucune ressource « {slug} » (voir [resources.SLUG] dans la configuration)"))
    })?;
    let since = (chrono::Utc::now() - chrono::Duration::days(resource_feed::PAST_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bookings = state.store.bookings_of_resource(slug, &since).await?;
    let body = resource_feed::render(slug, resource, &bookings);
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}
