//! What happens around every call, as a tower layer: it is counted as in
//! flight on its connection (for the idle timeout, see `net`), logged in one
//! access-log line (method, code, latency; the caller is in the request's
//! span) and recorded in the metrics once its last byte is sent, and a
//! message over the size limit is answered `RESOURCE_EXHAUSTED` (DESIGN.md
//! §8) rather than tonic's `OUT_OF_RANGE`.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use futures::future::BoxFuture;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::{Body, Frame, SizeHint};
use tonic::Code;

use crate::metrics::METRICS;
use crate::net::{CallGuard, ConnInfo};

#[derive(Debug, Clone, Default)]
pub struct CallsLayer;

impl<S> tower::Layer<S> for CallsLayer {
    type Service = Calls<S>;

    fn layer(&self, inner: S) -> Calls<S> {
        Calls { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Calls<S> {
    inner: S,
}

impl<S, B, RB> tower::Service<Request<B>> for Calls<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    RB: Body + Unpin + Send + 'static,
{
    type Response = Response<Logged<RB>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let started = Instant::now();
        let caller = crate::auth::CallerSlot::default();
        req.extensions_mut().insert(caller.clone());
        let method = req.uri().path().to_string();
        let guard = req.extensions().get::<ConnInfo>().map(ConnInfo::call);
        let peer = req.extensions().get::<ConnInfo>().map(|c| c.remote);
        let span = tracing::Span::current();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            // A trailers-only response (an error before any message) carries
            // its status in the headers.
            let early = code_in(res.headers_mut());
            let (parts, body) = res.into_parts();
            let mut call = Call {
                method,
                started,
                peer,
                caller,
                span,
                _guard: guard,
                done: false,
            };
            if let Some(code) = early {
                call.finish(code);
            }
            Ok(Response::from_parts(parts, Logged { inner: body, call }))
        })
    }
}

/// The status code in `headers` (or trailers), after mapping tonic's
/// `OUT_OF_RANGE` for an oversized message to `RESOURCE_EXHAUSTED`. The
/// service never answers `OUT_OF_RANGE` itself.
fn code_in(headers: &mut HeaderMap) -> Option<Code> {
    let code = Code::from_bytes(headers.get("grpc-status")?.as_bytes());
    if code == Code::OutOfRange {
        headers.insert("grpc-status", HeaderValue::from(Code::ResourceExhausted as i32));
        return Some(Code::ResourceExhausted);
    }
    Some(code)
}

struct Call {
    method: String,
    started: Instant,
    peer: Option<std::net::SocketAddr>,
    caller: crate::auth::CallerSlot,
    span: tracing::Span,
    _guard: Option<CallGuard>,
    done: bool,
}

impl Call {
    fn finish(&mut self, code: Code) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let seconds = self.started.elapsed().as_secs_f64();
        METRICS.call(&self.method, code, seconds);
        let code = crate::metrics::code_name(code);
        let latency_ms = seconds * 1000.0;
        // Unauthenticated calls (health, reflection, a refused token) log an
        // empty caller.
        let (sub, municipality) = self
            .caller
            .get()
            .map_or(("", ""), |p| (p.sub.as_str(), p.municipality.as_str()));
        let peer = self.peer.map(|p| p.to_string()).unwrap_or_default();
        self.span.in_scope(|| {
            tracing::info!(
                target: "samprio::access",
                method = %self.method,
                code,
                latency_ms,
                caller = sub,
                municipality,
                peer,
                "call"
            )
        });
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        // The client went away before the response ended (a Watch stream
        // closed by its reader, a cancelled call).
        self.finish(Code::Cancelled);
    }
}

/// The response body, watched for its trailers.
pub struct Logged<B> {
    inner: B,
    call: Call,
}

impl<B> Body for Logged<B>
where
    B: Body + Unpin,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = &mut *self;
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match frame {
            Some(Ok(mut f)) => {
                if let Some(trailers) = f.trailers_mut()
                    && let Some(code) = code_in(trailers)
                {
                    this.call.finish(code);
                }
                Poll::Ready(Some(Ok(f)))
            }
            Some(Err(e)) => {
                this.call.finish(Code::Internal);
                Poll::Ready(Some(Err(e)))
            }
            None => {
                this.call.finish(Code::Ok);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
