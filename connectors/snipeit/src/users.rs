//! The booker as a Snipe-IT user: found by e-mail (`GET /users?search=<email>`, every page, then
//! an exact match on the unescaped address, case-insensitive; the lowest id when several users
//! share it), else created once (`POST /users`). A retry after a crash finds the user the first
//! attempt created, so a booker never gets two accounts from the hub.
//!
//! A created user gets: `username` = the e-mail address in lower case (Snipe-IT usernames must be
//! unique; the address almost always is), `first_name` = the first word of the booker's name (the
//! address's local part when the name is empty), `last_name` = the rest, `email`, a random
//! 64-hex-digit password that nobody knows (Snipe-IT requires one; `uuid` v4 draws it from the OS
//! generator), `activated: false` (the account cannot log in: it exists to hold equipment; staff
//! may activate it), and a `notes` line saying the hub created it. When the username is taken
//! (another user whose username is that address but whose e-mail differs), the search is run again
//! (a concurrent checkout may have just created the booker) and, if still nothing, the user is
//! created with a random suffix (`camille@exemple.fr-3fa2c1`).

use hub_connector_sdk::{
    ConnectorError,
    pagination::{OffsetPage, collect_offset_pages},
};
use serde_json::{Value, json};

use crate::{
    api::{Answer, Api, excerpt, refused},
    equipment::Booker,
    records::{same_email, text},
};

/// Users asked per search page.
const SEARCH_PAGE: u64 = 100;
/// Search pages read at most (a search for one address matching more is not an address).
const SEARCH_PAGES: usize = 20;

/// The id of the user with `email` (lowest id when several), `None` when there is none.
pub(crate) async fn find_by_email(api: &Api, email: &str) -> Result<Option<u64>, ConnectorError> {
    let rows = collect_offset_pages(SEARCH_PAGE, SEARCH_PAGES, |offset, limit| async move {
        let answer = api.search_users(email, offset, limit).await?;
        let rows = answer
            .get("rows")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| ConnectorError::Invalid("GET /api/v1/users: the answer has no `rows` array".into()))?;
        Ok(OffsetPage { items: rows, total: answer.get("total").and_then(Value::as_u64) })
    })
    .await?;
    Ok(rows
        .iter()
        .filter(|u| text(u, "/email").is_some_and(|e| same_email(&e, email)))
        .filter_map(|u| u.get("id").and_then(Value::as_u64))
        .min())
}

/// First and last name from a display name (`Camille Martin-Durand` → `Camille`,
/// `Martin-Durand`); an empty name gives the address's local part and no last name.
pub fn split_name(name: &str, email: &str) -> (String, Option<String>) {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.split_once(' ') {
        Some((first, last)) => (first.to_string(), Some(last.to_string())),
        None if !name.is_empty() => (name, None),
        None => (email.split('@').next().unwrap_or(email).to_string(), None),
    }
}

/// A password nobody knows: 64 hex digits from two v4 UUIDs.
fn random_password() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Whether a refusal is about the username (a validation bag with a `username` key).
fn username_taken(body: &Value) -> bool {
    body.get("messages").and_then(Value::as_object).is_some_and(|m| m.contains_key("username"))
}

/// Creates the user; `Ok(None)` when the username is taken.
async fn create(api: &Api, booker: &Booker, username: &str) -> Result<Option<u64>, ConnectorError> {
    let email = booker.email.trim();
    let (first_name, last_name) = split_name(&booker.name, email);
    let password = random_password();
    let body = json!({
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "email": email,
        "password": password,
        "password_confirmation": password,
        "activated": false,
        "notes": "Created by the tiers-lieux hub to check equipment out to a booker.",
    });
    match api.create_user(&body).await? {
        Answer::Done(answer) => match answer.pointer("/payload/id").and_then(Value::as_u64) {
            Some(id) => Ok(Some(id)),
            // An answer without the new id: the search finds it.
            None => find_by_email(api, email).await?.map(Some).ok_or_else(|| {
                ConnectorError::Invalid(format!(
                    "POST /api/v1/users: Snipe-IT answered {} but no user has the address afterwards",
                    excerpt(&answer)
                ))
            }),
        },
        Answer::Refused { body, .. } if username_taken(&body) => Ok(None),
        Answer::Refused { messages, .. } => Err(refused("POST /api/v1/users", &messages)),
    }
}

/// The id of the booker's user, created when there is none; `true` when created now.
pub(crate) async fn find_or_create(api: &Api, booker: &Booker) -> Result<(u64, bool), ConnectorError> {
    let email = booker.email.trim();
    if let Some(id) = find_by_email(api, email).await? {
        return Ok((id, false));
    }
    let username = email.to_lowercase();
    if let Some(id) = create(api, booker, &username).await? {
        return Ok((id, true));
    }
    if let Some(id) = find_by_email(api, email).await? {
        return Ok((id, false));
    }
    let suffixed = format!("{username}-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    match create(api, booker, &suffixed).await? {
        Some(id) => Ok((id, true)),
        None => Err(ConnectorError::Invalid(format!(
            "POST /api/v1/users: the usernames `{username}` and `{suffixed}` are both taken"
        ))),
    }
}
