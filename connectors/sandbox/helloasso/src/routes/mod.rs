//! The vendor's `/v5` routes: lists (forms, orders, payments, items), single records and
//! their actions (refund, cancel), and the partner routes (notification URLs, partner, user).

pub mod checkout;
pub mod detail;
pub mod lists;
pub mod partners;

use axum::{http::StatusCode, response::Response};

use crate::model::Store;
use crate::wire::error;

/// 403 unless `slug` is the organization the token administers.
pub fn check_org(store: &Store, slug: &str) -> Result<(), Response> {
    if slug.eq_ignore_ascii_case(&store.org.slug) {
        Ok(())
    } else {
        Err(error(StatusCode::FORBIDDEN, "Forbidden", &format!("You are not allowed to access organization {slug}")))
    }
}
