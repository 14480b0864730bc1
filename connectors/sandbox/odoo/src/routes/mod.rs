//! HTTP routes: the vendor's (`rpc`: `/xmlrpc/2/*`, `/xmlrpc/*`, `/jsonrpc`; `json2`: `/json/2/*`,
//! `/web/version`) and the sandbox's own (`inspect`: `/_sandbox/*`).

pub mod inspect;
pub mod json2;
pub mod rpc;

use std::sync::{Arc, Mutex, MutexGuard};

use crate::store::State;

/// The shared database.
#[derive(Clone)]
pub struct Db(pub Arc<Mutex<State>>);

impl Db {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
