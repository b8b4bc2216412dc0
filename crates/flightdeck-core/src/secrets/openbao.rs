//! The `openbao` provider: `OpenBao` or `HashiCorp` Vault KV v2 over HTTP (`/v1/MOUNT/data/PATH`),
//! logging in with a token or `AppRole`. Versions are KV versions: a write makes a new one, making
//! an old one current writes its data again (as `kv rollback` does), disabling soft-deletes it.

use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use super::{BoxFuture, Location, Problem, Provider, Secret, VersionInfo, secret};

/// How to log in.
#[derive(Debug)]
pub enum Auth {
    /// A token.
    Token(Zeroizing<String>),
    /// `AppRole` credentials (logged in on first use).
    AppRole {
        /// Auth mount.
        mount: String,
        /// Role id.
        role_id: Zeroizing<String>,
        /// Secret id.
        secret_id: Zeroizing<String>,
    },
}

/// A KV v2 mount on an OpenBao/Vault server.
#[derive(Debug)]
pub struct OpenBaoProvider {
    /// `http://host:port`.
    pub address: String,
    /// KV v2 mount.
    pub mount: String,
    auth: Auth,
    token: Mutex<Option<Zeroizing<String>>>,
    http: reqwest::Client,
}

impl OpenBaoProvider {
    /// A provider for `address` (no request is made yet).
    pub fn new(address: &str, mount: &str, auth: Auth) -> Result<OpenBaoProvider, Problem> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(crate::http_guard::same_origin_redirects(3))
            .build()
            .map_err(|e| Problem::Other(format!("cannot build an HTTP client: {e}")))?;
        Ok(OpenBaoProvider {
            address: address.trim_end_matches('/').to_string(),
            mount: mount.trim_matches('/').to_string(),
            auth,
            token: Mutex::new(None),
            http,
        })
    }

    async fn token(&self) -> Result<Zeroizing<String>, Problem> {
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            return Ok(t.clone());
        }
        let t = match &self.auth {
            Auth::Token(t) => t.clone(),
            Auth::AppRole { mount, role_id, secret_id } => {
                let body = json!({ "role_id": role_id.as_str(), "secret_id": secret_id.as_str() });
                let v = self
                    .send(reqwest::Method::POST, &format!("auth/{mount}/login"), None, Some(&body))
                    .await?;
                let t = v.pointer("/auth/client_token").and_then(Value::as_str).ok_or_else(|| {
                    Problem::Other(format!("AppRole login at {} returned no client_token", self.address))
                })?;
                Zeroizing::new(t.to_string())
            }
        };
        *guard = Some(t.clone());
        Ok(t)
    }

    /// One request; maps transport and status errors to problems. 404 gives `Value::Null`.
    async fn send(
        &self,
        method: reqwest::Method,
        api: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Problem> {
        let url = format!("{}/v1/{api}", self.address);
        let mut req = self.http.request(method, &url);
        if let Some(t) = token {
            req = req.header("X-Vault-Token", t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let unreachable = |e: reqwest::Error| Problem::Unreachable {
            address: self.address.clone(),
            detail: scrub(&error_chain(&e), body, token),
        };
        let mut resp = req.send().await.map_err(unreachable)?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(Problem::Other(format!(
                "{url}: HTTP {status} to {:?}: a redirect to another server is not followed (the token would go \
                 with it); set the provider's address to the server that answers",
                crate::sanitize::one_line(&crate::http_guard::location(&resp))
            )));
        }
        let (bytes, cut) =
            crate::http_guard::read_capped(&mut resp, MAX_ANSWER).await.map_err(unreachable)?;
        if cut {
            return Err(Problem::Other(format!(
                "{url}: HTTP {status} with an answer over {} MiB; this is not an OpenBao/Vault KV answer \
                 (check the provider's address)",
                MAX_ANSWER >> 20
            )));
        }
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let errors = scrub(&v.get("errors").map(Value::to_string).unwrap_or_default(), body, token);
        let errors = cut_text(&errors);
        match status.as_u16() {
            200..=299 => Ok(v),
            404 => Ok(Value::Null),
            401 | 403 => Err(Problem::Unauthorized {
                address: self.address.clone(),
                detail: format!("HTTP {status} {errors}"),
            }),
            _ => Err(Problem::Other(format!("{url}: HTTP {status} {errors}"))),
        }
    }

    async fn call(&self, method: reqwest::Method, api: &str, body: Option<&Value>) -> Result<Value, Problem> {
        let token = self.token().await?;
        self.send(method, api, Some(&token), body).await
    }

    /// The data map and version at `path` (`version` None = current).
    async fn data(&self, path: &str, version: Option<&str>) -> Result<(Map<String, Value>, String), Problem> {
        let q = version.map(|v| format!("?version={v}")).unwrap_or_default();
        let v = self.call(reqwest::Method::GET, &format!("{}/data/{path}{q}", self.mount), None).await?;
        let data = v.pointer("/data/data").and_then(Value::as_object).cloned();
        let Some(data) = data else {
            return Err(match version {
                Some(ver) => {
                    Problem::VersionMissing { version: format!("{ver} of {path:?} (missing or disabled)") }
                }
                None => Problem::PathMissing { path: format!("{}/{path}", self.mount) },
            });
        };
        let ver = v.pointer("/data/metadata/version").map(Value::to_string).unwrap_or_default();
        Ok((data, ver))
    }

    /// The value at `loc` in `version` (None = current).
    fn read_at<'a>(
        &'a self,
        loc: &'a Location,
        version: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let path = loc.path_or_name();
            let (data, ver) = self.data(path, version).await?;
            let key = loc.key_or_name();
            match data.get(key).and_then(Value::as_str) {
                Some(s) => secret(s.to_string(), Some(ver)),
                None => Err(Problem::KeyMissing {
                    path: format!("{}/{path}", self.mount),
                    key: key.into(),
                    keys: data.keys().cloned().collect::<Vec<_>>().join(", "),
                }),
            }
        })
    }

    async fn put(&self, path: &str, data: Map<String, Value>) -> Result<String, Problem> {
        let body = json!({ "data": data });
        let v = self.call(reqwest::Method::POST, &format!("{}/data/{path}", self.mount), Some(&body)).await?;
        v.pointer("/data/version")
            .map(Value::to_string)
            .ok_or_else(|| Problem::Other(format!("writing {path:?} returned no version")))
    }
}

impl Provider for OpenBaoProvider {
    fn kind(&self) -> &'static str {
        "openbao"
    }

    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>> {
        self.read_at(loc, None)
    }

    fn read_version<'a>(
        &'a self,
        loc: &'a Location,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Secret, Problem>> {
        self.read_at(loc, Some(version))
    }

    fn write<'a>(&'a self, loc: &'a Location, value: &'a str) -> BoxFuture<'a, Result<String, Problem>> {
        Box::pin(async move {
            let path = loc.path_or_name();
            let mut data = match self.data(path, None).await {
                Ok((d, _)) => d,
                Err(Problem::PathMissing { .. }) => Map::new(),
                Err(e) => return Err(e),
            };
            data.insert(loc.key_or_name().to_string(), Value::String(value.to_string()));
            self.put(path, data).await
        })
    }

    fn versions<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Vec<VersionInfo>, Problem>> {
        Box::pin(async move {
            let path = loc.path_or_name();
            let v = self.call(reqwest::Method::GET, &format!("{}/metadata/{path}", self.mount), None).await?;
            let Some(versions) = v.pointer("/data/versions").and_then(Value::as_object) else {
                return Err(Problem::PathMissing { path: format!("{}/{path}", self.mount) });
            };
            let current = v.pointer("/data/current_version").map(Value::to_string).unwrap_or_default();
            let mut out: Vec<VersionInfo> = versions
                .iter()
                .map(|(n, m)| VersionInfo {
                    version: n.clone(),
                    current: *n == current,
                    disabled: m.get("deletion_time").and_then(Value::as_str).is_some_and(|s| !s.is_empty())
                        || m.get("destroyed").and_then(Value::as_bool).unwrap_or(false),
                    created: m.get("created_time").and_then(Value::as_str).map(String::from),
                })
                .collect();
            out.sort_by_key(|i| i.version.parse::<u64>().unwrap_or(0));
            Ok(out)
        })
    }

    fn make_current<'a>(&'a self, loc: &'a Location, version: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        Box::pin(async move {
            let path = loc.path_or_name();
            let (data, _) = self.data(path, Some(version)).await?;
            self.put(path, data).await.map(|_| ())
        })
    }

    fn disable<'a>(&'a self, loc: &'a Location, version: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        Box::pin(async move {
            let path = loc.path_or_name();
            let n: u64 = version.parse().map_err(|_| Problem::VersionMissing { version: version.into() })?;
            let body = json!({ "versions": [n] });
            self.call(reqwest::Method::POST, &format!("{}/delete/{path}", self.mount), Some(&body))
                .await
                .map(|_| ())
        })
    }
}

/// The largest answer read from a server: a KV secret with its metadata is far smaller.
pub const MAX_ANSWER: usize = 4 << 20;

/// `text` with every string sent in `body` and the `token` replaced by `[redacted]`: a server
/// that echoes the request (a written value, an `AppRole` secret id) in its error cannot make
/// flightdeck print it.
pub fn scrub(text: &str, body: Option<&Value>, token: Option<&str>) -> String {
    fn leaves<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
            Value::Object(m) => m.values().for_each(|x| leaves(x, out)),
            _ => {}
        }
    }
    let mut secrets = Vec::new();
    if let Some(b) = body {
        leaves(b, &mut secrets);
    }
    secrets.extend(token);
    let mut out = text.to_string();
    for s in secrets.into_iter().filter(|s| s.len() >= 4) {
        out = out.replace(s, "[redacted]");
        // The same value as it appears inside a JSON string (quotes, backslashes escaped).
        let quoted = Value::String(s.to_string()).to_string();
        out = out.replace(&quoted[1..quoted.len() - 1], "[redacted]");
    }
    out
}

/// A server's words cut to 500 characters.
fn cut_text(text: &str) -> String {
    match text.char_indices().nth(500) {
        Some((i, _)) => format!("{}… (cut)", &text[..i]),
        None => text.to_string(),
    }
}

/// An error with its causes (reqwest hides "connection refused" in its source chain).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
