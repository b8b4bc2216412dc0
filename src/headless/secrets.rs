//! `flightdeck secrets list|check|rotate|restore|disable`: the project's secrets from the
//! command line. Values are never printed: every text and JSON line passes the redactor of the
//! values this command read.

use serde_json::{Value, json};

use crate::cli::{SecretsArgs, SecretsCheckArgs, SecretsCommand, SecretsRotateArgs, SecretsVersionArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::identity::Operator;
use crate::secrets::{Redactor, SecretError, SecretSet, generate};
use crate::store::NewAudit;

/// Runs one `secrets` subcommand.
pub async fn dispatch(ctx: &Project, c: SecretsCommand) -> Result<i32, Error> {
    let set = SecretSet::new(&ctx.config, &ctx.paths.project_dir);
    let redactor = Redactor::new();
    match c {
        SecretsCommand::List(a) => list(ctx, &set, &redactor, &a).await,
        SecretsCommand::Check(a) => check(ctx, &set, &redactor, &a).await,
        SecretsCommand::Rotate(a) => rotate(ctx, &set, &redactor, &a).await,
        SecretsCommand::Restore(a) => change(ctx, &set, &a, true).await,
        SecretsCommand::Disable(a) => change(ctx, &set, &a, false).await,
        SecretsCommand::Create(a) => super::secret_create::create(ctx, &set, &redactor, &a).await,
    }
}

pub(super) fn env_name(ctx: &Project, env: Option<&String>) -> Result<String, Error> {
    let name = env.cloned().unwrap_or_else(|| ctx.config.default_env().to_string());
    ctx.config.environment(&name).map_err(Error::Invalid)?;
    Ok(name)
}

fn print(redactor: &Redactor, json: bool, value: &Value, text: &str) {
    if json {
        crate::outln!("{}", redactor.redact(&value.to_string()));
    } else {
        crate::outln!("{}", redactor.redact(text));
    }
}

/// Unknown secret: usage (2); provider problems: precondition (8).
pub(super) fn secret_error(e: &SecretError, redactor: &Redactor) -> Error {
    let text = redactor.redact(&e.to_string());
    match e {
        SecretError::Unknown { .. } | SecretError::Config { .. } => Error::Invalid(text),
        SecretError::Provider { .. } => Error::Precondition(text),
    }
}

async fn list(ctx: &Project, set: &SecretSet, redactor: &Redactor, a: &SecretsArgs) -> Result<i32, Error> {
    let env = env_name(ctx, a.env.as_ref())?;
    let rows = set.statuses(Some(&env), jiff::Timestamp::now(), redactor).await;
    if a.json {
        let v = serde_json::to_value(&rows).map_err(|e| Error::Invalid(format!("cannot print JSON: {e}")))?;
        print(redactor, true, &json!({ "environment": env, "secrets": v }), "");
        return Ok(exit::OK);
    }
    if rows.is_empty() {
        crate::outln!("no secrets: add [secret_providers.NAME] and [secrets.NAME] to flightdeck.toml");
    }
    crate::outln!(
        "{:<20} {:<12} {:<8} {:<12} {:<26} {:<8} DUE",
        "SECRET",
        "PROVIDER",
        "KIND",
        "VERSION",
        "LAST ROTATED",
        "EVERY"
    );
    for r in &rows {
        let due = match (&r.due, r.overdue) {
            (Some(d), true) => format!("{d} (overdue)"),
            (Some(d), false) => d.clone(),
            (None, _) => "-".into(),
        };
        let line = format!(
            "{:<20} {:<12} {:<8} {:<12} {:<26} {:<8} {due}{}",
            r.name,
            r.provider,
            r.kind,
            r.version.as_deref().unwrap_or("-"),
            r.last_rotated.as_deref().unwrap_or("-"),
            r.rotate_every.as_deref().unwrap_or("-"),
            r.error.as_ref().map(|e| format!("\n    error: {e}")).unwrap_or_default(),
        );
        print(redactor, false, &Value::Null, &line);
    }
    Ok(exit::OK)
}

async fn check(
    ctx: &Project,
    set: &SecretSet,
    redactor: &Redactor,
    a: &SecretsCheckArgs,
) -> Result<i32, Error> {
    let env = env_name(ctx, a.env.as_ref())?;
    let names = if a.names.is_empty() { set.names() } else { a.names.clone() };
    let mut failed = 0;
    for name in &names {
        let (value, text) = match set.read(name, Some(&env)).await {
            Ok((provider, s)) => {
                redactor.add(&s.value);
                let v = s.version.clone();
                (
                    json!({ "secret": name, "ok": true, "provider": provider, "version": v }),
                    format!("ok      {name} ({provider}, version {})", v.as_deref().unwrap_or("-")),
                )
            }
            Err(e @ SecretError::Unknown { .. }) => return Err(secret_error(&e, redactor)),
            Err(e) => {
                failed += 1;
                (json!({ "secret": name, "ok": false, "error": e.to_string() }), format!("FAILED  {e}"))
            }
        };
        print(redactor, a.json, &value, &text);
    }
    Ok(if failed == 0 { exit::OK } else { exit::PRECONDITION })
}

async fn rotate(
    ctx: &Project,
    set: &SecretSet,
    redactor: &Redactor,
    a: &SecretsRotateArgs,
) -> Result<i32, Error> {
    let env = env_name(ctx, a.env.as_ref())?;
    let (_, old) = set.read(&a.name, Some(&env)).await.map_err(|e| secret_error(&e, redactor))?;
    redactor.add(&old.value);
    let previous = old.version.clone();
    drop(old);
    let len = a
        .length
        .or_else(|| set.config(&a.name).ok().and_then(|c| c.length))
        .unwrap_or(generate::DEFAULT_LENGTH);
    let value = generate::generate(len).map_err(|e| Error::io("cannot generate a value", e))?;
    redactor.add(&value);
    let (provider, version) =
        set.write(&a.name, Some(&env), &value).await.map_err(|e| secret_error(&e, redactor))?;
    let (_, back) = set.read(&a.name, Some(&env)).await.map_err(|e| secret_error(&e, redactor))?;
    if *back.value != *value {
        return Err(Error::Precondition(format!(
            "secret `{}`: the value read back after writing version {version} differs; check the provider",
            a.name
        )));
    }
    drop((back, value));
    audit(ctx, "secret.rotate", json!({ "secret": a.name, "provider": provider, "version": version, "previous": previous, "environment": env })).await?;
    let text = format!(
        "rotated {} ({provider}): version {version} is current, previous {}",
        a.name,
        previous.as_deref().unwrap_or("-")
    );
    print(
        redactor,
        a.json,
        &json!({ "secret": a.name, "provider": provider, "version": version, "previous": previous }),
        &text,
    );
    Ok(exit::OK)
}

async fn change(ctx: &Project, set: &SecretSet, a: &SecretsVersionArgs, restore: bool) -> Result<i32, Error> {
    let env = env_name(ctx, a.env.as_ref())?;
    let redactor = Redactor::new();
    let r = if restore {
        set.make_current(&a.name, Some(&env), &a.version).await
    } else {
        set.disable(&a.name, Some(&env), &a.version).await
    };
    r.map_err(|e| secret_error(&e, &redactor))?;
    let (action, verb) =
        if restore { ("secret.restore", "is current again") } else { ("secret.disable", "is disabled") };
    audit(ctx, action, json!({ "secret": a.name, "version": a.version, "environment": env })).await?;
    print(
        &redactor,
        a.json,
        &json!({ "secret": a.name, "version": a.version, "action": action }),
        &format!("{} version {} {verb}", a.name, a.version),
    );
    Ok(exit::OK)
}

pub(super) async fn audit(ctx: &Project, action: &str, detail: Value) -> Result<(), Error> {
    let op = Operator::current();
    let store = ctx.store()?;
    store
        .audit(NewAudit {
            at: crate::time::now(),
            uid: op.uid,
            actor: op.name,
            action: action.into(),
            run: None,
            detail,
        })
        .await?;
    Ok(())
}
