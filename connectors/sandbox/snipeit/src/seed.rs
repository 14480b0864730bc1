//! Fills the database from the shared French data set (`hub_sandbox_core::seed`): the rooms as
//! locations, the ~42 machines and cameras as assets (tags `FAB-0001`…) with their models,
//! categories and manufacturers, six status labels, two suppliers, an admin and 40 people as users,
//! a few checkouts and maintenances. Deterministic (`fastrand::Rng::with_seed`).

use chrono::{NaiveDate, NaiveDateTime};
use hub_sandbox_core::seed;

use crate::state::*;

/// `str_slug` (used in QR code file names).
pub fn slug(s: &str) -> String {
    seed::ascii_slug(s).trim_matches('-').to_string()
}

fn at(day: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .expect("date")
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .checked_add_signed(chrono::Duration::days(i64::from(day)) + chrono::Duration::minutes(i64::from(minute)))
        .expect("in range")
}

/// The status labels every instance has (ids 1–6).
pub fn status_labels(db: &mut Db) {
    let labels = [
        ("Ready to Deploy", "deployable", "#2ECC40", true),
        ("Pending", "pending", "#FF851B", false),
        ("Archived", "archived", "#AAAAAA", false),
        ("Out for Repair", "undeployable", "#FFDC00", false),
        ("Broken - Not Fixable", "undeployable", "#FF4136", false),
        ("Lost/Stolen", "archived", "#111111", false),
    ];
    for (i, (name, kind, color, default)) in labels.into_iter().enumerate() {
        let id = i as u64 + 1;
        db.status_labels.insert(
            id,
            StatusLabel {
                id,
                name: name.into(),
                kind: kind.into(),
                color: Some(color.into()),
                show_in_nav: false,
                default_label: default,
                notes: None,
                created_at: at(0, 0),
                updated_at: at(0, 0),
                deleted_at: None,
            },
        );
    }
}

/// The admin whose personal access token the sandbox hands out (user id 1).
pub fn admin(db: &mut Db) {
    db.users.insert(
        1,
        User {
            id: 1,
            first_name: "Admin".into(),
            last_name: Some("Fablab".into()),
            username: "admin".into(),
            email: Some("admin@tiers-lieu.exemple.fr".into()),
            employee_num: None,
            jobtitle: Some("Régisseur·euse".into()),
            phone: None,
            address: None,
            city: None,
            country: Some("FR".into()),
            zip: None,
            locale: Some("fr-FR".into()),
            notes: None,
            location_id: None,
            manager_id: None,
            activated: true,
            vip: false,
            remote: false,
            is_admin: true,
            start_date: None,
            end_date: None,
            created_by: None,
            created_at: at(0, 0),
            updated_at: at(0, 0),
            deleted_at: None,
        },
    );
}

/// The full demo data set.
pub fn full(db: &mut Db) {
    let mut rng = fastrand::Rng::with_seed(0x0571_7E17);
    let (street, zip, city) = ("12 rue de la République", "93100", "Montreuil");
    for (i, room) in seed::rooms().into_iter().enumerate() {
        let id = i as u64 + 1;
        db.locations.insert(
            id,
            Location {
                id,
                name: room.name.into(),
                address: Some(street.into()),
                address2: Some(if room.kind == "coworking" { "Rez-de-chaussée".into() } else { "1er étage".into() }),
                city: Some(city.into()),
                state: None,
                country: Some("FR".into()),
                zip: Some(zip.into()),
                phone: None,
                currency: Some("EUR".into()),
                notes: Some(format!("Capacité : {} personnes", room.capacity)),
                parent_id: None,
                manager_id: Some(1),
                created_at: at(0, i as u32),
                updated_at: at(0, i as u32),
                deleted_at: None,
            },
        );
    }
    db.suppliers.insert(
        1,
        Supplier {
            id: 1,
            name: "Fournitures Fablab SAS".into(),
            city: "Lyon".into(),
            email: "commandes@fournitures-fablab.exemple.fr".into(),
            created_at: at(0, 0),
        },
    );
    db.suppliers.insert(
        2,
        Supplier {
            id: 2,
            name: "Audiovisuel Pro SARL".into(),
            city: "Nantes".into(),
            email: "ventes@audiovisuel-pro.exemple.fr".into(),
            created_at: at(0, 0),
        },
    );
    for p in seed::people(40) {
        let id = p.index as u64 + 2;
        let local = p.email.split('@').next().unwrap_or_default().to_string();
        db.users.insert(
            id,
            User {
                id,
                first_name: p.given_name.clone(),
                last_name: Some(p.family_name.clone()),
                username: local,
                email: Some(p.email.clone()),
                employee_num: Some(format!("ADH-{:04}", p.index + 1)),
                jobtitle: Some(["Adhérent·e", "Bénévole", "Salarié·e", "Résident·e coworking"][rng.usize(..4)].into()),
                phone: Some(p.phone.clone()),
                address: Some(p.street.clone()),
                city: Some(p.city.clone()),
                country: Some("FR".into()),
                zip: Some(p.postal_code.clone()),
                locale: Some("fr-FR".into()),
                notes: None,
                location_id: Some(rng.u64(1..=6)),
                manager_id: None,
                activated: true,
                vip: false,
                remote: false,
                is_admin: false,
                start_date: Some(NaiveDate::from_ymd_opt(2024, rng.u32(1..=12), rng.u32(1..=28)).expect("date")),
                end_date: None,
                created_by: Some(1),
                created_at: at(1, p.index as u32),
                updated_at: at(1, p.index as u32),
                deleted_at: None,
            },
        );
    }
    assets(db, &mut rng);
}

/// Where a category's machines live (room index, 1-based).
fn home(category: &str) -> u64 {
    match category {
        "Vidéo" | "Son" => 4,
        "Projection" => 2,
        "Informatique" => 6,
        _ => 3,
    }
}

fn price(model: &str) -> f64 {
    match model {
        "Prusa MK4" => 1099.0,
        "Trotec Speedy 100" => 14990.0,
        "Shaper Origin" => 2599.0,
        "Brother PR680W" => 8990.0,
        "Sony FX3" => 4299.0,
        "Panasonic GH6" => 2199.0,
        "Zoom H5" => 289.0,
        "Epson EB-L520U" => 1790.5,
        "Framework 16" => 1899.9,
        _ => 649.0,
    }
}

fn assets(db: &mut Db, rng: &mut fastrand::Rng) {
    for (i, a) in seed::assets().into_iter().enumerate() {
        let manufacturer_id = match db.manufacturers.values().find(|m| m.name == a.manufacturer) {
            Some(m) => m.id,
            None => {
                let id = next_id(&db.manufacturers);
                let host = slug(a.manufacturer);
                db.manufacturers.insert(
                    id,
                    Manufacturer {
                        id,
                        name: a.manufacturer.into(),
                        url: format!("https://{host}.exemple.com"),
                        support_url: format!("https://support.{host}.exemple.com"),
                        support_phone: format!("01 {:02} {:02} {:02} {:02}", 40 + id, 10 + id, 20 + id, 30 + id),
                        support_email: format!("support@{host}.exemple.com"),
                        created_at: at(0, 0),
                    },
                );
                id
            }
        };
        let category_id = match db.categories.values().find(|c| c.name == a.category) {
            Some(c) => c.id,
            None => {
                let id = next_id(&db.categories);
                db.categories.insert(id, Category { id, name: a.category.into(), created_at: at(0, 0) });
                id
            }
        };
        let model_id = match db.models.values().find(|m| m.name == a.model) {
            Some(m) => m.id,
            None => {
                let id = next_id(&db.models);
                db.models.insert(
                    id,
                    AssetModel {
                        id,
                        name: a.model.into(),
                        model_number: format!("{}-{:04}", slug(a.model).to_uppercase(), 1000 + id * 37),
                        manufacturer_id,
                        category_id,
                        eol: 60,
                        image: format!("{}.jpg", slug(a.model)),
                        notes: "Modèle de l'inventaire initial".into(),
                        created_at: at(0, id as u32),
                    },
                );
                id
            }
        };
        let id = i as u64 + 1;
        let room = home(a.category);
        let purchase = NaiveDate::from_ymd_opt(2023 + rng.i32(0..2), rng.u32(1..=12), rng.u32(1..=28)).expect("date");
        let status_id = match i {
            2 => 4,
            9 => 5,
            41 => 3,
            _ if i % 11 == 6 => 2,
            _ => 1,
        };
        let created = at(2, i as u32);
        let mut asset = Asset {
            id,
            name: Some(a.name.clone()),
            asset_tag: a.tag.clone(),
            serial: Some(format!("SN{}{:06}", slug(a.manufacturer).to_uppercase(), rng.u32(0..1_000_000))),
            model_id,
            status_id,
            company_id: None,
            supplier_id: Some(if matches!(a.category, "Vidéo" | "Son" | "Projection") { 2 } else { 1 }),
            location_id: Some(room),
            rtd_location_id: Some(room),
            assigned_to: None,
            notes: Some("Inventaire initial".into()),
            order_number: Some(format!("CMD-{}-{:03}", purchase.format("%Y"), rng.u32(1..1000))),
            purchase_date: Some(purchase),
            purchase_cost: Some(price(a.model)),
            warranty_months: Some(24),
            requestable: matches!(a.category, "Vidéo" | "Son" | "Projection" | "Informatique"),
            byod: false,
            last_checkout: None,
            last_checkin: None,
            expected_checkin: None,
            last_audit_date: None,
            next_audit_date: Some(NaiveDate::from_ymd_opt(2026, 6, 30).expect("date")),
            checkin_counter: 0,
            checkout_counter: 0,
            requests_counter: 0,
            created_by: Some(1),
            created_at: created,
            updated_at: created,
            deleted_at: None,
        };
        if status_id == 1 && i % 5 == 4 {
            let user = rng.u64(2..42);
            let out = at(300, i as u32);
            asset.assigned_to = Some((Target::User, user));
            asset.location_id = db.users.get(&user).and_then(|u| u.location_id);
            asset.last_checkout = Some(out);
            asset.expected_checkin = Some(out.date() + chrono::Duration::days(14));
            asset.checkout_counter = 1;
            asset.updated_at = out;
        }
        db.assets.insert(id, asset);
    }
    let maint = [
        (3, "Repair", "Changement de la buse et recalibrage", Some(2), None, Some(45.0)),
        (10, "Repair", "Diagnostic carte mère", Some(1), None, None),
        (1, "Calibration", "Calibrage du plateau", Some(1), Some(3), Some(0.0)),
    ];
    for (asset_id, kind, title, supplier, days, cost) in maint {
        let id = next_id(&db.maintenances);
        let start = NaiveDate::from_ymd_opt(2025, 10, 6).expect("date");
        db.maintenances.insert(
            id,
            Maintenance {
                id,
                asset_id,
                supplier_id: supplier,
                asset_maintenance_type: kind.into(),
                title: title.into(),
                is_warranty: asset_id == 3,
                start_date: start,
                completion_date: days.map(|d| start + chrono::Duration::days(d)),
                cost,
                notes: Some("Signalé par l'équipe du fablab".into()),
                created_by: 1,
                created_at: at(278, id as u32),
                updated_at: at(278, id as u32),
                deleted_at: None,
            },
        );
    }
}
