//! The `assets` stream: a full refresh read as `GET /hardware?sort=id&order=asc&offset&limit`
//! pages, in three passes so that nothing Snipe-IT hides from its default list is missed —
//! `listed` (the default list, which leaves out archived assets), `archived` (`status=Archived`)
//! and `deleted` (`deleted=true`, soft-deleted assets, emitted with `deleted: true`). The cursor
//! is `{pass, offset, last_id}`; each page re-reads up to [`OVERLAP`] rows (at most a quarter of
//! a page) before `offset` and drops the ids already emitted in the pass, so an asset deleted
//! during a pass (which shifts the later rows left) does not push an unread one out of reach. After the last page of `deleted`
//! the cursor goes back to the start with `has_more: false`: the next sync is a new full pass.

use hub_connector_sdk::{ConnectorError, Cursor, Page, pagination::next_offset};
use serde_json::{Value, json};

use crate::{api::Api, records};

/// Rows re-read before the cursor's offset on each page.
pub const OVERLAP: u64 = 5;

/// The passes of one full refresh, in order.
pub const PASSES: [&str; 3] = ["listed", "archived", "deleted"];

/// Where the refresh stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssetsCursor {
    /// Index in [`PASSES`].
    pub pass: usize,
    pub offset: u64,
    /// The highest asset id emitted in this pass.
    pub last_id: u64,
}

impl AssetsCursor {
    /// The stored cursor (`None` or `null`: the start).
    pub fn parse(cursor: Option<&Cursor>) -> Result<AssetsCursor, ConnectorError> {
        let Some(Cursor(value)) = cursor else { return Ok(AssetsCursor::default()) };
        if value.is_null() {
            return Ok(AssetsCursor::default());
        }
        let bad = || ConnectorError::Invalid(format!("assets: the stored cursor is not this stream's: {value}"));
        let pass = value.get("pass").and_then(Value::as_str).ok_or_else(bad)?;
        let pass = PASSES.iter().position(|p| *p == pass).ok_or_else(bad)?;
        let offset = value.get("offset").and_then(Value::as_u64).ok_or_else(bad)?;
        let last_id = value.get("last_id").and_then(Value::as_u64).unwrap_or(0);
        Ok(AssetsCursor { pass, offset, last_id })
    }

    pub fn to_cursor(self) -> Cursor {
        Cursor(json!({"pass": PASSES[self.pass], "offset": self.offset, "last_id": self.last_id}))
    }

    /// The filter of this pass.
    fn filter(self) -> Option<(&'static str, String)> {
        match PASSES[self.pass] {
            "archived" => Some(("status", "Archived".into())),
            "deleted" => Some(("deleted", "true".into())),
            _ => None,
        }
    }
}

/// One page of the stream after `cursor`, `page_size` rows asked.
pub(crate) async fn read_assets(api: &Api, cursor: Option<&Cursor>, page_size: u64) -> Result<Page, ConnectorError> {
    let state = AssetsCursor::parse(cursor)?;
    let overlap = OVERLAP.min(page_size / 4).min(state.offset);
    let asked = state.offset - overlap;
    let mut query: Vec<(&str, String)> = vec![
        ("sort", "id".into()),
        ("order", "asc".into()),
        ("offset", asked.to_string()),
        ("limit", page_size.to_string()),
    ];
    query.extend(state.filter());
    let answer = api.hardware(&query).await?;
    let rows = answer
        .get("rows")
        .and_then(Value::as_array)
        .ok_or_else(|| ConnectorError::Invalid("GET /api/v1/hardware: the answer has no `rows` array".into()))?;
    let total = answer.get("total").and_then(Value::as_u64);

    let mut records = Vec::with_capacity(rows.len());
    let mut last_id = state.last_id;
    let mut previous = 0;
    for row in rows {
        let record = records::asset_record(row)?;
        let id = records::asset_id(row).unwrap_or_default();
        if id <= previous {
            return Err(ConnectorError::Invalid(
                "GET /api/v1/hardware: the page is not sorted by id although sort=id&order=asc was asked".into(),
            ));
        }
        previous = id;
        if id > last_id {
            last_id = id;
            records.push(record);
        }
    }

    // Never backwards: a page that ends before the cursor (rows vanished) ends the pass.
    let next = match next_offset(asked, page_size, rows.len(), total).filter(|o| *o > state.offset) {
        Some(offset) => AssetsCursor { offset, last_id, ..state },
        None if state.pass + 1 < PASSES.len() => AssetsCursor { pass: state.pass + 1, offset: 0, last_id: 0 },
        None => {
            return Ok(Page {
                records,
                next_cursor: Some(AssetsCursor::default().to_cursor()),
                has_more: false,
                total_pages: None,
            });
        }
    };
    Ok(Page { records, next_cursor: Some(next.to_cursor()), has_more: true, total_pages: None })
}
