//! flightdeck's notification channels (`[notify.channels.*]`) as Alertmanager receivers: every
//! channel a `[[notify.routes]]` entry sends events of the environment to becomes a receiver
//! (`webhook` → `webhook_configs`, `slack` → `slack_configs`, `discord` → `discord_configs`,
//! `smtp` → `email_configs` with the server as smarthost), each reached by its own child route
//! with `continue`, beside flightdeck's own receiver. A channel whose values are templates
//! (`{{ secrets.* }}`, `{{ env.* }}`) is not written in clear: it is listed as untranslated.

use serde_json::{Value, json};

use crate::notify::config::SmtpTls;
use crate::notify::{ChannelConfig, ChannelKind, NotifyConfig};

/// The receivers and child routes for the channels routed from `env`; untranslatable ones are
/// appended to `untranslated` as `channel NAME: why`.
pub fn receivers(notify: &NotifyConfig, env: &str, untranslated: &mut Vec<String>) -> Vec<(String, Value)> {
    let mut names: Vec<&String> = Vec::new();
    for r in
        notify.routes.iter().filter(|r| r.environments.is_empty() || r.environments.iter().any(|e| e == env))
    {
        for c in &r.channels {
            if !names.contains(&c) {
                names.push(c);
            }
        }
    }
    let mut out = Vec::new();
    for name in names {
        let Some(ch) = notify.channels.get(name) else { continue };
        match receiver(ch) {
            Ok(config) => out.push((format!("notify-{name}"), config)),
            Err(why) => untranslated.push(format!("channel {name}: {why}")),
        }
    }
    out
}

/// A literal value of a channel, or why it cannot be written into `alertmanager.yml`.
fn literal<'a>(field: &str, v: Option<&'a String>) -> Result<&'a str, String> {
    let v = v.ok_or_else(|| format!("no `{field}`"))?;
    if v.contains("{{") {
        return Err(format!(
            "`{field}` is a template ({v}); Alertmanager would need its value in clear, so set this receiver by hand"
        ));
    }
    Ok(v)
}

/// One channel's receiver configuration (without its name).
fn receiver(ch: &ChannelConfig) -> Result<Value, String> {
    Ok(match ch.kind {
        ChannelKind::Webhook => {
            json!({ "webhook_configs": [{ "url": literal("url", ch.url.as_ref())?, "send_resolved": true }] })
        }
        ChannelKind::Slack => {
            json!({ "slack_configs": [{ "api_url": literal("url", ch.url.as_ref())?, "send_resolved": true }] })
        }
        ChannelKind::Discord => json!({
            "discord_configs": [{ "webhook_url": literal("url", ch.url.as_ref())?, "send_resolved": true }]
        }),
        ChannelKind::Smtp => email(ch)?,
    })
}

fn email(ch: &ChannelConfig) -> Result<Value, String> {
    if ch.to.is_empty() {
        return Err("no `to`".into());
    }
    let mut c = json!({
        "to": ch.to.join(", "),
        "from": literal("from", ch.from.as_ref())?,
        "smarthost": literal("server", ch.server.as_ref())?,
        "require_tls": ch.tls == SmtpTls::Starttls,
        "send_resolved": true,
    });
    if ch.username.is_some() {
        c["auth_username"] = Value::from(literal("username", ch.username.as_ref())?);
        c["auth_password"] = Value::from(literal("password", ch.password.as_ref())?);
    }
    if ch.tls == SmtpTls::Implicit {
        // Alertmanager speaks TLS from the first byte on port 465 only.
        let port_465 = ch.server.as_deref().is_some_and(|s| s.ends_with(":465"));
        if !port_465 {
            return Err("implicit TLS on a port other than 465 is not supported by Alertmanager".into());
        }
    }
    Ok(json!({ "email_configs": [c] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notify(toml_text: &str) -> NotifyConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn each_routed_channel_kind_becomes_its_receiver_and_templates_are_listed() {
        let n = notify(
            r#"
[channels.hook]
kind = "webhook"
url = "http://127.0.0.1:9/hook"
[channels.team]
kind = "slack"
url = "https://hooks.slack.example/T1"
[channels.mail]
kind = "smtp"
server = "127.0.0.1:2525"
tls = "none"
from = "fd@example.test"
to = ["a@example.test", "b@example.test"]
[channels.secret]
kind = "webhook"
url = "{{ secrets.hook_url }}"
[channels.elsewhere]
kind = "webhook"
url = "http://127.0.0.1:9/staging"
[[routes]]
environments = ["prod"]
channels = ["hook", "team", "mail", "secret"]
[[routes]]
environments = ["staging"]
channels = ["elsewhere"]
"#,
        );
        let mut untranslated = Vec::new();
        let r = receivers(&n, "prod", &mut untranslated);
        let names: Vec<&str> = r.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["notify-hook", "notify-team", "notify-mail"]);
        assert_eq!(r[0].1["webhook_configs"][0]["url"], "http://127.0.0.1:9/hook");
        assert_eq!(r[1].1["slack_configs"][0]["api_url"], "https://hooks.slack.example/T1");
        assert_eq!(r[2].1["email_configs"][0]["smarthost"], "127.0.0.1:2525");
        assert_eq!(r[2].1["email_configs"][0]["to"], "a@example.test, b@example.test");
        assert_eq!(r[2].1["email_configs"][0]["require_tls"], false);
        assert_eq!(untranslated.len(), 1, "{untranslated:?}");
        assert!(untranslated[0].starts_with("channel secret: `url` is a template"), "{untranslated:?}");
    }
}
