//! Stable row identities: matches this read's rows to the rows the cursor remembers, so an edited
//! row keeps its id, a new row gets a fresh one and a vanished row is reported deleted. Pure: no
//! IO, no clock. The algorithm is described in the crate's doc.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    parse::{EventRow, SkippedRow},
    values::{fold_words, hhmm},
};

/// How many candidates on each side of a row a pass considers.
const NEAREST: usize = 8;

/// The namespace of fresh row ids (UUID v5).
const ROW_NAMESPACE: Uuid = Uuid::from_u128(0x9b3c_9869_1bcd_429b_8228_348c_695e_ace6);
/// The namespace of content fingerprints.
const CONTENT_NAMESPACE: Uuid = Uuid::from_u128(0x3e52_3553_712e_4643_be46_2236_f47b_ae2e);

/// What the cursor keeps of a row: its id and the fields it is recognised by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    pub id: String,
    pub row: usize,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub start: String,
    pub title: String,
    pub place: String,
    /// The fingerprint of every field (16 hex digits).
    pub content: String,
}

/// The outcome of matching one read against the previous one.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The id of each row, in the rows' order.
    pub ids: Vec<String>,
    /// How many of them are fresh (rows not seen before).
    pub fresh: usize,
    /// Previous rows gone from the sheet.
    pub deleted: Vec<Remembered>,
    /// What the next cursor remembers: this read's rows, and the previous rows that skipped rows
    /// stand for (unchanged but for their row number).
    pub remembered: Vec<Remembered>,
}

/// The fingerprint of a row's content: every field, exactly as read.
pub fn fingerprint(row: &EventRow) -> String {
    let fields = [
        row.date.to_string(),
        row.starts_at.to_rfc3339(),
        row.ends_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        row.title.clone(),
        row.kind.clone(),
        row.place.clone().unwrap_or_default(),
        row.organiser.clone().unwrap_or_default(),
        row.capacity.map(|c| c.to_string()).unwrap_or_default(),
        row.description.clone().unwrap_or_default(),
    ];
    let hash = Uuid::new_v5(&CONTENT_NAMESPACE, fields.join("\u{1f}").as_bytes());
    hash.simple().to_string()[..16].to_string()
}

/// Remembers a row under `id`.
pub fn remember(row: &EventRow, id: String) -> Remembered {
    Remembered {
        id,
        row: row.row,
        date: row.date.to_string(),
        start: hhmm(row.starts_at.time()),
        title: row.title.clone(),
        place: row.place.clone().unwrap_or_default(),
        content: fingerprint(row),
    }
}

fn key(parts: &[&str]) -> String {
    parts.join("\u{1f}")
}

/// The keys a new row is matched by, pass after pass; `None` skips the pass for that row.
type NewKey<'a, T> = &'a dyn Fn(&T) -> Option<String>;
type OldKey<'a> = &'a dyn Fn(&Remembered) -> Option<String>;

/// Matches `new` items to unclaimed `old` rows, pass by pass, each pass on what the previous ones
/// left. Within a pass, the closest pairs (in row numbers) are made first, so a row that did not
/// move keeps its id even when an edited row above now looks like it.
fn match_passes<T>(
    new: &[T],
    row_of: impl Fn(&T) -> usize,
    old: &[Remembered],
    claimed: &mut [bool],
    matched: &mut [Option<usize>],
    passes: &[(NewKey<'_, T>, OldKey<'_>)],
) {
    for (new_key, old_key) in passes {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, o) in old.iter().enumerate().filter(|(j, _)| !claimed[*j]) {
            if let Some(k) = old_key(o) {
                index.entry(k).or_default().push(j);
            }
        }
        // (distance, old row, new index, old index): sorted, the nearest pairs come first.
        let mut pairs: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (i, item) in new.iter().enumerate().filter(|(i, _)| matched[*i].is_none()) {
            let Some(candidates) = new_key(item).and_then(|k| index.get(&k)) else { continue };
            // Candidates are in row order: the few nearest on each side are enough (and keep a
            // sheet of many identical rows linear).
            let row = row_of(item);
            let at = candidates.partition_point(|&j| old[j].row < row);
            let near = &candidates[at.saturating_sub(NEAREST)..(at + NEAREST).min(candidates.len())];
            pairs.extend(near.iter().map(|&j| (old[j].row.abs_diff(row), old[j].row, i, j)));
        }
        pairs.sort_unstable();
        for (_, _, i, j) in pairs {
            if matched[i].is_none() && !claimed[j] {
                claimed[j] = true;
                matched[i] = Some(j);
            }
        }
    }
}

/// Gives every row an id, from the `previous` rows (the cursor) when one matches.
pub fn assign(previous: &[Remembered], rows: &[EventRow], skipped: &[SkippedRow]) -> Assignment {
    let fresh_rows: Vec<Remembered> = rows.iter().map(|r| remember(r, String::new())).collect();
    let mut claimed = vec![false; previous.len()];
    let mut matched = vec![None; rows.len()];
    let t = |r: &Remembered| fold_words(&r.title);
    let p = |r: &Remembered| fold_words(&r.place);
    let content = |r: &Remembered| Some(r.content.clone());
    let date_title = |r: &Remembered| Some(key(&[&r.date, &t(r)]));
    let date_start_place = |r: &Remembered| Some(key(&[&r.date, &r.start, &p(r)]));
    let title_row = |r: &Remembered| Some(key(&[&t(r), &r.row.to_string()]));
    let date_row = |r: &Remembered| Some(key(&[&r.date, &r.row.to_string()]));
    let passes: [(NewKey<'_, Remembered>, OldKey<'_>); 5] = [
        (&content, &content),
        (&date_title, &date_title),
        (&date_start_place, &date_start_place),
        (&title_row, &title_row),
        (&date_row, &date_row),
    ];
    match_passes(&fresh_rows, |r| r.row, previous, &mut claimed, &mut matched, &passes);

    // Skipped rows claim the previous rows they most likely are, so those are not deleted.
    let mut protected = vec![None; skipped.len()];
    let s_title = |s: &SkippedRow| s.title.as_deref().map(fold_words);
    let s_date = |s: &SkippedRow| s.date.map(|d| d.to_string());
    let s_date_title = |s: &SkippedRow| Some(key(&[&s_date(s)?, &s_title(s)?]));
    let s_title_row = |s: &SkippedRow| Some(key(&[&s_title(s)?, &s.row.to_string()]));
    let s_date_row = |s: &SkippedRow| Some(key(&[&s_date(s)?, &s.row.to_string()]));
    let s_row = |s: &SkippedRow| Some(s.row.to_string());
    let title = |r: &Remembered| Some(t(r));
    let row = |r: &Remembered| Some(r.row.to_string());
    let skip_passes: [(NewKey<'_, SkippedRow>, OldKey<'_>); 5] = [
        (&s_date_title, &date_title),
        (&s_title_row, &title_row),
        (&s_title, &title),
        (&s_date_row, &date_row),
        (&s_row, &row),
    ];
    match_passes(skipped, |s| s.row, previous, &mut claimed, &mut protected, &skip_passes);

    let mut used: HashSet<String> = previous.iter().map(|r| r.id.clone()).collect();
    let mut counters = HashMap::new();
    let mut remembered = Vec::with_capacity(rows.len() + skipped.len());
    let (mut ids, mut fresh) = (Vec::with_capacity(rows.len()), 0);
    for (mut r, m) in fresh_rows.into_iter().zip(&matched) {
        r.id = match m {
            Some(j) => previous[*j].id.clone(),
            None => {
                fresh += 1;
                fresh_id(&r.content, &mut used, &mut counters)
            }
        };
        ids.push(r.id.clone());
        remembered.push(r);
    }
    for (s, m) in skipped.iter().zip(&protected) {
        if let Some(j) = m {
            remembered.push(Remembered { row: s.row, ..previous[*j].clone() });
        }
    }
    remembered.sort_by_key(|r| r.row);
    let deleted = previous.iter().zip(&claimed).filter(|(_, c)| !**c).map(|(r, _)| r.clone()).collect();
    Assignment { ids, fresh, deleted, remembered }
}

/// A UUID v5 of the content and a counter, the first one neither in use nor remembered: identical
/// rows get distinct ids, and a row read without a cursor gets the id it had when first seen.
/// `counters` remembers where each content's counter stands within this read.
fn fresh_id(content: &str, used: &mut HashSet<String>, counters: &mut HashMap<String, u32>) -> String {
    let counter = counters.entry(content.to_string()).or_insert(0);
    loop {
        let id = Uuid::new_v5(&ROW_NAMESPACE, format!("{content}#{counter}").as_bytes()).to_string();
        *counter += 1;
        if used.insert(id.clone()) {
            return id;
        }
    }
}
