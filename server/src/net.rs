//! Accepting connections. tonic's own accept loop (`Server::serve`) is not
//! used: it ignores `tcp_nodelay` for a listener handed in, has no connection
//! cap and retries a failing `accept` at once, spinning a core when file
//! descriptors run out. This one:
//!
//! * sets `TCP_NODELAY` on every accepted socket (small gRPC replies must not
//!   wait for the peer's delayed ACK, Nagle's 40 ms);
//! * caps open connections: at the cap it stops accepting (the kernel's
//!   backlog holds new ones) until one closes;
//! * backs off on accept errors (EMFILE and the like), logging them;
//! * closes a connection that sends nothing within the handshake timeout, and
//!   one that has had no request in flight for the idle timeout.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Limits on connections (DESIGN.md §9).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    /// The first bytes (HTTP/2's preface) must arrive within this.
    pub handshake_timeout: Duration,
    /// A connection with no call in flight for this long is closed.
    pub idle_timeout: Duration,
}

/// Longest pause between accept attempts while accepting fails.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
const MIN_BACKOFF: Duration = Duration::from_millis(5);

/// Where connections come from; a trait so tests can make `accept` fail.
pub trait Acceptor: Send + 'static {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>>;
}

impl Acceptor for TcpListener {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        TcpListener::poll_accept(self, cx)
    }
}

/// The stream of accepted connections tonic serves.
pub struct Incoming<A> {
    acceptor: A,
    limits: Limits,
    slots: Arc<Semaphore>,
    /// Waiting for a free slot, or backing off after an error.
    waiting_for_slot: Option<Pin<Box<dyn std::future::Future<Output = OwnedSemaphorePermit> + Send>>>,
    permit: Option<OwnedSemaphorePermit>,
    backoff: Option<(Pin<Box<Sleep>>, Duration)>,
    /// Accept errors since the last success, for the log.
    failures: u64,
}

pub fn incoming<A: Acceptor>(acceptor: A, limits: Limits) -> Incoming<A> {
    Incoming {
        acceptor,
        limits,
        slots: Arc::new(Semaphore::new(limits.max_connections.max(1))),
        waiting_for_slot: None,
        permit: None,
        backoff: None,
        failures: 0,
    }
}

impl<A: Acceptor + Unpin> Stream for Incoming<A> {
    type Item = io::Result<Conn>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some((sleep, _)) = this.backoff.as_mut() {
                ready!(sleep.as_mut().poll(cx));
            }
            if this.permit.is_none() {
                let fut = this.waiting_for_slot.get_or_insert_with(|| {
                    let slots = this.slots.clone();
                    Box::pin(async move { slots.acquire_owned().await.expect("never closed") })
                });
                if this.slots.available_permits() == 0 && this.failures == 0 {
                    tracing::debug!(max = this.limits.max_connections, "connection cap reached; waiting");
                }
                let permit = ready!(fut.as_mut().poll(cx));
                this.waiting_for_slot = None;
                this.permit = Some(permit);
            }
            match this.acceptor.poll_accept(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok((stream, remote))) => {
                    if this.failures > 0 {
                        tracing::info!(failed_attempts = this.failures, "accepting connections again");
                    }
                    this.failures = 0;
                    this.backoff = None;
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::warn!(error = %e, %remote, "cannot set TCP_NODELAY");
                    }
                    let permit = this.permit.take().expect("acquired above");
                    return Poll::Ready(Some(Ok(Conn::new(stream, remote, permit, this.limits))));
                }
                Poll::Ready(Err(e)) if is_per_connection(&e) => {
                    // The peer gave up before we accepted it: nothing to wait for.
                    tracing::debug!(error = %e, "a connection failed while being accepted");
                }
                Poll::Ready(Err(e)) => {
                    this.failures += 1;
                    let next = match &this.backoff {
                        Some((_, d)) => (*d * 2).min(MAX_BACKOFF),
                        None => MIN_BACKOFF,
                    };
                    // Once per doubling, then once a second at most.
                    if this.failures.is_power_of_two() || next == MAX_BACKOFF && this.failures.is_multiple_of(10) {
                        tracing::error!(error = %e, failed_attempts = this.failures, retry_in_ms = next.as_millis() as u64,
                            "cannot accept connections (out of file descriptors?); backing off");
                    }
                    this.backoff = Some((Box::pin(tokio::time::sleep(next)), next));
                }
            }
        }
    }
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
    )
}

/// What a connection shares with the calls on it (through the request's
/// extensions, see [`CallGuard`]).
#[derive(Debug, Default)]
pub struct ConnState {
    in_flight: AtomicUsize,
    /// Milliseconds since `EPOCH` of the last call's end or start.
    last_call: AtomicUsize,
}

static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

fn now_ms() -> usize {
    EPOCH.elapsed().as_millis() as usize
}

/// The connection's information tonic puts in each request's extensions.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub remote: SocketAddr,
    state: Arc<ConnState>,
}

impl ConnInfo {
    /// Marks a call in flight on this connection until the guard is dropped.
    pub fn call(&self) -> CallGuard {
        self.state.in_flight.fetch_add(1, Ordering::SeqCst);
        self.state.last_call.store(now_ms(), Ordering::SeqCst);
        CallGuard(self.state.clone())
    }
}

pub struct CallGuard(Arc<ConnState>);

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.0.last_call.store(now_ms(), Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An accepted connection: the socket, its slot under the cap, and its timers.
pub struct Conn {
    stream: TcpStream,
    info: ConnInfo,
    limits: Limits,
    got_bytes: bool,
    timer: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl Conn {
    fn new(stream: TcpStream, remote: SocketAddr, slot: OwnedSemaphorePermit, limits: Limits) -> Conn {
        let state = Arc::new(ConnState::default());
        state.last_call.store(now_ms(), Ordering::SeqCst);
        crate::metrics::METRICS.connections.inc();
        Conn {
            stream,
            info: ConnInfo { remote, state },
            limits,
            got_bytes: false,
            timer: Box::pin(tokio::time::sleep(limits.handshake_timeout)),
            _slot: slot,
        }
    }

    pub fn socket(&self) -> &TcpStream {
        &self.stream
    }

    /// Polls the handshake or idle timer; `Err` once the connection should close.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Ok(());
            }
            if !self.got_bytes {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no handshake in time"));
            }
            let state = &self.info.state;
            let since = now_ms().saturating_sub(state.last_call.load(Ordering::SeqCst));
            let idle = self.limits.idle_timeout.as_millis() as usize;
            if state.in_flight.load(Ordering::SeqCst) == 0 && since >= idle {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "idle connection"));
            }
            let wait = if state.in_flight.load(Ordering::SeqCst) > 0 {
                idle
            } else {
                idle - since
            };
            self.timer
                .as_mut()
                .reset(Instant::now() + Duration::from_millis(wait.max(1) as u64));
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        crate::metrics::METRICS.connections.dec();
    }
}

impl AsyncRead for Conn {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if !this.got_bytes && buf.filled().len() > before {
                    this.got_bytes = true;
                    let idle = this.limits.idle_timeout;
                    this.timer.as_mut().reset(Instant::now() + idle);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match this.poll_timer(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => {
                    tracing::debug!(remote = %this.info.remote, reason = %e, "closing connection");
                    Poll::Ready(Err(e))
                }
            },
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ConnInfo;

    fn connect_info(&self) -> ConnInfo {
        self.info.clone()
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    const LIMITS: Limits = Limits {
        max_connections: 2,
        handshake_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
    };

    #[tokio::test]
    async fn accepted_sockets_have_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = incoming(listener, LIMITS);
        let _client = TcpStream::connect(addr).await.unwrap();
        let conn = incoming.next().await.unwrap().unwrap();
        assert!(conn.socket().nodelay().unwrap(), "TCP_NODELAY on the accepted socket");
    }

    #[tokio::test]
    async fn at_the_cap_new_connections_wait_for_a_slot() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = incoming(listener, LIMITS);
        let mut clients = vec![];
        for _ in 0..3 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let first = incoming.next().await.unwrap().unwrap();
        let _second = incoming.next().await.unwrap().unwrap();
        let third = futures::poll!(incoming.next());
        assert!(third.is_pending(), "a third connection is not served at a cap of two");
        drop(first);
        assert!(incoming.next().await.unwrap().is_ok(), "served once a slot is free");
    }

    /// Fails every accept, as a process out of file descriptors does.
    struct OutOfFiles(Arc<AtomicUsize>);

    impl Acceptor for OutOfFiles {
        fn poll_accept(&mut self, _: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Err(io::Error::from_raw_os_error(24))) // EMFILE
        }
    }

    #[tokio::test]
    async fn accept_errors_back_off_instead_of_spinning() {
        let attempts = Arc::new(AtomicUsize::new(0));
        let mut incoming = incoming(OutOfFiles(attempts.clone()), LIMITS);
        let _ = tokio::time::timeout(Duration::from_secs(2), incoming.next()).await;
        let n = attempts.load(Ordering::SeqCst);
        // 5 ms doubling to 1 s: about 9 attempts in 2 s (fewer on a slow
        // machine), where a loop without backoff makes millions.
        assert!((1..=50).contains(&n), "{n} accept attempts in 2 s");
    }
}
