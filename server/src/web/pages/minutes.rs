//! The minutes of a closed session (DESIGN.md §4, §11): print-ready HTML in
//! the console's language, and the PDF and CSV downloads.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

use crate::domain::sessions;
use crate::domain::sessions::minutes::{Format, doc};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page};

#[derive(Template)]
#[template(path = "pages/minutes.html")]
struct MinutesPage {
    c: Page,
    session_id: String,
    /// The minutes' own HTML: every text in it is escaped by the writer.
    body: String,
}

/// GET /sessions/{id}/minutes
pub async fn show(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    let ctx = page.ctx();
    let m = sessions::get_minutes(&*web.store, &ctx, &id, page.lang.into(), Format::HtmlBody)
        .await
        .map_err(|e| page.fail(e))?;
    let body = String::from_utf8_lossy(&m.content).into_owned();
    let title = match &m.minutes.record {
        Some(r) => format!("{}: {}", page.t.minutes, r.title),
        None => page.t.minutes.to_string(),
    };
    Ok(crate::web::page::render(&MinutesPage {
        c: page.titled(title),
        session_id: m.minutes.session_id,
        body,
    }))
}

/// GET /sessions/{id}/minutes.pdf, /ballots.csv and /results.csv: the
/// minutes as a file to keep or send.
async fn download(web: Web, page: Page, id: String, format: Format, name: &str) -> Answer {
    let ctx = page.ctx();
    let m = sessions::get_minutes(&*web.store, &ctx, &id, page.lang.into(), format)
        .await
        .map_err(|e| page.fail(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, m.content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        m.content,
    )
        .into_response())
}

pub async fn pdf(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    let name = format!("{}.pdf", page.t.minutes.to_lowercase());
    download(web, page, id, Format::Pdf, &name).await
}

pub async fn ballots_csv(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    download(web, page, id, Format::BallotsCsv, "ballots.csv").await
}

pub async fn results_csv(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    download(web, page, id, Format::ResultsCsv, "results.csv").await
}

/// GET /static/minutes.css: the minutes' own stylesheet (the one the HTML
/// download embeds), and no download links on paper.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        format!(
            "{}@media print {{ .minutes-nav {{ display: none; }} }}\n",
            doc::PRINT_CSS
        ),
    )
}
