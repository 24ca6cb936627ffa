//! The HTTP/1.1 server loop, plain or TLS, with connection hygiene: a cap on open
//! connections (new ones beyond it get a bare `503` and are closed, before any work), a
//! header-read deadline that also ends idle keep-alive connections, a gap limit while a
//! request body is read, a write-stall limit for clients that stop reading, a TLS handshake
//! deadline, and a bounded graceful shutdown. Nothing a client does or fails to do can hold
//! a connection, a task or a file descriptor for longer than these limits.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{sleep, sleep_until, Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// Connection limits (the `[limits]` table; see OPERATIONS_GUIDE.md).
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Open connections; more are answered `503` and closed.
    pub max_connections: usize,
    /// From connection start (or the end of the previous response) to a complete request
    /// head: a slow or idle client is disconnected after this.
    pub header_timeout: Duration,
    /// Longest pause between two pieces of a request body.
    pub body_timeout: Duration,
    /// Longest a response write may wait for the client to read.
    pub write_timeout: Duration,
    /// No bytes either way while no request is in progress: closed (a backstop to the
    /// header deadline).
    pub idle_timeout: Duration,
    /// TLS handshake deadline.
    pub handshake_timeout: Duration,
    /// After shutdown, how long open requests get to finish.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// File descriptors kept free for the database, logs, model files and the spill file.
const FD_RESERVE: u64 = 256;

impl ServerLimits {
    /// The connection cap clamped below the process's file-descriptor limit.
    pub fn clamp_to_fd_limit(mut self, fd_limit: u64) -> ServerLimits {
        let room = fd_limit.saturating_sub(FD_RESERVE).max(16);
        if (self.max_connections as u64) > room {
            tracing::warn!(
                configured = self.max_connections,
                fd_limit,
                "max_connections lowered to {room} to stay below the file-descriptor limit"
            );
            self.max_connections = room as usize;
        }
        self
    }
}

/// Raises the soft limit of open files to the hard limit; returns the limit in force.
#[cfg(unix)]
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let want = if cfg!(target_os = "macos") {
        l.rlim_max.min(10240)
    } else {
        l.rlim_max
    };
    if l.rlim_cur < want {
        let new = libc::rlimit {
            rlim_cur: want,
            rlim_max: l.rlim_max,
        };
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
            return Ok(want);
        }
    }
    Ok(l.rlim_cur)
}

#[cfg(not(unix))]
pub fn raise_fd_limit() -> io::Result<u64> {
    Ok(u64::MAX)
}

/// Requests in progress on one connection.
#[derive(Default)]
struct ConnState {
    in_flight: AtomicUsize,
}

struct InFlight(Arc<ConnState>);

impl InFlight {
    fn enter(s: &Arc<ConnState>) -> InFlight {
        s.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(s.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that keeps its request "in progress" until hyper has sent it (a stream
/// may go on long after the handler returned).
struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket with an idle limit (no bytes either way while no request is in progress)
/// and a write-stall limit (a write pending for longer than `stall`).
struct Guarded<T> {
    io: T,
    state: Arc<ConnState>,
    idle: Duration,
    stall: Duration,
    last_io: Instant,
    idle_timer: Pin<Box<Sleep>>,
    write_timer: Option<Pin<Box<Sleep>>>,
}

fn timed_out(reason: &'static str) -> io::Error {
    crate::metrics_closed(reason);
    io::Error::new(io::ErrorKind::TimedOut, reason)
}

impl<T> Guarded<T> {
    fn new(io: T, state: Arc<ConnState>, idle: Duration, stall: Duration) -> Guarded<T> {
        let now = Instant::now();
        Guarded {
            io,
            state,
            idle,
            stall,
            last_io: now,
            idle_timer: Box::pin(sleep_until(now + idle)),
            write_timer: None,
        }
    }

    fn check_idle(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        while self.idle_timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            let next = if self.state.in_flight.load(Ordering::Relaxed) > 0 {
                now + self.idle
            } else if now >= self.last_io + self.idle {
                return Err(timed_out("idle"));
            } else {
                self.last_io + self.idle
            };
            self.idle_timer.as_mut().reset(next);
        }
        Ok(())
    }

    fn on_write<R>(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<io::Result<R>>,
        progressed: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        match r {
            Poll::Pending => {
                let stall = self.stall;
                let t = self
                    .write_timer
                    .get_or_insert_with(|| Box::pin(sleep(stall)));
                if t.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(timed_out("write_stall")));
                }
                Poll::Pending
            }
            Poll::Ready(Ok(v)) => {
                if progressed(&v) {
                    self.write_timer = None;
                    self.last_io = Instant::now();
                }
                Poll::Ready(Ok(v))
            }
            other => other,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.last_io = Instant::now();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match this.check_idle(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        b: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.io).poll_write(cx, b);
        this.on_write(cx, r, |n| *n > 0)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        b: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, b);
        this.on_write(cx, r, |n| *n > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.io).poll_flush(cx);
        this.on_write(cx, r, |_| true)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

async fn serve_connection<I>(
    io: I,
    http: &http1::Builder,
    watcher: Watcher,
    router: Router,
    state: Arc<ConnState>,
    peer: SocketAddr,
    body_timeout: Duration,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let in_flight = InFlight::enter(&state);
        let response = router
            .clone()
            .oneshot(req.map(|b| Body::new(TimeoutBody::new(body_timeout, b))));
        async move {
            let response = response.await.unwrap_or_else(|e: Infallible| match e {});
            Ok::<_, Infallible>(response.map(|inner| Tracked {
                inner,
                _in_flight: in_flight,
            }))
        }
    });
    if let Err(e) = watcher
        .watch(http.serve_connection(TokioIo::new(io), service))
        .await
    {
        if e.is_timeout() {
            crate::metrics_closed("header_timeout");
        }
        tracing::debug!(%peer, error = %e, "connection closed");
    }
}

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 94\r\n\r\n{\"error\":{\"code\":\"overloaded\",\"message\":\"too many open connections; retry after 1 s please\"}}";

/// Over the cap: a plain-HTTP client gets the static `503` (sent, then its request drained
/// for at most a second so the kernel does not reset the answer away); a TLS client cannot
/// read plain text, so it is closed. At most 64 such answers are in progress at once.
fn shed(mut tcp: TcpStream, plain: bool, slots: &Arc<Semaphore>) {
    crate::metrics_closed("shed");
    nba_ops::record_shed("connections");
    if !plain {
        return;
    }
    let Ok(slot) = slots.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _slot = slot;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            tcp.write_all(BUSY).await?;
            tcp.shutdown().await?;
            let mut sink = [0u8; 1024];
            while tcp.read(&mut sink).await? > 0 {}
            Ok::<_, io::Error>(())
        })
        .await;
    });
}

/// Serves `router` on `listener` (over TLS when `tls` is given) until `token` is
/// cancelled; then stops accepting, lets open requests finish within the grace period and
/// closes what is left.
pub async fn serve(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    token: CancellationToken,
    limits: ServerLimits,
) {
    let limits = Arc::new(limits);
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let shed_slots = Arc::new(Semaphore::new(64));
    let graceful = GracefulShutdown::new();
    let hard = CancellationToken::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = token.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionRefused | io::ErrorKind::Interrupted) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed; backing off");
                    tokio::select! {
                        _ = token.cancelled() => break,
                        _ = sleep(Duration::from_millis(100)) => continue,
                    }
                }
            },
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            shed(tcp, tls.is_none(), &shed_slots);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (router, watcher, hard, http, limits, tls) = (
            router.clone(),
            graceful.watcher(),
            hard.clone(),
            http.clone(),
            limits.clone(),
            tls.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            nba_ops::metrics().http_connections.inc();
            let state = Arc::new(ConnState::default());
            let io = Guarded::new(
                tcp,
                state.clone(),
                limits.idle_timeout,
                limits.write_timeout,
            );
            let body = limits.body_timeout;
            let work = async {
                match tls {
                    None => serve_connection(io, &http, watcher, router, state, peer, body).await,
                    Some(acceptor) => {
                        match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(io))
                            .await
                        {
                            Ok(Ok(s)) => {
                                serve_connection(s, &http, watcher, router, state, peer, body).await
                            }
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed")
                            }
                            Err(_) => {
                                crate::metrics_closed("handshake_timeout");
                                tracing::debug!(%peer, "TLS handshake timed out")
                            }
                        }
                    }
                }
            };
            tokio::select! {
                _ = work => {}
                _ = hard.cancelled() => {}
            }
            nba_ops::metrics().http_connections.dec();
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open {:?} after shutdown; closing them",
            limits.shutdown_grace
        );
        hard.cancel();
    }
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        connections.acquire_many(limits.max_connections as u32),
    )
    .await;
}
