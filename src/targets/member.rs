//! The person a membership (or payment) is for, and what a push adds of them.
//!
//! A source may name the member by its own id (`member_external_id`: HelloAsso's
//! `order-N-payer` or `item-N-user`): that person is found through the link the source's read
//! left, in the same system and instance as the membership's own link. This is how a family
//! membership finds each child, who has no e-mail on HelloAsso. Otherwise the member is the
//! person with the membership's e-mail (`person_email`, then `payer_email`, then `email`).
//!
//! A push then carries `person_id` (the canonical person), the member's names when the
//! membership lacks them, `person_email` when the member has one, and `person_external_id`: the
//! member's id in the target itself (an Odoo partner), when the hub wrote or read them there.
//! Connectors take that id before any e-mail, and fall back to `payer_email` only when the
//! change names no member (`person_id`).

use hub_connector_sdk::EntityKind;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    registry::Instance,
    store::{LinkRow, Store, StoreError},
};

/// How far a chain of merged persons is followed.
const MERGE_HOPS: usize = 5;

/// The member of a membership or payment.
pub enum MemberLookup {
    Found {
        id: Uuid,
        fields: Value,
    },
    /// Named (by id or e-mail) but not in the canonical store yet: read later than the membership.
    NotYet,
    /// The membership names nobody.
    Unnamed,
}

fn text<'a>(fields: &'a Value, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
}

/// The e-mail naming the member of a membership (or the payer of a payment).
pub fn member_email(fields: &Value) -> Option<&str> {
    ["person_email", "payer_email", "email"].iter().find_map(|k| text(fields, k))
}

/// The live person `id` stands for (following merges).
async fn live_person(store: &Store, mut id: Uuid) -> Result<Option<(Uuid, Value)>, StoreError> {
    for _ in 0..MERGE_HOPS {
        match store.get_entity(EntityKind::Person, id).await? {
            Some(row) if row.deleted_at.is_some() => return Ok(None),
            Some(row) => match row.merged_into {
                Some(into) => id = into,
                None => return Ok(Some((row.id, row.fields.0))),
            },
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Finds the member: by `member_external_id` through the source's links (`own_links`: the
/// membership's links), else by e-mail.
pub async fn member_of(store: &Store, fields: &Value, own_links: &[LinkRow]) -> Result<MemberLookup, StoreError> {
    if let Some(member) = text(fields, "member_external_id") {
        for source in own_links.iter().filter(|l| l.last_read_hash.is_some()) {
            if let Some(link) = store.find_link(&source.system, &source.instance, member).await?
                && link.entity_kind == "person"
                && let Some((id, fields)) = live_person(store, link.entity_id).await?
            {
                return Ok(MemberLookup::Found { id, fields });
            }
        }
        return Ok(MemberLookup::NotYet);
    }
    let Some(email) = member_email(fields) else { return Ok(MemberLookup::Unnamed) };
    Ok(match store.person_by_email(email).await? {
        Some((id, fields)) => MemberLookup::Found { id, fields },
        None => MemberLookup::NotYet,
    })
}

/// The member's id in `target` (the link its push or a read left there), if any.
pub async fn member_link_in(store: &Store, target: &Instance, id: Uuid) -> Result<Option<String>, StoreError> {
    Ok(store
        .links_of("person", id)
        .await?
        .into_iter()
        .filter(|l| l.system == target.kind && l.instance == target.name)
        .max_by_key(|l| l.updated_at)
        .map(|l| l.external_id))
}

/// Adds `person_id`, the member's names and e-mail where the membership lacks them, and the
/// member's id in the target (`person_external_id`, see [`member_link_in`]).
pub fn add_member(fields: &mut Value, id: Uuid, member: &Value, in_target: Option<String>) {
    let Some(obj) = fields.as_object_mut() else { return };
    obj.insert("person_id".into(), json!(id.to_string()));
    for key in ["given_name", "family_name"] {
        if !obj.contains_key(key)
            && let Some(v) = member.get(key)
        {
            obj.insert(key.into(), v.clone());
        }
    }
    if !obj.contains_key("person_email")
        && let Some(email) = text(member, "email")
    {
        obj.insert("person_email".into(), json!(email));
    }
    if let Some(external_id) = in_target {
        obj.insert("person_external_id".into(), json!(external_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_member_is_named_by_person_email_first() {
        assert_eq!(member_email(&json!({"payer_email": "p@x.fr", "person_email": " m@x.fr "})), Some("m@x.fr"));
        assert_eq!(member_email(&json!({"payer_email": "p@x.fr"})), Some("p@x.fr"));
        assert_eq!(member_email(&json!({"person_email": ""})), None);
    }
}
