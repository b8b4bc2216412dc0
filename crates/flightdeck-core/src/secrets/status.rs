//! The Secrets overview: for each secret its provider, current version, when that version was
//! made and when the next rotation is due by `rotate_every`. Reads no value it keeps.

use super::redact::Redactor;
use super::{SecretSet, SecretStatus};

impl SecretSet {
    /// The status of every secret in `env` at time `now` (values read are added to `redactor`
    /// and dropped at once, so a failure message can never show them).
    pub async fn statuses(
        &self,
        env: Option<&str>,
        now: jiff::Timestamp,
        redactor: &Redactor,
    ) -> Vec<SecretStatus> {
        let mut out = Vec::new();
        for name in self.names() {
            out.push(self.status(&name, env, now, redactor).await);
        }
        out
    }

    async fn status(
        &self,
        name: &str,
        env: Option<&str>,
        now: jiff::Timestamp,
        redactor: &Redactor,
    ) -> SecretStatus {
        let cfg = self.config(name).ok();
        let provider = cfg.map(|c| c.for_env(env).provider).unwrap_or_default();
        let kind = self.provider(&provider).map(|p| p.kind().to_string()).unwrap_or_default();
        let rotate_every = cfg.and_then(|c| c.rotate_every.clone());
        let mut st = SecretStatus {
            name: name.to_string(),
            provider,
            kind,
            version: None,
            last_rotated: None,
            rotate_every,
            due: None,
            overdue: false,
            error: None,
        };
        match self.read(name, env).await {
            Ok((_, s)) => {
                redactor.add(&s.value);
                st.version.clone_from(&s.version);
            }
            Err(e) => st.error = Some(redactor.redact(&e.to_string())),
        }
        if st.version.is_some()
            && let Ok(versions) = self.versions(name, env).await
        {
            st.last_rotated = versions.iter().find(|v| v.current).and_then(|v| v.created.clone());
        }
        let every = cfg.and_then(crate::config::secrets::SecretConfig::rotate_every_secs);
        if let (Some(last), Some(secs)) = (st.last_rotated.as_deref().and_then(parse_time), every) {
            let due = last + jiff::SignedDuration::from_secs(secs);
            st.overdue = due <= now;
            st.due = Some(due.to_string());
        }
        st
    }
}

/// An RFC 3339 time, or AWS's seconds since the epoch (as a number).
fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    if let Ok(t) = s.trim_matches('"').parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let secs: f64 = s.parse().ok()?;
    #[allow(clippy::cast_possible_truncation)]
    jiff::Timestamp::from_second(secs as i64).ok()
}
