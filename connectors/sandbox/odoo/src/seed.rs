//! The demo database: reference data (France = 75, EUR, the company, the admin user), membership
//! products for the current and previous year, 300 partners from the shared French data set (plus
//! a few organisations), and invoices + membership lines for part of them so that
//! `membership_state` varies (paid, invoiced, waiting, old, free, canceled, none). Deterministic:
//! the same partners get the same memberships every time (dates follow the current year).

use chrono::Datelike;
use serde_json::{Map, Value, json};

use crate::fields::model_def;
use crate::store::{State, now_str, today};
use crate::{compute, membership, write};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Reference records every database has (seeded or not).
pub fn base(state: &mut State) {
    let at = now_str();
    for (id, name, code) in
        [(20, "Belgium", "BE"), (43, "Switzerland", "CH"), (75, "France", "FR"), (133, "Luxembourg", "LU")]
    {
        state.insert_with_id("res.country", id, obj(json!({"name": name, "code": code})), &at);
    }
    state.insert_with_id("res.currency", 1, obj(json!({"name": "EUR", "symbol": "€", "active": true})), &at);
    state.insert_with_id("res.company", 1, obj(json!({"name": "Tiers-Lieu Démo"})), &at);
    state.insert_with_id("res.users", 1, obj(json!({"name": "OdooBot", "login": "__system__", "active": false})), &at);
    state.insert_with_id(
        "res.users",
        2,
        obj(json!({"name": "Administrator", "login": crate::store::LOGIN, "active": true})),
        &at,
    );
    // The company's own partner, as in every Odoo database.
    state.insert_raw(
        "res.partner",
        obj(json!({"name": "Tiers-Lieu Démo", "is_company": true, "type": "contact", "active": true, "country_id": 75,
            "city": "Montreuil", "zip": "93100", "email": "contact@tiers-lieu-demo.fr", "membership_state": "none",
            "free_member": false, "membership_amount": 0.0, "company_id": 1, "lang": "fr_FR"})),
        &at,
    );
}

fn product(state: &mut State, name: &str, code: &str, price: f64, year: i32, membership: bool) -> i64 {
    let tmpl = model_def("product.template").expect("known model");
    let vals = if membership {
        json!({"name": name, "default_code": code, "list_price": price, "membership": true,
            "membership_date_from": format!("{year}-01-01"), "membership_date_to": format!("{year}-12-31")})
    } else {
        json!({"name": name, "default_code": code, "list_price": price})
    };
    let t = write::create(state, tmpl, &vals).expect("seed product");
    state.value(tmpl, t, "product_variant_id").as_i64().expect("variant")
}

/// The demo data set.
pub fn demo(state: &mut State) {
    state.defer_recompute = true;
    let year = today().year();
    let individual =
        product(state, &format!("Adhésion individuelle {year}"), &format!("ADH-IND-{year}"), 20.0, year, true);
    let family = product(state, &format!("Adhésion famille {year}"), &format!("ADH-FAM-{year}"), 35.0, year, true);
    let donor = product(state, "Adhésion bienfaiteur", "ADH-BIEN", 100.0, year, true);
    let last_year = product(
        state,
        &format!("Adhésion individuelle {}", year - 1),
        &format!("ADH-IND-{}", year - 1),
        20.0,
        year - 1,
        true,
    );
    product(state, "Location salle Hypatia (heure)", "LOC-HYP", 15.0, year, false);
    product(state, "Don", "DON", 0.0, year, false);

    let at = now_str();
    let mut orgs = Vec::new();
    for (name, city, zip) in [
        ("Association Les Amis du Tiers-Lieu", "Montreuil", "93100"),
        ("SCIC La Fabrique Commune", "Rennes", "35000"),
        ("Coopérative Les Établis", "Saint-Étienne", "42000"),
    ] {
        orgs.push(state.insert_raw(
            "res.partner",
            obj(json!({"name": name, "is_company": true, "type": "contact", "active": true, "city": city, "zip": zip,
                "country_id": 75, "membership_state": "none", "free_member": false, "membership_amount": 0.0,
                "company_id": 1, "lang": "fr_FR"})),
            &at,
        ));
    }
    let mut partners = Vec::new();
    for p in hub_sandbox_core::seed::people(300) {
        let parent = if p.index % 40 == 7 { json!(orgs[p.index % orgs.len()]) } else { json!(false) };
        partners.push(state.insert_raw(
            "res.partner",
            obj(json!({"name": format!("{} {}", p.given_name, p.family_name), "email": p.email, "phone": p.phone,
                "street": p.street, "zip": p.postal_code, "city": p.city, "country_id": 75, "is_company": false,
                "parent_id": parent, "type": "contact", "active": p.index % 97 != 13, "ref": format!("SEED-{:04}", p.index),
                "membership_state": "none", "free_member": false, "membership_amount": 0.0, "company_id": 1,
                "lang": "fr_FR"})),
            &at,
        ));
    }

    let elapsed = today().ordinal0();
    let mut rng = fastrand::Rng::with_seed(0x0D00_ADE5);
    let moves = model_def("account.move").expect("known model");
    for (i, &partner) in partners.iter().enumerate() {
        let roll = rng.u8(0..100);
        let pick = [individual, individual, family, donor][rng.usize(0..4)];
        let day = chrono::NaiveDate::from_yo_opt(year, 1 + (i as u32 * 7) % (elapsed + 1)).unwrap_or(today());
        let (product, date, post, pay, cancel) = match roll {
            0..35 => (pick, day.to_string(), true, true, false),
            35..45 => (pick, day.to_string(), true, false, false),
            45..50 => (pick, day.to_string(), false, false, false),
            50..65 => (last_year, format!("{}-{:02}-15", year - 1, 1 + i % 12), true, true, false),
            70..72 => (pick, day.to_string(), true, false, true),
            65..70 => {
                state.set("res.partner", partner, "free_member", json!(true), &at);
                continue;
            }
            _ => continue,
        };
        let price = state.value(model_def("product.product").expect("known model"), product, "list_price");
        let vals = json!({"move_type": "out_invoice", "partner_id": partner, "invoice_date": date,
            "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 1.0, "price_unit": price,
                "name": state.display_name("product.product", product)}]]});
        let mv = write::create(state, moves, &vals).expect("seed invoice");
        if post {
            membership::move_action(state, &[mv], "action_post").expect("seed post");
        }
        if pay {
            membership::register_payment(state, mv).expect("seed payment");
        }
        if cancel {
            membership::move_action(state, &[mv], "button_cancel").expect("seed cancel");
        }
    }
    state.defer_recompute = false;
    compute::recompute(state);
    spread_timestamps(state, year);
}

/// Seeded records look created over the previous year (Odoo datetimes, UTC), not all "now"; an
/// invoice, its lines and membership lines date from its invoice date, and a partner's
/// `write_date` is no older than its last invoice (its stored membership state changed then).
fn spread_timestamps(state: &mut State, year: i32) {
    let base =
        chrono::NaiveDate::from_ymd_opt(year - 1, 1, 1).and_then(|d| d.and_hms_opt(8, 0, 0)).expect("valid date");
    for table in state.tables.values_mut() {
        for (k, (_, rec)) in table.rows.iter_mut().enumerate() {
            let at = (base + chrono::Duration::minutes(97 * k as i64)).format("%Y-%m-%d %H:%M:%S").to_string();
            rec.insert("create_date".into(), json!(at));
            rec.insert("write_date".into(), json!(at));
        }
    }
    let stamp = |state: &mut State, model: &str, id: i64, at: &str| {
        if let Some(rec) = state.table_mut(model).rows.get_mut(&id) {
            rec.insert("create_date".into(), json!(at));
            rec.insert("write_date".into(), json!(at));
        }
    };
    for mv in state.ids("account.move") {
        let Some(date) = state.get_str("account.move", mv, "invoice_date") else { continue };
        // Never later than now: an invoice dated today stamped "this afternoon" would put a
        // write_date in the future, which no real Odoo shows and which would carry an
        // incremental reader's cursor past every edit made before then.
        let at = format!("{date} {:02}:{:02}:00", 9 + mv % 9, mv % 60).min(crate::store::now_str());
        stamp(state, "account.move", mv, &at);
        for line in state.children("account.move.line", "move_id", mv) {
            stamp(state, "account.move.line", line, &at);
            for ml in state.children("membership.membership_line", "account_invoice_line", line) {
                stamp(state, "membership.membership_line", ml, &at);
                if let Some(rec) = state.table_mut("membership.membership_line").rows.get_mut(&ml) {
                    rec.insert("date".into(), json!(date));
                }
            }
        }
        if let Some(p) = state.get_id("account.move", mv, "partner_id")
            && let Some(rec) = state.table_mut("res.partner").rows.get_mut(&p)
            && rec.get("write_date").and_then(Value::as_str).is_some_and(|w| w < at.as_str())
        {
            rec.insert("write_date".into(), json!(at));
        }
    }
}
