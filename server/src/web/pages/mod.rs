//! The console's pages, one module per area of DESIGN.md §11.

pub mod accountability;
pub mod board;
pub mod cooperations;
pub mod events;
pub mod follow_up;
pub mod minutes;
pub mod portfolio;
pub mod proposals;
pub mod rounds;
pub mod sessions;

use axum::http::StatusCode;
use axum::response::Response;

use super::page::Page;

pub async fn not_found(page: Page) -> Response {
    let t = page.t;
    page.message(StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body.to_owned())
}
