//! Connections: how many the server holds, and how long one may take to say what it wants.
//!
//! A client that opens connections and sends half a request header would otherwise hold each
//! forever, and with them the process's open files, until nobody else can connect. So:
//! - a connection must send its first request's header within [`HEADER_TIMEOUT`], and each
//!   later one's too (an idle keep-alive connection is closed after as long);
//! - a request must be answered within [`REQUEST_TIMEOUT`] ([`UPLOAD_TIMEOUT`] for a bulk
//!   job's body, which may be large), else it ends with Graph's 408;
//! - at most `max_connections` are open at once, and [`MAX_CONNECTIONS_PER_ADDRESS`] from any
//!   one address but a trusted proxy: one more is closed as soon as it is accepted, rather than
//!   queued;
//! - HTTP/1.1 only: HTTP/2 would keep an idle connection open for ever;
//! - the process's limit of open files is raised to what the system allows, so that the cap,
//!   not the limit, is what a flood meets.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// How long a connection may take to send a request's header.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a request may take, its body included, until its answer is ready.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// As [`REQUEST_TIMEOUT`], for a bulk job's body (up to `upload::MAX_JOB_BYTES`).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);
/// Connections open at once, by default.
pub const MAX_CONNECTIONS: usize = 10_000;
/// Connections open at once from one address (a trusted proxy excepted), so that one host
/// cannot take every place.
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 256;
/// Open files kept for the database, logs and certificates beside the connections.
const FILES_BESIDE_CONNECTIONS: u64 = 256;

/// Raises the soft limit of open files to the hard one, and returns how many connections fit
/// under it (at most `wanted`).
pub fn fit_open_files(wanted: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let mut soft = limit.current;
    if let Some(hard) = limit.maximum
        && limit.current.is_some_and(|current| current < hard)
    {
        match setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            },
        ) {
            Ok(()) => soft = Some(hard),
            Err(error) => tracing::warn!("could not raise the limit of open files: {error}"),
        }
    }
    let room = soft.map_or(u64::MAX, |soft| {
        soft.saturating_sub(FILES_BESIDE_CONNECTIONS)
    });
    let fitting = wanted.min(room.max(16) as usize);
    if fitting < wanted {
        tracing::warn!(
            wanted,
            fitting,
            "the limit of open files allows fewer connections than asked for"
        );
    }
    fitting
}

/// Ends a request that takes too long with Graph's 408.
pub async fn deadline(request: Request, next: Next) -> Response {
    let upload =
        request.method() == Method::POST && request.uri().path().starts_with("/roster/v1/jobs/");
    let limit = if upload {
        UPLOAD_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request_Timeout",
            format!(
                "The request took longer than {} seconds and was stopped.",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// An acceptor that lets at most so many connections be open at once, and so many from one
/// address.
#[derive(Clone)]
pub struct Limited<A> {
    inner: A,
    permits: Arc<Semaphore>,
    per_address: Arc<PerAddress>,
}

/// Open connections by address.
struct PerAddress {
    limit: usize,
    /// Addresses without a limit: the proxies every client comes through.
    exempt: Vec<ipnet::IpNet>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerAddress {
    /// A place for one more connection from `ip`, if it has one left.
    fn take(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<AddressPlace> {
        let Some(ip) = ip.map(|ip| ip.to_canonical()) else {
            return Some(AddressPlace(None));
        };
        if self.exempt.iter().any(|net| net.contains(&ip)) {
            return Some(AddressPlace(None));
        }
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressPlace(Some((self.clone(), ip))))
    }
}

/// A connection's place among its address's, given back when it closes.
struct AddressPlace(Option<(Arc<PerAddress>, IpAddr)>);

impl Drop for AddressPlace {
    fn drop(&mut self) {
        if let Some((limits, ip)) = self.0.take() {
            let mut open = limits
                .open
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(count) = open.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&ip);
                }
            }
        }
    }
}

impl<A> Limited<A> {
    pub fn new(
        inner: A,
        max_connections: usize,
        per_address: usize,
        exempt: Vec<ipnet::IpNet>,
    ) -> Self {
        Limited {
            inner,
            permits: Arc::new(Semaphore::new(max_connections.max(1))),
            per_address: Arc::new(PerAddress {
                limit: per_address.max(1),
                exempt,
                open: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl<S, A> Accept<TcpStream, S> for Limited<A>
where
    A: Accept<TcpStream, S> + Clone + Send + 'static,
    A::Future: Send,
    A::Stream: Send,
    A::Service: Send,
    S: Send + 'static,
{
    type Stream = Counted<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let peer = stream.peer_addr().ok().map(|at| at.ip());
        let places = self
            .per_address
            .take(peer)
            .and_then(|place| Some((place, self.permits.clone().try_acquire_owned().ok()?)));
        let Some((place, permit)) = places else {
            // Dropping the stream closes the connection.
            drop(stream);
            return Box::pin(std::future::ready(Err(io::Error::other(
                "too many open connections",
            ))));
        };
        let inner = self.inner.clone();
        Box::pin(async move {
            let (stream, service) = inner.accept(stream, service).await?;
            Ok((
                Counted {
                    inner: stream,
                    _permit: permit,
                    _place: place,
                },
                service,
            ))
        })
    }
}

/// A connection holding its place among the open ones until it closes.
pub struct Counted<S> {
    inner: S,
    _permit: OwnedSemaphorePermit,
    _place: AddressPlace,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
