//! Asset actions: `POST /hardware/{id}/checkout|checkin`, their `bytag` twins, and audits
//! (`POST /hardware/audit`, `POST /hardware/{id}/audit`). Refusals are HTTP 200 `status:error`.

use axum::{
    extract::{Path, State},
    response::Response,
};
use serde_json::json;

use super::hardware::NOT_FOUND;
use crate::{
    App,
    format::{self, add_months},
    http::{self, Input, error, error_with, invalid, success},
    state::{Target, now},
    webhooks::{Notice, notify},
};

fn tag_to_id(app: &App, tag: &str) -> Option<u64> {
    let db = app.db.lock().expect("db lock");
    db.assets.values().find(|a| a.deleted_at.is_none() && a.asset_tag.eq_ignore_ascii_case(tag)).map(|a| a.id)
}

/// `AssetsController::checkout`.
pub fn do_checkout(app: &App, id: Option<u64>, input: &Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(asset) = id.and_then(|id| db.asset(id)).cloned() else { return error(NOT_FOUND) };
    if !db.available_for_checkout(&asset) {
        return error_with("That asset is not available for checkout!", json!({"asset": asset.asset_tag}));
    }
    let kind = input.str("checkout_to_type").unwrap_or_else(|| "user".into());
    let Some(target) = Target::parse(&kind) else {
        return invalid(vec![("checkout_to_type", "The selected checkout to type is invalid.".into())]);
    };
    let key = match target {
        Target::User => "assigned_user",
        Target::Location => "assigned_location",
        Target::Asset => "assigned_asset",
    };
    let target_id = input.u64(key);
    let (exists, to_name, location) = match (target, target_id) {
        (Target::User, Some(u)) => {
            db.user(u).map_or((false, String::new(), None), |u| (true, u.full_name(), u.location_id))
        }
        (Target::Location, Some(l)) => {
            db.location(l).map_or((false, String::new(), None), |l| (true, l.name.clone(), Some(l.id)))
        }
        (Target::Asset, Some(o)) if o != asset.id => db.asset(o).map_or((false, String::new(), None), |o| {
            (true, o.name.clone().unwrap_or(o.asset_tag.clone()), o.location_id)
        }),
        _ => (false, String::new(), None),
    };
    if !exists {
        let msg =
            format!("Checkout target for asset {} is invalid - {} does not exist.", asset.asset_tag, target.word());
        return error_with(
            &msg,
            json!({"asset": asset.asset_tag, "target_id": target_id, "target_type": target.word()}),
        );
    }
    let mut errors = Vec::new();
    let status = match input.str("status_id") {
        Some(raw) => match raw.parse::<u64>().ok().filter(|s| db.label(*s).is_some_and(|l| l.kind == "deployable")) {
            Some(s) => Some(s),
            None => {
                errors.push(("status_id", "The selected status id is invalid.".to_string()));
                None
            }
        },
        None => None,
    };
    let expected = input.date("expected_checkin").unwrap_or_else(|()| {
        errors.push(("expected_checkin", "The expected checkin is not a valid date.".into()));
        None
    });
    let checkout_at = input.date("checkout_at").unwrap_or_else(|()| {
        errors.push(("checkout_at", "The checkout at is not a valid date.".into()));
        None
    });
    if !errors.is_empty() {
        return invalid(errors);
    }
    let t = now();
    let a = db.assets.get_mut(&asset.id).expect("exists");
    a.assigned_to = Some((target, target_id.expect("checked")));
    a.location_id = location.or(a.location_id);
    a.last_checkout = Some(checkout_at.and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or(t));
    a.expected_checkin = expected;
    a.checkout_counter += 1;
    a.updated_at = t;
    if let Some(s) = status {
        a.status_id = s;
    }
    if let Some(n) = input.str("name") {
        a.name = Some(n);
    }
    let a = a.clone();
    db.log("checkout", a.id, a.assigned_to, input.str("note"));
    let to_url = format!("{}/{}s/{}", app.base_url(), target.word(), target_id.unwrap_or_default());
    let note = input.str("note");
    let notice =
        Notice::Checkout { to: to_name, to_url, note: note.as_deref(), expected: expected.map(|d| d.to_string()) };
    notify(app, &db, &a, notice);
    success("Asset checked out successfully.", json!({"asset": a.asset_tag}))
}

/// `AssetsController::checkin`.
pub fn do_checkin(app: &App, id: Option<u64>, input: &Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(asset) = id.and_then(|id| db.asset(id)).cloned() else { return error(NOT_FOUND) };
    if asset.assigned_to.is_none() {
        return error_with("That asset is already checked in.", json!({"asset": asset.asset_tag}));
    }
    let mut errors = Vec::new();
    let status = match input.str("status_id") {
        Some(raw) => raw.parse::<u64>().ok().filter(|s| db.label(*s).is_some()).or_else(|| {
            errors.push(("status_id", "The selected status id is invalid.".to_string()));
            None
        }),
        None => None,
    };
    let location = match input.str("location_id") {
        Some(raw) => raw.parse::<u64>().ok().filter(|l| db.location(*l).is_some()).or_else(|| {
            errors.push(("location_id", "The selected location id is invalid.".to_string()));
            None
        }),
        None => None,
    };
    if !errors.is_empty() {
        return invalid(errors);
    }
    let t = now();
    let a = db.assets.get_mut(&asset.id).expect("exists");
    a.assigned_to = None;
    a.expected_checkin = None;
    a.last_checkin = Some(t);
    a.checkin_counter += 1;
    a.location_id = location.or(a.rtd_location_id);
    a.updated_at = t;
    if let Some(s) = status {
        a.status_id = s;
    }
    if let Some(n) = input.str("name") {
        a.name = Some(n);
    }
    let a = a.clone();
    db.log("checkin from", a.id, asset.assigned_to, input.str("note"));
    let note = input.str("note");
    notify(app, &db, &a, Notice::Checkin { note: note.as_deref() });
    let model = db.models.get(&a.model_id);
    success(
        "Asset checked in successfully.",
        json!({
            "asset_tag": a.asset_tag,
            "model": model.map(|m| m.name.clone()),
            "model_number": model.map(|m| m.model_number.clone()),
        }),
    )
}

pub async fn checkout(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    do_checkout(&app, http::id(&id), &input)
}

pub async fn checkin(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    do_checkin(&app, http::id(&id), &input)
}

pub async fn checkout_by_tag(State(app): State<App>, Path(tag): Path<String>, input: Input) -> Response {
    let id = tag_to_id(&app, &tag);
    do_checkout(&app, id, &input)
}

pub async fn checkin_by_tag(State(app): State<App>, Path(tag): Path<String>, input: Input) -> Response {
    let id = tag_to_id(&app, &tag);
    do_checkin(&app, id, &input)
}

fn do_audit(app: &App, id: Option<u64>, input: &Input) -> Response {
    let mut db = app.db.lock().expect("db lock");
    let Some(asset) = id.and_then(|id| db.asset(id)).cloned() else { return error(NOT_FOUND) };
    let next = match input.date("next_audit_date") {
        Ok(d) => d,
        Err(()) => return invalid(vec![("next_audit_date", "The next audit date is not a valid date.".into())]),
    };
    let location = match input.str("location_id") {
        Some(raw) => match raw.parse::<u64>().ok().filter(|l| db.location(*l).is_some()) {
            Some(l) => Some(l),
            None => return invalid(vec![("location_id", "The selected location id is invalid.".into())]),
        },
        None => None,
    };
    let t = now();
    let next = next.unwrap_or_else(|| add_months(t.date(), 12));
    let a = db.assets.get_mut(&asset.id).expect("exists");
    a.last_audit_date = Some(t);
    a.next_audit_date = Some(next);
    a.updated_at = t;
    if let Some(l) = location {
        a.location_id = Some(l);
    }
    let a = a.clone();
    db.log("audit", a.id, None, input.str("note"));
    let note = input.str("note");
    notify(app, &db, &a, Notice::Audit { note: note.as_deref() });
    success(
        "Asset audit successfully logged.",
        json!({
            "asset_tag": a.asset_tag,
            "note": note.unwrap_or_default(),
            "next_audit_date": format::datetime(next.and_hms_opt(0, 0, 0).expect("midnight")),
        }),
    )
}

/// `POST /hardware/audit` (asset identified by `asset_tag` in the body).
pub async fn audit(State(app): State<App>, input: Input) -> Response {
    let Some(tag) = input.str("asset_tag") else {
        return invalid(vec![("asset_tag", "The asset tag field is required.".into())]);
    };
    let id = tag_to_id(&app, &tag);
    do_audit(&app, id, &input)
}

pub async fn audit_one(State(app): State<App>, Path(id): Path<String>, input: Input) -> Response {
    do_audit(&app, http::id(&id), &input)
}
