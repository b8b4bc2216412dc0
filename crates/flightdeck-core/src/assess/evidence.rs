//! Evidence rules: each reads what flightdeck holds (the config, the store, git, Prometheus) and
//! gives an item a state with a one-line detail. Evidence that cannot be gathered gives unknown,
//! never pass. Rules over configuration and secrets live here; rules over stored data in
//! [`super::evidence_data`].

use std::path::Path;
use std::process::Command;

use crate::config::{Config, Environment};
use crate::secrets::SecretSet;
use crate::store::Store;
use crate::time::Micros;

pub use super::dora_rule::dora;
pub use super::evidence_data::{backup, certificates, load_baseline, monitors, prometheus_rules, rollback};

/// Every rule name an item's `evidence` may use.
pub const RULES: &[&str] = &[
    "monitors",
    "backup",
    "certificates",
    "dora",
    "secrets_plain",
    "approvals",
    "rollback",
    "load_baseline",
    "prometheus_rules",
];

/// What a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The state it gives.
    pub state: super::State,
    /// Why, in one line (never a secret value).
    pub detail: String,
}

impl Finding {
    /// A finding.
    pub fn new(state: super::State, detail: impl Into<String>) -> Finding {
        Finding { state, detail: detail.into() }
    }
    /// Unknown, with why the evidence could not be gathered.
    pub fn unknown(detail: impl Into<String>) -> Finding {
        Finding::new(super::State::Unknown, detail)
    }
}

/// What the rules read.
pub struct Inputs<'a> {
    /// The project configuration.
    pub config: &'a Config,
    /// The store.
    pub store: &'a Store,
    /// The project directory (a git work tree for `secrets_plain`).
    pub project_dir: &'a Path,
    /// The environment assessed.
    pub environment: &'a str,
    /// Now.
    pub now: Micros,
}

/// Runs the rule called `rule`.
pub async fn evaluate(rule: &str, i: &Inputs<'_>) -> Finding {
    match rule {
        "monitors" => monitors(i),
        "backup" => backup(i),
        "certificates" => certificates(i),
        "dora" => dora(i),
        "secrets_plain" => secrets_plain(i).await,
        "approvals" => approvals(i),
        "rollback" => rollback(i),
        "load_baseline" => load_baseline(i),
        "prometheus_rules" => prometheus_rules(i).await,
        other => Finding::unknown(format!("no evidence rule called {other:?}")),
    }
}

/// The environments whose approval policy counts: the assessed one if it is production, else
/// every production environment.
fn production_envs<'a>(i: &'a Inputs<'_>) -> Vec<&'a Environment> {
    match i.config.environments.get(i.environment) {
        Some(e) if e.production => vec![e],
        _ => i.config.environments.values().filter(|e| e.production).collect(),
    }
}

/// `approvals`: production needs 2 or more approvals, self-approval off and a confirm phrase.
pub fn approvals(i: &Inputs<'_>) -> Finding {
    use super::State::{Fail, Partial, Pass};
    let envs = production_envs(i);
    if envs.is_empty() {
        return Finding::unknown("no environment has production = true");
    }
    let mut worst = Pass;
    let mut notes = Vec::new();
    for e in envs {
        let state = if e.approvals < 2 || e.allow_self_approval {
            Fail
        } else if e.confirm_phrase.is_none() {
            Partial
        } else {
            Pass
        };
        notes.push(format!(
            "{}: approvals = {}, self-approval {}, phrase {}",
            e.name,
            e.approvals,
            if e.allow_self_approval { "allowed" } else { "off" },
            if e.confirm_phrase.is_some() { "set" } else { "none" }
        ));
        worst = match (worst, state) {
            (Fail, _) | (_, Fail) => Fail,
            (Partial, _) | (_, Partial) => Partial,
            _ => Pass,
        };
    }
    Finding::new(worst, notes.join("; "))
}

/// The repository's tracked files (relative paths), or why they could not be listed.
fn tracked_files(dir: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("{} is not a git work tree", dir.display()));
    }
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Plain-file providers (`env`, `dotenv`) of production secrets.
fn plain_providers(i: &Inputs<'_>, production: bool) -> Vec<String> {
    if !production {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, s) in &i.config.secrets {
        let r = s.for_env(Some(i.environment));
        let kind = i.config.secret_providers.get(&r.provider).map(|p| p.kind.as_str());
        if matches!(kind, Some("env" | "dotenv")) {
            out.push(format!("{name} comes from a {} provider ({})", kind.unwrap_or_default(), r.provider));
        }
    }
    out
}

/// `secrets_plain`: no production secret from an `env`/`dotenv` provider, and no resolved secret
/// value in any file git tracks.
pub async fn secrets_plain(i: &Inputs<'_>) -> Finding {
    if i.config.secrets.is_empty() {
        return Finding::unknown("no [secrets] declared in flightdeck.toml");
    }
    let production = i.config.environments.get(i.environment).is_some_and(|e| e.production);
    let mut fails = plain_providers(i, production);
    let files = match tracked_files(i.project_dir) {
        Ok(f) => f,
        Err(e) if fails.is_empty() => return Finding::unknown(e),
        Err(_) => Vec::new(),
    };
    let set = SecretSet::new(i.config, i.project_dir);
    let mut unreadable = Vec::new();
    for name in i.config.secrets.keys() {
        let Ok((_, secret)) = set.read(name, Some(i.environment)).await else {
            unreadable.push(name.clone());
            continue;
        };
        let value = secret.value;
        for f in &files {
            let bytes = std::fs::read(i.project_dir.join(f)).unwrap_or_default();
            if contains(&bytes, value.as_bytes()) {
                fails.push(format!("the value of {name} is in tracked file {f}"));
            }
        }
    }
    if !fails.is_empty() {
        return Finding::new(super::State::Fail, fails.join("; "));
    }
    if !unreadable.is_empty() {
        return Finding::unknown(format!(
            "could not read {} to search the repository",
            unreadable.join(", ")
        ));
    }
    Finding::new(
        super::State::Pass,
        format!(
            "{} secrets, none in {} tracked files, none from env/dotenv in production",
            i.config.secrets.len(),
            files.len()
        ),
    )
}
