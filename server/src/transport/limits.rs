//! Connection caps for the listeners: each holds at most a set number of connections at
//! once, and one more is closed as it is accepted (before any TLS or SSH handshake), so
//! a flood of idle sockets costs a file descriptor for a moment, never a task or a buffer.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_server::accept::Accept;
use futures_util::future::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The connections one listener may hold.
#[derive(Clone)]
pub struct ConnectionLimit {
    permits: Arc<Semaphore>,
    listener: &'static str,
}

impl ConnectionLimit {
    pub fn new(max: usize, listener: &'static str) -> Self {
        ConnectionLimit {
            permits: Arc::new(Semaphore::new(max.max(1))),
            listener,
        }
    }

    /// A place for one more connection, held until the permit is dropped; none when the
    /// listener is full (logged).
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        let permit = self.permits.clone().try_acquire_owned().ok();
        if permit.is_none() {
            tracing::warn!(
                listener = self.listener,
                "connection refused: the listener holds its maximum number of connections"
            );
        }
        permit
    }
}

/// An acceptor (for axum-server) that admits a connection within a [`ConnectionLimit`] and
/// then runs `inner` (TLS, TCP options) on it.
#[derive(Clone)]
pub struct LimitAcceptor<A> {
    inner: A,
    limit: ConnectionLimit,
}

impl<A> LimitAcceptor<A> {
    pub fn new(inner: A, limit: ConnectionLimit) -> Self {
        LimitAcceptor { inner, limit }
    }
}

impl<A, S> Accept<TcpStream, S> for LimitAcceptor<A>
where
    A: Accept<TcpStream, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Held<A::Stream>;
    type Service = A::Service;
    type Future = BoxFuture<'static, io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let Some(permit) = self.limit.admit() else {
            // Dropping the stream closes the connection.
            return Box::pin(std::future::ready(Err(io::Error::other(
                "connection limit reached",
            ))));
        };
        let accepted = self.inner.accept(stream, service);
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            Ok((
                Held {
                    stream,
                    _permit: permit,
                },
                service,
            ))
        })
    }
}

/// A stream that holds its connection's place until it is dropped.
pub struct Held<T> {
    stream: T,
    _permit: OwnedSemaphorePermit,
}

impl<T: AsyncRead + Unpin> AsyncRead for Held<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Held<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
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
