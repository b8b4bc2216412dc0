//! `[secret_providers.NAME]` and `[secrets.NAME]` of `flightdeck.toml`: where each secret lives,
//! per environment, and how to reach its provider. Checked at load: unknown provider names and
//! kinds (nearest suggested), missing fields, bad `rotate_every`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::find_line_in_table;
use crate::diag::{Diagnostic, nearest};

/// The provider kinds flightdeck implements.
pub const KINDS: [&str; 6] = ["env", "dotenv", "age", "sops", "openbao", "aws"];

/// `[secret_providers.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// `env`, `dotenv`, `age`, `sops`, `openbao` or `aws`.
    pub kind: String,
    /// env: prefix of variable names (`APP_` reads `APP_DB_PASSWORD` for `db_password`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// dotenv, age, sops: the file (relative to the project directory).
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// age: the identity (private key) file; sops: exported as `SOPS_AGE_KEY_FILE`.
    #[serde(default)]
    pub identity: Option<PathBuf>,
    /// sops: the binary (default `sops` on PATH).
    #[serde(default)]
    pub sops_bin: Option<PathBuf>,
    /// openbao: server address (`http://127.0.0.1:8200`).
    #[serde(default)]
    pub address: Option<String>,
    /// openbao: token (a template such as `{{ env.BAO_TOKEN }}`).
    #[serde(default)]
    pub token: Option<String>,
    /// openbao: `AppRole` login instead of a token.
    #[serde(default)]
    pub approle: Option<AppRole>,
    /// openbao: the KV v2 mount (default `secret`).
    #[serde(default)]
    pub mount: Option<String>,
    /// aws: endpoint (default `https://secretsmanager.REGION.amazonaws.com`).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// aws: region (default `$AWS_REGION`, `$AWS_DEFAULT_REGION`, then `us-east-1`).
    #[serde(default)]
    pub region: Option<String>,
    /// aws: access key id (default `$AWS_ACCESS_KEY_ID`).
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// aws: secret access key (default `$AWS_SECRET_ACCESS_KEY`).
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// aws: session token (default `$AWS_SESSION_TOKEN`).
    #[serde(default)]
    pub session_token: Option<String>,
}

/// `approle = { role_id = "...", secret_id = "..." }` (both may be templates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRole {
    /// Role id.
    pub role_id: String,
    /// Secret id.
    pub secret_id: String,
    /// Auth mount (default `approle`).
    #[serde(default)]
    pub mount: Option<String>,
}

/// The values of `create` in `[secrets.NAME]`.
const CREATE: [&str; 2] = ["generate", "prompt"];

/// `[secrets.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretConfig {
    /// A `[secret_providers.NAME]`.
    pub provider: String,
    /// Path inside the provider (KV path, secret id, variable or file key; default: the name).
    #[serde(default)]
    pub path: Option<String>,
    /// Key inside the value's map (KV data, JSON secret string).
    #[serde(default)]
    pub key: Option<String>,
    /// How often it should be rotated (`90d`, `12h`, `30m`).
    #[serde(default)]
    pub rotate_every: Option<String>,
    /// Length of generated values (default 32).
    #[serde(default)]
    pub length: Option<usize>,
    /// How `secret = { ensure = [...] }` creates it when missing: `"generate"` (default, a random
    /// value of `length` characters) or `"prompt"` (typed by the run's operator at a hidden prompt:
    /// a third party's API token).
    #[serde(default)]
    pub create: Option<String>,
    /// Per-environment overrides.
    #[serde(default)]
    pub environments: BTreeMap<String, SecretOverride>,
}

/// `environments.NAME = { provider, path, key }` inside a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretOverride {
    /// Another provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// Another path.
    #[serde(default)]
    pub path: Option<String>,
    /// Another key.
    #[serde(default)]
    pub key: Option<String>,
}

/// A secret's settings for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSecret {
    /// Provider name.
    pub provider: String,
    /// Path.
    pub path: Option<String>,
    /// Key.
    pub key: Option<String>,
}

impl SecretConfig {
    /// The settings in environment `env` (its overrides over the defaults).
    pub fn for_env(&self, env: Option<&str>) -> ResolvedSecret {
        let o = env.and_then(|e| self.environments.get(e)).cloned().unwrap_or_default();
        ResolvedSecret {
            provider: o.provider.unwrap_or_else(|| self.provider.clone()),
            path: o.path.or_else(|| self.path.clone()),
            key: o.key.or_else(|| self.key.clone()),
        }
    }

    /// True if a missing value is typed at a hidden prompt (`create = "prompt"`).
    pub fn created_by_prompt(&self) -> bool {
        self.create.as_deref() == Some("prompt")
    }

    /// `rotate_every` in seconds.
    pub fn rotate_every_secs(&self) -> Option<i64> {
        self.rotate_every.as_deref().and_then(parse_period)
    }
}

/// `90d`, `12h`, `30m`, `45s`, `2w` as seconds.
pub fn parse_period(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    (n > 0).then_some(n * mult)
}

/// Checks both tables against each other and the environments.
pub fn check(
    providers: &BTreeMap<String, ProviderConfig>,
    secrets: &BTreeMap<String, SecretConfig>,
    envs: &[String],
    text: &str,
    path: &Path,
) -> Result<(), Diagnostic> {
    for (name, p) in providers {
        check_provider(name, p, text, path)?;
    }
    let names: Vec<&str> = providers.keys().map(String::as_str).collect();
    for (name, s) in secrets {
        let table = format!("secrets.{name}");
        let mut used = vec![(s.provider.as_str(), find_line_in_table(text, &table, "provider"))];
        for (env, o) in &s.environments {
            if !envs.contains(env) {
                return Err(Diagnostic::new(
                    path,
                    find_line_in_table(text, &table, "environments"),
                    1,
                    format!("secret {name:?} overrides environment {env:?}, which is not defined"),
                )
                .with_help(format!("use one of: {}", envs.join(", "))));
            }
            if let Some(p) = &o.provider {
                used.push((p.as_str(), find_line_in_table(text, &table, "environments")));
            }
        }
        for (p, line) in used {
            if !providers.contains_key(p) {
                let hint = nearest(p, &names).map_or_else(
                    || format!("define [secret_providers.{p}]"),
                    |n| format!("did you mean {n:?}? (or define [secret_providers.{p}])"),
                );
                return Err(Diagnostic::new(
                    path,
                    line,
                    1,
                    format!("secret {name:?}: unknown provider {p:?}"),
                )
                .with_help(hint));
            }
        }
        if let Some(c) = s.create.as_deref().filter(|c| !CREATE.contains(c)) {
            return Err(Diagnostic::new(
                path,
                find_line_in_table(text, &table, "create"),
                1,
                format!("secret {name:?}: create {c:?} is not a way to create it"),
            )
            .with_help("write create = \"generate\" (a random value) or create = \"prompt\" (typed at a hidden prompt)"));
        }
        if s.rotate_every.is_some() && s.rotate_every_secs().is_none() {
            return Err(Diagnostic::new(
                path,
                find_line_in_table(text, &table, "rotate_every"),
                1,
                format!(
                    "secret {name:?}: rotate_every {:?} is not a period",
                    s.rotate_every.as_deref().unwrap_or("")
                ),
            )
            .with_help("write a number and a unit: 90d, 12h, 30m, 2w"));
        }
    }
    Ok(())
}

fn check_provider(name: &str, p: &ProviderConfig, text: &str, path: &Path) -> Result<(), Diagnostic> {
    let table = format!("secret_providers.{name}");
    if !KINDS.contains(&p.kind.as_str()) {
        let hint = nearest(&p.kind, &KINDS).map_or_else(String::new, |n| format!("did you mean {n:?}? "));
        return Err(Diagnostic::new(
            path,
            find_line_in_table(text, &table, "kind"),
            1,
            format!("secret provider {name:?}: unknown kind {:?}", p.kind),
        )
        .with_help(format!(
            "{hint}kinds: {}. 1Password, Doppler, Infisical, GCP and Azure are not supported yet",
            KINDS.join(", ")
        )));
    }
    let missing = match p.kind.as_str() {
        "dotenv" | "age" | "sops" if p.file.is_none() => Some("file"),
        "age" if p.identity.is_none() => Some("identity"),
        "openbao" if p.address.is_none() => Some("address"),
        "openbao" if p.token.is_none() && p.approle.is_none() => Some("token (or approle)"),
        _ => None,
    };
    match missing {
        Some(field) => Err(Diagnostic::new(
            path,
            find_line_in_table(text, &table, "kind"),
            1,
            format!("secret provider {name:?} (kind {}) needs `{field}`", p.kind),
        )
        .with_help(format!("add `{field} = ...` to [{table}]; see the README's Secrets section"))),
        None => Ok(()),
    }
}
