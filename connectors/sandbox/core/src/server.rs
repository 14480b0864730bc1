//! Runs a vendor router on 127.0.0.1:0 with the fault middleware on the vendor's routes and the
//! `/_sandbox/faults` control routes beside them (never faulted).

use std::net::SocketAddr;

use axum::{Router, middleware, routing::get};
use tokio::{sync::oneshot, task::JoinHandle};

use crate::faults::{self, FaultHandle};

/// A sandbox serving on loopback; stopped when dropped.
pub struct RunningSandbox {
    pub name: &'static str,
    pub addr: SocketAddr,
    /// The origin that replaces the vendor's host (`http://127.0.0.1:PORT`); paths stay the vendor's.
    pub base_url: String,
    pub faults: FaultHandle,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningSandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// Serves `vendor` (the vendor's routes, state already applied) on `bind` (use port 0 in tests),
/// applying the faults of `handle` to every vendor route; `inspect` (the vendor's `/_sandbox/...`
/// routes) and `/_sandbox/faults` are served beside them, never faulted.
pub async fn serve(
    name: &'static str,
    vendor: Router,
    inspect: Router,
    handle: FaultHandle,
    bind: SocketAddr,
) -> std::io::Result<RunningSandbox> {
    let control = Router::new()
        .route("/_sandbox/faults", get(faults::get_faults).put(faults::put_faults))
        .with_state(handle.clone());
    let app =
        vendor.layer(middleware::from_fn_with_state(handle.clone(), faults::inject)).merge(control).merge(inspect);
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RunningSandbox { name, addr, base_url: format!("http://{addr}"), faults: handle, stop: Some(stop), task })
}
