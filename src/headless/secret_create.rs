//! `flightdeck secrets create NAME [--env E]`: creates a secret that does not exist yet from a value
//! typed at a hidden prompt (terminal echo off, asked twice), for the secrets `secrets-provision`
//! cannot generate (a third party's API token). The value goes straight to the provider: it is never
//! echoed, printed, logged or journaled; the audit log records the name, provider and version.

use std::io::BufRead;

use serde_json::json;
use zeroize::Zeroizing;

use crate::cli::SecretsCreateArgs;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::secrets::{Problem, Redactor, SecretError, SecretSet};

/// Terminal echo off until dropped (also used by the hidden prompt of a running workflow).
pub(crate) struct NoEcho {
    saved: nix::sys::termios::Termios,
}

impl NoEcho {
    pub(crate) fn new() -> Result<NoEcho, Error> {
        use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
        let no_tty = |_| no_terminal();
        let saved = tcgetattr(std::io::stdin()).map_err(no_tty)?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        quiet.local_flags.insert(LocalFlags::ECHONL);
        tcsetattr(std::io::stdin(), SetArg::TCSAFLUSH, &quiet).map_err(no_tty)?;
        Ok(NoEcho { saved })
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        let _ =
            nix::sys::termios::tcsetattr(std::io::stdin(), nix::sys::termios::SetArg::TCSAFLUSH, &self.saved);
    }
}

fn no_terminal() -> Error {
    Error::Invalid(
        "secrets create reads the value at a hidden prompt: run it on a terminal (stdin is not one)".into(),
    )
}

/// One line typed with echo off (without its line end).
fn hidden_line(prompt: &str) -> Result<Zeroizing<String>, Error> {
    let _quiet = NoEcho::new()?;
    crate::err!("{prompt}");
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::io("cannot read the value", e))?;
    let end = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(end);
    Ok(line)
}

/// Runs `secrets create`.
pub async fn create(
    ctx: &Project,
    set: &SecretSet,
    redactor: &Redactor,
    a: &SecretsCreateArgs,
) -> Result<i32, Error> {
    let env = super::secrets::env_name(ctx, a.env.as_ref())?;
    set.config(&a.name).map_err(|e| super::secrets::secret_error(&e, redactor))?;
    match set.read(&a.name, Some(&env)).await {
        Ok((_, s)) => {
            return Err(Error::Precondition(format!(
                "secret `{}` already exists (version {}); change it with `flightdeck secrets rotate {}`",
                a.name,
                s.version.as_deref().unwrap_or("-"),
                a.name
            )));
        }
        Err(SecretError::Provider { problem, .. })
            if matches!(*problem, Problem::PathMissing { .. } | Problem::KeyMissing { .. }) => {}
        Err(e) => return Err(super::secrets::secret_error(&e, redactor)),
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(no_terminal());
    }
    let value = hidden_line(&format!("value of {} (not shown): ", a.name))?;
    let again = hidden_line("again: ")?;
    if value.is_empty() || *value != *again {
        let why = if value.is_empty() { "the value is empty" } else { "the two entries differ" };
        return Err(Error::Invalid(format!("secret `{}` not created: {why}; run the command again", a.name)));
    }
    drop(again);
    redactor.add(&value);
    let (provider, version) = set
        .write(&a.name, Some(&env), &value)
        .await
        .map_err(|e| super::secrets::secret_error(&e, redactor))?;
    drop(value);
    let detail = json!({ "secret": a.name, "provider": provider, "version": version, "environment": env, "source": "prompt" });
    super::secrets::audit(ctx, "secret.create", detail).await?;
    crate::outln!("{}", redactor.redact(&format!("created {} ({provider}): version {version}", a.name)));
    Ok(exit::OK)
}
