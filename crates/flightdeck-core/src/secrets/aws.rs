//! The `aws` provider: AWS Secrets Manager's JSON API (`X-Amz-Target: secretsmanager.*`), signed
//! with `SigV4`, endpoint configurable (moto in tests). Versions are version ids with staging labels:
//! a write stages a new `AWSCURRENT`; making an old one current moves the label back; disabling one
//! removes its remaining labels (it becomes deprecated).

use std::time::Duration;

use serde_json::{Value, json};

use super::openbao::error_chain;
use super::sigv4::{self, Credentials};
use super::{BoxFuture, Location, Problem, Provider, Secret, VersionInfo, secret};

/// A Secrets Manager endpoint with credentials.
#[derive(Debug)]
pub struct AwsProvider {
    /// `https://secretsmanager.us-east-1.amazonaws.com` or a local emulator.
    pub endpoint: String,
    /// Region for the signature.
    pub region: String,
    creds: Credentials,
    http: reqwest::Client,
}

impl AwsProvider {
    /// A provider (no request is made yet).
    pub fn new(endpoint: &str, region: &str, creds: Credentials) -> Result<AwsProvider, Problem> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Problem::Other(format!("cannot build an HTTP client: {e}")))?;
        Ok(AwsProvider {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region: region.into(),
            creds,
            http,
        })
    }

    /// One API call; `ResourceNotFoundException` gives `Ok(None)`.
    async fn call(&self, action: &str, body: &Value) -> Result<Option<Value>, Problem> {
        let url: reqwest::Url = self
            .endpoint
            .parse()
            .map_err(|e| Problem::Other(format!("endpoint {:?} is not a URL: {e}", self.endpoint)))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(Problem::Other(format!("endpoint {:?} has no host", self.endpoint))),
        };
        let amz_date = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
        let payload = body.to_string();
        let mut headers = vec![
            ("content-type".to_string(), "application/x-amz-json-1.1".to_string()),
            ("host".to_string(), host),
            ("x-amz-date".to_string(), amz_date.clone()),
            ("x-amz-target".to_string(), format!("secretsmanager.{action}")),
        ];
        if let Some(t) = &self.creds.session_token {
            headers.push(("x-amz-security-token".to_string(), t.clone()));
        }
        let req = sigv4::Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: payload.as_bytes(),
        };
        let auth = sigv4::authorization(&self.creds, &self.region, "secretsmanager", &amz_date, &req);
        let mut rb = self.http.post(url).header("authorization", auth).body(payload);
        for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
            rb = rb.header(k, v);
        }
        let mut resp = rb
            .send()
            .await
            .map_err(|e| Problem::Unreachable { address: self.endpoint.clone(), detail: error_chain(&e) })?;
        let status = resp.status();
        let (bytes, cut) = crate::http_guard::read_capped(&mut resp, super::openbao::MAX_ANSWER)
            .await
            .map_err(|e| Problem::Unreachable { address: self.endpoint.clone(), detail: error_chain(&e) })?;
        if cut {
            return Err(Problem::Other(format!(
                "{}: HTTP {status} with an answer over {} MiB; this is not a Secrets Manager answer (check `endpoint`)",
                self.endpoint,
                super::openbao::MAX_ANSWER >> 20
            )));
        }
        let text = String::from_utf8_lossy(&bytes);
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(Some(v));
        }
        self.error(status, &v, &text).map_err(|p| scrubbed(p, body))
    }

    fn error(&self, status: reqwest::StatusCode, v: &Value, body: &str) -> Result<Option<Value>, Problem> {
        let kind = v.get("__type").and_then(Value::as_str).unwrap_or("").rsplit('#').next().unwrap_or("");
        let kind = if kind.is_empty() { xml_field(body, "Code") } else { kind };
        let message = v.get("message").or_else(|| v.get("Message")).and_then(Value::as_str);
        let message = message.unwrap_or_else(|| xml_field(body, "Message"));
        let detail = format!("HTTP {status} {kind}: {message}");
        match kind {
            "ResourceNotFoundException" => Ok(None),
            "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "InvalidClientTokenId"
            | "AccessDeniedException"
            | "ExpiredTokenException" => {
                Err(Problem::Unauthorized { address: self.endpoint.clone(), detail })
            }
            _ if status.as_u16() == 401 || status.as_u16() == 403 => {
                Err(Problem::Unauthorized { address: self.endpoint.clone(), detail })
            }
            _ => Err(Problem::Other(format!("{}: {detail}", self.endpoint))),
        }
    }

    /// The secret string and version id (`version` None = `AWSCURRENT`).
    async fn get(
        &self,
        id: &str,
        version: Option<&str>,
    ) -> Result<(zeroize::Zeroizing<String>, String), Problem> {
        // `VersionStage` is AWS's default; naming it also makes moto follow stage moves.
        let mut body = json!({ "SecretId": id, "VersionStage": "AWSCURRENT" });
        if let Some(v) = version {
            body = json!({ "SecretId": id, "VersionId": v });
        }
        let Some(v) = self.call("GetSecretValue", &body).await? else {
            return Err(match version {
                Some(ver) => Problem::VersionMissing { version: format!("{ver} of {id:?}") },
                None => Problem::PathMissing { path: id.to_string() },
            });
        };
        let s = v.get("SecretString").and_then(Value::as_str).ok_or_else(|| Problem::Malformed {
            file: id.to_string(),
            detail: "no SecretString (binary secrets are not supported)".into(),
        })?;
        let ver = v.get("VersionId").and_then(Value::as_str).unwrap_or("").to_string();
        Ok((zeroize::Zeroizing::new(s.to_string()), ver))
    }

    async fn stages(&self, id: &str) -> Result<Vec<(String, Vec<String>, Option<String>)>, Problem> {
        let body = json!({ "SecretId": id, "IncludeDeprecated": true });
        let v = self
            .call("ListSecretVersionIds", &body)
            .await?
            .ok_or_else(|| Problem::PathMissing { path: id.into() })?;
        let versions = v.get("Versions").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(versions
            .iter()
            .map(|x| {
                let id = x.get("VersionId").and_then(Value::as_str).unwrap_or("").to_string();
                let st = x
                    .get("VersionStages")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
                    .unwrap_or_default();
                let created = x.get("CreatedDate").map(ToString::to_string);
                (id, st, created)
            })
            .collect())
    }

    async fn move_stage(
        &self,
        id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), Problem> {
        let mut body = json!({ "SecretId": id, "VersionStage": stage });
        if let Some(t) = to {
            body["MoveToVersionId"] = json!(t);
        }
        if let Some(f) = from {
            body["RemoveFromVersionId"] = json!(f);
        }
        self.call("UpdateSecretVersionStage", &body)
            .await?
            .ok_or_else(|| Problem::PathMissing { path: id.into() })?;
        Ok(())
    }
}

/// The text of `<TAG>...</TAG>` in an XML error body (the IAM-style errors), or "".
/// `p` with every string sent in `body` (a written value) replaced by `[redacted]`.
fn scrubbed(p: Problem, body: &Value) -> Problem {
    let s = |t: &str| super::openbao::scrub(t, Some(body), None);
    match p {
        Problem::Unauthorized { address, detail } => Problem::Unauthorized { address, detail: s(&detail) },
        Problem::Other(t) => Problem::Other(s(&t)),
        other => other,
    }
}

fn xml_field<'a>(body: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    body.split_once(open.as_str())
        .and_then(|(_, rest)| rest.split_once(format!("</{tag}>").as_str()))
        .map_or("", |(inside, _)| inside)
}

/// The value for `key` inside a JSON secret string, or the whole string when there is no key.
fn pick_key(s: &str, id: &str, key: Option<&str>) -> Result<String, Problem> {
    let Some(key) = key else { return Ok(s.to_string()) };
    let v: Value = serde_json::from_str(s).map_err(|_| Problem::Malformed {
        file: id.into(),
        detail: format!("`key = {key:?}` needs a JSON object"),
    })?;
    match v.get(key) {
        Some(Value::String(x)) => Ok(x.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(Problem::KeyMissing {
            path: id.into(),
            key: key.into(),
            keys: v.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default(),
        }),
    }
}

impl Provider for AwsProvider {
    fn kind(&self) -> &'static str {
        "aws"
    }

    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let id = loc.path_or_name();
            let (s, ver) = self.get(id, None).await?;
            secret(pick_key(&s, id, loc.key.as_deref())?, Some(ver))
        })
    }

    fn read_version<'a>(
        &'a self,
        loc: &'a Location,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let id = loc.path_or_name();
            let (s, ver) = self.get(id, Some(version)).await?;
            secret(pick_key(&s, id, loc.key.as_deref())?, Some(ver))
        })
    }

    fn write<'a>(&'a self, loc: &'a Location, value: &'a str) -> BoxFuture<'a, Result<String, Problem>> {
        Box::pin(async move {
            let id = loc.path_or_name();
            let current = match self.get(id, None).await {
                Ok((s, _)) => Some(s),
                Err(Problem::PathMissing { .. }) => None,
                Err(e) => return Err(e),
            };
            let text = match &loc.key {
                None => value.to_string(),
                Some(k) => {
                    let mut m: serde_json::Map<String, Value> =
                        current.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
                    m.insert(k.clone(), json!(value));
                    Value::Object(m).to_string()
                }
            };
            let (action, body) = if current.is_some() {
                ("PutSecretValue", json!({ "SecretId": id, "SecretString": text }))
            } else {
                ("CreateSecret", json!({ "Name": id, "SecretString": text }))
            };
            let v =
                self.call(action, &body).await?.ok_or_else(|| Problem::PathMissing { path: id.into() })?;
            v.get("VersionId")
                .and_then(Value::as_str)
                .map(String::from)
                .ok_or_else(|| Problem::Other(format!("{action} returned no VersionId")))
        })
    }

    fn versions<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Vec<VersionInfo>, Problem>> {
        Box::pin(async move {
            let mut out: Vec<VersionInfo> = self
                .stages(loc.path_or_name())
                .await?
                .into_iter()
                .map(|(version, st, created)| VersionInfo {
                    current: st.iter().any(|s| s == "AWSCURRENT"),
                    disabled: st.is_empty(),
                    version,
                    created,
                })
                .collect();
            out.sort_by(|a, b| a.created.cmp(&b.created));
            Ok(out)
        })
    }

    fn make_current<'a>(&'a self, loc: &'a Location, version: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        Box::pin(async move {
            let id = loc.path_or_name();
            let stages = self.stages(id).await?;
            if !stages.iter().any(|(v, _, _)| v == version) {
                return Err(Problem::VersionMissing { version: format!("{version} of {id:?}") });
            }
            let current = stages
                .iter()
                .find(|(_, st, _)| st.iter().any(|s| s == "AWSCURRENT"))
                .map(|(v, _, _)| v.clone());
            if current.as_deref() == Some(version) {
                return Ok(());
            }
            self.move_stage(id, "AWSCURRENT", Some(version), current.as_deref()).await
        })
    }

    fn disable<'a>(&'a self, loc: &'a Location, version: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        Box::pin(async move {
            let id = loc.path_or_name();
            let stages = self.stages(id).await?;
            let Some((_, st, _)) = stages.iter().find(|(v, _, _)| v == version) else {
                return Err(Problem::VersionMissing { version: format!("{version} of {id:?}") });
            };
            if st.iter().any(|s| s == "AWSCURRENT") {
                return Err(Problem::Other(format!(
                    "version {version} of {id:?} is current; make another current first"
                )));
            }
            for s in st {
                self.move_stage(id, s, None, Some(version)).await?;
            }
            Ok(())
        })
    }
}
