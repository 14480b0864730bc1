//! The event types the hub emits, how a canonical change is named (member.created,
//! booking.rescheduled, donation.received, …), and endpoint filters over them.
//!
//! The name is chosen when the change is written (in the change's own transaction, from the
//! fields before and after), so the outbox row carries the public type and fan-out only copies it.

use serde_json::Value;

/// Every type an endpoint can subscribe to, with what it means.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("member.created", "a person appeared in the canonical store"),
    ("member.updated", "a person's fields changed"),
    ("member.deleted", "a person was deleted at their source"),
    ("membership.created", "a new membership, paid (status active)"),
    ("membership.pending", "a membership recorded but not paid (payment pending, refused or cancelled)"),
    ("membership.activated", "a membership recorded earlier became active (its payment went through)"),
    ("membership.renewed", "a membership's period_end moved later"),
    ("membership.updated", "another change to a membership"),
    ("membership.cancelled", "a membership was cancelled or deleted"),
    ("donation.received", "a donation was paid (status authorized)"),
    ("payment.succeeded", "a payment other than a donation was paid (status authorized)"),
    ("payment.refunded", "a payment was refunded"),
    ("payment.created", "a payment not yet paid appeared"),
    ("payment.updated", "another change to a payment"),
    ("booking.created", "a new booking"),
    ("booking.rescheduled", "a booking's starts_at or ends_at changed"),
    ("booking.cancelled", "a booking was cancelled, rejected or deleted"),
    ("booking.updated", "another change to a booking"),
    ("event.created", "a new programme event"),
    ("event.updated", "a programme event changed"),
    ("event.cancelled", "a programme event was cancelled or deleted"),
    ("registration.created", "someone registered to an event"),
    ("registration.updated", "a registration changed (e.g. moved up from the waiting list)"),
    ("registration.cancelled", "a registration was cancelled"),
    ("organization.created", "a new organization"),
    ("organization.updated", "an organization changed"),
    ("organization.deleted", "an organization was deleted"),
    ("resource.created", "a new resource"),
    ("resource.updated", "a resource changed"),
    ("resource.deleted", "a resource was deleted"),
    ("asset.created", "a new asset"),
    ("asset.updated", "an asset changed"),
    ("asset.deleted", "an asset was deleted"),
    ("task.created", "a new task"),
    ("task.updated", "a task changed"),
    ("task.deleted", "a task was deleted"),
    ("sync.failed", "a sync or an inbound event failed for good (operators)"),
    ("endpoint.disabled", "a webhook endpoint was disabled after failing (operators)"),
];

/// Whether `name` is a type the hub emits.
pub fn is_known(name: &str) -> bool {
    EVENT_TYPES.iter().any(|(t, _)| *t == name)
}

/// Checks an endpoint's filters: known types, `family.*`, or `*`.
pub fn check_filters(filters: &[String]) -> Result<(), String> {
    for f in filters {
        let ok = f == "*"
            || is_known(f)
            || f.strip_suffix(".*")
                .is_some_and(|fam| EVENT_TYPES.iter().any(|(t, _)| t.starts_with(&format!("{fam}."))));
        if !ok {
            return Err(format!("unknown event type `{f}` (see GET /api/v1/webhook-event-types)"));
        }
    }
    Ok(())
}

/// Whether an endpoint with `filters` receives `event_type` (no filter: everything).
pub fn matches(filters: &[String], event_type: &str) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            f == "*"
                || f == event_type
                || f.strip_suffix(".*")
                    .is_some_and(|fam| event_type.strip_prefix(fam).is_some_and(|r| r.starts_with('.')))
        })
}

fn field<'a>(fields: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    fields.and_then(|f| f.get(name)).filter(|v| !v.is_null())
}

fn text<'a>(fields: Option<&'a Value>, name: &str) -> Option<&'a str> {
    field(fields, name).and_then(Value::as_str)
}

fn changed(old: Option<&Value>, new: Option<&Value>, name: &str) -> bool {
    field(old, name) != field(new, name)
}

fn became(old: Option<&Value>, new: Option<&Value>, name: &str, values: &[&str]) -> bool {
    let is = |f| text(f, name).is_some_and(|s| values.contains(&s));
    is(new) && !is(old)
}

const PAID: &[&str] = &["authorized", "succeeded", "paid"];
const CANCELLED: &[&str] = &["cancelled", "canceled", "rejected"];

/// The public type of a change to an entity of `kind` (`created`, `updated` or `deleted`), from
/// its fields before (`None` when created) and after (`None` when deleted).
pub fn public_type(kind: &str, op: &str, old: Option<&Value>, new: Option<&Value>) -> String {
    let named = |s: &str| s.to_string();
    match (kind, op) {
        ("person", op) => format!("member.{op}"),
        ("membership", "created") if text(new, "status").is_none_or(|s| s == "active") => named("membership.created"),
        ("membership", "created") => named("membership.pending"),
        ("membership", "deleted") => named("membership.cancelled"),
        ("membership", _) if became(old, new, "status", &["cancelled", "refunded"]) => named("membership.cancelled"),
        ("membership", _) if became(old, new, "status", &["active"]) => named("membership.activated"),
        ("membership", _) => {
            let later = match (text(old, "period_end"), text(new, "period_end")) {
                (Some(o), Some(n)) => n > o,
                (None, Some(_)) => true,
                _ => false,
            };
            named(if later { "membership.renewed" } else { "membership.updated" })
        }
        ("payment", "deleted") => named("payment.updated"),
        ("payment", _) if became(old, new, "status", &["refunded"]) => named("payment.refunded"),
        ("payment", _) if became(old, new, "status", PAID) => {
            let donation = text(new, "kind") == Some("donation");
            named(if donation { "donation.received" } else { "payment.succeeded" })
        }
        ("payment", op) => format!("payment.{op}"),
        ("booking", "deleted") => named("booking.cancelled"),
        ("booking", _) if became(old, new, "status", CANCELLED) => named("booking.cancelled"),
        ("booking", "created") => named("booking.created"),
        ("booking", _) if changed(old, new, "starts_at") || changed(old, new, "ends_at") => {
            named("booking.rescheduled")
        }
        ("booking", _) => named("booking.updated"),
        ("event", "deleted") => named("event.cancelled"),
        ("event", _) if became(old, new, "status", CANCELLED) => named("event.cancelled"),
        ("event", op) => format!("event.{op}"),
        ("registration", "deleted") => named("registration.cancelled"),
        ("registration", _) if became(old, new, "status", CANCELLED) => named("registration.cancelled"),
        ("registration", op) => format!("registration.{op}"),
        (kind, op) => format!("{kind}.{op}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changes_get_the_names_receivers_expect() {
        let t = |kind, op, old: Option<Value>, new: Option<Value>| public_type(kind, op, old.as_ref(), new.as_ref());
        assert_eq!(t("person", "created", None, Some(json!({"email": "a@b.fr"}))), "member.created");
        assert_eq!(t("person", "updated", Some(json!({})), Some(json!({"phone": "+33"}))), "member.updated");
        let m = |end: &str| Some(json!({"period_end": end, "status": "active"}));
        assert_eq!(t("membership", "updated", m("2026-12-31"), m("2027-12-31")), "membership.renewed");
        assert_eq!(t("membership", "updated", m("2026-12-31"), m("2026-12-31")), "membership.updated");
        let st = |status: &str| Some(json!({"status": status}));
        assert_eq!(t("membership", "created", None, st("active")), "membership.created");
        assert_eq!(
            t("membership", "created", None, st("pending")),
            "membership.pending",
            "not paid: not a membership yet"
        );
        assert_eq!(t("membership", "updated", st("pending"), st("active")), "membership.activated");
        assert_eq!(t("membership", "updated", st("active"), st("refunded")), "membership.cancelled");
        let p = |status: &str, kind: &str| Some(json!({"status": status, "kind": kind}));
        assert_eq!(t("payment", "created", None, p("authorized", "donation")), "donation.received");
        assert_eq!(t("payment", "created", None, p("authorized", "membership")), "payment.succeeded");
        assert_eq!(t("payment", "created", None, p("pending", "membership")), "payment.created");
        assert_eq!(t("payment", "updated", p("pending", "shop"), p("authorized", "shop")), "payment.succeeded");
        assert_eq!(t("payment", "updated", p("authorized", "shop"), p("refunded", "shop")), "payment.refunded");
        assert_eq!(t("payment", "updated", p("authorized", "shop"), p("authorized", "shop")), "payment.updated");
        let b = |start: &str, status: &str| Some(json!({"starts_at": start, "status": status}));
        assert_eq!(t("booking", "created", None, b("10:00", "confirmed")), "booking.created");
        assert_eq!(t("booking", "updated", b("10:00", "confirmed"), b("11:00", "confirmed")), "booking.rescheduled");
        assert_eq!(t("booking", "updated", b("10:00", "confirmed"), b("11:00", "cancelled")), "booking.cancelled");
        assert_eq!(t("booking", "deleted", b("10:00", "confirmed"), None), "booking.cancelled");
        assert_eq!(
            t("event", "updated", Some(json!({"status": "scheduled"})), Some(json!({"status": "cancelled"}))),
            "event.cancelled"
        );
        assert_eq!(t("event", "updated", Some(json!({"title": "a"})), Some(json!({"title": "b"}))), "event.updated");
        assert_eq!(t("registration", "created", None, Some(json!({}))), "registration.created");
        for kind in ["person", "membership", "payment", "booking", "event", "registration", "asset", "task"] {
            for op in ["created", "updated", "deleted"] {
                let name = t(kind, op, Some(json!({})), Some(json!({})));
                assert!(is_known(&name), "{kind} {op} gives unknown {name}");
            }
        }
    }

    #[test]
    fn filters_match_exact_families_and_everything() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&[], "member.created"));
        assert!(matches(&f(&["member.*"]), "member.updated"));
        assert!(!matches(&f(&["member.*"]), "membership.renewed"));
        assert!(matches(&f(&["booking.cancelled", "donation.received"]), "donation.received"));
        assert!(!matches(&f(&["booking.cancelled"]), "booking.created"));
        assert!(check_filters(&f(&["member.*", "*", "sync.failed"])).is_ok());
        assert!(check_filters(&f(&["member.exploded"])).unwrap_err().contains("member.exploded"));
        assert!(check_filters(&f(&["nothing.*"])).is_err());
    }
}
