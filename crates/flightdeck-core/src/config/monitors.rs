//! `[monitors.NAME]` in `flightdeck.toml`: what to probe (an HTTP(S) URL, a TCP address, a TLS
//! endpoint or a DNS name), how often, how patiently, and the conditions a result must meet.
//!
//! Values may use `{{ environment.KEY }}` (for example `url = "{{ environment.url }}/health"`), so one
//! monitor serves every environment; `environments = [...]` limits it to some. Conditions and the
//! other values are checked when the file is loaded ([`MonitorConfig::check`]); a problem names the
//! file and line and disables that monitor only (`Config::monitor_problems`), the rest of the file
//! still loads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::diag::{Diagnostic, nearest};
use crate::time::parse_duration;

/// One monitor as written in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorConfig {
    /// HTTP(S) URL to request.
    #[serde(default)]
    pub url: Option<String>,
    /// `host:port` to connect to over TCP.
    #[serde(default)]
    pub tcp: Option<String>,
    /// `host:port` whose TLS certificate to check (chain, hostname, expiry).
    #[serde(default)]
    pub tls: Option<String>,
    /// A name to resolve.
    #[serde(default)]
    pub dns: Option<String>,
    /// Only these environments (default: all).
    #[serde(default)]
    pub environments: Vec<String>,
    /// The `[services]` entry this monitor watches (default: the service named like the monitor,
    /// or its prefix before `-` or `.`).
    #[serde(default)]
    pub service: Option<String>,
    /// Time between probes (`30s`).
    #[serde(default = "default_interval")]
    pub interval: String,
    /// Longest a probe may take (`10s`).
    #[serde(default = "default_timeout")]
    pub timeout: String,
    /// Largest random delay added to each interval (default: a tenth of the interval).
    #[serde(default)]
    pub jitter: Option<String>,
    /// Consecutive failures before the monitor is DOWN.
    #[serde(default = "default_failure_threshold")]
    pub failure_threshold: u32,
    /// Consecutive successes before a DOWN monitor is UP again.
    #[serde(default = "one")]
    pub success_threshold: u32,
    /// Conditions every result must meet (default depends on the probe: `[STATUS] < 400` for HTTP).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// HTTP method (default GET).
    #[serde(default)]
    pub method: Option<String>,
    /// HTTP request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP request body.
    #[serde(default)]
    pub body: Option<String>,
    /// Follow HTTP redirects (at most 10).
    #[serde(default = "yes")]
    pub follow_redirects: bool,
    /// Most body bytes read (after decoding), and only when a condition reads the body; a longer
    /// body fails with reason `body` and the result is marked truncated.
    #[serde(default = "default_max_body")]
    pub max_body: u64,
    /// A PEM file of extra trusted CA certificates (HTTPS and TLS probes).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate (HTTPS); a TLS probe still reports what it found.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// The name to verify the certificate against (default: the host).
    #[serde(default)]
    pub server_name: Option<String>,
    /// DNS server `IP:PORT` (required for DNS monitors).
    #[serde(default)]
    pub nameserver: Option<String>,
    /// DNS record type: A, AAAA, CNAME, MX, TXT, NS (default A).
    #[serde(default)]
    pub record: Option<String>,
    /// Windows in which failures raise no alert.
    #[serde(default)]
    pub maintenance: Vec<MaintenanceConfig>,
    /// Why the table could not be read at all (unknown key, wrong type); see [`lenient`].
    #[serde(skip)]
    pub unreadable: Option<String>,
    /// The key whose value could not be read, when one alone is to blame (its line is reported).
    #[serde(skip)]
    pub unreadable_key: Option<String>,
}

/// Reads `[monitors]` leniently: a table serde refuses (an unknown key, a wrong type) becomes a
/// monitor carrying only its problem, so [`MonitorConfig::check`] disables it alone.
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, MonitorConfig>, D::Error> {
    let raw = BTreeMap::<String, toml::Value>::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (name, value) in raw {
        let cfg = match value.clone().try_into::<MonitorConfig>() {
            Ok(cfg) => cfg,
            Err(e) => {
                let empty = toml::Value::Table(toml::Table::new());
                let mut cfg: MonitorConfig = empty.try_into().map_err(serde::de::Error::custom)?;
                cfg.unreadable = Some(e.message().trim().to_string());
                cfg.unreadable_key = guilty_key(&value);
                cfg
            }
        };
        out.insert(name, cfg);
    }
    Ok(out)
}

/// The first key of a monitor table that cannot be read even alone (every field has a default, so
/// a one-key table fails only for that key's value): serde's message names no key, the line must.
fn guilty_key(value: &toml::Value) -> Option<String> {
    let table = value.as_table()?;
    table.iter().find_map(|(k, v)| {
        let alone = toml::Value::Table(toml::Table::from_iter([(k.clone(), v.clone())]));
        alone.try_into::<MonitorConfig>().is_err().then(|| k.clone())
    })
}

/// Defined in the neutral [`crate::maintenance`] module beside the windows it describes.
pub use crate::maintenance::MaintenanceConfig;

fn default_interval() -> String {
    "30s".into()
}
fn default_timeout() -> String {
    "10s".into()
}
fn default_failure_threshold() -> u32 {
    3
}
fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}
/// 1 MiB.
fn default_max_body() -> u64 {
    1 << 20
}

/// The monitors of `monitors` that watch `service` (see [`MonitorConfig::watches`]), by name.
pub fn watching<'a>(monitors: &'a BTreeMap<String, MonitorConfig>, service: &str) -> Vec<&'a str> {
    monitors.iter().filter(|(n, m)| m.watches(n, service)).map(|(n, _)| n.as_str()).collect()
}

/// "no monitor watches service X; did you mean Y?" with the services that have monitors.
pub fn unknown_service(config: &crate::config::Config, service: &str) -> String {
    let known = watched_services(&config.monitors);
    let refs: Vec<&str> = known.iter().map(String::as_str).collect();
    let hint = nearest(service, &refs).map(|n| format!("did you mean {n:?}? ")).unwrap_or_default();
    format!(
        "no monitor in flightdeck.toml watches service {service:?}; {hint}(services with monitors: {})",
        if refs.is_empty() { "none".to_string() } else { refs.join(", ") }
    )
}

/// Every service name some monitor watches: its `service` key, else its name and the name's prefix
/// before the first `-` or `.`; sorted, no duplicates.
pub fn watched_services(monitors: &BTreeMap<String, MonitorConfig>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, m) in monitors {
        if let Some(s) = &m.service {
            out.push(s.clone());
        } else {
            out.push(name.clone());
            if let Some(i) = name.find(['-', '.']) {
                out.push(name[..i].to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

impl MonitorConfig {
    /// Whether monitor `name` watches `service`: its `service` key when set, else its name (`web`,
    /// `web-eu`, `web.health`).
    pub fn watches(&self, name: &str, service: &str) -> bool {
        match &self.service {
            Some(s) => s == service,
            None => {
                name == service
                    || name
                        .strip_prefix(service)
                        .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('.'))
            }
        }
    }

    /// The probe kind's key (`url`, `tcp`, `tls`, `dns`), checking exactly one is set.
    pub fn target_key(&self) -> Result<&'static str, String> {
        let set: Vec<&'static str> = [
            ("url", self.url.is_some()),
            ("tcp", self.tcp.is_some()),
            ("tls", self.tls.is_some()),
            ("dns", self.dns.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, on)| on.then_some(k))
        .collect();
        match set.as_slice() {
            [one] => Ok(one),
            [] => Err("a monitor needs one of url, tcp, tls or dns".into()),
            many => Err(format!("a monitor probes one thing; it sets {}", many.join(" and "))),
        }
    }

    /// Checks values serde cannot: one target, durations, thresholds, conditions, windows.
    pub fn check(&self, name: &str, text: &str, path: &Path) -> Result<(), Diagnostic> {
        let table = format!("monitors.{name}");
        let line = |key: &str| crate::config::find_line_in_table(text, &table, key);
        let err = |key: &str, msg: String| Diagnostic::new(path, line(key), 1, msg);
        if let Some(m) = &self.unreadable {
            let unknown = m.strip_prefix("unknown field `").and_then(|r| r.split_once('`')).map(|(k, _)| k);
            let key = unknown.or(self.unreadable_key.as_deref()).unwrap_or("");
            let shown = match (unknown, &self.unreadable_key) {
                (None, Some(k)) => format!("[{table}]: `{k}`: {m}"),
                _ => format!("[{table}]: {m}"),
            };
            let d = Diagnostic::new(path, line(key), 1, shown);
            return Err(match crate::config::unknown_field_help(m) {
                Some(help) => d.with_help(help),
                None => d,
            });
        }
        let kind = self.target_key().map_err(|m| err("url", format!("[{table}]: {m}")))?;
        if let Some(m) = self.url.as_deref().and_then(literal_url_problem) {
            return Err(err("url", format!("[{table}]: {m}")).with_help(URL_HELP));
        }
        for (key, value) in [("interval", Some(&self.interval)), ("timeout", Some(&self.timeout))]
            .into_iter()
            .chain([("jitter", self.jitter.as_ref())])
        {
            if let Some(v) = value
                && parse_duration(v).is_none_or(|ms| ms == 0 && key != "jitter")
            {
                return Err(err(key, format!("{key} {v:?} in [{table}] is not a duration"))
                    .with_help("write e.g. \"500ms\", \"30s\" or \"5m\""));
            }
        }
        if self.failure_threshold == 0 || self.success_threshold == 0 {
            return Err(err("failure_threshold", format!("thresholds in [{table}] must be at least 1")));
        }
        if kind == "dns"
            && self.nameserver.as_deref().is_none_or(|n| n.parse::<std::net::SocketAddr>().is_err())
        {
            return Err(err("nameserver", format!("DNS monitor [{table}] needs nameserver = \"IP:PORT\""))
                .with_help("for example nameserver = \"127.0.0.1:53\""));
        }
        for c in &self.conditions {
            if let Err(m) = Condition::parse(c) {
                let at = find_text_line(text, c).unwrap_or_else(|| line("conditions"));
                return Err(Diagnostic::new(path, at, 1, m));
            }
        }
        for w in &self.maintenance {
            crate::maintenance::Window::from_config(w)
                .map_err(|m| err("maintenance", format!("[{table}] maintenance: {m}")))?;
        }
        Ok(())
    }
}

/// What to write instead of a url a monitor cannot probe.
pub const URL_HELP: &str =
    "use an http:// or https:// url, or tcp = \"host:port\", tls = \"host:port\" or dns = \"name\"";

/// Why `url` cannot be probed: only `http://` and `https://` are; Gatus's other endpoint types
/// (`icmp://`, `ssh://`, `starttls://`, `ws://`, `grpc://`) are not, and a url needs a scheme.
pub fn url_problem(url: &str) -> Option<String> {
    match url.split_once("://").map(|(s, _)| s.to_ascii_lowercase()).as_deref() {
        Some("http" | "https") => None,
        Some(other) => Some(format!(
            "url {url:?}: the {other}:// scheme is not supported (Gatus's ICMP, SSH, STARTTLS, \
             WebSocket and gRPC endpoints are not)"
        )),
        None => Some(format!("url {url:?} has no scheme: write http://{url} or https://{url}")),
    }
}

/// For `validate`: the monitors (not already disabled) whose templated url gets a scheme health
/// cannot probe in some environment. Only that environment's probe is disabled when `health` runs,
/// so this is not a load-time problem of the monitor.
pub fn env_url_problems(config: &crate::config::Config) -> Vec<Diagnostic> {
    let Some(path) = config.path.as_deref() else { return Vec::new() };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    config
        .monitors
        .iter()
        .filter(|(name, _)| !config.monitor_problems.contains_key(*name))
        .filter_map(|(name, m)| m.check_env_urls(name, &config.environments, &text, path).err())
        .collect()
}

impl MonitorConfig {
    /// A templated url's scheme problem in the first environment the monitor applies to whose
    /// values give it one (`url = "{{ environment.url }}/health"` with `url = "icmp://..."`).
    pub fn check_env_urls(
        &self,
        name: &str,
        environments: &BTreeMap<String, crate::config::Environment>,
        text: &str,
        path: &Path,
    ) -> Result<(), Diagnostic> {
        let Some(url) = self.url.as_deref().filter(|u| u.contains("{{")) else { return Ok(()) };
        for (env_name, env) in environments {
            if !(self.environments.is_empty() || self.environments.contains(env_name)) {
                continue;
            }
            let Some(filled) = fill_env_values(url, &env.template_vars()) else { continue };
            if let Some(m) = url_problem(&filled) {
                let line = crate::config::find_line_in_table(text, &format!("monitors.{name}"), "url");
                let shown = format!("[monitors.{name}] in environment {env_name}: {m}");
                return Err(Diagnostic::new(path, line, 1, shown).with_help(URL_HELP));
            }
        }
        Ok(())
    }
}

/// `text` with its `{{ environment.KEY }}` filled from `vars`, or `None` when one cannot be (the
/// monitor's resolution reports that).
fn fill_env_values(text: &str, vars: &BTreeMap<String, serde_json::Value>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        match vars.get(after[..close].trim().strip_prefix("environment.")?)? {
            serde_json::Value::String(s) => out.push_str(s),
            v => out.push_str(&v.to_string()),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// [`url_problem`] for a url as written, when its scheme is known before templates are filled
/// (`{{ environment.url }}/health` is checked per environment when it is resolved).
fn literal_url_problem(url: &str) -> Option<String> {
    let literal = url.split("{{").next().unwrap_or_default();
    if literal.contains("://") || literal.len() == url.len() { url_problem(url) } else { None }
}

/// The 1-based line holding `needle` inside a quoted string, if any.
fn find_text_line(text: &str, needle: &str) -> Option<u32> {
    text.lines().position(|l| l.contains(needle)).and_then(|i| u32::try_from(i + 1).ok())
}
