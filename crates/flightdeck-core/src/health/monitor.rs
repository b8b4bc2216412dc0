//! A monitor resolved for one environment: templates filled in, durations parsed, conditions
//! parsed, probe chosen. This is what the scheduler and the `check` step run.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::monitors::MonitorConfig;
use crate::config::{Config, Environment};
use crate::health::condition::Condition;
use crate::health::maintenance::Window;
use crate::time::parse_duration;

/// What to probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "probe", rename_all = "snake_case")]
pub enum ProbeSpec {
    /// An HTTP(S) request.
    Http(HttpSpec),
    /// A TCP connect to `host:port`.
    Tcp {
        /// `host:port`.
        addr: String,
    },
    /// A TLS handshake to `host:port`, checking chain, hostname and expiry.
    Tls {
        /// `host:port`.
        addr: String,
        /// Name to verify (default: the host).
        server_name: Option<String>,
        /// Extra trusted CAs (PEM).
        ca_file: Option<PathBuf>,
    },
    /// A DNS query to a given server.
    Dns {
        /// The name to resolve.
        name: String,
        /// `IP:PORT`.
        nameserver: String,
        /// Record type (A, AAAA, CNAME, MX, TXT, NS).
        record: String,
    },
}

/// An HTTP probe's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSpec {
    /// The URL.
    pub url: String,
    /// The method.
    pub method: String,
    /// Request headers.
    pub headers: BTreeMap<String, String>,
    /// Request body.
    pub body: Option<String>,
    /// Follow redirects.
    pub follow_redirects: bool,
    /// Most body bytes read.
    pub max_body: u64,
    /// Extra trusted CAs (PEM).
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate.
    pub insecure: bool,
}

/// A monitor ready to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Monitor {
    /// Its name in `flightdeck.toml`.
    pub name: String,
    /// The environment it was resolved for.
    pub environment: String,
    /// What to probe.
    pub probe: ProbeSpec,
    /// Time between probes.
    pub interval: Duration,
    /// Longest one probe may take.
    pub timeout: Duration,
    /// Largest random delay added to an interval.
    pub jitter: Duration,
    /// Consecutive failures before DOWN.
    pub failure_threshold: u32,
    /// Consecutive successes before UP again.
    pub success_threshold: u32,
    /// Conditions a result must meet.
    pub conditions: Vec<Condition>,
    /// Maintenance windows.
    pub maintenance: Vec<Window>,
}

impl Monitor {
    /// Resolves `cfg` for `env`: fills `{{ environment.KEY }}`, parses durations and conditions.
    pub fn resolve(
        name: &str,
        cfg: &MonitorConfig,
        env: &Environment,
        base: &std::path::Path,
    ) -> Result<Monitor, String> {
        let vars = env.template_vars();
        let dur = |s: &str| {
            parse_duration(s).map(Duration::from_millis).ok_or_else(|| format!("{s:?} is not a duration"))
        };
        let interval = dur(&cfg.interval)?;
        let jitter = match &cfg.jitter {
            Some(j) => dur(j)?,
            None => interval / 10,
        };
        let probe = probe_spec(cfg, &vars, base)?;
        let sources: Vec<String> =
            if cfg.conditions.is_empty() { default_conditions(&probe) } else { cfg.conditions.clone() };
        let conditions = sources.iter().map(|c| Condition::parse(c)).collect::<Result<_, _>>()?;
        let maintenance = cfg.maintenance.iter().map(Window::from_config).collect::<Result<_, _>>()?;
        Ok(Monitor {
            name: name.to_string(),
            environment: env.name.clone(),
            probe,
            interval,
            timeout: dur(&cfg.timeout)?,
            jitter,
            failure_threshold: cfg.failure_threshold,
            success_threshold: cfg.success_threshold,
            conditions,
            maintenance,
        })
    }

    /// What it probes, for display (`GET http://...`, `tcp 127.0.0.1:5432`).
    pub fn target(&self) -> String {
        match &self.probe {
            ProbeSpec::Http(h) => format!("{} {}", h.method, h.url),
            ProbeSpec::Tcp { addr } => format!("tcp {addr}"),
            ProbeSpec::Tls { addr, .. } => format!("tls {addr}"),
            ProbeSpec::Dns { name, record, nameserver } => format!("dns {record} {name} @{nameserver}"),
        }
    }

    /// The probe kind's word (`http`, `tcp`, `tls`, `dns`).
    pub fn kind(&self) -> &'static str {
        match &self.probe {
            ProbeSpec::Http(_) => "http",
            ProbeSpec::Tcp { .. } => "tcp",
            ProbeSpec::Tls { .. } => "tls",
            ProbeSpec::Dns { .. } => "dns",
        }
    }
}

/// The probe of `cfg`, its templates filled from the environment's `vars`.
fn probe_spec(
    cfg: &MonitorConfig,
    vars: &BTreeMap<String, serde_json::Value>,
    base: &std::path::Path,
) -> Result<ProbeSpec, String> {
    let fill = |s: &str| fill_env(s, vars);
    let ca_file = cfg.ca_file.as_ref().map(|p| base.join(p));
    let probe = match cfg.target_key()? {
        "url" => ProbeSpec::Http(HttpSpec {
            url: http_url(fill(cfg.url.as_deref().unwrap_or_default())?)?,
            method: cfg.method.clone().unwrap_or_else(|| "GET".into()).to_ascii_uppercase(),
            headers: cfg
                .headers
                .iter()
                .map(|(k, v)| Ok((k.clone(), fill(v)?)))
                .collect::<Result<_, String>>()?,
            body: cfg.body.as_deref().map(fill).transpose()?,
            follow_redirects: cfg.follow_redirects,
            max_body: cfg.max_body,
            ca_file,
            insecure: cfg.insecure_skip_verify,
        }),
        "tcp" => ProbeSpec::Tcp { addr: fill(cfg.tcp.as_deref().unwrap_or_default())? },
        "tls" => ProbeSpec::Tls {
            addr: fill(cfg.tls.as_deref().unwrap_or_default())?,
            server_name: cfg.server_name.as_deref().map(fill).transpose()?,
            ca_file,
        },
        _ => ProbeSpec::Dns {
            name: fill(cfg.dns.as_deref().unwrap_or_default())?,
            nameserver: fill(cfg.nameserver.as_deref().unwrap_or_default())?,
            record: cfg.record.clone().unwrap_or_else(|| "A".into()).to_ascii_uppercase(),
        },
    };
    Ok(probe)
}

/// `url` when its scheme is `http` or `https`; Gatus's other endpoint types (`icmp://`, `ssh://`,
/// `starttls://`, `ws://`, `grpc://`) are refused with what to use instead.
fn http_url(url: String) -> Result<String, String> {
    match crate::config::monitors::url_problem(&url) {
        None => Ok(url),
        Some(m) if m.contains("no scheme") => Err(m),
        Some(m) => Err(format!("{m}; {}", crate::config::monitors::URL_HELP)),
    }
}

/// The conditions a monitor without any gets.
fn default_conditions(probe: &ProbeSpec) -> Vec<String> {
    match probe {
        ProbeSpec::Http(_) => vec!["[STATUS] < 400".into()],
        ProbeSpec::Dns { .. } => vec!["[DNS_RCODE] == NOERROR".into()],
        ProbeSpec::Tcp { .. } | ProbeSpec::Tls { .. } => vec!["[CONNECTED] == true".into()],
    }
}

/// Replaces `{{ environment.KEY }}` with the environment's value; other templates are errors.
pub fn fill_env(text: &str, vars: &BTreeMap<String, serde_json::Value>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or_else(|| format!("unclosed {{{{ in {text:?}"))?;
        let expr = after[..close].trim();
        let key = expr
            .strip_prefix("environment.")
            .ok_or_else(|| format!("{{{{ {expr} }}}} in {text:?}: monitors may use only environment.KEY"))?;
        match vars.get(key) {
            Some(serde_json::Value::String(s)) => out.push_str(s),
            Some(v) => out.push_str(&v.to_string()),
            None => return Err(format!("{{{{ {expr} }}}} in {text:?}: the environment has no key {key:?}")),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A monitor that is not probed because its configuration is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisabledMonitor {
    /// Its name in `flightdeck.toml`.
    pub name: String,
    /// The environment it was resolved for.
    pub environment: String,
    /// What is wrong, with file and line (`flightdeck.toml:4: unknown placeholder [STAUTS] ...`).
    pub problem: String,
}

/// The monitors that apply to one environment: the ones ready to run and the disabled ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitorSet {
    /// Ready to run, in name order.
    pub monitors: Vec<Monitor>,
    /// Not run: their configuration is invalid.
    pub disabled: Vec<DisabledMonitor>,
}

/// Every monitor of `config` that applies to environment `env`: one with an invalid value (a bad
/// condition, a missing template key) is disabled alone, its problem naming file and line. The
/// only error is an unknown environment.
pub fn monitor_set(config: &Config, env: &str) -> Result<MonitorSet, String> {
    let environment = config.environment(env)?;
    let base =
        config.path.as_ref().and_then(|p| p.parent()).map_or_else(PathBuf::new, std::path::Path::to_path_buf);
    let file =
        config.path.as_ref().map_or_else(|| "flightdeck.toml".to_string(), |p| p.display().to_string());
    let mut set = MonitorSet::default();
    for (name, m) in &config.monitors {
        if !(m.environments.is_empty() || m.environments.iter().any(|e| e == env)) {
            continue;
        }
        let problem = match config.monitor_problems.get(name) {
            Some(d) => Some(problem_text(d)),
            None => match Monitor::resolve(name, m, environment, &base) {
                Ok(monitor) => {
                    set.monitors.push(monitor);
                    None
                }
                Err(e) => Some(format!("{file}:{}: monitor {name}: {e}", find_monitor_line(config, name))),
            },
        };
        if let Some(problem) = problem {
            set.disabled.push(DisabledMonitor { name: name.clone(), environment: env.to_string(), problem });
        }
    }
    Ok(set)
}

/// `file:line: message (help)`.
fn problem_text(d: &crate::diag::Diagnostic) -> String {
    let help = d.help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default();
    format!("{}:{}: {}{help}", d.file.display(), d.line, d.message)
}

/// The line of `[monitors.NAME]` in the config file, or 0.
fn find_monitor_line(config: &Config, name: &str) -> u32 {
    let Some(text) = config.path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) else { return 0 };
    let header = format!("[monitors.{name}]");
    text.lines().position(|l| l.trim() == header).and_then(|i| u32::try_from(i + 1).ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const CONFIG: &str = r#"
[environments.staging]
url = "http://127.0.0.1:7878"

[environments.production]
production = true
url = "http://127.0.0.1:7879"

[monitors.web]
url = "{{ environment.url }}/health"
interval = "5s"
conditions = ["[STATUS] == 200", "[BODY].status == UP"]

[monitors.db]
tcp = "127.0.0.1:5432"
environments = ["production"]
"#;

    #[test]
    fn monitors_resolve_per_environment() {
        let c = Config::parse(CONFIG, Path::new("f.toml")).unwrap();
        let staging = monitor_set(&c, "staging").unwrap().monitors;
        assert_eq!(staging.len(), 1);
        assert_eq!(staging[0].target(), "GET http://127.0.0.1:7878/health");
        assert_eq!(staging[0].interval, Duration::from_secs(5));
        assert_eq!(staging[0].jitter, Duration::from_millis(500));
        assert_eq!(staging[0].failure_threshold, 3);
        let prod = monitor_set(&c, "production").unwrap().monitors;
        assert_eq!(prod.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["db", "web"]);
        assert_eq!(prod[0].conditions[0].source, "[CONNECTED] == true");
    }

    #[test]
    fn a_bad_condition_disables_that_monitor_only_naming_file_and_line() {
        let text = CONFIG.replace("[BODY].status == UP", "[BODDY].status == UP");
        let c = Config::parse(&text, Path::new("f.toml")).unwrap();
        let e = &c.monitor_problems["web"];
        assert_eq!(e.line, 12, "{e}");
        assert!(e.message.contains("did you mean [BODY]"), "{e}");
        assert_eq!(e.file, Path::new("f.toml"));
        let prod = monitor_set(&c, "production").unwrap();
        assert_eq!(prod.monitors.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["db"]);
        assert_eq!(prod.disabled.len(), 1);
        assert!(prod.disabled[0].problem.starts_with("f.toml:12: "), "{:?}", prod.disabled);
    }

    #[test]
    fn unknown_keys_and_bad_values_disable_the_monitor_with_lines() {
        let problem = |text: &str, name: &str| {
            Config::parse(text, Path::new("f.toml")).unwrap().monitor_problems.get(name).cloned().unwrap()
        };
        let e = problem(&CONFIG.replace("interval = \"5s\"", "intervall = \"5s\""), "web");
        assert_eq!(e.line, 11, "{e}");
        assert!(e.help.unwrap_or_default().contains("interval"));
        let e = problem(&CONFIG.replace("interval = \"5s\"", "interval = 5"), "web");
        assert!(e.message.contains("[monitors.web]") && e.message.contains("invalid type"), "{e}");
        assert_eq!(problem(&CONFIG.replace("\"5s\"", "\"soon\""), "web").line, 11);
        let e = problem(&CONFIG.replace("tcp = ", "url = \"http://x\"\ntcp = "), "db");
        assert!(e.message.contains("url and tcp"), "{e}");
        let e = problem("[monitors.ns]\ndns = \"example.test\"\n", "ns");
        assert!(e.message.contains("nameserver"), "{e}");
        let c =
            Config::parse(&CONFIG.replace("interval = \"5s\"", "intervall = \"5s\""), Path::new("f.toml"));
        assert_eq!(monitor_set(&c.unwrap(), "production").unwrap().monitors.len(), 1, "db still runs");
    }

    #[test]
    fn only_http_and_https_urls_are_probed() {
        assert_eq!(http_url("HTTPS://h/x".into()).unwrap(), "HTTPS://h/x");
        let e = http_url("icmp://10.0.0.1".into()).unwrap_err();
        assert!(e.contains("icmp:// scheme is not supported") && e.contains("tcp = "), "{e}");
        assert!(http_url("127.0.0.1:80/health".into()).unwrap_err().contains("has no scheme"));
    }

    #[test]
    fn templates_other_than_environment_are_refused() {
        let vars = BTreeMap::from([("url".to_string(), serde_json::Value::String("http://h".into()))]);
        assert_eq!(fill_env("{{ environment.url }}/x", &vars).unwrap(), "http://h/x");
        assert!(fill_env("{{ params.x }}", &vars).unwrap_err().contains("only environment.KEY"));
        assert!(fill_env("{{ environment.nope }}", &vars).unwrap_err().contains("no key"));
    }
}
