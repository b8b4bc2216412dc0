//! The SMTP channel (lettre over rustls): STARTTLS, implicit TLS or plain, AUTH when a user name is
//! set, and a message with a text and an HTML part.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::notify::config::{ChannelConfig, SmtpTls};
use crate::notify::{AttemptResult, Delivery};

/// Sends one delivery through the channel's server.
pub async fn send(ch: &ChannelConfig, d: &Delivery<'_>, timeout: Duration) -> AttemptResult {
    let mail = match build_mail(ch, d) {
        Ok(m) => m,
        Err(e) => return AttemptResult::Fatal { error: e, status: None },
    };
    let transport = match transport(ch, timeout) {
        Ok(t) => t,
        Err(e) => return AttemptResult::Fatal { error: e, status: None },
    };
    let server = ch.server.as_deref().unwrap_or_default();
    match tokio::time::timeout(timeout, transport.send(mail)).await {
        Err(_) => AttemptResult::Retry {
            error: format!(
                "SMTP server {server} did not finish the exchange within {} (check `server` and `tls`, and \
                 that the server answers; `timeout` in the channel's settings raises the limit)",
                crate::time::human_duration(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX))
            ),
            status: None,
            retry_after: None,
        },
        Ok(Ok(resp)) => {
            let text: Vec<&str> = resp.message().collect();
            AttemptResult::Delivered(format!("{} {}", resp.code(), text.join(" ")))
        }
        Ok(Err(e)) if e.is_permanent() => {
            AttemptResult::Fatal { error: format!("SMTP {server}: {e}"), status: None }
        }
        Ok(Err(e)) => {
            AttemptResult::Retry { error: format!("SMTP {server}: {e}"), status: None, retry_after: None }
        }
    }
}

fn build_mail(ch: &ChannelConfig, d: &Delivery<'_>) -> Result<lettre::Message, String> {
    let from: Mailbox = ch
        .from
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e| format!("from address {:?}: {e}", ch.from.as_deref().unwrap_or_default()))?;
    let mut b = lettre::Message::builder().from(from).subject(d.message.subject.clone());
    for to in &ch.to {
        let mb: Mailbox = to.parse().map_err(|e| format!("to address {to:?}: {e}"))?;
        b = b.to(mb);
    }
    b = b.message_id(Some(format!("<{}@flightdeck>", d.id.replace(['/', ' ', '#'], "."))));
    let html = format!("<pre>{}</pre>", escape_html(&d.message.text));
    b.multipart(MultiPart::alternative_plain_html(d.message.text.clone(), html))
        .map_err(|e| format!("cannot build the message: {e}"))
}

fn transport(ch: &ChannelConfig, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let server = ch.server.as_deref().unwrap_or_default();
    let (host, port) = match server.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("server {server:?}: bad port"))?),
        None => (server, if ch.tls == SmtpTls::Implicit { 465 } else { 587 }),
    };
    let mut b =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).timeout(Some(timeout));
    let tls = match ch.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => Tls::Required(tls_params(ch, host)?),
        SmtpTls::Implicit => Tls::Wrapper(tls_params(ch, host)?),
    };
    b = b.tls(tls);
    if let Some(user) = &ch.username {
        b = b.credentials(Credentials::new(user.clone(), ch.password.clone().unwrap_or_default()));
    }
    Ok(b.build())
}

fn tls_params(ch: &ChannelConfig, host: &str) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(host.to_string());
    if let Some(path) = &ch.ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("ca_file {path}: {e}"))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| format!("ca_file {path}: {e}"))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| format!("TLS settings for {host}: {e}"))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
