//! Unit tests without a network: records built from the vendor's examples, the cursor's steps,
//! signatures and the decoding of every webhook example, settings.

use chrono::{DateTime, Utc};
use hub_connector_sdk::{ConnectorError, Cursor, WebhookRequest};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::cursor::{BookingsCursor, CURSOR_OVERLAP, Listed, version_hash};
use crate::records::{booking_record, bookings_in, valid_uid};
use crate::webhook::{self, SIGNATURE_HEADER, sign, verify_signature};
use crate::{CalcomConnector, CalcomSettings};

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vendor-specs/calcom/examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("example is JSON")
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn request<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> WebhookRequest<'a> {
    WebhookRequest { headers, body, remote_addr: None, received_at: Utc::now() }
}

#[test]
fn the_documented_booking_gives_its_flat_helpers_and_stays_untouched() {
    let answer = example("api.GET_v2_bookings_uid.response.docs.json");
    let booking = &answer["data"];
    let record = booking_record(booking).unwrap();
    assert_eq!(record.stream, "bookings");
    assert_eq!(record.external_id, "booking_uid_123");
    assert_eq!(record.updated_at, Some(at("2024-08-13T15:30:00Z")));
    assert!(!record.deleted);
    let d = &record.data;
    assert_eq!(d["uid"], "booking_uid_123");
    assert_eq!(d["status"], "accepted");
    assert_eq!(d["start"], "2024-08-13T15:30:00Z");
    assert_eq!(d["end"], "2024-08-13T16:30:00Z");
    // The example disagrees with itself (eventTypeId 50, eventType.id 1): the spec says to rely on
    // the object, `eventTypeId` being deprecated.
    assert_eq!(d["event_type_id"], 1);
    assert_eq!(d["event_type_slug"], "some-event");
    assert_eq!(d["title"], "Consultation");
    assert_eq!(d["attendee_name"], "John Doe");
    assert_eq!(d["attendee_email"], "john@example.com");
    assert_eq!(d["attendee_time_zone"], "America/New_York");
    assert_eq!(d["attendee_count"], 1);
    assert_eq!(d["rescheduled_from_uid"], "previous_uid_123");
    assert_eq!(d["rescheduled_to_uid"], "new_uid_456");
    assert_eq!(d["rescheduled"], false, "accepted: not moved away, whatever the link says");
    assert_eq!(d["seats"], Value::Null);
    assert_eq!(&d["booking"], booking, "the vendor JSON is kept untouched");
    // The list example holds the same object.
    let list = example("api.GET_v2_bookings.response.CONSTRUCTED.json");
    assert_eq!(booking_record(&list["data"][0]).unwrap(), record);
}

#[test]
fn cancellations_reschedules_offsets_and_seats() {
    let base = example("api.GET_v2_bookings_uid.response.docs.json")["data"].clone();
    let mut moved = base.clone();
    moved["status"] = json!("cancelled");
    let r = booking_record(&moved).unwrap();
    assert_eq!((r.data["rescheduled"].clone(), r.deleted), (json!(true), false), "moved away, not deleted");

    let mut cancelled = base.clone();
    cancelled["status"] = json!("CANCELLED");
    cancelled.as_object_mut().unwrap().remove("rescheduledToUid");
    let r = booking_record(&cancelled).unwrap();
    assert_eq!(
        (r.data["status"].clone(), r.data["rescheduled"].clone(), r.deleted),
        (json!("cancelled"), json!(false), true)
    );
    let mut rejected = cancelled.clone();
    rejected["status"] = json!("rejected");
    assert!(booking_record(&rejected).unwrap().deleted);

    let mut offset = base.clone();
    offset["start"] = json!("2026-12-01T10:00:00+01:00");
    offset["eventType"] = json!(null);
    let r = booking_record(&offset).unwrap();
    assert_eq!(r.data["start"], "2026-12-01T09:00:00Z");
    assert_eq!(r.data["event_type_id"], 50, "the deprecated field when the object is missing");
    let mut bad = base.clone();
    bad["end"] = json!("tomorrow");
    assert!(matches!(booking_record(&bad), Err(ConnectorError::Invalid(m)) if m.contains("`end`")));
    let mut no_uid = base.clone();
    no_uid["uid"] = json!("../me");
    assert!(booking_record(&no_uid).is_err());

    let mut seated = base.clone();
    seated["attendees"] = json!([
        {"name": "Zoé Martin", "email": "zoe@exemple.fr", "timeZone": "Europe/Paris", "absent": false, "seatUid": "s-1"},
        {"name": "Noël Petit", "email": "noel@exemple.fr", "timeZone": "Europe/Paris", "absent": true, "seatUid": "s-2"}
    ]);
    let r = booking_record(&seated).unwrap();
    assert_eq!(r.data["attendee_name"], "Zoé Martin");
    assert_eq!(r.data["attendee_count"], 2);
    assert_eq!(r.data["seats"]["count"], 2);
    assert_eq!(
        r.data["seats"]["attendees"][1],
        json!({"seat_uid": "s-2", "name": "Noël Petit", "email": "noel@exemple.fr", "time_zone": "Europe/Paris", "absent": true})
    );

    let recurrences = json!([base.clone(), seated.clone()]);
    assert_eq!(bookings_in(&recurrences).unwrap().len(), 2);
    assert_eq!(bookings_in(&base).unwrap().len(), 1);
    assert!(bookings_in(&json!("x")).is_err());
}

#[test]
fn uids_that_could_leave_the_path_are_refused() {
    assert!(valid_uid("2NtaeaVcKfpmSZ4CthFdfk"));
    assert!(valid_uid("3be561a9-31f1-4b8e-aefc-9d9a085f0dd1"));
    for bad in ["", "a/b", "..", "a?b", "a b", "é", &"x".repeat(129)] {
        assert!(!valid_uid(bad), "{bad}");
    }
}

fn listed(uid: &str, when: &str, hash: &str) -> Listed {
    Listed { uid: uid.into(), updated_at: at(when), hash: hash.into() }
}

#[test]
fn the_cursor_moves_by_keyset_with_an_overlap() {
    let start = BookingsCursor::parse(None).unwrap();
    assert_eq!(start, BookingsCursor::default());
    let page = [listed("a", "2026-11-01T10:00:00Z", "1"), listed("b", "2026-11-01T11:00:00Z", "2")];
    let (emit, next, more) = start.advance(&page, true);
    assert_eq!(emit, vec![true, true]);
    assert!(more);
    let overlap = chrono::Duration::from_std(CURSOR_OVERLAP).unwrap();
    assert_eq!(next.updated_after, Some(at("2026-11-01T11:00:00Z") - overlap));
    assert_eq!(next.skip, 0);
    assert_eq!(next.seen.keys().collect::<Vec<_>>(), vec!["b"], "only what is inside the window is kept");

    // The window's start comes back (already emitted), then something newer.
    let page = [listed("b", "2026-11-01T11:00:00Z", "2"), listed("c", "2026-11-02T09:00:00Z", "3")];
    let (emit, last, more) = next.advance(&page, false);
    assert_eq!(emit, vec![false, true]);
    assert!(!more);
    assert_eq!(last.updated_after, Some(at("2026-11-02T09:00:00Z") - overlap));
    assert_eq!(last.high, Some(at("2026-11-02T09:00:00Z")));

    // Next pass: the same version is dropped, a new version of the same booking is not.
    let (emit, _, _) = last.advance(&[listed("c", "2026-11-02T09:00:00Z", "3")], false);
    assert_eq!(emit, vec![false]);
    let (emit, after, _) = last.advance(&[listed("c", "2026-11-02T09:00:00Z", "4")], false);
    assert_eq!(emit, vec![true], "changed within the same updatedAt: still emitted");
    assert_eq!(after.updated_after, last.updated_after);

    // Survives the store's JSON.
    let stored: Cursor = serde_json::from_str(&serde_json::to_string(&last.to_cursor()).unwrap()).unwrap();
    assert_eq!(BookingsCursor::parse(Some(&stored)).unwrap(), last);
    assert_eq!(BookingsCursor::parse(Some(&Cursor(Value::Null))).unwrap(), BookingsCursor::default());
    assert!(BookingsCursor::parse(Some(&Cursor(json!({"page": 3})))).is_err());
}

#[test]
fn a_window_denser_than_a_page_is_stepped_over_with_skip() {
    let same = "2026-11-28T18:00:00Z";
    let first = [listed("a", same, "1"), listed("b", same, "2")];
    let (_, c1, more) = BookingsCursor::default().advance(&first, true);
    assert!(more);
    assert_eq!(c1.skip, 0);
    // The window now starts before `same`: the same two come back first, all seen.
    let (emit, c2, more) = c1.advance(&first, true);
    assert_eq!((emit, more), (vec![false, false], true));
    assert_eq!((c2.updated_after, c2.skip), (c1.updated_after, 2), "the window cannot move: step over");
    let (emit, c3, more) = c2.advance(&[listed("c", same, "3"), listed("d", same, "4")], true);
    assert_eq!((emit, more), (vec![true, true], true));
    assert_eq!(c3.skip, 4);
    let (emit, c4, more) = c3.advance(&[listed("e", "2026-11-29T10:00:00Z", "5")], false);
    assert_eq!((emit, more), (vec![true], false));
    assert_eq!(c4.skip, 0);
    // An empty page ends the pass whatever `hasNextPage` says.
    let (_, c5, more) = c4.advance(&[], true);
    assert!(!more);
    assert_eq!(c5.updated_after, c4.updated_after);
}

#[test]
fn version_hashes_follow_the_content() {
    let a = json!({"uid": "x", "status": "accepted"});
    assert_eq!(version_hash(&a), version_hash(&a.clone()));
    assert_ne!(version_hash(&a), version_hash(&json!({"uid": "x", "status": "cancelled"})));
    assert_eq!(version_hash(&a).len(), 16);
}

fn signed(secret: &str, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sign(secret, body)).unwrap());
    headers
}

#[test]
fn signatures_good_forged_missing_and_unsigned() {
    let body = br#"{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-11-29T10:00:00.000Z","payload":{"uid":"abc"}}"#;
    // An HMAC computed by hand-checked reference: the header is lower-case hex, 64 digits.
    assert_eq!(sign("secret", body).len(), 64);
    assert!(verify_signature("secret", &request(&signed("secret", body), body)).is_ok());
    let mut upper = HeaderMap::new();
    upper.insert("X-Cal-Signature-256", HeaderValue::from_str(&sign("secret", body).to_uppercase()).unwrap());
    assert!(verify_signature("secret", &request(&upper, body)).is_ok(), "hex case does not matter");

    let forged = signed("other secret", body);
    let tampered =
        br#"{"triggerEvent":"BOOKING_CANCELLED","createdAt":"2026-11-29T10:00:00.000Z","payload":{"uid":"abc"}}"#;
    let mut none = HeaderMap::new();
    let mut garbage = HeaderMap::new();
    garbage.insert(SIGNATURE_HEADER, HeaderValue::from_static("not-hex"));
    let mut unsigned = HeaderMap::new();
    unsigned.insert(SIGNATURE_HEADER, HeaderValue::from_static("no-secret-provided"));
    for (headers, bytes) in
        [(&forged, &body[..]), (&signed("secret", body), &tampered[..]), (&garbage, &body[..]), (&unsigned, &body[..])]
    {
        assert!(matches!(verify_signature("secret", &request(headers, bytes)), Err(ConnectorError::Signature(_))));
    }
    none.clear();
    let missing = verify_signature("secret", &request(&none, body)).unwrap_err();
    assert!(matches!(&missing, ConnectorError::Signature(m) if m.contains("missing")), "{missing}");

    let conn = CalcomConnector::new(CalcomSettings::new("calcom", "cal_test_x")).unwrap();
    let decoder = hub_connector_sdk::Connector::webhook(&conn).unwrap();
    assert!(
        matches!(decoder.verify(&request(&signed("secret", body), body)), Err(ConnectorError::Signature(m)) if m.contains("webhook_secret"))
    );
}

fn decode(body: &Value) -> hub_connector_sdk::InboundEvent {
    let bytes = serde_json::to_vec(body).unwrap();
    webhook::decode(&request(&HeaderMap::new(), &bytes)).unwrap()
}

fn hints(event: &hub_connector_sdk::InboundEvent) -> Vec<&str> {
    event.records.iter().map(|r| r.external_id.as_str()).collect()
}

#[test]
fn every_example_webhook_decodes_into_hints() {
    let cases: [(&str, &str, &[&str]); 10] = [
        ("webhook.BOOKING_CREATED.json", "BOOKING_CREATED", &[]),
        ("webhook.BOOKING_CREATED.docs-v2023.json", "BOOKING_CREATED", &[]),
        (
            "webhook.BOOKING_RESCHEDULED.json",
            "BOOKING_RESCHEDULED",
            &["new-booking-unique-id", "previous-booking-unique-id"],
        ),
        ("webhook.BOOKING_CANCELLED.json", "BOOKING_CANCELLED", &["unique-booking-identifier"]),
        ("webhook.BOOKING_REQUESTED.json", "BOOKING_REQUESTED", &[]),
        ("webhook.BOOKING_NO_SHOW_UPDATED.json", "BOOKING_NO_SHOW_UPDATED", &["5vQFqxDFMjdgKGMijqtqRw"]),
        ("webhook.MEETING_ENDED.flat.json", "MEETING_ENDED", &["unique-booking-identifier"]),
        ("webhook.MEETING_STARTED.flat.json", "MEETING_STARTED", &[]),
        ("webhook.OOO_CREATED.json", "OOO_CREATED", &[]),
        ("webhook.FORM_SUBMITTED.json", "FORM_SUBMITTED", &[]),
    ];
    for (file, trigger, expected) in cases {
        let body = example(file);
        let event = decode(&body);
        assert_eq!(event.event_type, trigger, "{file}");
        let uid = body["payload"]["uid"].as_str().or(body["uid"].as_str());
        let want: Vec<&str> = if expected.is_empty() { uid.into_iter().collect() } else { expected.to_vec() };
        assert_eq!(hints(&event), want, "{file}");
        assert!(event.event_id.starts_with(&format!("{trigger}:{}:", want.first().unwrap_or(&"-"))), "{file}");
        for hint in &event.records {
            assert_eq!(hint.data["hint"], true);
            assert!(hint.data.get("status").is_none() && hint.data.get("booking").is_none(), "nothing of the body");
        }
    }
    for file in ["webhook.BOOKING_PAID.json", "webhook.BOOKING_REJECTED.json"] {
        assert_eq!(decode(&example(file)).records.len(), 1, "{file}");
    }
}

#[test]
fn event_ids_are_stable_per_delivery_and_ping_names_nothing() {
    let body = example("webhook.BOOKING_CANCELLED.json");
    assert_eq!(decode(&body).event_id, decode(&body).event_id);
    let mut later = body.clone();
    later["createdAt"] = json!("2024-01-01T15:00:01.000Z");
    assert_ne!(decode(&body).event_id, decode(&later).event_id);

    let ping = json!({"triggerEvent": "PING", "createdAt": "2026-11-29T10:00:00.000Z",
                      "payload": {"type": "Test", "title": "Test trigger event", "uid": "whatever"}});
    let event = decode(&ping);
    assert_eq!((event.event_type.as_str(), event.records.len()), ("PING", 0));

    let bad = |bytes: &[u8]| webhook::decode(&request(&HeaderMap::new(), bytes)).unwrap_err();
    let e = bad(b"type=Test&title=x");
    assert!(matches!(&e, ConnectorError::Invalid(m) if m.contains("malformed JSON") && m.contains("line 1")), "{e}");
    assert!(matches!(bad(b"[1]"), ConnectorError::Invalid(_)));
    assert!(matches!(bad(br#"{"payload":{"uid":"a"}}"#), ConnectorError::Invalid(m) if m.contains("triggerEvent")));
    let e = bad(br#"{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"../../v2/webhooks"}}"#);
    assert!(matches!(&e, ConnectorError::Invalid(m) if m.contains("invalid booking uid")), "{e}");
}

#[test]
fn settings_are_checked_and_secrets_never_shown() {
    let mut s = CalcomSettings::new("calcom", "cal_live_supersecret");
    s.webhook_secret = Some("whsec-very-secret".into());
    let shown = format!("{s:?}");
    assert!(!shown.contains("supersecret") && !shown.contains("very-secret"), "{shown}");
    assert!(shown.contains("[redacted]"));
    assert_eq!(s.problem(), None);
    assert_eq!(s.base_url, "https://api.cal.com");
    assert_eq!(s.bookings_api_version, "2024-08-13");
    for (change, field) in [
        (
            Box::new(|s: &mut CalcomSettings| s.base_url = "api.cal.com".into()) as Box<dyn Fn(&mut CalcomSettings)>,
            "base_url",
        ),
        (Box::new(|s: &mut CalcomSettings| s.api_key = " ".into()), "api_key"),
        (Box::new(|s: &mut CalcomSettings| s.webhook_secret = Some(String::new())), "webhook_secret"),
        (Box::new(|s: &mut CalcomSettings| s.page_size = 251), "page_size"),
        (Box::new(|s: &mut CalcomSettings| s.page_size = 0), "page_size"),
    ] {
        let mut bad = s.clone();
        change(&mut bad);
        assert!(bad.problem().is_some_and(|p| p.starts_with(field)), "{field}");
        let err = CalcomConnector::new(bad).unwrap_err();
        assert!(matches!(&err, ConnectorError::Invalid(m) if m.contains(field)), "{err}");
    }
    let conn = CalcomConnector::new(s).unwrap();
    assert!(!format!("{conn:?}").contains("supersecret"));
}
