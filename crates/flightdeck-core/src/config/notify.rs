//! `[notify]` in `flightdeck.toml`: channels by name and the routes that send events to them.
//!
//! ```toml
//! [notify.channels.ops]
//! kind = "slack"
//! url = "{{ env.SLACK_WEBHOOK }}"
//!
//! [[notify.routes]]
//! environments = ["production"]
//! events = ["approval_waiting", "failed"]
//! channels = ["ops"]
//! ```
//!
//! Checked at load time: unknown channel (nearest name suggested) or event, an SMTP channel without
//! `to`, a bad `tls`, a URL that is not http(s); each error names the file, line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::find_line_in_table;
use crate::diag::{Diagnostic, nearest};
use crate::time::parse_duration;

/// The events a route can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventName {
    /// A gate waits for approvals.
    ApprovalWaiting,
    /// A run failed.
    Failed,
    /// A run was rolled back.
    RolledBack,
    /// A run succeeded.
    Finished,
    /// An incident was opened.
    IncidentOpened,
    /// An incident was resolved.
    IncidentResolved,
    /// A message from a `notify` step.
    Message,
    /// A test message (`flightdeck notify test`).
    Test,
}

impl EventName {
    /// The name as written in config and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::ApprovalWaiting => "approval_waiting",
            EventName::Failed => "failed",
            EventName::RolledBack => "rolled_back",
            EventName::Finished => "finished",
            EventName::IncidentOpened => "incident_opened",
            EventName::IncidentResolved => "incident_resolved",
            EventName::Message => "message",
            EventName::Test => "test",
        }
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[notify]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Channels by name.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// Which events go to which channels.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Directory of message templates overriding the defaults (relative to the project).
    #[serde(default)]
    pub templates: Option<String>,
}

/// The kind of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Generic JSON webhook, HMAC-signed.
    Webhook,
    /// Slack incoming webhook (`text` + `blocks`).
    Slack,
    /// Discord webhook (`content` + `embeds`).
    Discord,
    /// E-mail over SMTP.
    Smtp,
}

/// How an SMTP channel secures its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// STARTTLS after connecting (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS (only for a relay on the same host).
    None,
}

/// `[notify.channels.NAME]`. Values may be templates (`{{ env.X }}`, `{{ secrets.X }}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// The kind of channel.
    pub kind: ChannelKind,
    /// Webhook URL (webhook, slack, discord).
    #[serde(default)]
    pub url: Option<String>,
    /// HMAC key for `X-Flightdeck-Signature` (webhook).
    #[serde(default)]
    pub secret: Option<String>,
    /// Extra HTTP headers (webhook).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `host:port` of the SMTP server.
    #[serde(default)]
    pub server: Option<String>,
    /// SMTP security.
    #[serde(default)]
    pub tls: SmtpTls,
    /// PEM file of a CA to trust besides the built-in roots (SMTP).
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Sender address (SMTP).
    #[serde(default)]
    pub from: Option<String>,
    /// Recipients (SMTP).
    #[serde(default)]
    pub to: Vec<String>,
    /// SMTP user name for AUTH.
    #[serde(default)]
    pub username: Option<String>,
    /// SMTP password for AUTH.
    #[serde(default)]
    pub password: Option<String>,
    /// Attempts before a notification is marked failed (default 8).
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Time one attempt may take (default `10s`).
    #[serde(default)]
    pub timeout: Option<String>,
}

/// `[[notify.routes]]`: events from runs in these environments go to these channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Environments (empty: every environment).
    #[serde(default)]
    pub environments: Vec<String>,
    /// Events (empty: every event).
    #[serde(default)]
    pub events: Vec<EventName>,
    /// Channel names.
    pub channels: Vec<String>,
}

impl NotifyConfig {
    /// The channels an event from `environment` goes to, each once, in route order.
    pub fn route(&self, environment: &str, event: EventName) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.routes {
            let in_env = r.environments.is_empty() || r.environments.iter().any(|e| e == environment);
            let wanted = r.events.is_empty() || r.events.contains(&event);
            if in_env && wanted {
                for c in &r.channels {
                    if !out.contains(c) {
                        out.push(c.clone());
                    }
                }
            }
        }
        out
    }

    /// Checks channels and routes against each other; `text` and `path` locate errors.
    pub fn check(&self, text: &str, path: &Path) -> Result<(), Diagnostic> {
        for (name, ch) in &self.channels {
            ch.check(name, text, path)?;
        }
        let names: Vec<&str> = self.channels.keys().map(String::as_str).collect();
        for r in &self.routes {
            for c in &r.channels {
                if !self.channels.contains_key(c) {
                    let (line, col) = locate(text, &format!("\"{c}\""));
                    let hint =
                        nearest(c, &names).map(|n| format!("did you mean {n:?}? ")).unwrap_or_default();
                    return Err(Diagnostic::new(
                        path,
                        line,
                        col,
                        format!("route names unknown channel {c:?}"),
                    )
                    .with_help(format!("{hint}defined channels: {}", list_or_none(&names))));
                }
            }
        }
        Ok(())
    }
}

impl ChannelConfig {
    fn check(&self, name: &str, text: &str, path: &Path) -> Result<(), Diagnostic> {
        let table = format!("notify.channels.{name}");
        let at = |key: &str| (find_line_in_table(text, &table, key), 1);
        let err = |key: &str, msg: String, help: &str| {
            let (line, col) = at(key);
            Err(Diagnostic::new(path, line, col, format!("channel {name:?}: {msg}"))
                .with_help(help.to_string()))
        };
        if let Some(t) = &self.timeout
            && parse_duration(t).is_none_or(|ms| ms == 0)
        {
            return err(
                "timeout",
                format!("bad timeout {t:?}"),
                "write a duration such as \"10s\" or \"500ms\"",
            );
        }
        if self.max_attempts == Some(0) {
            return err("max_attempts", "max_attempts is 0".into(), "use 1 or more (default 8)");
        }
        match self.kind {
            ChannelKind::Smtp => {
                if self.server.is_none() {
                    return err(
                        "kind",
                        "an smtp channel needs `server`".into(),
                        "add server = \"smtp.example.com:587\"",
                    );
                }
                if self.to.is_empty() {
                    return err(
                        "kind",
                        "an smtp channel needs `to`".into(),
                        "add to = [\"oncall@example.com\"]",
                    );
                }
                if self.from.is_none() {
                    return err(
                        "kind",
                        "an smtp channel needs `from`".into(),
                        "add from = \"flightdeck@example.com\"",
                    );
                }
            }
            _ => match self.url.as_deref() {
                None => {
                    return err("kind", "a webhook channel needs `url`".into(), "add url = \"https://...\"");
                }
                Some(u) if !(u.contains("{{") || u.starts_with("http://") || u.starts_with("https://")) => {
                    return err("url", format!("url {u:?} is not http(s)"), "use an http:// or https:// URL");
                }
                Some(_) => {}
            },
        }
        Ok(())
    }

    /// Attempts before giving up.
    pub fn attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(8)
    }

    /// The time one attempt may take.
    pub fn attempt_timeout(&self) -> std::time::Duration {
        let ms = self.timeout.as_deref().and_then(parse_duration).unwrap_or(10_000);
        std::time::Duration::from_millis(ms)
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// The 1-based line and column of the first occurrence of `needle` (0, 0 if absent).
fn locate(text: &str, needle: &str) -> (u32, u32) {
    for (i, l) in text.lines().enumerate() {
        if let Some(c) = l.find(needle) {
            return (u32::try_from(i + 1).unwrap_or(u32::MAX), u32::try_from(c + 1).unwrap_or(u32::MAX));
        }
    }
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<crate::config::Config, Diagnostic> {
        crate::config::Config::parse(text, Path::new("flightdeck.toml"))
    }

    const CH: &str = "[notify.channels.ops]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\n[notify.channels.mail]\nkind = \"smtp\"\nserver = \"m:25\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n";

    #[test]
    fn routes_pick_channels_by_environment_and_event_each_once() {
        let c = cfg(&format!(
            "{CH}[[notify.routes]]\nenvironments = [\"production\"]\nevents = [\"failed\"]\nchannels = [\"ops\", \"mail\"]\n[[notify.routes]]\nchannels = [\"ops\"]\n"
        ))
        .unwrap();
        assert_eq!(c.notify.route("production", EventName::Failed), vec!["ops", "mail"]);
        assert_eq!(c.notify.route("staging", EventName::Failed), vec!["ops"]);
        assert_eq!(c.notify.route("production", EventName::Finished), vec!["ops"]);
    }

    #[test]
    fn errors_name_the_line_and_what_to_do() {
        let e = cfg(&format!("{CH}[[notify.routes]]\nchannels = [\"mial\"]\n")).unwrap_err();
        assert_eq!(e.line, 10, "{e:?}");
        assert!(e.to_string().contains("did you mean \"mail\""), "{e}");
        let e = cfg("[notify.channels.x]\nkind = \"smtp\"\nserver = \"m:25\"\nfrom = \"a@b.c\"\ntls = \"sometimes\"\nto = [\"d@e.f\"]\n").unwrap_err();
        assert_eq!(e.line, 5, "{e:?}");
        let e = cfg("[notify.channels.x]\nkind = \"discord\"\nurl = \"gopher://x\"\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        let e = cfg(&format!("{CH}[[notify.routes]]\nevents = [\"deploy\"]\nchannels = [\"ops\"]\n"))
            .unwrap_err();
        assert!(e.to_string().contains("deploy"), "{e}");
    }
}
