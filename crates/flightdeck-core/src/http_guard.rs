//! Guards for HTTP clients that talk to servers flightdeck does not control (OpenBao, Prometheus,
//! Alertmanager, notification receivers): a response body is read up to a cap and never whole
//! into memory, and a redirect is followed only to the same origin (scheme, host and port), so a
//! token sent in a header never travels to another host.

/// Reads at most `max` bytes of `resp`'s body; the flag is true when the body was longer (the
/// rest is not read: the connection is dropped).
///
/// # Errors
/// The transport error that cut the body (a timeout of the client included).
pub async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
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
