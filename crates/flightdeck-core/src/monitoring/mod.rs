//! Monitoring setup: flightdeck's monitors of one environment turned into Prometheus, blackbox
//! exporter and Alertmanager configuration ([`generate`]), and checked with the real `promtool` and
//! `amtool` ([`check`]). The files are written as JSON, which is valid YAML and needs no YAML
//! library. A condition that cannot be translated is listed in [`Generated::untranslated`], never
//! dropped silently.

mod channels;
pub mod live;
pub mod receiver;
mod translate;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::config::Config;
use crate::config::monitors::MonitorConfig;
use crate::time::parse_duration;

pub use translate::Module;

/// Where the generated configuration points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// The blackbox exporter, `host:port`.
    pub blackbox: String,
    /// Alertmanager, `host:port`.
    pub alertmanager: String,
    /// flightdeck's webhook receiver (`flightdeck alerts listen`), a URL.
    pub receiver: String,
    /// Scrape, evaluation and group-wait interval in seconds (tests use 1).
    pub interval_s: u64,
}

/// The generated files and what could not be translated.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// File name → contents: `prometheus.yml`, `rules.yml`, `blackbox.yml`, `alertmanager.yml`.
    pub files: BTreeMap<String, String>,
    /// `monitor: condition — why` for each condition that has no Prometheus equivalent.
    pub untranslated: Vec<String>,
}

/// Generation errors.
#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    /// No monitor applies to the environment, or one has nothing translatable.
    #[error("{0}")]
    Invalid(String),
    /// A tool rejected a file (its message passed through).
    #[error("{tool} rejected {file}: {message}")]
    Rejected {
        /// `promtool` or `amtool`.
        tool: String,
        /// The file.
        file: String,
        /// The tool's output.
        message: String,
    },
    /// A tool could not be run.
    #[error(
        "cannot run {tool}: {source} (install it: scripts/install-test-deps.sh, or apt-get install prometheus prometheus-alertmanager)"
    )]
    Tool {
        /// The tool.
        tool: String,
        /// The cause.
        source: std::io::Error,
    },
}

fn monitors<'a>(config: &'a Config, env: &str) -> Vec<(&'a String, &'a MonitorConfig)> {
    config
        .monitors
        .iter()
        .filter(|(n, m)| {
            !config.monitor_problems.contains_key(*n)
                && (m.environments.is_empty() || m.environments.iter().any(|e| e == env))
        })
        .collect()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// Generates the configuration for the monitors of `env` (`{{ environment.* }}` filled in).
pub fn generate(config: &Config, env: &str, t: &Targets) -> Result<Generated, MonitoringError> {
    let vars = config.environment(env).map_err(MonitoringError::Invalid)?.template_vars();
    let resolve = |s: &str| crate::health::monitor::fill_env(s, &vars).unwrap_or_else(|_| s.to_string());
    let list = monitors(config, env);
    if list.is_empty() {
        return Err(MonitoringError::Invalid(format!(
            "no monitor applies to environment {env}: add [monitors.NAME] to flightdeck.toml"
        )));
    }
    let mut untranslated = Vec::new();
    let (mut modules, mut jobs, mut rules) = (serde_json::Map::new(), Vec::new(), Vec::new());
    for (name, m) in list {
        let module = translate::module(name, m, &resolve, &mut untranslated)?;
        modules.insert(format!("fd_{name}"), module.blackbox.clone());
        jobs.push(job(name, m.service.as_deref().unwrap_or(name), &module, t));
        rules.extend(translate::rules(name, m, &module));
    }
    let interval = format!("{}s", t.interval_s.max(1));
    let prometheus = json!({
        "global": { "scrape_interval": interval, "evaluation_interval": interval },
        "rule_files": ["rules.yml"],
        "alerting": { "alertmanagers": [{ "static_configs": [{ "targets": [t.alertmanager] }] }] },
        "scrape_configs": jobs,
    });
    let alertmanager = alertmanager(config, env, t, &interval, &mut untranslated);
    let mut files = BTreeMap::new();
    files.insert("prometheus.yml".into(), pretty(&prometheus));
    files.insert(
        "rules.yml".into(),
        pretty(&json!({ "groups": [{ "name": format!("flightdeck-{env}"), "rules": rules }] })),
    );
    files.insert("blackbox.yml".into(), pretty(&json!({ "modules": modules })));
    files.insert("alertmanager.yml".into(), pretty(&alertmanager));
    Ok(Generated { files, untranslated })
}

/// `alertmanager.yml`: every alert to flightdeck's receiver and to each notification channel
/// routed from `env` (child routes with `continue`, so one does not hide the next).
fn alertmanager(
    config: &Config,
    env: &str,
    t: &Targets,
    interval: &str,
    untranslated: &mut Vec<String>,
) -> Value {
    let mut receivers = vec![
        json!({ "name": "flightdeck", "webhook_configs": [{ "url": t.receiver, "send_resolved": true }] }),
    ];
    let mut routes = Vec::new();
    for (name, mut receiver) in channels::receivers(&config.notify, env, untranslated) {
        if routes.is_empty() {
            routes.push(json!({ "receiver": "flightdeck", "continue": true }));
        }
        routes.push(json!({ "receiver": name, "continue": true }));
        receiver["name"] = Value::from(name);
        receivers.push(receiver);
    }
    let mut route = json!({
        "receiver": "flightdeck",
        "group_by": ["alertname", "monitor"],
        "group_wait": interval, "group_interval": interval, "repeat_interval": "1h",
    });
    if !routes.is_empty() {
        route["routes"] = Value::Array(routes);
    }
    json!({ "route": route, "receivers": receivers })
}

fn job(name: &str, service: &str, m: &Module, t: &Targets) -> Value {
    let secs =
        parse_duration(&m.interval).map_or(t.interval_s, |ms| (ms / 1000).max(1)).min(t.interval_s.max(1));
    json!({
        "job_name": format!("fd-{name}"),
        "metrics_path": "/probe",
        "scrape_interval": format!("{secs}s"),
        "params": { "module": [format!("fd_{name}")] },
        "static_configs": [{ "targets": [m.target], "labels": { "monitor": name, "service": service } }],
        "relabel_configs": [
            { "source_labels": ["__address__"], "target_label": "__param_target" },
            { "source_labels": ["__param_target"], "target_label": "instance" },
            { "target_label": "__address__", "replacement": t.blackbox },
        ],
    })
}

fn run_tool(tool: &str, args: &[&str], file: &Path) -> Result<(), MonitoringError> {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .map_err(|source| MonitoringError::Tool { tool: tool.into(), source })?;
    if out.status.success() {
        return Ok(());
    }
    let message = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Err(MonitoringError::Rejected {
        tool: tool.into(),
        file: file.display().to_string(),
        message: message.trim().into(),
    })
}

/// Checks the files in `dir` with `promtool check config`, `promtool check rules` and
/// `amtool check-config`.
pub fn check(dir: &Path) -> Result<(), MonitoringError> {
    run_tool("promtool", &["check", "config"], &dir.join("prometheus.yml"))?;
    run_tool("promtool", &["check", "rules"], &dir.join("rules.yml"))?;
    run_tool("amtool", &["check-config"], &dir.join("alertmanager.yml"))
}
