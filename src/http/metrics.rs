//! `GET /metrics` in Prometheus text, and the request-counting middleware.
//!
//! The `metrics` facade records counters and histograms from anywhere (jobs, intake, syncs); queue
//! depth and jobs by state are read from the store at scrape time, so every process of a
//! PostgreSQL deployment reports the same shared figures.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
pub fn prometheus() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (a test binary); then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub async fn render(State(state): State<AppState>) -> Response {
    for status in ["pending", "running", "done", "dead"] {
        metrics::gauge!("hub_jobs", "state" => status).set(0.0);
    }
    metrics::gauge!("hub_queue_depth").set(0.0);
    if let Ok(counts) = state.store.job_counts().await {
        for (status, n) in counts {
            metrics::gauge!("hub_jobs", "state" => status.clone()).set(n as f64);
            if status == "pending" {
                metrics::gauge!("hub_queue_depth").set(n as f64);
            }
        }
    }
    if let Ok(counts) = state.store.inbox_counts().await {
        for (status, n) in counts {
            metrics::gauge!("hub_inbox_events", "state" => status).set(n as f64);
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], prometheus().render()).into_response()
}

/// Counts requests by method, matched route and status, and times them.
pub async fn track(req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("hub_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("hub_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
