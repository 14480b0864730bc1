//! `/v1/products` and `/v1/prices`: create (`product_data` and `default_price_data` inline too),
//! retrieve, update, list (`active`, `product`, `type`, `lookup_keys[]` filters), product delete
//! (refused while it has prices, as Stripe does). Events `product.*`, `price.*`.

use axum::{
    Json,
    extract::{Path, State},
};
use serde_json::{Value, json};

use crate::{
    error::{ApiError, ApiResult},
    form,
    http::Params,
    objects,
    state::{App, Store, now},
    webhooks::previous_attributes,
};

fn apply_product(prod: &mut Value, p: &Value) -> Result<(), ApiError> {
    for k in ["name", "description", "statement_descriptor", "unit_label", "url", "tax_code", "default_price"] {
        if let Some(v) = form::opt_str(p, k) {
            prod[k] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(active) = form::opt_bool(p, "active")? {
        prod["active"] = json!(active);
    }
    if let Some(Value::Array(images)) = p.get("images") {
        prod["images"] = json!(images);
    }
    form::apply_metadata(prod, p);
    Ok(())
}

/// Creates a price from `p` (`product` id or `product_data`), with its events.
pub fn create_price_in(s: &mut Store, p: &Value, req: &crate::webhooks::ReqInfo) -> Result<Value, ApiError> {
    let currency = form::req_str(p, "currency")?.to_lowercase();
    let amount = match form::opt_int(p, "unit_amount")? {
        Some(a) => a,
        None => form::opt_str(p, "unit_amount_decimal")
            .and_then(|d| d.parse::<f64>().ok())
            .map(|d| d.round() as i64)
            .ok_or_else(|| ApiError::missing("unit_amount"))?,
    };
    if amount < 0 {
        return Err(ApiError::invalid_request(
            "This value must be greater than or equal to 0.".into(),
            Some("unit_amount"),
            Some("parameter_invalid_integer"),
        ));
    }
    let product = match (form::opt_str(p, "product"), p.get("product_data")) {
        (Some(id), _) => s.get("product", &id, "product")?["id"].as_str().unwrap_or_default().to_string(),
        (None, Some(data)) => {
            let name = form::req_str(data, "name").map_err(|_| ApiError::missing("product_data[name]"))?;
            let mut prod = objects::product(s, &name, now());
            apply_product(&mut prod, data)?;
            s.insert(prod.clone());
            s.event("product.created", &prod, None, req);
            prod["id"].as_str().unwrap_or_default().to_string()
        }
        (None, None) => return Err(ApiError::missing("product")),
    };
    let recurring = match p.get("recurring") {
        Some(r) => {
            let interval = form::req_str(r, "interval").map_err(|_| ApiError::missing("recurring[interval]"))?;
            if !["day", "week", "month", "year"].contains(&interval.as_str()) {
                return Err(ApiError::invalid_request(
                    "Invalid recurring[interval]: must be one of day, week, month, or year".to_string(),
                    Some("recurring[interval]"),
                    Some("parameter_invalid_string"),
                ));
            }
            Some((interval, form::opt_int(r, "interval_count")?.unwrap_or(1)))
        }
        None => None,
    };
    let mut price = objects::price(s, &product, &currency, amount, recurring.as_ref().map(|(i, c)| (i.as_str(), *c)));
    for k in ["nickname", "lookup_key"] {
        if let Some(v) = form::opt_str(p, k) {
            price[k] = json!(v);
        }
    }
    if let Some(active) = form::opt_bool(p, "active")? {
        price["active"] = json!(active);
    }
    form::apply_metadata(&mut price, p);
    s.insert(price.clone());
    s.event("price.created", &price, None, req);
    Ok(price)
}

pub async fn create_product(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let name = form::req_str(&p.v, "name")?;
    let mut prod = objects::product(&mut s, &name, now());
    apply_product(&mut prod, &p.v)?;
    if let Some(id) = form::opt_str(&p.v, "id") {
        if s.objects.contains_key(&id) {
            return Err(ApiError::invalid_request(
                "Product already exists.".to_string(),
                Some("id"),
                Some("resource_already_exists"),
            ));
        }
        prod["id"] = json!(id);
    }
    s.insert(prod.clone());
    s.event("product.created", &prod, None, &p.req);
    if let Some(data) = p.v.get("default_price_data") {
        let mut dp = data.clone();
        dp["product"] = prod["id"].clone();
        let price = create_price_in(&mut s, &dp, &p.req).map_err(|mut e| {
            if let Some(param) = e.body["error"]["param"].as_str() {
                e.body["error"]["param"] = json!(format!("default_price_data[{param}]"));
            }
            e
        })?;
        prod["default_price"] = price["id"].clone();
        s.put(prod.clone());
    }
    Ok(Json(s.out(prod, &p.v)))
}

pub async fn retrieve_product(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("product", &id, "id")?, &p.v)))
}

pub async fn update_product(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let before = s.get("product", &id, "id")?;
    let mut prod = before.clone();
    apply_product(&mut prod, &p.v)?;
    if prod != before {
        prod["updated"] = json!(now().max(before["updated"].as_i64().unwrap_or(0) + 1));
        s.put(prod.clone());
        s.event("product.updated", &prod, Some(previous_attributes(&before, &prod)), &p.req);
    }
    Ok(Json(s.out(prod, &p.v)))
}

pub async fn delete_product(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let prod = s.get("product", &id, "id")?;
    if s.all("price").iter().any(|pr| pr["product"] == id.as_str()) {
        return Err(ApiError::invalid_request(
            "This product cannot be deleted because it has one or more user-created prices.".into(),
            None,
            Some("product_has_prices"),
        ));
    }
    s.remove("product", &id);
    s.event("product.deleted", &prod, None, &p.req);
    Ok(Json(json!({"id": id, "object": "product", "deleted": true})))
}

pub async fn list_products(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let active = form::opt_bool(&p.v, "active")?;
    let page = s.list("product", "/v1/products", &p.v, |x| active.is_none_or(|a| x["active"] == a))?;
    Ok(Json(s.out(page, &p.v)))
}

pub async fn create_price(State(app): State<App>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let price = create_price_in(&mut s, &p.v, &p.req)?;
    Ok(Json(s.out(price, &p.v)))
}

pub async fn retrieve_price(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let s = app.lock();
    Ok(Json(s.out(s.get("price", &id, "id")?, &p.v)))
}

pub async fn update_price(State(app): State<App>, Path(id): Path<String>, p: Params) -> ApiResult {
    let mut s = app.lock();
    let before = s.get("price", &id, "id")?;
    let mut price = before.clone();
    for k in ["nickname", "lookup_key"] {
        if let Some(v) = form::opt_str(&p.v, k) {
            price[k] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(active) = form::opt_bool(&p.v, "active")? {
        price["active"] = json!(active);
    }
    form::apply_metadata(&mut price, &p.v);
    if price != before {
        s.put(price.clone());
        s.event("price.updated", &price, Some(previous_attributes(&before, &price)), &p.req);
    }
    Ok(Json(s.out(price, &p.v)))
}

pub async fn list_prices(State(app): State<App>, p: Params) -> ApiResult {
    let s = app.lock();
    let active = form::opt_bool(&p.v, "active")?;
    let product = form::opt_str(&p.v, "product");
    let kind = form::opt_str(&p.v, "type");
    let lookup: Option<Vec<Value>> = p.v.get("lookup_keys").and_then(|l| l.as_array().cloned());
    let page = s.list("price", "/v1/prices", &p.v, |x| {
        active.is_none_or(|a| x["active"] == a)
            && product.as_ref().is_none_or(|pr| x["product"] == pr.as_str())
            && kind.as_ref().is_none_or(|t| x["type"] == t.as_str())
            && lookup.as_ref().is_none_or(|l| l.contains(&x["lookup_key"]))
    })?;
    Ok(Json(s.out(page, &p.v)))
}
