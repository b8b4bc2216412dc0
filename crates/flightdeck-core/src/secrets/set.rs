//! [`SecretSet`]: a project's secret providers and secrets, built from `flightdeck.toml`. It turns a
//! secret name and an environment into a provider and a location, performs the provider call, and
//! wraps failures in messages that name the secret, the provider and the config line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::agefile::AgeProvider;
use super::aws::AwsProvider;
use super::dotenv::DotenvProvider;
use super::env::EnvProvider;
use super::openbao::{Auth, OpenBaoProvider};
use super::sigv4::Credentials;
use super::sops::SopsProvider;
use super::{Location, Problem, Provider, Secret, SecretError, VersionInfo};
use crate::config::secrets::{ProviderConfig, SecretConfig};
use crate::config::{Config, find_line_in_table};
use crate::diag::nearest;

/// What `secrets list` shows for one secret (never a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretStatus {
    /// Secret name.
    pub name: String,
    /// Provider name.
    pub provider: String,
    /// Provider kind.
    pub kind: String,
    /// Current version, when the provider keeps versions.
    pub version: Option<String>,
    /// When the current version was created (RFC 3339), if known.
    pub last_rotated: Option<String>,
    /// `rotate_every` as written.
    pub rotate_every: Option<String>,
    /// When it is due (RFC 3339), if `rotate_every` and the last rotation are known.
    pub due: Option<String>,
    /// Due date passed.
    pub overdue: bool,
    /// Why it could not be read, if it could not.
    pub error: Option<String>,
}

/// A project's secrets and their providers.
#[derive(Debug)]
pub struct SecretSet {
    providers: BTreeMap<String, ProviderConfig>,
    secrets: BTreeMap<String, SecretConfig>,
    file: PathBuf,
    text: String,
    project_dir: PathBuf,
    built: Mutex<BTreeMap<String, Arc<dyn Provider>>>,
}

impl SecretSet {
    /// The secrets of `config` (paths relative to `project_dir`).
    pub fn new(config: &Config, project_dir: &Path) -> SecretSet {
        let file = config.path.clone().unwrap_or_else(|| project_dir.join(crate::config::FILE_NAME));
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        SecretSet {
            providers: config.secret_providers.clone(),
            secrets: config.secrets.clone(),
            file,
            text,
            project_dir: project_dir.to_path_buf(),
            built: Mutex::new(BTreeMap::new()),
        }
    }

    /// Every configured secret name.
    pub fn names(&self) -> Vec<String> {
        self.secrets.keys().cloned().collect()
    }

    /// The configuration of secret `name`.
    pub fn config(&self, name: &str) -> Result<&SecretConfig, SecretError> {
        self.secrets.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.secrets.keys().map(String::as_str).collect();
            SecretError::Unknown {
                secret: name.to_string(),
                file: self.file.display().to_string(),
                hint: nearest(name, &names).map(|n| format!(" (did you mean {n:?}?)")).unwrap_or_default(),
            }
        })
    }

    fn at(&self, table: &str, key: &str) -> String {
        format!("{}:{}", self.file.display(), find_line_in_table(&self.text, table, key))
    }

    /// The provider name and location of `name` in environment `env`.
    pub fn locate(&self, name: &str, env: Option<&str>) -> Result<(String, Location), SecretError> {
        let r = self.config(name)?.for_env(env);
        Ok((r.provider, Location { name: name.to_string(), path: r.path, key: r.key }))
    }

    fn wrap(&self, name: &str, provider: &str) -> impl Fn(Problem) -> SecretError + '_ {
        let secret = name.to_string();
        let provider = provider.to_string();
        move |problem| SecretError::Provider {
            secret: secret.clone(),
            provider: provider.clone(),
            at: self.at(&format!("secrets.{secret}"), "provider"),
            problem: Box::new(problem),
        }
    }

    /// Reads the current value of `name` in `env`.
    pub async fn read(&self, name: &str, env: Option<&str>) -> Result<(String, Secret), SecretError> {
        let (pname, loc) = self.locate(name, env)?;
        let p = self.provider(&pname)?;
        let s = p.read(&loc).await.map_err(self.wrap(name, &pname))?;
        Ok((pname, s))
    }

    /// The values of up to `n` versions of `name` before the current one, newest first, skipping
    /// disabled ones. A provider without versions gives none.
    pub async fn previous_values(
        &self,
        name: &str,
        env: Option<&str>,
        n: usize,
    ) -> Result<Vec<Zeroizing<String>>, SecretError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let (pname, loc) = self.locate(name, env)?;
        let p = self.provider(&pname)?;
        let versions = match p.versions(&loc).await {
            Ok(v) => v,
            Err(super::Problem::Unsupported { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(self.wrap(name, &pname)(e)),
        };
        let mut out = Vec::new();
        for v in versions.iter().rev().filter(|v| !v.current && !v.disabled).take(n) {
            let s = p.read_version(&loc, &v.version).await.map_err(self.wrap(name, &pname))?;
            out.push(s.value);
        }
        Ok(out)
    }

    /// Writes a new current value; returns (provider, new version).
    pub async fn write(
        &self,
        name: &str,
        env: Option<&str>,
        value: &str,
    ) -> Result<(String, String), SecretError> {
        let (pname, loc) = self.locate(name, env)?;
        let p = self.provider(&pname)?;
        let v = p.write(&loc, value).await.map_err(self.wrap(name, &pname))?;
        Ok((pname, v))
    }

    /// The stored versions of `name`.
    pub async fn versions(&self, name: &str, env: Option<&str>) -> Result<Vec<VersionInfo>, SecretError> {
        let (pname, loc) = self.locate(name, env)?;
        self.provider(&pname)?.versions(&loc).await.map_err(self.wrap(name, &pname))
    }

    /// Makes `version` current again.
    pub async fn make_current(
        &self,
        name: &str,
        env: Option<&str>,
        version: &str,
    ) -> Result<(), SecretError> {
        let (pname, loc) = self.locate(name, env)?;
        self.provider(&pname)?.make_current(&loc, version).await.map_err(self.wrap(name, &pname))
    }

    /// Disables `version`.
    pub async fn disable(&self, name: &str, env: Option<&str>, version: &str) -> Result<(), SecretError> {
        let (pname, loc) = self.locate(name, env)?;
        self.provider(&pname)?.disable(&loc, version).await.map_err(self.wrap(name, &pname))
    }

    /// The provider called `name`, built on first use.
    pub fn provider(&self, name: &str) -> Result<Arc<dyn Provider>, SecretError> {
        let mut built = self.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(p) = built.get(name) {
            return Ok(Arc::clone(p));
        }
        let cfg = self.providers.get(name).ok_or_else(|| SecretError::Config {
            provider: name.to_string(),
            at: self.file.display().to_string(),
            detail: format!("no [secret_providers.{name}] table"),
        })?;
        let err = |detail: String| SecretError::Config {
            provider: name.to_string(),
            at: self.at(&format!("secret_providers.{name}"), "kind"),
            detail,
        };
        let p = self.build(cfg).map_err(err)?;
        built.insert(name.to_string(), Arc::clone(&p));
        Ok(p)
    }

    fn path(&self, p: Option<&PathBuf>, field: &str) -> Result<PathBuf, String> {
        let p = p.ok_or_else(|| format!("needs `{field}`"))?;
        Ok(if p.is_absolute() { p.clone() } else { self.project_dir.join(p) })
    }

    fn build(&self, c: &ProviderConfig) -> Result<Arc<dyn Provider>, String> {
        let p: Arc<dyn Provider> = match c.kind.as_str() {
            "env" => Arc::new(EnvProvider { prefix: c.prefix.clone().unwrap_or_default() }),
            "dotenv" => Arc::new(DotenvProvider { file: self.path(c.file.as_ref(), "file")? }),
            "age" => Arc::new(AgeProvider {
                file: self.path(c.file.as_ref(), "file")?,
                identity: self.path(c.identity.as_ref(), "identity")?,
            }),
            "sops" => Arc::new(SopsProvider {
                file: self.path(c.file.as_ref(), "file")?,
                bin: c.sops_bin.clone().unwrap_or_else(|| PathBuf::from("sops")),
                identity: c
                    .identity
                    .as_ref()
                    .map(|_| self.path(c.identity.as_ref(), "identity"))
                    .transpose()?,
            }),
            "openbao" => Arc::new(Self::openbao(c)?),
            "aws" => Arc::new(aws(c)?),
            other => return Err(format!("unknown kind {other:?}")),
        };
        Ok(p)
    }

    fn openbao(c: &ProviderConfig) -> Result<OpenBaoProvider, String> {
        let address = render(c.address.as_deref().ok_or("needs `address`")?, "address")?;
        let auth = match (&c.token, &c.approle) {
            (Some(t), _) => Auth::Token(Zeroizing::new(render(t, "token")?)),
            (None, Some(a)) => Auth::AppRole {
                mount: a.mount.clone().unwrap_or_else(|| "approle".into()),
                role_id: Zeroizing::new(render(&a.role_id, "approle.role_id")?),
                secret_id: Zeroizing::new(render(&a.secret_id, "approle.secret_id")?),
            },
            (None, None) => return Err("needs `token` or `approle`".into()),
        };
        OpenBaoProvider::new(&address, c.mount.as_deref().unwrap_or("secret"), auth)
            .map_err(|e| e.to_string())
    }
}

fn aws(c: &ProviderConfig) -> Result<AwsProvider, String> {
    let field = |v: &Option<String>, name: &str, vars: &[&str]| -> Result<Option<String>, String> {
        if let Some(t) = v {
            return render(t, name).map(Some);
        }
        Ok(vars.iter().find_map(|k| std::env::var(k).ok().filter(|s| !s.is_empty())))
    };
    let region = field(&c.region, "region", &["AWS_REGION", "AWS_DEFAULT_REGION"])?
        .unwrap_or_else(|| "us-east-1".into());
    let endpoint = field(&c.endpoint, "endpoint", &[])?
        .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
    let access_key_id = field(&c.access_key_id, "access_key_id", &["AWS_ACCESS_KEY_ID"])?
        .ok_or("no access key: set `access_key_id` or $AWS_ACCESS_KEY_ID")?;
    let secret_access_key = field(&c.secret_access_key, "secret_access_key", &["AWS_SECRET_ACCESS_KEY"])?
        .ok_or("no secret key: set `secret_access_key` or $AWS_SECRET_ACCESS_KEY")?;
    let session_token = field(&c.session_token, "session_token", &["AWS_SESSION_TOKEN"])?;
    let creds =
        Credentials { access_key_id, secret_access_key: Zeroizing::new(secret_access_key), session_token };
    AwsProvider::new(&endpoint, &region, creds).map_err(|e| e.to_string())
}

/// Renders a provider setting; only `{{ env.NAME }}` is available there.
fn render(t: &str, field: &str) -> Result<String, String> {
    let empty_v = BTreeMap::new();
    let empty_s = BTreeMap::new();
    let outputs = crate::workflow::template::Outputs::new();
    let scope = crate::workflow::template::Scope {
        params: &empty_v,
        environment: &empty_v,
        outputs: &outputs,
        step_prefix: None,
        secrets: &empty_s,
        run: &empty_v,
    };
    crate::workflow::template::Template::new(t).render(&scope, false).map_err(|e| format!("`{field}`: {e}"))
}
