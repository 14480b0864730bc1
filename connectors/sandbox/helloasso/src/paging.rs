//! HelloAsso pagination: `pageIndex` (from 1), `pageSize` (default 20) and an opaque
//! `continuationToken` (base64 of `<sort date>|<id>` of the page's last record, as the example's
//! token decodes). A token resumes after that record; it is returned even on the last page, and
//! a page past the end has empty `data` — clients stop on empty data. `totalCount`/`totalPages`
//! are -1 unless `withCount=true`.

use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::wire::{Params, bad_request};

/// A sort position: (`yyyyMMddHHmmssffff` in UTC read as a number, id). A number, not the
/// text: every list request computes and compares the key of every matching record.
pub type Key = (i64, i64);

pub fn key(at: chrono::DateTime<chrono::Utc>, id: i64) -> Key {
    use chrono::{Datelike, Timelike};
    let date = [at.month(), at.day(), at.hour(), at.minute(), at.second()]
        .iter()
        .fold(i64::from(at.year()), |n, part| n * 100 + i64::from(*part));
    (date * 10_000 + i64::from(at.timestamp_subsec_micros() / 100), id)
}

fn encode(k: &Key) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{:018}|{}", k.0, k.1))
}

fn decode(token: &str) -> Option<Key> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (date, id) = text.split_once('|')?;
    if date.len() != 18 {
        return None;
    }
    Some((date.parse().ok()?, id.parse().ok()?))
}

/// The paging request of a list call.
pub struct PageRequest {
    pub index: usize,
    pub size: usize,
    pub token: Option<Key>,
    pub raw_token: Option<String>,
    pub with_count: bool,
    pub descending: bool,
}

impl PageRequest {
    pub fn from(params: &Params) -> Result<PageRequest, Response> {
        let index = params.int("pageIndex")?.unwrap_or(1);
        let size = params.int("pageSize")?.unwrap_or(20);
        if index < 1 {
            return Err(bad_request("pageIndex must be greater than 0"));
        }
        if size < 1 {
            return Err(bad_request("pageSize must be greater than 0"));
        }
        let raw_token = params.get("continuationToken").map(str::to_string);
        let token = match &raw_token {
            Some(t) => Some(decode(t).ok_or_else(|| bad_request("The continuation token is invalid"))?),
            None => None,
        };
        let descending = match params.get("sortOrder") {
            None => true,
            Some(s) if s.eq_ignore_ascii_case("desc") => true,
            Some(s) if s.eq_ignore_ascii_case("asc") => false,
            Some(s) => return Err(bad_request(&format!("The value '{s}' is not valid for sortOrder."))),
        };
        Ok(PageRequest {
            index: index as usize,
            size: size as usize,
            token,
            raw_token,
            with_count: params.bool("withCount")?.unwrap_or(false),
            descending,
        })
    }

    /// Sorts `rows` by key (in the requested order), cuts the page, renders only that page's rows
    /// (rendering every match per request made long histories quadratic) and wraps it with
    /// `pagination`.
    pub fn page<T>(&self, mut rows: Vec<(Key, T)>, render: impl Fn(T) -> Value) -> Value {
        rows.sort_by(|a, b| if self.descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        let total = rows.len();
        let start = match &self.token {
            Some(tok) => {
                rows.iter().position(|(k, _)| if self.descending { k < tok } else { k > tok }).unwrap_or(total)
            }
            None => ((self.index - 1) * self.size).min(total),
        };
        let end = (start + self.size).min(total);
        let page: Vec<(Key, T)> = rows.drain(start..end).collect();
        let token = match page.last() {
            Some((k, _)) => Some(encode(k)),
            None => self.raw_token.clone(),
        };
        let (count, pages) = if self.with_count { (total as i64, total.div_ceil(self.size) as i64) } else { (-1, -1) };
        json!({
            "data": page.into_iter().map(|(_, v)| render(v)).collect::<Vec<_>>(),
            "pagination": {
                "pageSize": self.size,
                "totalCount": count,
                "pageIndex": start / self.size + 1,
                "totalPages": pages,
                "continuationToken": token,
            }
        })
    }
}
