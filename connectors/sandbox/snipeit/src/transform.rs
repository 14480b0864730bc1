//! Snipe-IT's transformers (`app/Http/Transformers`): the JSON shape of an asset, user, location,
//! maintenance, status label, model, category, manufacturer and supplier as `GET` answers it, plus
//! the raw Eloquent shapes some write endpoints return in `payload`.

use serde_json::{Value, json};

use crate::{
    format::{self, add_months, currency_opt, date, date_opt, datetime, datetime_opt, esc, esc_opt},
    state::{Asset, Db, Location, Maintenance, StatusLabel, Target, User},
};

fn id_name(id: u64, name: &str) -> Value {
    json!({ "id": id, "name": esc(name) })
}

pub fn asset(db: &Db, base: &str, a: &Asset) -> Value {
    let model = db.models.get(&a.model_id);
    let category = model.and_then(|m| db.categories.get(&m.category_id));
    let manufacturer = model.and_then(|m| db.manufacturers.get(&m.manufacturer_id));
    let label = db.status_labels.get(&a.status_id);
    let loc = |id: Option<u64>| id.and_then(|i| db.locations.get(&i)).map_or(Value::Null, |l| id_name(l.id, &l.name));
    let eol = match (a.purchase_date, model) {
        (Some(p), Some(m)) if m.eol > 0 => Some(add_months(p, m.eol)),
        _ => None,
    };
    let warranty = match (a.purchase_date, a.warranty_months) {
        (Some(p), Some(w)) => Some(add_months(p, w)),
        _ => None,
    };
    let today = crate::state::now().date();
    let available = db.available_for_checkout(a);
    json!({
        "id": a.id,
        "name": esc(a.name.as_deref().unwrap_or("")),
        "asset_tag": esc(&a.asset_tag),
        "serial": esc(a.serial.as_deref().unwrap_or("")),
        "model": model.map_or(Value::Null, |m| id_name(m.id, &m.name)),
        "byod": a.byod,
        "requestable": a.requestable,
        "model_number": model.map_or(Value::Null, |m| Value::String(esc(&m.model_number))),
        "eol": date_opt(eol),
        "asset_eol_date": date_opt(eol),
        "status_label": label.map_or(Value::Null, |l| json!({
            "id": l.id, "name": esc(&l.name), "status_type": l.kind, "status_meta": db.status_meta(a),
        })),
        "category": category.map_or(Value::Null, |c| id_name(c.id, &c.name)),
        "manufacturer": manufacturer.map_or(Value::Null, |m| id_name(m.id, &m.name)),
        "supplier": a.supplier_id.and_then(|s| db.suppliers.get(&s)).map_or(Value::Null, |s| id_name(s.id, &s.name)),
        "notes": esc_opt(&a.notes),
        "order_number": esc_opt(&a.order_number),
        "company": Value::Null,
        "location": loc(a.location_id),
        "rtd_location": loc(a.rtd_location_id),
        "image": model.map_or(Value::Null, |m| Value::String(format!("{base}/uploads/models/{}", m.image))),
        "qr": format!("{base}/uploads/barcodes/qr-{}-{}.png", crate::seed::slug(&a.asset_tag), a.id),
        "alt_barcode": Value::Null,
        "assigned_to": assigned_to(db, a),
        "warranty_months": a.warranty_months.map_or(Value::Null, |w| Value::String(format!("{w} months"))),
        "warranty_expires": date_opt(warranty),
        "created_by": a.created_by.and_then(|u| db.users.get(&u)).map_or(Value::Null, |u| id_name(u.id, &u.full_name())),
        "created_at": datetime(a.created_at),
        "updated_at": datetime(a.updated_at),
        "last_audit_date": datetime_opt(a.last_audit_date),
        "next_audit_date": date_opt(a.next_audit_date),
        "deleted_at": datetime_opt(a.deleted_at),
        "purchase_date": date_opt(a.purchase_date),
        "age": format::age(a.purchase_date, today),
        "last_checkout": datetime_opt(a.last_checkout),
        "last_checkin": datetime_opt(a.last_checkin),
        "expected_checkin": date_opt(a.expected_checkin),
        "purchase_cost": currency_opt(a.purchase_cost),
        "checkin_counter": a.checkin_counter,
        "checkout_counter": a.checkout_counter,
        "requests_counter": a.requests_counter,
        "user_can_checkout": available,
        "book_value": currency_opt(a.purchase_cost),
        "custom_fields": {},
        "available_actions": {
            "checkout": a.deleted_at.is_none(),
            "checkin": a.deleted_at.is_none(),
            "clone": true,
            "restore": a.deleted_at.is_some(),
            "update": a.deleted_at.is_none(),
            "delete": a.deleted_at.is_none() && a.assigned_to.is_none(),
        },
    })
}

fn assigned_to(db: &Db, a: &Asset) -> Value {
    match a.assigned_to {
        None => Value::Null,
        Some((Target::User, id)) => db.users.get(&id).map_or(Value::Null, |u| {
            json!({
                "id": u.id, "username": esc(&u.username), "name": esc(&u.full_name()),
                "first_name": esc(&u.first_name), "last_name": esc_opt(&u.last_name), "email": esc_opt(&u.email),
                "employee_number": esc_opt(&u.employee_num), "type": "user",
            })
        }),
        Some((Target::Location, id)) => {
            db.locations.get(&id).map_or(Value::Null, |l| json!({"id": l.id, "name": esc(&l.name), "type": "location"}))
        }
        Some((Target::Asset, id)) => db.assets.get(&id).map_or(
            Value::Null,
            |o| json!({"id": o.id, "name": esc(o.name.as_deref().unwrap_or(&o.asset_tag)), "type": "asset"}),
        ),
    }
}

/// The raw Eloquent asset (`POST /hardware` payload, as the vendor's create example shows it).
pub fn asset_created(db: &Db, a: &Asset) -> Value {
    let m = db.models.get(&a.model_id);
    json!({
        "model_id": a.model_id,
        "name": a.name,
        "serial": a.serial,
        "company_id": a.company_id.map_or(String::new(), |c| c.to_string()),
        "order_number": a.order_number,
        "notes": a.notes,
        "asset_tag": a.asset_tag,
        "user_id": a.created_by,
        "archived": "0",
        "physical": "1",
        "depreciate": "0",
        "status_id": a.status_id,
        "warranty_months": a.warranty_months,
        "purchase_cost": a.purchase_cost.map(|c| format!("{c:.2}")),
        "purchase_date": a.purchase_date.map(|d| d.to_string()),
        "assigned_to": a.assigned_to.map(|(_, id)| id),
        "supplier_id": a.supplier_id,
        "requestable": u8::from(a.requestable),
        "rtd_location_id": a.rtd_location_id,
        "location_id": a.location_id,
        "updated_at": a.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        "created_at": a.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        "id": a.id,
        "model": m.map_or(Value::Null, |m| json!({
            "id": m.id, "name": m.name, "model_number": m.model_number, "manufacturer_id": m.manufacturer_id,
            "category_id": m.category_id,
            "created_at": m.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            "updated_at": m.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            "depreciation_id": 1, "eol": m.eol, "image": m.image, "deprecated_mac_address": 0,
            "fieldset_id": Value::Null, "notes": m.notes, "requestable": 0,
        })),
    })
}

/// The raw Eloquent asset in Laravel 7+ serialisation (nested in maintenance payloads).
pub fn asset_raw(a: &Asset) -> Value {
    json!({
        "id": a.id, "name": a.name, "asset_tag": a.asset_tag, "model_id": a.model_id, "serial": a.serial,
        "purchase_date": a.purchase_date.map(|d| format::iso(d.and_hms_opt(0, 0, 0).expect("midnight"))),
        "purchase_cost": a.purchase_cost.map(|c| format!("{c:.2}")), "order_number": a.order_number,
        "assigned_to": a.assigned_to.map(|(_, id)| id), "notes": a.notes, "image": Value::Null,
        "user_id": a.created_by, "created_at": format::iso(a.created_at), "updated_at": format::iso(a.updated_at),
        "physical": 1, "deleted_at": a.deleted_at.map(format::iso), "status_id": a.status_id, "archived": 0,
        "warranty_months": a.warranty_months, "depreciate": Value::Null, "supplier_id": a.supplier_id,
        "requestable": u8::from(a.requestable), "rtd_location_id": a.rtd_location_id, "accepted": Value::Null,
        "last_checkout": a.last_checkout.map(format::iso), "expected_checkin": a.expected_checkin.map(|d| d.to_string()),
        "company_id": a.company_id, "assigned_type": a.assigned_to.map(|(t, _)| t.class()),
        "last_audit_date": a.last_audit_date.map(format::iso), "next_audit_date": a.next_audit_date.map(|d| d.to_string()),
        "location_id": a.location_id, "checkin_counter": a.checkin_counter, "checkout_counter": a.checkout_counter,
        "requests_counter": a.requests_counter,
    })
}

pub fn user(db: &Db, base: &str, u: &User) -> Value {
    let assets = db.assets_of_user(u.id);
    let manages = db.users.values().filter(|o| o.deleted_at.is_none() && o.manager_id == Some(u.id)).count();
    let manages_locations = db.locations.values().filter(|l| l.deleted_at.is_none() && l.manager_id == Some(u.id));
    json!({
        "id": u.id,
        "avatar": format!("{base}/img/default-sm.png"),
        "name": esc(&u.full_name()),
        "first_name": esc(&u.first_name),
        "last_name": esc_opt(&u.last_name),
        "username": esc(&u.username),
        "remote": u.remote,
        "locale": esc_opt(&u.locale),
        "employee_num": esc_opt(&u.employee_num),
        "manager": u.manager_id.and_then(|m| db.users.get(&m)).map_or(Value::Null, |m| id_name(m.id, &m.full_name())),
        "jobtitle": esc_opt(&u.jobtitle),
        "vip": u.vip,
        "phone": esc_opt(&u.phone),
        "website": Value::Null,
        "address": esc_opt(&u.address),
        "city": esc_opt(&u.city),
        "state": Value::Null,
        "country": esc_opt(&u.country),
        "zip": esc_opt(&u.zip),
        "email": esc_opt(&u.email),
        "department": Value::Null,
        "location": u.location_id.and_then(|l| db.locations.get(&l)).map_or(Value::Null, |l| id_name(l.id, &l.name)),
        "notes": esc_opt(&u.notes),
        "permissions": if u.is_admin { json!({"superuser": "1"}) } else { Value::Null },
        "activated": u.activated,
        "autoassign_licenses": true,
        "ldap_import": false,
        "two_factor_enrolled": false,
        "two_factor_optin": false,
        "assets_count": assets,
        "licenses_count": 0,
        "accessories_count": 0,
        "consumables_count": 0,
        "manages_users_count": manages,
        "manages_locations_count": manages_locations.count(),
        "company": Value::Null,
        "created_by": u.created_by.and_then(|c| db.users.get(&c)).map_or(Value::Null, |c| id_name(c.id, &c.full_name())),
        "created_at": datetime(u.created_at),
        "updated_at": datetime(u.updated_at),
        "start_date": date_opt(u.start_date),
        "end_date": date_opt(u.end_date),
        "last_login": Value::Null,
        "deleted_at": datetime_opt(u.deleted_at),
        "available_actions": {
            "update": u.deleted_at.is_none(),
            "delete": u.deleted_at.is_none() && assets == 0,
            "clone": u.deleted_at.is_none(),
            "restore": u.deleted_at.is_some(),
        },
        "groups": Value::Null,
    })
}

pub fn location(db: &Db, l: &Location) -> Value {
    let live = |a: &&Asset| a.deleted_at.is_none();
    let assets_count = db.assets.values().filter(live).filter(|a| a.location_id == Some(l.id)).count();
    let rtd = db.assets.values().filter(live).filter(|a| a.rtd_location_id == Some(l.id)).count();
    let assigned = db.assets.values().filter(live).filter(|a| a.assigned_to == Some((Target::Location, l.id))).count();
    let users = db.users.values().filter(|u| u.deleted_at.is_none() && u.location_id == Some(l.id)).count();
    let children: Vec<Value> = db
        .locations
        .values()
        .filter(|c| c.deleted_at.is_none() && c.parent_id == Some(l.id))
        .map(|c| id_name(c.id, &c.name))
        .collect();
    let deletable = assets_count == 0 && rtd == 0 && assigned == 0 && users == 0 && children.is_empty();
    json!({
        "id": l.id,
        "name": esc(&l.name),
        "image": Value::Null,
        "address": esc_opt(&l.address),
        "address2": esc_opt(&l.address2),
        "city": esc_opt(&l.city),
        "state": esc_opt(&l.state),
        "country": esc_opt(&l.country),
        "zip": esc_opt(&l.zip),
        "phone": esc_opt(&l.phone),
        "fax": Value::Null,
        "accessories_count": 0,
        "assigned_accessories_count": 0,
        "assigned_assets_count": assigned,
        "assets_count": assets_count,
        "rtd_assets_count": rtd,
        "users_count": users,
        "currency": esc_opt(&l.currency),
        "ldap_ou": Value::Null,
        "notes": esc_opt(&l.notes),
        "created_at": datetime(l.created_at),
        "updated_at": datetime(l.updated_at),
        "parent": l.parent_id.and_then(|p| db.locations.get(&p)).map_or(Value::Null, |p| id_name(p.id, &p.name)),
        "manager": l.manager_id.and_then(|m| db.users.get(&m)).map_or(Value::Null, |m| id_name(m.id, &m.full_name())),
        "company": Value::Null,
        "children": children,
        "available_actions": { "update": l.deleted_at.is_none(), "delete": deletable && l.deleted_at.is_none(), "clone": true },
    })
}

pub fn maintenance(db: &Db, m: &Maintenance) -> Value {
    let a = db.assets.get(&m.asset_id);
    let model = a.and_then(|a| db.models.get(&a.model_id));
    let label = a.and_then(|a| db.status_labels.get(&a.status_id).map(|l| (a, l)));
    let loc = |id: Option<u64>| id.and_then(|i| db.locations.get(&i)).map_or(Value::Null, |l| id_name(l.id, &l.name));
    let creator = db.users.get(&m.created_by).map_or(Value::Null, |u| id_name(u.id, &u.full_name()));
    json!({
        "id": m.id,
        "asset": a.map_or(Value::Null, |a| json!({
            "id": a.id, "name": esc(a.name.as_deref().unwrap_or("")), "asset_tag": esc(&a.asset_tag),
            "serial": esc(a.serial.as_deref().unwrap_or("")), "deleted_at": datetime_opt(a.deleted_at),
            "created_at": datetime(a.created_at), "updated_at": datetime(a.updated_at),
        })),
        "model": model.map_or(Value::Null, |m| id_name(m.id, &m.name)),
        "status_label": label.map_or(Value::Null, |(a, l)| json!({
            "id": l.id, "name": esc(&l.name), "status_type": l.kind, "status_meta": db.status_meta(a),
        })),
        "company": Value::Null,
        "title": esc(&m.title),
        "location": loc(a.and_then(|a| a.location_id)),
        "rtd_location": loc(a.and_then(|a| a.rtd_location_id)),
        "notes": esc_opt(&m.notes),
        "supplier": m.supplier_id.and_then(|s| db.suppliers.get(&s)).map_or(Value::Null, |s| id_name(s.id, &s.name)),
        "cost": currency_opt(m.cost),
        "asset_maintenance_type": esc(&m.asset_maintenance_type),
        "start_date": date(m.start_date),
        "asset_maintenance_time": m.time(),
        "completion_date": date_opt(m.completion_date),
        "user_id": creator,
        "created_by": creator,
        "created_at": datetime(m.created_at),
        "updated_at": datetime(m.updated_at),
        "is_warranty": m.is_warranty,
        "available_actions": { "update": m.deleted_at.is_none(), "delete": m.deleted_at.is_none() },
    })
}

/// The raw Eloquent maintenance with its asset (create/update/delete payloads, as the vendor's
/// delete example shows it).
pub fn maintenance_raw(db: &Db, m: &Maintenance) -> Value {
    json!({
        "id": m.id, "asset_id": m.asset_id, "supplier_id": m.supplier_id,
        "asset_maintenance_type": m.asset_maintenance_type, "title": m.title, "is_warranty": u8::from(m.is_warranty),
        "start_date": format::iso(m.start_date.and_hms_opt(0, 0, 0).expect("midnight")),
        "completion_date": m.completion_date.map(|d| format::iso(d.and_hms_opt(0, 0, 0).expect("midnight"))),
        "asset_maintenance_time": m.time(), "notes": m.notes, "cost": m.cost.map(|c| format!("{c:.2}")),
        "deleted_at": m.deleted_at.map(format::iso), "created_at": format::iso(m.created_at),
        "updated_at": format::iso(m.updated_at), "user_id": m.created_by,
        "asset": db.assets.get(&m.asset_id).map_or(Value::Null, asset_raw),
    })
}

pub fn status_label(db: &Db, l: &StatusLabel) -> Value {
    let count = db.assets.values().filter(|a| a.deleted_at.is_none() && a.status_id == l.id).count();
    json!({
        "id": l.id,
        "name": esc(&l.name),
        "type": l.kind,
        "color": l.color,
        "show_in_nav": l.show_in_nav,
        "default_label": l.default_label,
        "assets_count": count,
        "notes": l.notes.as_deref().map(esc).unwrap_or_default(),
        "created_by": Value::Null,
        "created_at": datetime(l.created_at),
        "updated_at": datetime(l.updated_at),
        "available_actions": { "update": true, "delete": count == 0 },
    })
}
