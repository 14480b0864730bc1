//! The demo organization "Tiers-Lieu La Fabrique" and its forms (membership "Adhésion 2026" with
//! three tiers and custom fields, donation "Soutenir le tiers-lieu", event "Atelier réparation
//! vélo"), plus — when seeded — orders and payments for 300 people of the shared data set, some
//! refunded and some refused. Deterministic: the same every run.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hub_sandbox_core::seed::{SeedPerson, person};

use crate::model::{FieldDef, Form, Org, Payer, Store, Tier};
use crate::ops::{Purchase, purchase, refund};

pub const ORGANIZATION_SLUG: &str = "tiers-lieu-la-fabrique";
pub const MEMBERSHIP_SLUG: &str = "adhesion-2026";
pub const DONATION_SLUG: &str = "soutenir-le-tiers-lieu";
pub const EVENT_SLUG: &str = "atelier-reparation-velo";
/// How many seed people have orders.
pub const SEED_PEOPLE: usize = 300;

pub fn organization() -> Org {
    Org {
        slug: ORGANIZATION_SLUG.into(),
        name: "Tiers-Lieu La Fabrique".into(),
        org_type: "Association1901".into(),
        city: "Montreuil".into(),
        zip_code: "93100".into(),
        description: "Coworking, fablab et ateliers partagés".into(),
    }
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("valid seed date")
}

fn field(store: &mut Store, label: &str, field_type: &str, values: &[&str], required: bool) -> FieldDef {
    FieldDef {
        id: store.id(),
        label: label.into(),
        field_type: field_type.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
        required,
    }
}

fn tier(store: &mut Store, label: &str, description: &str, tier_type: &str, price: i64, fields: Vec<FieldDef>) -> Tier {
    Tier {
        id: store.id(),
        label: label.into(),
        description: description.into(),
        tier_type: tier_type.into(),
        price,
        min_amount: if price == 0 { Some(100) } else { None },
        custom_fields: fields,
    }
}

/// The three forms (always present, even unseeded: they are the association's set-up).
pub fn forms(store: &mut Store) {
    let created = at(2025, 12, 1, 9, 0);
    let membership_fields = |s: &mut Store| {
        vec![field(s, "Date de naissance", "Date", &[], true), field(s, "Commune", "TextInput", &[], true)]
    };
    let (f1, f2, f3) = (membership_fields(store), membership_fields(store), membership_fields(store));
    let membership = vec![
        tier(store, "Individuelle", "Adhésion individuelle pour l'année 2026", "Membership", 2000, f1),
        tier(store, "Famille", "Adhésion pour tout le foyer", "Membership", 3500, f2),
        tier(store, "Bienfaiteur", "Adhésion de soutien", "Membership", 6000, f3),
    ];
    store.forms.push(Form {
        form_type: "Membership".into(),
        slug: MEMBERSHIP_SLUG.into(),
        title: "Adhésion 2026".into(),
        description: "Adhérez au tiers-lieu pour l'année 2026".into(),
        state: "Public".into(),
        tiers: membership,
        start: Some(at(2026, 1, 1, 0, 0)),
        end: Some(at(2026, 12, 31, 22, 59)),
        created,
        updated: created,
    });
    let donation = vec![tier(store, "Don libre", "", "Donation", 0, Vec::new())];
    store.forms.push(Form {
        form_type: "Donation".into(),
        slug: DONATION_SLUG.into(),
        title: "Soutenir le tiers-lieu".into(),
        description: "Un don pour faire vivre les ateliers".into(),
        state: "Public".into(),
        tiers: donation,
        start: None,
        end: None,
        created,
        updated: created,
    });
    let bike = |s: &mut Store| vec![field(s, "Type de vélo", "ChoiceList", &["Ville", "VTT", "Route", "Cargo"], true)];
    let (b1, b2) = (bike(store), bike(store));
    let event = vec![
        tier(store, "Plein tarif", "", "Registration", 1000, b1),
        tier(store, "Tarif réduit", "Étudiants, demandeurs d'emploi", "Registration", 500, b2),
    ];
    store.forms.push(Form {
        form_type: "Event".into(),
        slug: EVENT_SLUG.into(),
        title: "Atelier réparation vélo".into(),
        description: "Apprenez à réparer votre vélo avec les bénévoles".into(),
        state: "Public".into(),
        tiers: event,
        start: Some(at(2026, 12, 12, 13, 0)),
        end: Some(at(2026, 12, 12, 17, 0)),
        created,
        updated: created,
    });
}

/// A seed person as a HelloAsso payer.
pub fn payer_of(p: &SeedPerson) -> Payer {
    Payer {
        email: p.email.clone(),
        address: Some(p.street.clone()),
        city: Some(p.city.clone()),
        zip_code: Some(p.postal_code.clone()),
        country: "FRA".into(),
        date_of_birth: Some(p.birth_date),
        first_name: p.given_name.clone(),
        last_name: p.family_name.clone(),
    }
}

/// Custom field answers of a seed person (birth date as dd/mm/yyyy, commune).
pub fn answers_of(p: &SeedPerson) -> Vec<(String, String)> {
    vec![
        ("Date de naissance".into(), p.birth_date.format("%d/%m/%Y").to_string()),
        ("Commune".into(), p.city.clone()),
        ("Type de vélo".into(), ["Ville", "VTT", "Route", "Cargo"][p.index % 4].into()),
    ]
}

fn tier_id(store: &Store, form_type: &str, slug: &str, index: usize) -> i64 {
    let form = store.form(form_type, slug).expect("seed form");
    form.tiers[index % form.tiers.len()].id
}

/// Orders for the first [`SEED_PEOPLE`] people: a membership for most, donations and event
/// tickets for some; about 1 in 20 refunded, 1 in 25 refused.
pub fn orders(store: &mut Store) {
    let mut rng = fastrand::Rng::with_seed(0x4e11_0a55_5eed);
    let start = at(2026, 1, 2, 8, 0);
    for i in 0..SEED_PEOPLE {
        let p = person(i);
        let mut buys: Vec<(&str, &str, usize, Option<i64>)> = Vec::new();
        if i % 6 != 5 {
            let t = match rng.u8(0..10) {
                0..=6 => 0,
                7..=8 => 1,
                _ => 2,
            };
            buys.push(("Membership", MEMBERSHIP_SLUG, t, None));
        }
        if i % 5 == 0 {
            buys.push(("Donation", DONATION_SLUG, 0, Some(500 * rng.i64(1..=20))));
        }
        if i % 7 == 0 {
            buys.push(("Event", EVENT_SLUG, rng.usize(0..2), None));
        }
        for (k, (form_type, slug, t, amount)) in buys.into_iter().enumerate() {
            let when = start
                + Duration::minutes((i as i64) * 1_440 * 320 / SEED_PEOPLE as i64 + k as i64 * 97)
                + Duration::seconds(rng.i64(0..3600))
                + Duration::milliseconds(rng.i64(0..1000));
            let refused = rng.u8(0..25) == 0;
            let purchase_ = Purchase {
                form_type: form_type.into(),
                form_slug: slug.into(),
                tier_id: tier_id(store, form_type, slug, t),
                payer: payer_of(&p),
                amount,
                answers: answers_of(&p),
                payment_state: if refused { "Refused" } else { "Authorized" }.into(),
                at: when,
                beneficiaries: Vec::new(),
            };
            let (_, payment_id) = purchase(store, purchase_).expect("seed purchase");
            if !refused && rng.u8(0..20) == 0 {
                let _ =
                    refund(store, payment_id, 0, true, true, Some("Remboursement".into()), when + Duration::days(3));
            }
        }
    }
    store.next_person = SEED_PEOPLE;
}
