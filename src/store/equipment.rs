//! Equipment loans (migration 0006): per booking and asset tag, where the asset stands for the
//! hub (`out`, `in`, `unavailable`), and the bookings the equipment loop looks at each tick.

use uuid::Uuid;

use super::{EntityRow, Store, StoreError, now_ms, on_pool, on_write};

/// The asset is checked out to the booker.
pub const LOAN_OUT: &str = "out";
/// The asset is back (or was never lent: the booking ended or was cancelled first).
pub const LOAN_IN: &str = "in";
/// The asset could not be lent (or returned): reported once, never retried.
pub const LOAN_UNAVAILABLE: &str = "unavailable";

/// One `equipment_loans` row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LoanRow {
    pub booking_id: Uuid,
    pub asset_tag: String,
    pub state: String,
    pub detail: String,
    pub updated_at_ms: i64,
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// The bookings of `resources` (by slug) the equipment loop must look at: the live ones
    /// ending after `ends_after` (RFC 3339 UTC; `ends_at` is stored in that form, so text order
    /// is time order — the caller checks times again), and every booking — deleted, ended or moved
    /// to another resource — with a loan still `out`.
    pub async fn equipment_bookings(
        &self,
        resources: &[String],
        ends_after: &str,
    ) -> Result<Vec<EntityRow>, StoreError> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, fields, sources, content_hash, email, merged_into, deleted_at, created_at, updated_at \
             FROM bookings WHERE (fields ->> 'resource' IN ({}) \
               AND deleted_at IS NULL AND merged_into IS NULL AND fields ->> 'ends_at' > $1) \
             OR id IN (SELECT booking_id FROM equipment_loans WHERE state = '{LOAN_OUT}')",
            placeholders(2, resources.len())
        );
        let rows = on_pool!(self, p => {
            let mut q = sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(sql.clone())).bind(ends_after);
            for r in resources {
                q = q.bind(r);
            }
            q.fetch_all(p).await?
        });
        Ok(rows)
    }

    /// The loans of these bookings.
    pub async fn equipment_loans(&self, bookings: &[Uuid]) -> Result<Vec<LoanRow>, StoreError> {
        let mut out = Vec::new();
        // Chunks keep the statement under every driver's parameter limit.
        for chunk in bookings.chunks(500) {
            let sql = format!(
                "SELECT booking_id, asset_tag, state, detail, updated_at_ms FROM equipment_loans \
                 WHERE booking_id IN ({}) ORDER BY booking_id, asset_tag",
                placeholders(1, chunk.len())
            );
            let rows = on_pool!(self, p => {
                let mut q = sqlx::query_as::<_, LoanRow>(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Records (replaces) where `tag` stands for `booking`.
    pub async fn set_loan(&self, booking: Uuid, tag: &str, state: &str, detail: &str) -> Result<(), StoreError> {
        on_write!(self, p => sqlx::query(
            "INSERT INTO equipment_loans (booking_id, asset_tag, state, detail, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (booking_id, asset_tag) DO UPDATE SET state = excluded.state, detail = excluded.detail, \
             updated_at_ms = excluded.updated_at_ms")
            .bind(booking).bind(tag).bind(state).bind(detail).bind(now_ms())
            .execute(p).await.map(|_| ())?);
        Ok(())
    }
}
