//! Live updates for the console (DESIGN.md §11): the cooperation's event
//! log as Server-Sent Events, read through the same [`events::watch`] as the
//! gRPC `Watch` stream and so with the same redaction (no ballot content
//! while its round is open). Pages swap in their live parts when an event
//! arrives; a reconnecting browser sends `Last-Event-ID` and misses nothing.

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};

use super::Web;
use super::page::Member as SignedIn;
use crate::domain::model::Event;

#[derive(serde::Deserialize, Default)]
pub struct StreamQuery {
    /// The last sequence the page has seen (it was read at that point).
    #[serde(default)]
    after: Option<i64>,
}

/// GET /c/{coop}/stream
pub async fn stream(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path(coop): Path<String>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    // A reconnecting EventSource says where it stopped; a fresh one starts
    // where its page was read, or now.
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after)
        .unwrap_or_else(|| *web.store.subscribe().borrow())
        .max(0);
    let watched = web
        .events
        .watch(&page.ctx(), coop, after)
        .await
        .map_err(|e| page.fail(e))?;
    let mut stopping = web.stopping.clone();
    let guard = crate::metrics::WatcherGuard::new();
    let stream = watched
        // An error ends the stream; the browser reconnects from its last id.
        .take_while(|item| std::future::ready(item.is_ok()))
        .filter_map(|item| std::future::ready(item.ok()))
        .map(move |(e, redacted)| {
            let _ = &guard;
            Ok::<_, Infallible>(sse_event(&e, redacted))
        })
        .take_until(async move {
            let _ = stopping.wait_for(|s| *s).await;
        });
    Ok(sse(stream))
}

fn sse(stream: impl Stream<Item = Result<SseEvent, Infallible>> + Send + 'static) -> Response {
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// An event as the browser gets it: `id` is its sequence, the data its
/// record as JSON (payload already redacted where it must be).
fn sse_event(e: &Event, redacted: bool) -> SseEvent {
    let payload: serde_json::Value =
        serde_json::from_str(&e.payload).unwrap_or_else(|_| serde_json::Value::String(e.payload.clone()));
    let data = serde_json::json!({
        "seq": e.seq,
        "time": e.time,
        "action": e.action,
        "subject": e.subject,
        "actor": { "sub": e.actor.sub, "municipality": e.actor.municipality },
        "payload": payload,
        "redacted": redacted,
    });
    SseEvent::default()
        .id(e.seq.to_string())
        .event("change")
        .data(data.to_string())
}
