//! `flightdeck profile show|baselines|save-baseline|record`: CPU profiles from the store, and one
//! recorded now with the same engine as the `profile` step (`flightdeck_core::profile`).

use std::fmt::Write as _;

use serde_json::json;

use crate::cli::{ProfileCommand, ProfileRecordArgs, ProfileShowArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::history::History;
use crate::load::LoadSpec;
use crate::profile::run::{Place, profile as record_profile};
use crate::profile::saved::{self, Saved};
use crate::profile::{ProfileError, ProfileSpec, summary};
use crate::sanitize::one_line;

/// `flightdeck profile ...`.
pub async fn profile(ctx: &Project, c: ProfileCommand) -> Result<i32, Error> {
    match c {
        ProfileCommand::Show(a) => show(ctx, &a).await,
        ProfileCommand::Baselines(j) => baselines(ctx, j.json).await,
        ProfileCommand::SaveBaseline(a) => {
            let store = ctx.store()?;
            let run = store.run(&a.run)?.ok_or_else(|| Error::Invalid(format!("no run {:?}", a.run)))?;
            let id =
                saved::save_baseline_from_run(&store, &a.name, &run.id, crate::time::now().0).map_err(err)?;
            crate::outln!("baseline {:?} now names profile #{id} of run {}", one_line(&a.name), run.id);
            Ok(exit::OK)
        }
        ProfileCommand::Record(a) => record(ctx, *a).await,
    }
}

/// A profile error as the command's error: bad input and machine set-up exit 2.
#[allow(clippy::needless_pass_by_value)] // called through `map_err`
fn err(e: ProfileError) -> Error {
    if e.is_bad_input() { Error::Invalid(e.to_string()) } else { Error::Internal(e.to_string()) }
}

async fn show(ctx: &Project, a: &ProfileShowArgs) -> Result<i32, Error> {
    let mut history = History::open(ctx, "profile show").await?;
    let profiles: Vec<Saved> = if let Some(name) = &a.baseline {
        let all = history.profile_baselines().await?;
        let found = all.into_iter().find(|b| &b.name == name);
        vec![found.ok_or_else(|| err(crate::profile::ProfileError::MissingBaseline(name.clone())))?.profile]
    } else {
        history.run_profiles(a.run.as_deref().unwrap_or_default()).await?
    };
    if a.json {
        let list: Vec<_> = profiles
            .iter()
            .map(|p| json!({ "id": p.id, "at": p.at, "run": p.run, "step": p.step, "report": p.report }))
            .collect();
        crate::outln!("{}", serde_json::Value::Array(list));
        return Ok(exit::OK);
    }
    let mut text = String::new();
    for p in &profiles {
        let step = p.step.as_deref().map(|s| format!(" step {s}")).unwrap_or_default();
        let run = p.run.as_deref().map(|r| format!(" run {r}")).unwrap_or_default();
        let _ = writeln!(text, "profile #{}{run}{step}", p.id);
        text.push_str(&summary::text(&p.report));
    }
    crate::out!("{text}");
    Ok(exit::OK)
}

async fn baselines(ctx: &Project, as_json: bool) -> Result<i32, Error> {
    let list = History::open(ctx, "profile baselines").await?.profile_baselines().await?;
    if as_json {
        let rows: Vec<_> = list
            .iter()
            .map(|b| {
                json!({ "name": b.name, "saved_at": b.saved_at, "profile": b.profile.id, "run": b.profile.run,
                        "samples": b.profile.report.samples, "top": summary::top_output(&b.profile.report) })
            })
            .collect();
        crate::outln!("{}", serde_json::Value::Array(rows));
        return Ok(exit::OK);
    }
    if list.is_empty() {
        crate::outln!("no profile baselines yet: save one with `save_baseline` on a profile step");
    }
    for b in &list {
        let when = crate::time::Micros(b.saved_at).to_rfc3339();
        let run = b.profile.run.as_deref().unwrap_or("-");
        let top = summary::top_output(&b.profile.report);
        crate::outln!(
            "{}  profile #{}  run {run}  saved {when}  top {}",
            one_line(&b.name),
            b.profile.id,
            one_line(&top)
        );
    }
    Ok(exit::OK)
}

fn spec_of(a: ProfileRecordArgs) -> ProfileSpec {
    let load = a.load_url.map(|url| LoadSpec { url, connections: a.connections, ..LoadSpec::default() });
    ProfileSpec {
        pid: a.pid,
        process: a.process,
        command: a.command,
        duration: a.duration,
        frequency: a.frequency,
        call_graph: a.call_graph,
        load,
        baseline: a.baseline,
        save_baseline: a.save_baseline,
        regress: a.regress,
    }
}

async fn record(ctx: &Project, a: ProfileRecordArgs) -> Result<i32, Error> {
    let production = match &a.env {
        None => false,
        Some(name) => ctx.config.environments.get(name).map(|e| e.production).ok_or_else(|| {
            let known: Vec<&String> = ctx.config.environments.keys().collect();
            Error::Invalid(format!("no environment {name:?} in flightdeck.toml (known: {known:?})"))
        })?,
    };
    let as_json = a.json;
    let spec = spec_of(a);
    spec.check().map_err(Error::Invalid)?;
    let settings = spec.settings(production).map_err(err)?;
    let store = ctx.store()?;
    let stamp = crate::time::now().0;
    let place = Place {
        run: None,
        step: None,
        dir: ctx.paths.data_dir.join("profiles"),
        stem: format!("profile-{stamp}"),
    };
    ctx.shutdown.handle();
    let done = record_profile(&store, &settings, &place, &ctx.shutdown.token()).await.map_err(err)?;
    if as_json {
        crate::outln!("{}", json!({ "id": done.id, "report": done.report }));
    } else {
        crate::out!("{}", summary::text(&done.report));
    }
    Ok(if done.report.passed() { exit::OK } else { exit::THRESHOLD })
}
