//! The in-memory Cal.com account: one organizer (the API key's owner), their event types (kept as
//! the v2 `EventTypeOutput_2024_06_14` JSON objects), schedules, bookings and webhook
//! subscriptions, plus id counters and the shared context handed to every route.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hub_sandbox_core::WebhookEmitter;
use serde_json::Value;

/// The user owning the API key (Cal.com's `hosts[0]` / webhook `organizer`).
pub const USER_ID: u64 = 478;
pub const USERNAME: &str = "la-fabrique-des-communs";
pub const USER_NAME: &str = "La Fabrique des Communs";
pub const USER_EMAIL: &str = "reservations@lafabrique.exemple.fr";
pub const USER_TZ: &str = "Europe/Paris";
/// The public booking site (webhook `bookerUrl`, event type `bookingUrl`).
pub const BOOKER_URL: &str = "https://cal.com";

/// Booking status (v2 output lower-case, webhooks upper-case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Accepted,
    Pending,
    Cancelled,
    Rejected,
}

impl Status {
    pub fn v2(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Pending => "pending",
            Status::Cancelled => "cancelled",
            Status::Rejected => "rejected",
        }
    }
    pub fn webhook(self) -> &'static str {
        match self {
            Status::Accepted => "ACCEPTED",
            Status::Pending => "PENDING",
            Status::Cancelled => "CANCELLED",
            Status::Rejected => "REJECTED",
        }
    }
}

/// One attendee (a seat when the event type is seated).
#[derive(Debug, Clone)]
pub struct Attendee {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub language: String,
    pub phone_number: Option<String>,
    pub absent: bool,
    pub seat_uid: Option<String>,
}

/// One booking.
#[derive(Debug, Clone)]
pub struct Booking {
    pub id: u64,
    pub uid: String,
    pub event_type_id: u64,
    pub title: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: Status,
    pub attendees: Vec<Attendee>,
    pub guests: Vec<String>,
    pub location: String,
    pub metadata: Value,
    pub responses: Value,
    pub cancellation_reason: Option<String>,
    pub cancelled_by_email: Option<String>,
    pub rejection_reason: Option<String>,
    pub rescheduling_reason: Option<String>,
    pub rescheduled_by_email: Option<String>,
    pub rescheduled_from_uid: Option<String>,
    pub rescheduled_to_uid: Option<String>,
    pub absent_host: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ical_sequence: u32,
    /// `API_V2` or `WEBAPP`.
    pub creation_source: &'static str,
}

/// A webhook subscription (user-level when `event_type_id` is `None`).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: u64,
    pub event_type_id: Option<u64>,
    pub subscriber_url: String,
    pub triggers: Vec<String>,
    pub active: bool,
    pub secret: String,
    pub payload_template: Option<String>,
}

/// Everything the account holds.
pub struct State {
    pub event_types: Vec<Value>,
    pub schedules: Vec<Value>,
    pub bookings: Vec<Booking>,
    pub webhooks: Vec<Subscription>,
    pub next_id: u64,
    pub rng: fastrand::Rng,
}

impl State {
    pub fn empty() -> State {
        State {
            event_types: Vec::new(),
            schedules: Vec::new(),
            bookings: Vec::new(),
            webhooks: Vec::new(),
            next_id: 1000,
            rng: fastrand::Rng::with_seed(0xCA1C_0000),
        }
    }

    /// A fresh numeric id (shared counter: ids are unique across kinds, as Cal.com's are per table).
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A Cal.com-style booking uid (22 base-58 characters).
    pub fn uid(&mut self) -> String {
        const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        (0..22).map(|_| ALPHABET[self.rng.usize(..ALPHABET.len())] as char).collect()
    }

    /// A seat uid (UUID-shaped).
    pub fn seat_uid(&mut self) -> String {
        let hex: String = (0..32).map(|_| char::from_digit(self.rng.u32(..16), 16).unwrap_or('0')).collect();
        format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..])
    }

    pub fn event_type(&self, id: u64) -> Option<&Value> {
        self.event_types.iter().find(|e| e["id"].as_u64() == Some(id))
    }

    pub fn booking(&self, uid: &str) -> Option<&Booking> {
        self.bookings.iter().find(|b| b.uid == uid)
    }

    pub fn booking_mut(&mut self, uid: &str) -> Option<&mut Booking> {
        self.bookings.iter_mut().find(|b| b.uid == uid)
    }
}

/// Cal.com's default booking title, `{event type} between {organizer} and {attendee}` (as in the
/// webhook examples).
pub fn booking_title(et: &Value, attendee: &str) -> String {
    format!("{} between {USER_NAME} and {attendee}", et["title"].as_str().unwrap_or(""))
}

/// Whether bookings of this event type wait for the organizer's confirmation.
pub fn requires_confirmation(et: &Value) -> bool {
    et["confirmationPolicy"]["type"].is_string()
}

/// Seats per time slot when the event type is seated.
pub fn seats(et: &Value) -> Option<u64> {
    et["seats"]["seatsPerTimeSlot"].as_u64()
}

/// What every route shares.
#[derive(Clone)]
pub struct Ctx {
    pub state: Arc<Mutex<State>>,
    pub emitter: WebhookEmitter,
    pub api_key: String,
    pub webhook_secret: String,
    /// Start of the current 60 s rate-limit window and the requests counted in it.
    pub throttle: Arc<Mutex<(std::time::Instant, u64)>>,
}

impl Ctx {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
