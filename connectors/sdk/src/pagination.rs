//! Pagination helpers: walk pages (by next token or by offset/limit) until the tool says there
//! are no more, with guards so a pagination that loops (a repeated cursor) or never ends fails
//! with Invalid instead of spinning.

use std::future::Future;

use crate::ConnectorError;

/// One page: its items and the cursor of the next page (None: last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

/// Reads every page from `first`, at most `max_pages`; errors if a cursor comes back twice.
pub async fn collect_pages<T, C, F, Fut>(
    first: Option<C>,
    max_pages: usize,
    mut fetch: F,
) -> Result<Vec<T>, ConnectorError>
where
    C: Clone + PartialEq + std::fmt::Debug,
    F: FnMut(Option<C>) -> Fut,
    Fut: Future<Output = Result<Paged<T, C>, ConnectorError>>,
{
    let mut seen: Vec<C> = first.iter().cloned().collect();
    let mut cursor = first;
    let mut items = Vec::new();
    for _ in 0..max_pages {
        let page = fetch(cursor.clone()).await?;
        items.extend(page.items);
        match page.next {
            None => return Ok(items),
            Some(next) => {
                if seen.contains(&next) {
                    return Err(ConnectorError::Invalid(format!("pagination loops: cursor {next:?} came back")));
                }
                seen.push(next.clone());
                cursor = Some(next);
            }
        }
    }
    Err(ConnectorError::Invalid(format!("pagination did not end after {max_pages} pages")))
}

/// The next offset of an offset/limit API: None when the page was short (the last one).
pub fn next_offset(offset: u64, limit: u64, returned: usize, total: Option<u64>) -> Option<u64> {
    let next = offset + returned as u64;
    let more = match total {
        Some(total) => next < total,
        None => returned as u64 >= limit,
    };
    (more && returned > 0).then_some(next)
}

/// One page of an offset/limit API: its items and, when the API says, the total count.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetPage<T> {
    pub items: Vec<T>,
    pub total: Option<u64>,
}

/// Reads every page of an offset/limit API from offset 0: `fetch(offset, limit)` returns one page.
/// Stops on a short or empty page or once `total` is reached; errors after `max_pages`.
pub async fn collect_offset_pages<T, F, Fut>(
    limit: u64,
    max_pages: usize,
    mut fetch: F,
) -> Result<Vec<T>, ConnectorError>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<OffsetPage<T>, ConnectorError>>,
{
    if limit == 0 {
        return Err(ConnectorError::Invalid("an offset pagination needs a page size above 0".into()));
    }
    let mut offset = 0;
    let mut items = Vec::new();
    for _ in 0..max_pages {
        let page = fetch(offset, limit).await?;
        let returned = page.items.len();
        items.extend(page.items);
        match next_offset(offset, limit, returned, page.total) {
            None => return Ok(items),
            Some(next) => offset = next,
        }
    }
    Err(ConnectorError::Invalid(format!("pagination did not end after {max_pages} pages")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn walks_until_the_last_page() {
        let items = collect_pages(None, 10, |c: Option<u32>| async move {
            let at = c.unwrap_or(0);
            Ok(Paged { items: vec![at], next: (at < 3).then_some(at + 1) })
        })
        .await
        .unwrap();
        assert_eq!(items, vec![0, 1, 2, 3]);
    }

    #[tokio::test]
    async fn a_looping_or_endless_pagination_fails() {
        let looping =
            collect_pages(None, 10, |_c: Option<u32>| async { Ok(Paged { items: vec![1], next: Some(7u32) }) }).await;
        assert!(looping.unwrap_err().to_string().contains("loops"));
        let endless = collect_pages(None, 5, |c: Option<u32>| async move {
            Ok(Paged { items: vec![1], next: Some(c.unwrap_or(0) + 1) })
        })
        .await;
        assert!(endless.unwrap_err().to_string().contains("did not end"));
    }

    #[tokio::test]
    async fn offset_pages_until_short_page_or_total() {
        let data: Vec<u32> = (0..23).collect();
        let page = |offset: u64, limit: u64, total: Option<u64>| {
            let items = data.iter().skip(offset as usize).take(limit as usize).copied().collect();
            async move { Ok(OffsetPage { items, total }) }
        };
        let all = collect_offset_pages(10, 10, |o, l| page(o, l, None)).await.unwrap();
        assert_eq!(all, data);
        let all = collect_offset_pages(10, 10, |o, l| page(o, l, Some(23))).await.unwrap();
        assert_eq!(all, data);
        let capped = collect_offset_pages(5, 3, |o, l| page(o, l, None)).await.unwrap_err();
        assert!(capped.to_string().contains("did not end after 3 pages"), "{capped}");
        let failing =
            collect_offset_pages(5, 3, |_, _| async { Err::<OffsetPage<u32>, _>(ConnectorError::transient("boom")) })
                .await;
        assert!(failing.unwrap_err().is_retryable());
        assert!(collect_offset_pages(0, 3, |o, l| page(o, l, None)).await.is_err());
    }

    #[test]
    fn offsets() {
        assert_eq!(next_offset(0, 50, 50, None), Some(50));
        assert_eq!(next_offset(50, 50, 12, None), None);
        assert_eq!(next_offset(0, 50, 50, Some(50)), None);
        assert_eq!(next_offset(0, 50, 50, Some(120)), Some(50));
        assert_eq!(next_offset(0, 50, 0, Some(120)), None);
    }
}
