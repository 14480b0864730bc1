//! Paged lists: `GET /v5/organizations/{slug}/forms`, `/formTypes`, `/orders`, `/payments`,
//! `/items`, and the per-form `/forms/{formType}/{formSlug}/orders|payments|items`, with
//! HelloAsso's filters (from/to, userSearchKey, formTypes, states, tierTypes, itemStates,
//! tierName, withDetails, sortOrder, sortField) and pagination.

use axum::{
    extract::{Path, RawQuery, State},
    response::Response,
};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::App;
use crate::model::{Order, Payment, Store};
use crate::paging::{Key, PageRequest, key};
use crate::render;
use crate::routes::check_org;
use crate::wire::{Params, bad_request, not_found, ok};

fn params(raw: Option<String>) -> Params {
    Params::parse(raw.as_deref().unwrap_or(""))
}

fn unwrap(r: Result<Response, Response>) -> Response {
    r.unwrap_or_else(|e| e)
}

fn in_list(list: &[String], value: &str) -> bool {
    list.is_empty() || list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// The filters shared by orders, payments and items.
struct Filters {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    search: Option<String>,
    form: Option<(String, String)>,
}

impl Filters {
    fn from(p: &Params, form: Option<(String, String)>) -> Result<Filters, Response> {
        Ok(Filters {
            from: p.date("from")?,
            to: p.date("to")?,
            search: p.get("userSearchKey").map(str::to_lowercase),
            form,
        })
    }

    fn date_ok(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at < t)
    }

    fn order_ok(&self, o: &Order) -> bool {
        let form_ok = self.form.as_ref().is_none_or(|(t, s)| o.form_type.eq_ignore_ascii_case(t) && &o.form_slug == s);
        let search_ok = self.search.as_ref().is_none_or(|k| {
            let p = &o.payer;
            [&p.email, &p.first_name, &p.last_name].iter().any(|f| f.to_lowercase().contains(k))
                || format!("{} {}", p.first_name, p.last_name).to_lowercase().contains(k)
                || o.items
                    .iter()
                    .any(|i| format!("{} {}", i.user_first_name, i.user_last_name).to_lowercase().contains(k))
        });
        form_ok && search_ok
    }
}

fn check_form(store: &Store, form: &Option<(String, String)>) -> Result<(), Response> {
    match form {
        Some((t, s)) if store.form(t, s).is_none() => Err(not_found("Form")),
        _ => Ok(()),
    }
}

fn sort_date(
    p: &Params,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    date: DateTime<Utc>,
) -> Result<DateTime<Utc>, Response> {
    match p.get("sortField") {
        None => Ok(date),
        Some(f) if f.eq_ignore_ascii_case("Date") => Ok(date),
        Some(f) if f.eq_ignore_ascii_case("UpdateDate") => Ok(updated),
        Some(f) if f.eq_ignore_ascii_case("CreationDate") => Ok(created),
        Some(f) => Err(bad_request(&format!("The value '{f}' is not valid for sortField."))),
    }
}

/// `GET /v5/organizations/{slug}/formTypes`.
pub async fn form_types(State(app): State<App>, Path(slug): Path<String>) -> Response {
    let store = app.store.lock().expect("store lock");
    if let Err(e) = check_org(&store, &slug) {
        return e;
    }
    let mut types: Vec<&str> = Vec::new();
    for f in &store.forms {
        if !types.contains(&f.form_type.as_str()) {
            types.push(&f.form_type);
        }
    }
    ok(json!(types))
}

/// `GET /v5/organizations/{slug}/forms`.
pub async fn forms(State(app): State<App>, Path(slug): Path<String>, RawQuery(q): RawQuery) -> Response {
    let p = params(q);
    let store = app.store.lock().expect("store lock");
    unwrap((|| {
        check_org(&store, &slug)?;
        let page = PageRequest::from(&p)?;
        let (states, types) = (p.list("states"), p.list("formTypes"));
        let rows: Vec<(Key, _)> = store
            .forms
            .iter()
            .enumerate()
            .filter(|(_, f)| in_list(&states, &f.state) && in_list(&types, &f.form_type))
            .map(|(i, f)| (key(f.created, i as i64), f))
            .collect();
        Ok(ok(page.page(rows, |f| render::form_light(&store, f))))
    })())
}

fn orders_page(app: &App, slug: &str, form: Option<(String, String)>, p: Params) -> Response {
    let store = app.store.lock().expect("store lock");
    unwrap((|| {
        check_org(&store, slug)?;
        check_form(&store, &form)?;
        let page = PageRequest::from(&p)?;
        let filters = Filters::from(&p, form)?;
        let types = p.list("formTypes");
        let details = p.bool("withDetails")?.unwrap_or(false);
        let rows = store
            .orders
            .values()
            .filter(|o| filters.order_ok(o) && filters.date_ok(o.date) && in_list(&types, &o.form_type))
            .map(|o| (key(o.date, o.id), o))
            .collect();
        Ok(ok(page.page(rows, |o| render::order(&store, o, details))))
    })())
}

/// `GET /v5/organizations/{slug}/orders`.
pub async fn orders(State(app): State<App>, Path(slug): Path<String>, RawQuery(q): RawQuery) -> Response {
    orders_page(&app, &slug, None, params(q))
}

/// `GET /v5/organizations/{slug}/forms/{formType}/{formSlug}/orders`.
pub async fn form_orders(
    State(app): State<App>,
    Path((slug, form_type, form_slug)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    orders_page(&app, &slug, Some((form_type, form_slug)), params(q))
}

fn payments_page(app: &App, slug: &str, form: Option<(String, String)>, p: Params) -> Response {
    let store = app.store.lock().expect("store lock");
    unwrap((|| {
        check_org(&store, slug)?;
        check_form(&store, &form)?;
        let page = PageRequest::from(&p)?;
        let filters = Filters::from(&p, form)?;
        let states = p.list("states");
        let mut rows = Vec::new();
        for pay in store.payments.values() {
            let Some(o) = store.orders.get(&pay.order_id) else { continue };
            let pay: &Payment = pay;
            if filters.order_ok(o) && filters.date_ok(pay.date) && in_list(&states, &pay.state) {
                let at = sort_date(&p, pay.created, pay.updated, pay.date)?;
                rows.push((key(at, pay.id), (o, pay)));
            }
        }
        Ok(ok(page.page(rows, |(o, pay)| render::payment(&store, o, pay, false))))
    })())
}

/// `GET /v5/organizations/{slug}/payments`.
pub async fn payments(State(app): State<App>, Path(slug): Path<String>, RawQuery(q): RawQuery) -> Response {
    payments_page(&app, &slug, None, params(q))
}

/// `GET /v5/organizations/{slug}/forms/{formType}/{formSlug}/payments`.
pub async fn form_payments(
    State(app): State<App>,
    Path((slug, form_type, form_slug)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    payments_page(&app, &slug, Some((form_type, form_slug)), params(q))
}

fn items_page(app: &App, slug: &str, form: Option<(String, String)>, p: Params) -> Response {
    let store = app.store.lock().expect("store lock");
    unwrap((|| {
        check_org(&store, slug)?;
        check_form(&store, &form)?;
        let page = PageRequest::from(&p)?;
        let filters = Filters::from(&p, form)?;
        let (tier_types, states) = (p.list("tierTypes"), p.list("itemStates"));
        let tier_name = p.get("tierName").map(str::to_lowercase);
        let details = p.bool("withDetails")?.unwrap_or(false);
        let mut rows = Vec::new();
        for o in store.orders.values().filter(|o| filters.order_ok(o) && filters.date_ok(o.date)) {
            for it in &o.items {
                let name_ok = tier_name.as_ref().is_none_or(|n| it.name.to_lowercase().contains(n));
                if in_list(&tier_types, &it.tier_type) && in_list(&states, &it.state) && name_ok {
                    let at = sort_date(&p, o.created, o.updated, o.date)?;
                    rows.push((key(at, it.id), (o, it)));
                }
            }
        }
        Ok(ok(page.page(rows, |(o, it)| render::item(&store, o, it, details))))
    })())
}

/// `GET /v5/organizations/{slug}/items`.
pub async fn items(State(app): State<App>, Path(slug): Path<String>, RawQuery(q): RawQuery) -> Response {
    items_page(&app, &slug, None, params(q))
}

/// `GET /v5/organizations/{slug}/forms/{formType}/{formSlug}/items`.
pub async fn form_items(
    State(app): State<App>,
    Path((slug, form_type, form_slug)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    items_page(&app, &slug, Some((form_type, form_slug)), params(q))
}
