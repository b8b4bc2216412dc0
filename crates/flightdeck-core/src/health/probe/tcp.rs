//! The TCP probe: resolve, then connect; the connection is closed at once.

use std::net::SocketAddr;

use tokio::net::TcpStream;

use super::{ProbeError, Raw};
use crate::health::condition::Observation;
use crate::health::result::Reason;

/// Resolves `addr` (`host:port`) to socket addresses; a failure is a DNS failure.
pub async fn resolve(addr: &str) -> Result<Vec<SocketAddr>, ProbeError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| ProbeError::new(Reason::Dns, format!("cannot resolve {addr}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(ProbeError::new(Reason::Dns, format!("{addr} resolves to no address")));
    }
    Ok(addrs)
}

/// Connects to the first address of `addr` that answers.
pub async fn connect(addr: &str) -> Result<TcpStream, ProbeError> {
    let mut last = None;
    for a in resolve(addr).await? {
        match TcpStream::connect(a).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(format!("connect to {a}: {e}")),
        }
    }
    Err(ProbeError::new(Reason::Connect, last.unwrap_or_else(|| format!("cannot connect to {addr}"))))
}

/// Connects and reports the peer address.
pub async fn probe(addr: &str) -> Result<Raw, ProbeError> {
    let stream = connect(addr).await?;
    let ip = stream.peer_addr().ok().map(|a| a.ip().to_string());
    Ok(Raw { obs: Observation { connected: true, ip, ..Observation::default() }, ..Raw::default() })
}
