//! Stream sync: read pages from the stored cursor, apply each page and move the cursor in one
//! transaction, so a crash mid-sync re-reads at most one page (and re-applying it changes nothing).

use hub_connector_sdk::Cursor;

use super::{Flows, apply};
use crate::{
    queue::{JobError, JobSpec},
    store::Store,
};

/// Pages one queued sync job reads before handing over to a follow-up job.
pub const PAGES_PER_JOB: usize = 20;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pages: usize,
    pub records: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// More pages remain (a follow-up job was enqueued, or the caller should go on).
    pub more: bool,
    /// How many pages the read holds, as the tool said on its first page (not every tool says).
    pub total_pages: Option<u64>,
}

/// Syncs `stream` of `instance`, at most `max_pages` pages; `on_page` gets the running record count.
pub async fn sync_stream(
    flows: &Flows,
    instance: &str,
    stream: &str,
    full: bool,
    max_pages: usize,
    on_page: &mut (dyn FnMut(&SyncReport) + Send),
) -> Result<SyncReport, JobError> {
    let inst = flows
        .registry
        .get(instance)
        .ok_or_else(|| JobError::permanent("unknown_instance", format!("no connector instance `{instance}`")))?;
    if !inst.connector.streams().iter().any(|s| s.name == stream) {
        return Err(JobError::permanent("unknown_stream", format!("instance `{instance}` has no stream `{stream}`")));
    }
    let name = inst.mapping_for(stream);
    let mapping =
        flows.mappings.get(&name).ok_or_else(|| JobError::permanent("mapping", format!("no mapping `{name}`")))?;
    let mut cursor = if full { None } else { flows.store.get_cursor(instance, stream).await?.map(Cursor) };
    let mut report = SyncReport::default();
    while report.pages < max_pages {
        let page = inst.connector.read(stream, cursor.as_ref()).await?;
        let mut tx = flows.store.begin().await?;
        for record in &page.records {
            match apply::apply_record(&mut tx, inst.kind, instance, mapping, record).await? {
                apply::Applied::Created(_) => report.created += 1,
                apply::Applied::Updated(_) => report.updated += 1,
                _ => report.unchanged += 1,
            }
        }
        if let Some(next) = &page.next_cursor {
            Store::set_cursor(&mut tx, instance, stream, &next.0).await?;
            cursor = Some(next.clone());
        }
        tx.commit().await?;
        report.pages += 1;
        report.records += page.records.len();
        report.total_pages = report.total_pages.or(page.total_pages);
        metrics::counter!("hub_records_synced_total", "instance" => instance.to_string(), "outcome" => "read")
            .increment(page.records.len() as u64);
        on_page(&report);
        if !page.has_more {
            return Ok(report);
        }
        if page.next_cursor.is_none() {
            return Err(JobError::permanent(
                "pagination",
                format!("stream `{stream}` said more pages follow but gave no cursor"),
            ));
        }
    }
    report.more = true;
    Ok(report)
}

/// The follow-up job of a sync that stopped at its page budget.
pub fn continuation(instance: &str, stream: &str) -> JobSpec {
    JobSpec::SyncStream { instance: instance.into(), stream: stream.into(), full: false }
}
