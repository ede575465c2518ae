//! The console's pages, one module per area of DESIGN.md §11.

pub mod cooperations;
pub mod minutes;
pub mod proposals;
pub mod sessions;

use axum::http::StatusCode;
use axum::response::Response;

use super::page::Page;

pub async fn not_found(page: Page) -> Response {
    let t = page.t;
    page.message(StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body.to_owned())
}
