//! `flightdeck assess [--env E] [--json|--markdown] [-o FILE]`, `assess set ID STATE -m NOTE` and
//! `assess history`: the readiness assessment from the command line. Each `assess` is stored, so
//! `history` shows the trend; an operator who cannot open the store assesses through the runner,
//! which records it (audited as `assess.run` by that operator), and reads the history through it.

use serde_json::json;

use crate::assess::evidence::Inputs;
use crate::assess::{self, AssessError, Checklist, Report};
use crate::cli::{AssessArgs, AssessCommand, AssessHistoryArgs, AssessSetArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::runner::protocol::{Request, Response};
use crate::runner::query::Answer;
use crate::time::now;

/// Dispatches `assess` and its subcommands.
pub async fn assess(ctx: &Project, a: AssessArgs) -> Result<i32, Error> {
    match a.command {
        Some(AssessCommand::Set(s)) => set(ctx, &s).await,
        Some(AssessCommand::History(h)) => history(ctx, &h).await,
        None => report(ctx, &a).await,
    }
}

fn err(e: AssessError) -> Error {
    match e {
        AssessError::Checklist(d) => Error::Diagnostics(vec![d]),
        AssessError::Store(s) => Error::Store(s),
        other => Error::Invalid(other.to_string()),
    }
}

/// The environment named, else the first production one, else the default.
pub fn environment(ctx: &Project, named: Option<&str>) -> Result<String, Error> {
    let c = &ctx.config;
    if let Some(n) = named {
        c.environment(n).map_err(Error::Invalid)?;
        return Ok(n.to_string());
    }
    Ok(c.environments
        .values()
        .find(|e| e.production)
        .map_or_else(|| c.default_env().to_string(), |e| e.name.clone()))
}

/// Assesses `env` and records the result: in the store, or through the runner (which records it
/// as its own write, audited as this operator) for one who cannot open the store.
async fn assess_and_record(ctx: &Project, env: &str) -> Result<Report, Error> {
    let store = match ctx.store() {
        Ok(store) => store,
        Err(e) if !ctx.paths.data_dir.join(crate::runner::SOCKET_FILE).exists() => return Err(e),
        Err(_) => return through_runner(ctx, env).await,
    };
    let list = assess::checklist::for_config(&ctx.config).map_err(err)?;
    let inputs = Inputs {
        config: &ctx.config,
        store: &store,
        project_dir: &ctx.paths.project_dir,
        environment: env,
        now: now(),
    };
    let r = assess::assess(&list, &inputs).await.map_err(err)?;
    let json_text = serde_json::to_string_pretty(&r).map_err(|e| Error::Internal(e.to_string()))?;
    assess::record(&store, env, &r, json_text).await?;
    Ok(r)
}

async fn through_runner(ctx: &Project, env: &str) -> Result<Report, Error> {
    let mut client = crate::headless::run::connect(ctx, "assess").await?;
    let request = Request::Assess { environment: Some(env.to_string()) };
    match client.call(&request).await.map_err(crate::headless::run::client_error)? {
        Response::History { answer: Answer::Assessment { report } } => Ok(*report),
        Response::Error { code, message } if code == exit::USAGE => Err(Error::Invalid(message)),
        Response::Error { message, .. } => Err(Error::Internal(format!("runner: {message}"))),
        other => Err(Error::Internal(format!("unexpected answer from the runner: {other:?}"))),
    }
}

async fn report(ctx: &Project, a: &AssessArgs) -> Result<i32, Error> {
    let env = environment(ctx, a.env.as_deref())?;
    let r = assess_and_record(ctx, &env).await?;
    let json_text = serde_json::to_string_pretty(&r).map_err(|e| Error::Internal(e.to_string()))?;
    let body = if a.json {
        json_text + "\n"
    } else if a.markdown {
        assess::markdown(&r)
    } else {
        assess::text(&r, a.all)
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, &body)
                .map_err(|e| Error::Io { context: format!("writing {}", path.display()), source: e })?;
            crate::outln!(
                "{env}: overall {} / 100, coverage {} %, {} — written to {}",
                assess::pct(r.overall),
                assess::pct(r.coverage),
                if r.ready { "READY" } else { "NOT READY" },
                path.display()
            );
        }
        None => crate::out!("{body}"),
    }
    Ok(exit::OK)
}

async fn set(ctx: &Project, s: &AssessSetArgs) -> Result<i32, Error> {
    let env = environment(ctx, s.env.as_deref())?;
    let list: Checklist = assess::checklist::for_config(&ctx.config).map_err(err)?;
    let store = ctx.store()?;
    let state = assess::set_item(&store, &list, &env, &s.id, &s.state, s.message.clone(), now())
        .await
        .map_err(err)?;
    crate::outln!("{} set to {state} in {env} (audited as assess.set)", s.id);
    Ok(exit::OK)
}

async fn history(ctx: &Project, h: &AssessHistoryArgs) -> Result<i32, Error> {
    let mut source = crate::headless::history::History::open(ctx, "assess history").await?;
    let rows = source.assessments(h.env.as_deref(), h.limit).await?;
    if h.json {
        crate::outln!("{}", json!(rows));
        return Ok(exit::OK);
    }
    if rows.is_empty() {
        crate::outln!("no assessments yet: run flightdeck assess");
    }
    for r in &rows {
        crate::outln!(
            "{:>4}  {}  {:<12} overall {:>3}  coverage {:>3} %  {}",
            r.id,
            r.at.to_rfc3339(),
            r.environment,
            assess::pct(r.overall),
            assess::pct(r.coverage),
            if r.ready { "READY" } else { "NOT READY" }
        );
    }
    Ok(exit::OK)
}
