//! The demo site, built from `hub_sandbox_core::seed` (same people as every sandbox) through the
//! normal document life cycle, on a fake clock starting 2025-01-02 09:00 (Europe/Paris; customers every 7 hours, so
//! `modified` cursors in 2025 find rows):
//! 300 Individual customers (`CUST-2025-00001`...) each with a primary Contact (e-mail, mobile,
//! link to the customer), 3 associations (Company customers), memberships as Subscriptions for
//! about 40 % of the people (annual membership, resident or coworking plans; some cancelled),
//! their Sales Invoices (submitted; most paid), Item Bookings of the rooms, public Events.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use hub_sandbox_core::seed;
use serde_json::{Value, json};

use crate::{
    docops,
    store::{Doc, State, s},
};

pub const PEOPLE: usize = 300;
const USER: &str = "Administrator";

/// (item, billing interval, rate)
const PLANS: &[(&str, &str, f64)] = &[
    ("Adhésion annuelle", "Year", 20.0),
    ("Abonnement résident mensuel", "Month", 25.0),
    ("Coworking nomade mensuel", "Month", 90.0),
];

const EVENTS: &[&str] = &[
    "Repair café",
    "Soirée jeux de société",
    "Atelier initiation impression 3D",
    "Assemblée générale",
    "Conférence low-tech",
    "Apéro des résidents",
    "Atelier couture",
    "Projection-débat",
];

fn obj(v: Value) -> Doc {
    match v {
        Value::Object(m) => m,
        _ => Doc::new(),
    }
}

fn insert(st: &mut State, doctype: &str, v: Value) -> Option<Doc> {
    match docops::insert(st, doctype, &obj(v), USER) {
        Ok(change) => Some(change.doc),
        Err(e) => {
            tracing::warn!("seed: {doctype} not created: {:?}", e.body());
            None
        }
    }
}

fn tick(st: &mut State, minutes: i64) {
    let now = st.fixed_now.unwrap_or_default();
    st.fixed_now = Some(now + Duration::minutes(minutes));
}

/// Loads the data set into an empty state.
pub fn load(st: &mut State) {
    let start = NaiveDate::from_ymd_opt(2025, 1, 2).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default();
    st.fixed_now = Some(start);
    let mut rng = fastrand::Rng::with_seed(0xD0C0_5EED);
    let mut customers = Vec::new();
    for p in seed::people(PEOPLE) {
        tick(st, 420);
        let full = format!("{} {}", p.given_name, p.family_name);
        let Some(customer) = insert(
            st,
            "Customer",
            json!({"customer_name": full, "customer_type": "Individual", "customer_group": "Individual", "territory": "France"}),
        ) else {
            continue;
        };
        let cname = s(&customer, "name").to_string();
        let contact = json!({
            "first_name": p.given_name, "last_name": p.family_name, "is_primary_contact": 1,
            "email_ids": [{"email_id": p.email, "is_primary": 1}],
            "phone_nos": [{"phone": p.phone, "is_primary_mobile_no": 1}],
            "links": [{"link_doctype": "Customer", "link_name": cname}],
        });
        // Homonyms: the import de-duplicates names as Frappe's append_number_if_name_exists.
        let mut n = 0;
        while st.exists("Contact", &if n == 0 { full.clone() } else { format!("{full}-{n}") }) {
            n += 1;
        }
        let given = (n > 0).then(|| format!("{full}-{n}"));
        let contact = match docops::insert_as(st, "Contact", &obj(contact), USER, given) {
            Ok(change) => Some(change.doc),
            Err(e) => {
                tracing::warn!("seed: Contact not created: {:?}", e.body());
                None
            }
        };
        if let Some(contact) = contact {
            let values = obj(json!({"customer_primary_contact": contact["name"]}));
            let _ = docops::update(st, "Customer", &cname, &values, USER);
        }
        customers.push((cname, p.email.clone()));
    }
    for name in ["Association Les Amis du Tiers-Lieu", "Compagnie Théâtre du Quai", "SCOP Les Ateliers Partagés"] {
        tick(st, 30);
        insert(
            st,
            "Customer",
            json!({"customer_name": name, "customer_type": "Company", "customer_group": "Commercial", "territory": "France"}),
        );
    }
    subscriptions(st, &mut rng, &customers);
    bookings(st, &mut rng, &customers);
    events(st);
    st.fixed_now = None;
}

fn subscriptions(st: &mut State, rng: &mut fastrand::Rng, customers: &[(String, String)]) {
    for (cname, _) in customers {
        if rng.f64() >= 0.4 {
            continue;
        }
        tick(st, 41);
        let (item, interval, rate) = PLANS[rng.usize(..PLANS.len())];
        let begin = NaiveDate::from_ymd_opt(2025, rng.u32(1..=12), 1).unwrap_or_default();
        let end = if interval == "Year" {
            begin + Duration::days(364)
        } else {
            begin.checked_add_months(chrono::Months::new(1)).unwrap_or(begin) - Duration::days(1)
        };
        let cancelled = rng.f64() < 0.15;
        let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let mut sub = json!({
            "customer": cname, "start": date(begin), "billing_interval": interval, "billing_interval_count": 1,
            "current_invoice_start": date(begin), "current_invoice_end": date(end),
            "plans": [{"item": item, "qty": 1, "price_determination": "Fixed rate", "fixed_rate": rate, "from_date": date(begin)}],
        });
        if cancelled {
            sub["status"] = json!("Cancelled");
            sub["cancellation_date"] = json!(date(end));
        }
        let Some(sub) = insert(st, "Subscription", sub) else { continue };
        let paid = rng.f64() < 0.85;
        invoice(st, cname, item, 1.0, rate, date(begin), Some(s(&sub, "name")), paid);
    }
}

#[allow(clippy::too_many_arguments)]
fn invoice(
    st: &mut State,
    customer: &str,
    item: &str,
    qty: f64,
    rate: f64,
    posting: String,
    sub: Option<&str>,
    paid: bool,
) {
    let mut v = json!({
        "customer": customer, "posting_date": posting, "set_posting_time": 1, "due_date": posting, "docstatus": 1,
        "items": [{"item_code": item, "qty": qty, "rate": rate}],
    });
    if let Some(sub) = sub {
        v["subscription"] = json!(sub);
    }
    let Some(mut doc) = insert(st, "Sales Invoice", v) else { return };
    if paid {
        doc.insert("outstanding_amount".into(), json!(0.0));
        doc.insert("status".into(), json!("Paid"));
        st.put("Sales Invoice", doc);
    }
}

fn bookings(st: &mut State, rng: &mut fastrand::Rng, customers: &[(String, String)]) {
    let rooms = seed::rooms();
    let first = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
    for i in 0..120 {
        tick(st, 23);
        let room = &rooms[rng.usize(..rooms.len())];
        let (cname, email) = &customers[rng.usize(..customers.len())];
        let day = first + Duration::days(i64::from(rng.u16(0..400)));
        let hour = rng.u32(8..17);
        let hours = rng.u32(1..=3);
        let at = |h: u32| -> String {
            NaiveDateTime::new(day, chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let status = match rng.u8(0..10) {
            0 => "Cancelled",
            1 => "Not confirmed",
            _ => "Confirmed",
        };
        let booking = json!({
            "item": room.name, "starts_on": at(hour), "ends_on": at(hour + hours), "status": status,
            "party_type": "Customer", "party_name": cname, "user": email,
            // Confirmed bookings are submitted, as in the Item Booking example.
            "docstatus": i32::from(status == "Confirmed"),
        });
        insert(st, "Item Booking", booking);
        if status == "Confirmed" && i % 4 == 0 {
            let rate = if room.kind == "coworking" { 5.0 } else { 15.0 };
            invoice(st, cname, room.name, f64::from(hours), rate, day.format("%Y-%m-%d").to_string(), None, i % 8 == 0);
        }
    }
}

fn events(st: &mut State) {
    let first = NaiveDate::from_ymd_opt(2026, 1, 8).unwrap_or_default();
    for i in 0..24 {
        tick(st, 60);
        let day = first + Duration::weeks(i);
        let subject = EVENTS[i as usize % EVENTS.len()];
        insert(
            st,
            "Event",
            json!({
                "subject": subject, "event_type": "Public", "event_category": "Event",
                "starts_on": format!("{} 18:30:00", day.format("%Y-%m-%d")),
                "ends_on": format!("{} 21:00:00", day.format("%Y-%m-%d")),
                "description": format!("<p>{subject} au tiers-lieu.</p>"),
            }),
        );
    }
}
