//! The DNS probe: one query to the monitor's own `nameserver = "IP:PORT"` (so tests can run a local
//! server), over UDP with TCP fallback, no cache. `NXDOMAIN` and empty answers are observations
//! (`[DNS_RCODE]`), not probe errors; an unreachable or failing server is a `dns` failure.

use std::net::SocketAddr;
use std::str::FromStr;

use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::RecordType;

use super::{ProbeError, Raw};
use crate::health::condition::Observation;
use crate::health::result::Reason;

/// Resolves `name` as `record` at `nameserver`.
pub async fn probe(name: &str, nameserver: &str, record: &str) -> Result<Raw, ProbeError> {
    let server: SocketAddr = nameserver
        .parse()
        .map_err(|_| ProbeError::new(Reason::Dns, format!("nameserver {nameserver:?} is not IP:PORT")))?;
    let rtype = RecordType::from_str(record)
        .map_err(|_| ProbeError::new(Reason::Dns, format!("unknown record type {record:?}")))?;
    let mut ns = NameServerConfig::udp_and_tcp(server.ip());
    for c in &mut ns.connections {
        c.port = server.port();
    }
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    builder.options_mut().cache_size = 0;
    builder.options_mut().attempts = 1;
    let resolver = builder.build().map_err(|e| ProbeError::new(Reason::Dns, format!("resolver: {e}")))?;
    let fqdn = if name.ends_with('.') { name.to_string() } else { format!("{name}.") };
    match resolver.lookup(fqdn.as_str(), rtype).await {
        Ok(lookup) => {
            let answers: Vec<String> = lookup.answers().iter().map(|r| r.data.to_string()).collect();
            Ok(observation("NOERROR", &answers))
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => {
            Ok(observation(&format!("{:?}", nr.response_code).to_ascii_uppercase(), &[]))
        }
        Err(e) => {
            let reason = if matches!(e, NetError::Timeout) { Reason::Timeout } else { Reason::Dns };
            Err(ProbeError::new(reason, format!("{record} {name} @{nameserver}: {e}")))
        }
    }
}

fn observation(rcode: &str, answers: &[String]) -> Raw {
    Raw {
        bytes_read: 0,
        obs: Observation {
            connected: true,
            ip: answers.first().cloned(),
            dns_rcode: Some(rcode.to_string()),
            body: answers.join("\n").into_bytes(),
            ..Observation::default()
        },
        ..Raw::default()
    }
}
