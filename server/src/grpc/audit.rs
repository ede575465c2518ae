use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use samprio_proto::reply::Reply;
use samprio_proto::server::audit_service_server::AuditService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::{convert, ctx, reply, status};
use crate::domain::events as ops;
use crate::domain::fanout::Fanout;
use crate::domain::read_model::Views;
use crate::store::Store;

pub struct Audit {
    pub store: Arc<dyn Store>,
    /// Live events for Watch streams, read and converted once per commit.
    pub fanout: Arc<Fanout<pb::Event>>,
    /// Turns true when the server begins to shut down: open Watch streams
    /// then end with UNAVAILABLE, so clients resume from their last sequence
    /// elsewhere (or after the restart), and the process can exit.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Pages of one cooperation's events kept while its log has not moved.
    pub pages: Views<Reply<pb::ListEventsResponse>>,
}

type R<T> = Result<Response<T>, Status>;

/// The fan-out Watch streams share, converting each event once.
pub fn fanout(store: Arc<dyn Store>) -> Arc<Fanout<pb::Event>> {
    Fanout::new(store, convert::event)
}
type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl AuditService for Audit {
    async fn list_events(&self, req: Request<pb::ListEventsRequest>) -> R<Reply<pb::ListEventsResponse>> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        if !r.cooperation_id.is_empty() {
            let res = ops::list_view(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                r.after_seq,
                (r.page_size, &r.page_token),
                &self.pages,
                |events, next| {
                    Reply::encode(&pb::ListEventsResponse {
                        events: events.into_iter().map(|(e, red)| convert::event(e, red)).collect(),
                        next_page_token: next,
                    })
                },
            )
            .await;
            return reply(res, Arc::unwrap_or_clone);
        }
        let (events, next) = ops::list(
            &*self.store,
            &ctx,
            &r.cooperation_id,
            r.after_seq,
            r.page_size,
            &r.page_token,
        )
        .await
        .map_err(status)?;
        let events = ops::redact(&*self.store, events).await.map_err(status)?;
        Ok(Response::new(Reply::Message(pb::ListEventsResponse {
            events: events.into_iter().map(|(e, red)| convert::event(e, red)).collect(),
            next_page_token: next,
        })))
    }

    async fn verify_chain(&self, req: Request<pb::VerifyChainRequest>) -> R<pb::VerifyChainResponse> {
        ctx(&req, "")?;
        reply(ops::verify_chain(&*self.store).await, |r| pb::VerifyChainResponse {
            ok: r.first_bad.is_none(),
            events_checked: r.checked,
            first_bad_seq: r.first_bad.as_ref().map(|b| b.seq as u64).unwrap_or(0),
            reason: r.first_bad.map(|b| b.reason).unwrap_or_default(),
            head_seq: r.head_seq as u64,
            head_hash: r.head_hash,
        })
    }

    async fn watch(&self, req: Request<pb::WatchRequest>) -> R<WatchStream> {
        let ctx = ctx(&req, "")?;
        let r = req.into_inner();
        // The edge checks (`ctx`) refuse an after_seq above i64::MAX.
        let after_seq = i64::try_from(r.after_seq).unwrap_or(i64::MAX);
        let events = self
            .fanout
            .watch(&ctx, r.cooperation_id, after_seq)
            .await
            .map_err(status)?;
        let stream = futures::StreamExt::map(events, |item: crate::domain::Result<pb::Event>| item.map_err(status));
        let mut stopping = self.stopping.clone();
        Ok(Response::new(Box::pin(UntilShutdown {
            inner: Box::pin(stream),
            stop: Box::pin(async move {
                let _ = stopping.wait_for(|s| *s).await;
            }),
            done: false,
            _watcher: crate::metrics::WatcherGuard::new(),
        })))
    }
}

/// A Watch stream that ends with UNAVAILABLE when the server shuts down.
struct UntilShutdown {
    inner: WatchStream,
    stop: Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    done: bool,
    _watcher: crate::metrics::WatcherGuard,
}

impl Stream for UntilShutdown {
    type Item = Result<pb::Event, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.done {
            return Poll::Ready(None);
        }
        if self.stop.as_mut().poll(cx).is_ready() {
            self.done = true;
            return Poll::Ready(Some(Err(Status::unavailable(
                "the server is shutting down; watch again from the last sequence you received",
            ))));
        }
        self.inner.as_mut().poll_next(cx)
    }
}
