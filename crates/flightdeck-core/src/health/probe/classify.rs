//! The class of an HTTP client error, found by walking its sources: a redirect loop
//! ([`TooManyRedirects`]), a TLS failure (a rustls error), an HTTP protocol error (hyper could not
//! parse the answer: not HTTP at all, headers too large, closed mid-response), a timeout, a DNS
//! failure, else a connection failure.

use std::error::Error as StdError;

use tokio_rustls::rustls;

use super::{ProbeError, TooManyRedirects, chain_text};
use crate::health::result::Reason;

/// The class and message of a reqwest error.
pub fn classify(e: &reqwest::Error) -> ProbeError {
    let mut src: Option<&(dyn StdError + 'static)> = Some(e);
    let mut reason = if e.is_timeout() { Reason::Timeout } else { Reason::Connect };
    while let Some(s) = src {
        if let Some(r) = s.downcast_ref::<TooManyRedirects>() {
            return ProbeError::new(Reason::Redirect, r.to_string());
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && let Some(what) = protocol_error(h)
        {
            return ProbeError::new(Reason::Protocol, format!("HTTP protocol error: {what} ({h})"));
        }
        if is_tls(s) {
            reason = Reason::Tls;
        }
        if reason != Reason::Tls && is_cut_short(s) {
            return ProbeError::new(
                Reason::Protocol,
                format!(
                    "HTTP protocol error: the server closed the connection mid-response ({})",
                    chain_text(e)
                ),
            );
        }
        src = s.source();
    }
    let text = chain_text(e);
    let lower = text.to_ascii_lowercase();
    if reason == Reason::Connect {
        if lower.contains("dns error") || lower.contains("failed to lookup address") {
            reason = Reason::Dns;
        } else if lower.contains("certificate") || lower.contains("handshake") {
            reason = Reason::Tls;
        } else if e.is_body() || e.is_decode() {
            reason = Reason::Body;
        }
    }
    ProbeError::new(reason, text)
}

fn is_tls(s: &(dyn StdError + 'static)) -> bool {
    s.downcast_ref::<rustls::Error>().is_some()
        || s.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

/// True for an end of file before the response was complete (a body shorter than its
/// `Content-Length`, a chunked body without its last chunk).
fn is_cut_short(s: &(dyn StdError + 'static)) -> bool {
    s.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
}

/// What a hyper error says about the answer, when it is a protocol error.
fn protocol_error(h: &hyper::Error) -> Option<&'static str> {
    if h.is_parse_too_large() {
        Some("the response headers are too large")
    } else if h.is_parse_status() {
        Some("the status line is not valid")
    } else if h.is_parse() {
        Some("the answer is not HTTP")
    } else if h.is_incomplete_message() {
        Some("the server closed the connection before a complete response")
    } else {
        None
    }
}
