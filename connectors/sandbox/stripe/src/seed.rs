//! The demo account: a dozen customers from the shared French data set (people 0..12, so they
//! match the other sandboxes), the tiers-lieu's products and prices (Adhésion annuelle, Pass
//! coworking mensuel, Location salle) and, for the first three customers, a paid membership.
//! Seeding records no events (it is the account's history, not something happening now).

use hub_sandbox_core::seed;
use serde_json::json;

use crate::{
    objects,
    routes::payments,
    state::{Store, now},
};

pub const CUSTOMERS: usize = 12;

/// (product name, description, lookup key, unit amount in cents, recurring interval)
const CATALOG: &[(&str, &str, &str, i64, Option<&str>)] = &[
    ("Adhésion annuelle", "Adhésion à l'association pour un an", "adhesion-annuelle", 2000, None),
    ("Pass coworking mensuel", "Accès illimité à l'espace coworking", "pass-coworking-mensuel", 15000, Some("month")),
    ("Location salle", "Location d'une salle à l'heure", "location-salle-heure", 3500, None),
];

pub fn load(s: &mut Store) {
    let start = now() - 90 * 86400;
    let mut customers = Vec::new();
    for (i, person) in seed::people(CUSTOMERS).into_iter().enumerate() {
        let mut c = objects::customer(s, start + i as i64 * 86400);
        c["email"] = json!(person.email);
        c["name"] = json!(format!("{} {}", person.given_name, person.family_name));
        c["phone"] = json!(format!("+33 {}", person.phone.trim_start_matches('0')));
        c["address"] = json!({"city": person.city, "country": "FR", "line1": person.street, "line2": null, "postal_code": person.postal_code, "state": null});
        c["preferred_locales"] = json!(["fr-FR"]);
        c["metadata"] = json!({"seed_index": person.index.to_string()});
        customers.push(s.insert(c));
    }
    let mut adhesion = None;
    for (name, description, lookup, amount, interval) in CATALOG {
        let mut prod = objects::product(s, name, start);
        prod["description"] = json!(description);
        let mut price =
            objects::price(s, prod["id"].as_str().unwrap_or_default(), "eur", *amount, interval.map(|i| (i, 1)));
        price["created"] = json!(start);
        price["lookup_key"] = json!(lookup);
        prod["default_price"] = price["id"].clone();
        s.insert(prod);
        if adhesion.is_none() {
            adhesion = Some(price.clone());
        }
        s.insert(price);
    }
    let Some(adhesion) = adhesion else { return };
    for c in customers.iter().take(3) {
        let mut pi = objects::payment_intent(s, adhesion["unit_amount"].as_i64().unwrap_or(0), "eur");
        pi["customer"] = c["id"].clone();
        pi["description"] = json!("Adhésion annuelle");
        pi["receipt_email"] = c["email"].clone();
        let Ok(pm) = payments::resolve_pm(s, "pm_card_visa", "payment_method") else { continue };
        pi["payment_method"] = pm["id"].clone();
        let mut charge = objects::charge(s, &pi, &pm, true, true);
        charge["billing_details"]["email"] = c["email"].clone();
        charge["billing_details"]["name"] = c["name"].clone();
        s.insert(charge.clone());
        pi["status"] = json!("succeeded");
        pi["amount_received"] = pi["amount"].clone();
        pi["latest_charge"] = charge["id"].clone();
        s.insert(pi);
    }
}
