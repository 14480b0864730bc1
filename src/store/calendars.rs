//! The bookings of one resource for its ICS feed: live ones ending after a given instant.

use super::{EntityRow, Store, StoreError, on_pool};

impl Store {
    /// Live bookings of `resource` whose `ends_at` is at or after `since` (RFC 3339 UTC text, which
    /// sorts as time), oldest first.
    pub async fn bookings_of_resource(&self, resource: &str, since: &str) -> Result<Vec<EntityRow>, StoreError> {
        let sql = "SELECT id, fields, sources, content_hash, email, merged_into, deleted_at, created_at, updated_at \
                   FROM bookings WHERE deleted_at IS NULL AND merged_into IS NULL AND fields ->> 'resource' = $1 \
                   AND fields ->> 'ends_at' >= $2 ORDER BY fields ->> 'starts_at', id";
        let rows =
            on_pool!(self, p => sqlx::query_as::<_, EntityRow>(sql).bind(resource).bind(since).fetch_all(p).await?);
        Ok(rows)
    }
}
