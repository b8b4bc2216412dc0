//! Guards for HTTP clients that talk to servers flightdeck does not control (`OpenBao`, Prometheus,
//! Alertmanager, notification receivers): a response body is read up to a cap and never whole
//! into memory, and a redirect is followed only to the same origin (scheme, host and port), so a
//! token sent in a header never travels to another host.

/// Reads at most `max` bytes of `resp`'s body; the flag is true when the body was longer (the
/// rest is not read: the connection is dropped).
///
/// # Errors
/// The transport error that cut the body (a timeout of the client included).
pub async fn read_capped(
    resp: &mut reqwest::Response,
    max: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::with_capacity(max.min(64 * 1024));
    while let Some(chunk) = resp.chunk().await? {
        let room = max - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// A redirect policy that follows at most `max` redirects, each to the request's own origin; any
/// other redirect is not followed (the 3xx answer is returned to the caller).
pub fn same_origin_redirects(max: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let same = attempt.previous().first().is_some_and(|first| {
            let (a, b) = (first, attempt.url());
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        });
        if same && attempt.previous().len() <= max { attempt.follow() } else { attempt.stop() }
    })
}

/// `Location` of a 3xx answer, for an error message ("redirected to ...").
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// `GET url` with `client`, its body read up to `max` bytes and parsed as JSON; an error names
/// the URL and says what was wrong (unreachable, timed out, a 3xx, too big, not JSON).
///
/// # Errors
/// The reason, one line, terminal-safe.
pub async fn get_json(client: &reqwest::Client, url: &str, max: usize) -> Result<serde_json::Value, String> {
    let fail = |why: String| format!("{url}: {}", crate::sanitize::one_line(&why));
    let mut resp = client.get(url).send().await.map_err(|e| fail(error_text(&e)))?;
    let status = resp.status();
    if status.is_redirection() {
        return Err(fail(format!(
            "HTTP {status} to {:?}: redirects are not followed; use the final address",
            location(&resp)
        )));
    }
    let (body, cut) = read_capped(&mut resp, max).await.map_err(|e| fail(error_text(&e)))?;
    if cut {
        return Err(fail(format!(
            "HTTP {status} with an answer over {} MiB; refused (is this the right server?)",
            max >> 20
        )));
    }
    if !status.is_success() {
        let words = String::from_utf8_lossy(&body[..body.len().min(300)]).trim().to_string();
        return Err(fail(format!("HTTP {status} {words}")));
    }
    serde_json::from_slice(&body).map_err(|e| fail(format!("HTTP {status} but not JSON ({e})")))
}

/// A reqwest error with its causes, a timeout said plainly.
fn error_text(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no complete answer before the timeout; check that the server is up and not overloaded"
            .into();
    }
    let mut s = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
