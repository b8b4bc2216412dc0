//! ACME certificates (RFC 8555) with instant-acme: an account kept in the data directory, an order
//! whose HTTP-01 challenges flightdeck answers on its own listener (or DNS-01 challenges by a TXT
//! record through `infra::dns`), the key written with mode 0600, revocation for teardown, and the
//! days left read from the certificate (x509-parser).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder, Order,
    OrderStatus, RetryPolicy,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where the ACME server is and how to trust its TLS listener.
#[derive(Debug, Clone)]
pub struct Directory {
    /// The directory URL (`https://acme-v02.api.letsencrypt.org/directory`).
    pub url: String,
    /// A PEM root for the directory's own TLS certificate (a test CA such as pebble's).
    pub ca: Option<PathBuf>,
}

fn acme_err(what: &str, dir: &Directory, e: &instant_acme::Error) -> String {
    format!("ACME {what} at {}: {e}", dir.url)
}

/// How long one exchange with the ACME server may take: instant-acme's client has no timeout of
/// its own, so a directory that accepts and never answers would hold the step forever.
pub const CALL_LIMIT: Duration = Duration::from_secs(20);

/// `fut` (one exchange, `what`) within [`CALL_LIMIT`]; after it, an error naming the server.
async fn within<T>(
    what: &str,
    dir: &Directory,
    fut: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(CALL_LIMIT, fut).await.unwrap_or_else(|_| {
        Err(format!(
            "ACME {what}: {} did not answer within {} s (check the directory URL and that the server is up)",
            dir.url,
            CALL_LIMIT.as_secs()
        ))
    })
}

/// Loads the account stored at `file`, or creates one and stores it (mode 0600).
pub async fn account(dir: &Directory, file: &Path) -> Result<Account, String> {
    let builder = || match &dir.ca {
        Some(ca) => {
            Account::builder_with_root(ca).map_err(|e| format!("ACME: reading the CA {}: {e}", ca.display()))
        }
        None => Account::builder().map_err(|e| format!("ACME client: {e}")),
    };
    if let Ok(text) = std::fs::read_to_string(file)
        && let Ok(creds) = serde_json::from_str::<AccountCredentials>(&text)
    {
        let load =
            async { builder()?.from_credentials(creds).await.map_err(|e| acme_err("account", dir, &e)) };
        return within("account", dir, load).await;
    }
    let new = NewAccount { contact: &[], terms_of_service_agreed: true, only_return_existing: false };
    let create = async {
        builder()?.create(&new, dir.url.clone(), None).await.map_err(|e| {
            format!(
                "ACME directory {} unreachable or refused the account: {e} (check the URL and `ca`)",
                dir.url
            )
        })
    };
    let (acct, creds) = within("account", dir, create).await?;
    let text = serde_json::to_string(&creds).map_err(|e| e.to_string())?;
    write_private(file, text.as_bytes())?;
    Ok(acct)
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut f, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// A TXT record to publish for DNS-01: (name, value).
pub type TxtRecord = (String, String);

/// Tokens an HTTP-01 listener answers: token to key authorization.
pub type Tokens = Arc<std::sync::Mutex<BTreeMap<String, String>>>;

/// The challenges of an order still to answer.
#[derive(Debug, Default)]
pub struct Challenges {
    /// HTTP-01: token and key authorization.
    pub http: Vec<(String, String)>,
    /// DNS-01: TXT records to publish.
    pub txt: Vec<TxtRecord>,
}

/// The challenge type: HTTP-01 when flightdeck listens, else DNS-01.
pub fn kind(http: bool) -> ChallengeType {
    if http { ChallengeType::Http01 } else { ChallengeType::Dns01 }
}

/// Places a new order for `names`.
pub async fn new_order(acct: &Account, dir: &Directory, names: &[String]) -> Result<Order, String> {
    let ids: Vec<Identifier> = names.iter().map(|n| Identifier::Dns(n.clone())).collect();
    let order =
        async { acct.new_order(&NewOrder::new(&ids)).await.map_err(|e| acme_err("new order", dir, &e)) };
    within("new order", dir, order).await
}

/// What the pending authorizations ask for.
pub async fn challenges(order: &mut Order, dir: &Directory, http: bool) -> Result<Challenges, String> {
    within("authorization", dir, challenges_of(order, dir, http)).await
}

async fn challenges_of(order: &mut Order, dir: &Directory, http: bool) -> Result<Challenges, String> {
    let mut out = Challenges::default();
    let mut auths = order.authorizations();
    while let Some(a) = auths.next().await {
        let mut a = a.map_err(|e| acme_err("authorization", dir, &e))?;
        if a.status == AuthorizationStatus::Valid {
            continue;
        }
        let ch = a
            .challenge(kind(http))
            .ok_or_else(|| format!("ACME: the server offers no {:?} challenge", kind(http)))?;
        let ka = ch.key_authorization();
        if http {
            out.http.push((ch.token.clone(), ka.as_str().to_string()));
        } else {
            out.txt.push((format!("_acme-challenge.{}", ch.identifier()), ka.dns_value()));
        }
    }
    Ok(out)
}

/// Tells the server every pending challenge is ready to be validated.
pub async fn ready(order: &mut Order, dir: &Directory, http: bool) -> Result<(), String> {
    within("challenge", dir, ready_all(order, dir, http)).await
}

async fn ready_all(order: &mut Order, dir: &Directory, http: bool) -> Result<(), String> {
    let mut auths = order.authorizations();
    while let Some(a) = auths.next().await {
        let mut a = a.map_err(|e| acme_err("authorization", dir, &e))?;
        if a.status == AuthorizationStatus::Valid {
            continue;
        }
        if let Some(mut ch) = a.challenge(kind(http)) {
            ch.set_ready().await.map_err(|e| acme_err("challenge", dir, &e))?;
        }
    }
    Ok(())
}

/// Waits for validation, finalizes (a new key) and downloads the chain: (key PEM, chain PEM).
pub async fn finish(
    order: &mut Order,
    dir: &Directory,
    names: &[String],
) -> Result<(String, String), String> {
    let policy = RetryPolicy::new().timeout(Duration::from_secs(60));
    let status = order.poll_ready(&policy).await.map_err(|e| acme_err("validation", dir, &e))?;
    if status != OrderStatus::Ready {
        let problem = order.state().error.as_ref().map(|p| format!(": {p}")).unwrap_or_default();
        return Err(format!("ACME order for {} ended {status:?}{problem}", names.join(", ")));
    }
    let key =
        within("finalize", dir, async { order.finalize().await.map_err(|e| acme_err("finalize", dir, &e)) })
            .await?;
    let chain = order.poll_certificate(&policy).await.map_err(|e| acme_err("certificate", dir, &e))?;
    Ok((key, chain))
}

/// Serves `/.well-known/acme-challenge/TOKEN` from `tokens` until aborted.
pub async fn serve_http01(addr: &str, tokens: Tokens) -> Result<tokio::task::JoinHandle<()>, String> {
    let l =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("HTTP-01 listener on {addr}: {e}"))?;
    Ok(tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let tokens = tokens.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let path = head.split_whitespace().nth(1).unwrap_or("");
                let body = path
                    .strip_prefix("/.well-known/acme-challenge/")
                    .and_then(|t| tokens.lock().ok().and_then(|m| m.get(t).cloned()));
                let resp = match body {
                    Some(b) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                        b.len()
                    ),
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
                };
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    }))
}

/// Revokes the first certificate of a PEM chain.
pub async fn revoke(acct: &Account, dir: &Directory, chain_pem: &str) -> Result<(), String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes())
        .map_err(|e| format!("reading the certificate: {e}"))?;
    let der = rustls_pki_types::CertificateDer::from(pem.contents);
    let req = instant_acme::RevocationRequest { certificate: &der, reason: None };
    within("revocation", dir, async { acct.revoke(&req).await.map_err(|e| acme_err("revocation", dir, &e)) })
        .await
}

/// Days until the first certificate of a PEM chain expires (negative once expired), and its end.
pub fn days_left(chain_pem: &str, now_unix: i64) -> Result<(i64, String), String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes())
        .map_err(|e| format!("reading the certificate: {e}"))?;
    let cert = pem.parse_x509().map_err(|e| format!("parsing the certificate: {e}"))?;
    let end = cert.validity().not_after;
    Ok(((end.timestamp() - now_unix).div_euclid(86_400), end.to_string()))
}
