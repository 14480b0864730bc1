//! `GET /oauth/google/callback`: where Google sends the browser back after consent (public: the
//! single-use `state` is the credential), and `POST /api/v1/auth/google/{instance}` (admin): the
//! consent URL, for `hub auth google` against a running hub. The page answered is French.

use axum::{
    Json,
    extract::{ConnectInfo, Path, RawQuery, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use serde_json::json;

use super::AppState;
use crate::{
    consent::{self, ConsentError},
    error::ApiError,
};

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>{title}</title><h1>{title}</h1><p>{text}</p></html>"
    );
    (status, Html(body)).into_response()
}

pub async fn google_callback(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    match consent::complete(&state.store, &state.config, &state.registry, &query).await {
        Ok(instance) => page(
            StatusCode::OK,
            "Autorisation enregistrée",
            &format!(
                "Le hub peut maintenant écrire dans les agendas Google de « {instance} ». Vous pouvez fermer cette page."
            ),
        ),
        Err(ConsentError::Store(e)) => {
            tracing::error!(error = %e, "Google consent: database failure");
            page(StatusCode::INTERNAL_SERVER_ERROR, "Erreur du hub", "La base de données n'a pas répondu ; réessayez.")
        }
        Err(e) => {
            tracing::warn!(error = %e, "Google consent refused");
            page(StatusCode::BAD_REQUEST, "Autorisation non enregistrée", &html_escape(&e.to_string()))
        }
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[utoipa::path(post, path = "/api/v1/auth/google/{instance}", params(("instance" = String, Path, description = "a google_calendar connector")), responses((status = 200, description = "`{instance, url}`: the consent URL to open"), (status = 404)), security(("bearer" = [])))]
/// Starts a consent; the redirect goes back to this hub (the address the request reached) unless
/// the instance has `redirect_url`.
pub async fn begin_google(
    State(state): State<AppState>,
    Path(instance): Path<String>,
    ConnectInfo(_peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let redirect = format!("http://{host}{}", consent::CALLBACK_PATH);
    match consent::begin(&state.store, &state.config, &state.registry, &instance, &redirect).await {
        Ok(url) => Ok(Json(json!({"instance": instance, "url": url}))),
        Err(ConsentError::UnknownInstance(i)) => {
            Err(ApiError::not_found(format!("no google_calendar connector named `{i}`")))
        }
        Err(ConsentError::Store(e)) => Err(e.into()),
        Err(e) => Err(ApiError::bad_request(e.to_string())),
    }
}
