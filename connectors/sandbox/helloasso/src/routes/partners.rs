//! Partner and user routes: `PUT`/`DELETE /v5/partners/me/api-notifications` (partner-wide) and
//! `…/api-notifications/organizations/{slug}` (one organization) register notification URLs and
//! answer their `signatureKey`; `GET /v5/partners/me` lists them; `GET /v5/users/me/organizations`;
//! `GET /v5/organizations/{slug}`.

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::model::{Registration, Store};
use crate::render::PUBLIC_SITE;
use crate::routes::check_org;
use crate::wire::{Params, bad_request, ok};
use crate::{App, wire};

const TYPES: [&str; 4] = ["Payment", "Order", "Form", "Organization"];

/// A 64-character key like the documented `AyCM0yTeQd8In2…`.
fn new_key(store: &mut Store) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..64).map(|_| ALPHABET[store.rng.usize(..ALPHABET.len())] as char).collect()
}

pub fn registration_json(r: &Registration) -> Value {
    let mut v = json!({"url": r.url, "signatureKey": r.signature_key});
    if let Some(t) = &r.notification_type {
        v["apiNotificationType"] = json!(t);
    }
    v
}

fn parse_type(raw: Option<&str>) -> Result<Option<String>, Response> {
    match raw {
        None => Ok(None),
        Some(t) => TYPES
            .iter()
            .find(|k| k.eq_ignore_ascii_case(t))
            .map(|k| Some(k.to_string()))
            .ok_or_else(|| bad_request(&format!("The value '{t}' is not valid for notificationType."))),
    }
}

fn put(app: &App, organization: Option<String>, body: &[u8]) -> Response {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return bad_request(&format!("The request body is invalid: {e}")),
    };
    let url = parsed.get("url").and_then(Value::as_str).unwrap_or("").to_string();
    if url.is_empty() {
        return bad_request("The Url field is required.");
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return bad_request("The Url field is not a valid url.");
    }
    let notification_type = match parse_type(parsed.get("notificationType").and_then(Value::as_str)) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let mut store = app.store.lock().expect("store lock");
    if let Some(org) = &organization
        && let Err(e) = check_org(&store, org)
    {
        return e;
    }
    let key = if organization.is_none() && notification_type.is_none() {
        app.main_signature_key.clone()
    } else {
        new_key(&mut store)
    };
    store.registrations.retain(|r| {
        !(r.signature_key.is_some() && r.organization == organization && r.notification_type == notification_type)
    });
    let reg = Registration { url, notification_type, organization, signature_key: Some(key) };
    let body = registration_json(&reg);
    store.registrations.push(reg);
    ok(body)
}

fn delete(app: &App, organization: Option<String>, query: Option<String>) -> Response {
    let p = Params::parse(query.as_deref().unwrap_or(""));
    let notification_type = match parse_type(p.get("notificationType")) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let mut store = app.store.lock().expect("store lock");
    if let Some(org) = &organization
        && let Err(e) = check_org(&store, org)
    {
        return e;
    }
    store.registrations.retain(|r| {
        !(r.signature_key.is_some() && r.organization == organization && r.notification_type == notification_type)
    });
    StatusCode::OK.into_response()
}

/// `PUT /v5/partners/me/api-notifications`.
pub async fn put_global(State(app): State<App>, body: Bytes) -> Response {
    put(&app, None, &body)
}

/// `PUT /v5/partners/me/api-notifications/organizations/{slug}`.
pub async fn put_org(State(app): State<App>, Path(slug): Path<String>, body: Bytes) -> Response {
    put(&app, Some(slug), &body)
}

/// `DELETE /v5/partners/me/api-notifications?notificationType=`.
pub async fn delete_global(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    delete(&app, None, q)
}

/// `DELETE /v5/partners/me/api-notifications/organizations/{slug}?notificationType=`.
pub async fn delete_org(State(app): State<App>, Path(slug): Path<String>, RawQuery(q): RawQuery) -> Response {
    delete(&app, Some(slug), q)
}

/// `GET /v5/partners/me`: PartnerPublicModel with the registered URLs.
pub async fn partner(State(app): State<App>) -> Response {
    let store = app.store.lock().expect("store lock");
    let urls: Vec<Value> =
        store.registrations.iter().filter(|r| r.signature_key.is_some()).map(registration_json).collect();
    ok(json!({
        "name": "hub-tiers-lieux",
        "displayName": "Hub tiers-lieux (sandbox)",
        "description": "Partner account of the sandbox",
        "url": "https://www.helloasso-sandbox.com",
        "apiClient": {
            "id": app.client_id,
            "partnerName": "hub-tiers-lieux",
            "privileges": ["AccessPublicData", "AccessTransactions", "RefundManagement", "FormAdministration"],
            "domain": null,
        },
        "urlNotificationList": urls,
    }))
}

/// `GET /v5/users/me/organizations`: the organization the client administers.
pub async fn my_organizations(State(app): State<App>) -> Response {
    let store = app.store.lock().expect("store lock");
    let org = &store.org;
    let updated = store.forms.iter().map(|f| f.updated).max().unwrap_or_else(chrono::Utc::now);
    ok(json!([{
        "name": org.name,
        "role": "OrganizationAdmin",
        "city": org.city,
        "zipCode": org.zip_code,
        "description": org.description,
        "updateDate": wire::date_time(updated),
        "url": format!("{PUBLIC_SITE}/associations/{}", org.slug),
        "organizationSlug": org.slug,
    }]))
}

/// `GET /v5/organizations/{slug}`: OrganizationPublicModel (with the admin-only fields).
pub async fn organization(State(app): State<App>, Path(slug): Path<String>) -> Response {
    let store = app.store.lock().expect("store lock");
    if let Err(e) = check_org(&store, &slug) {
        return e;
    }
    let org = &store.org;
    let updated = store.forms.iter().map(|f| f.updated).max().unwrap_or_else(chrono::Utc::now);
    ok(json!({
        "isAuthenticated": true,
        "isCashInCompliant": true,
        "fiscalReceiptEligibility": true,
        "fiscalReceiptIssuanceEnabled": false,
        "type": org.org_type,
        "category": "Tiers-lieux",
        "name": org.name,
        "role": "OrganizationAdmin",
        "city": org.city,
        "zipCode": org.zip_code,
        "description": org.description,
        "updateDate": wire::date_time(updated),
        "url": format!("{PUBLIC_SITE}/associations/{}", org.slug),
        "organizationSlug": org.slug,
    }))
}
