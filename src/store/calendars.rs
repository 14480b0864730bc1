//! The bookings of one resource: live ones ending after a given instant (the ICS feed), and the
//! live ones overlapping a time span (conflicts). Both use the `(resource, ends_at)` index.

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

    /// Live bookings of `resource` other than `except` overlapping `[start, end)` (RFC 3339 UTC).
    pub async fn overlapping_bookings(
        &self,
        resource: &str,
        start: &str,
        end: &str,
        except: uuid::Uuid,
    ) -> Result<Vec<EntityRow>, StoreError> {
        let sql = "SELECT id, fields, sources, content_hash, email, merged_into, deleted_at, created_at, updated_at \
                   FROM bookings WHERE fields ->> 'resource' = $1 AND fields ->> 'ends_at' > $2 \
                   AND fields ->> 'starts_at' < $3 AND id <> $4 AND deleted_at IS NULL AND merged_into IS NULL \
                   ORDER BY fields ->> 'starts_at', id";
        let rows = on_pool!(self, p => sqlx::query_as::<_, EntityRow>(sql)
            .bind(resource).bind(start).bind(end).bind(except).fetch_all(p).await?);
        Ok(rows)
    }
}
