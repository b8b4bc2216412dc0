//! `flightdeck.toml`: the project's environments and their approval policy, the demo sandbox, and
//! where the store lives. Missing keys take defaults; unknown keys are errors with file, line and
//! the nearest valid key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diag::{Diagnostic, line_col, nearest};

pub mod assessment;
pub mod balancers;
mod cost;
mod dora;
mod environment;
pub mod incidents;
pub mod monitors;
pub mod notify;
mod release;
pub mod secrets;

pub use cost::CostConfig;
pub use dora::{DoraConfig, ServiceConfig};
pub use environment::Environment;
pub use release::ReleaseConfig;

/// The name of the project config file.
pub const FILE_NAME: &str = "flightdeck.toml";

/// The whole project configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Project name shown in the header (defaults to the directory name).
    #[serde(default)]
    pub project: Option<String>,
    /// Environment used when none is given (default: the first non-production one).
    #[serde(default)]
    pub default_environment: Option<String>,
    /// Console theme name.
    #[serde(default)]
    pub theme: Option<String>,
    /// Where the store lives.
    #[serde(default)]
    pub store: StoreConfig,
    /// The demo sandbox service, if this project uses it.
    #[serde(default)]
    pub sandbox: Option<SandboxConfig>,
    /// Environments by name.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// `[release]`: tag pattern, bump switches, changelog and version files.
    #[serde(default)]
    pub release: ReleaseConfig,
    /// `[dora]`: time zone and default window of the DORA metrics.
    #[serde(default)]
    pub dora: DoraConfig,
    /// `[services.NAME]`: each service's repository and paths, for DORA.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
    /// Health monitors by name (`[monitors.NAME]`); one that cannot be read is disabled alone.
    #[serde(default, deserialize_with = "monitors::lenient")]
    pub monitors: BTreeMap<String, monitors::MonitorConfig>,
    /// Monitors whose own values are invalid (a bad condition, duration, ...), by name: each is
    /// disabled alone, with its file and line, instead of failing the whole file.
    #[serde(skip)]
    pub monitor_problems: BTreeMap<String, Diagnostic>,
    /// `[secret_providers.NAME]`: where secrets are read from.
    #[serde(default)]
    pub secret_providers: BTreeMap<String, secrets::ProviderConfig>,
    /// `[secrets.NAME]`: each secret's provider, path and key, per environment.
    #[serde(default)]
    pub secrets: BTreeMap<String, secrets::SecretConfig>,
    /// `[notify]`: notification channels and routes.
    #[serde(default)]
    pub notify: notify::NotifyConfig,
    /// `[assessment]`: disabled and added checklist items, evidence thresholds.
    #[serde(default)]
    pub assessment: assessment::AssessmentConfig,
    /// `[alerts]`: where an open console receives Alertmanager's webhooks.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// `[incidents]`: MTTR targets per severity.
    #[serde(default)]
    pub incidents: incidents::IncidentsConfig,
    /// `[cost]`: billing tags naming service and environment, anomaly floor.
    #[serde(default)]
    pub cost: CostConfig,
    /// `[balancers.NAME]`: load balancers the `rollout` step moves traffic on.
    #[serde(default)]
    pub balancers: BTreeMap<String, balancers::BalancerConfig>,
    /// `[runner]`: how the runner serves a shared bastion.
    #[serde(default)]
    pub runner: RunnerSection,
    /// The file it was read from, if any.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// `[runner]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RunnerSection {
    /// The group whose members may connect to the runner's socket (and so run workflows, approve
    /// and read history); `--group` and `FLIGHTDECK_RUNNER_GROUP` win.
    #[serde(default)]
    pub group: Option<String>,
}

/// `[alerts]`: `listen = "127.0.0.1:9094"` makes an open console receive Alertmanager's
/// webhooks (as `flightdeck alerts listen` does) and list them live on the Health screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// `host:port` to listen on (port 0: any free port, shown when the console starts).
    #[serde(default)]
    pub listen: Option<String>,
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Data directory (relative to the project directory); `FLIGHTDECK_HOME` and `--data-dir` win.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Largest size of one step's log file before it rotates, in bytes.
    #[serde(default)]
    pub log_cap_bytes: Option<u64>,
}

/// `[sandbox]`: the demo HTTP service flightdeck runs on 127.0.0.1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1.
    pub port: u16,
    /// Version it serves at first.
    #[serde(default = "default_version")]
    pub initial_version: String,
}

fn default_version() -> String {
    "1.0.0".into()
}

impl Default for Config {
    fn default() -> Self {
        let mut environments = BTreeMap::new();
        environments.insert("local".to_string(), Environment::default());
        Config {
            project: None,
            default_environment: None,
            theme: None,
            store: StoreConfig::default(),
            sandbox: None,
            environments,
            release: ReleaseConfig::default(),
            dora: DoraConfig::default(),
            services: BTreeMap::new(),
            monitors: BTreeMap::new(),
            monitor_problems: BTreeMap::new(),
            secret_providers: BTreeMap::new(),
            secrets: BTreeMap::new(),
            notify: notify::NotifyConfig::default(),
            assessment: assessment::AssessmentConfig::default(),
            alerts: AlertsConfig::default(),
            incidents: incidents::IncidentsConfig::default(),
            cost: CostConfig::default(),
            runner: RunnerSection::default(),
            balancers: BTreeMap::new(),
            path: None,
        }
    }
}

impl Config {
    /// Reads `flightdeck.toml` from `dir`, or the defaults when there is none.
    pub fn load(dir: &Path) -> Result<Config, Diagnostic> {
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Diagnostic::new(&path, 0, 0, format!("cannot read: {e}"))
                .with_help("check the file's permissions")),
        }
    }

    /// Parses config text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Diagnostic> {
        let mut config: Config = toml::from_str(text).map_err(|e| toml_diag(&e, text, path))?;
        if config.environments.is_empty() {
            config.environments.insert("local".into(), Environment::default());
        }
        for (name, env) in &mut config.environments {
            env.name.clone_from(name);
            env.check(text, path)?;
        }
        for (name, monitor) in &config.monitors {
            if let Err(d) = monitor.check(name, text, path) {
                config.monitor_problems.insert(name.clone(), d);
            }
        }
        secrets::check(&config.secret_providers, &config.secrets, &config.env_names(), text, path)?;
        config.notify.check(text, path)?;
        assessment::check(&config.assessment, text, path)?;
        config.cost.check(text, path)?;
        for (name, b) in &config.balancers {
            b.check(name, text, path)?;
        }
        if let Some(d) = &config.default_environment
            && !config.environments.contains_key(d)
        {
            return Err(Diagnostic::new(
                path,
                find_line(text, "default_environment"),
                1,
                format!("default_environment {d:?} is not defined"),
            )
            .with_help(format!(
                "define [environments.{d}] or use one of: {}",
                config.env_names().join(", ")
            )));
        }
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Environment names in file order (sorted).
    pub fn env_names(&self) -> Vec<String> {
        self.environments.keys().cloned().collect()
    }

    /// The environment a run uses when none is named.
    pub fn default_env(&self) -> &str {
        if let Some(d) = &self.default_environment {
            return d;
        }
        self.environments
            .iter()
            .find(|(_, e)| !e.production)
            .or_else(|| self.environments.iter().next())
            .map_or("local", |(n, _)| n.as_str())
    }

    /// The environment called `name`, or an error listing the ones that exist.
    pub fn environment(&self, name: &str) -> Result<&Environment, String> {
        self.environments.get(name).ok_or_else(|| {
            let names = self.env_names();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let hint = nearest(name, &refs).map(|n| format!(" (did you mean {n:?}?)")).unwrap_or_default();
            format!("unknown environment {name:?}{hint}: defined are {}", names.join(", "))
        })
    }

    /// The project name for the header.
    pub fn project_name(&self, dir: &Path) -> String {
        self.project.clone().unwrap_or_else(|| {
            dir.file_name().map_or_else(|| "flightdeck".into(), |n| n.to_string_lossy().into_owned())
        })
    }
}

/// A toml/serde error as a diagnostic with line, column and, for unknown keys, the nearest valid one.
pub fn toml_diag(e: &toml::de::Error, text: &str, path: &Path) -> Diagnostic {
    let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
    let msg = e.message().trim().to_string();
    let mut d = Diagnostic::new(path, line, col, msg.clone());
    if let Some(help) = unknown_field_help(&msg) {
        d = d.with_help(help);
    }
    d
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" text: "did you mean `a`?".
pub fn unknown_field_help(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    match nearest(field, &expected) {
        Some(n) => Some(format!("did you mean `{n}`?")),
        None => Some(format!("remove `{field}`; valid keys here: {}", expected.join(", "))),
    }
}

/// The 1-based line of the first line that starts with `key` (0 if none).
pub fn find_line(text: &str, key: &str) -> u32 {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map_or(0, |i| u32::try_from(i + 1).unwrap_or(u32::MAX))
}

/// Converts a TOML value to JSON (datetimes become strings).
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests;

/// The 1-based line of `key` inside the table headed `[table]` (falls back to the header's line).
pub fn find_line_in_table(text: &str, table: &str, key: &str) -> u32 {
    let header = format!("[{table}]");
    let mut in_table = false;
    let mut header_line = 0;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            in_table = t == header;
            if in_table {
                header_line = i + 1;
            }
            continue;
        }
        if in_table && t.split('=').next().is_some_and(|k| k.trim() == key) {
            return u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
    }
    u32::try_from(header_line).unwrap_or(u32::MAX)
}
