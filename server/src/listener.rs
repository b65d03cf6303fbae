//! Serving connections so that no client can hold the server down: every
//! connection must send its request headers within `header_read` (idle
//! keep-alive connections too, which hyper times the same way); at most
//! `max_connections` are open in the whole process and `per_address` from
//! one client address (trusted proxies excepted): one more is answered 503
//! and closed; a failed `accept` ("too many open files") waits a moment
//! instead of spinning.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use services::client_ip::TrustedProxies;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A request's headers must arrive within this (and an idle
    /// keep-alive connection is closed after it).
    pub header_read: Duration,
    /// Open connections in the process.
    pub max_connections: usize,
    /// Open connections from one address.
    pub per_address: usize,
}

/// The open connections of the whole process, shared by every listener.
pub struct Gate {
    limits: Limits,
    open: Arc<Semaphore>,
    by_address: Mutex<HashMap<IpAddr, usize>>,
    trusted: TrustedProxies,
    refusing: Arc<Semaphore>,
}

/// One open connection; gives its places back when dropped.
pub struct Pass {
    gate: Arc<Gate>,
    ip: Option<IpAddr>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Pass {
    fn drop(&mut self) {
        if let Some(ip) = self.ip {
            let mut map = self
                .gate
                .by_address
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(n) = map.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&ip);
                }
            }
        }
    }
}

impl Gate {
    pub fn new(limits: Limits, trusted: TrustedProxies) -> Arc<Gate> {
        Arc::new(Gate {
            limits,
            open: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            by_address: Mutex::new(HashMap::new()),
            trusted,
            refusing: Arc::new(Semaphore::new(REFUSING)),
        })
    }

    /// A place for a connection from `ip`, if there is one.
    fn enter(self: &Arc<Gate>, ip: IpAddr) -> Option<Pass> {
        let permit = self.open.clone().try_acquire_owned().ok()?;
        let ip = ip.to_canonical();
        let counted = !self.trusted.trusts(ip);
        if counted {
            let mut map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
            let n = map.entry(ip).or_insert(0);
            if *n >= self.limits.per_address {
                return None;
            }
            *n += 1;
        }
        Some(Pass {
            gate: self.clone(),
            ip: counted.then_some(ip),
            _permit: permit,
        })
    }
}

/// Refusals answered at once (each holds a file while it reads the request).
const REFUSING: usize = 64;

/// Answers a connection over the limits with 503. Up to `REFUSING` at once
/// read their request first, so the client sees an answer; past that the
/// answer is written at once and the connection closed, so a flood of
/// refusals cannot use up the process's files.
fn refuse(gate: &Arc<Gate>, stream: tokio::net::TcpStream) {
    let Ok(turn) = gate.refusing.clone().try_acquire_owned() else {
        drop(stream);
        return;
    };
    tokio::spawn(async move {
        let _turn = turn;
        let busy = hyper::service::service_fn(|_req| async {
            let mut res = hyper::Response::new(axum::body::Body::from("busy, try again"));
            *res.status_mut() = hyper::StatusCode::SERVICE_UNAVAILABLE;
            res.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                hyper::header::HeaderValue::from_static("1"),
            );
            Ok::<_, std::convert::Infallible>(res)
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_millis(500))
            .keep_alive(false)
            .serve_connection(TokioIo::new(stream), busy);
        let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
    });
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    gate: Arc<Gate>,
    shutdown: impl Future<Output = ()>,
) {
    let limits = gate.limits;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, most likely: let connections end.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(pass) = gate.enter(peer.ip()) else {
            refuse(&gate, stream);
            tracing::warn!(ip = %peer.ip(), "connection refused: too many open");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                });
        let service = TowerToHyperService::new(service);
        tokio::spawn(async move {
            let _pass = pass;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(e) = conn.await {
                // A client that went away or was too slow: not our error.
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
}

/// Raises this process's soft limit of open files to its hard limit, so
/// that connections, not a default of 1,024, are what the limits bound.
pub fn raise_open_files_limit() {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct given.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
                let before = lim.rlim_cur;
                lim.rlim_cur = lim.rlim_max;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                    tracing::info!(before, now = lim.rlim_cur, "open files limit raised");
                }
            }
        }
    }
}

/// The process's soft limit of open files.
pub fn open_files_limit() -> u64 {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
            return lim.rlim_cur;
        }
    }
    u64::MAX
}
