//! What the console needs at start: header facts (project, branch@sha, operator), the workflows,
//! environments and recent runs, and the theme at the terminal's colour depth.

use std::path::Path;

use crate::app::Init;
use crate::runtime::{Console, ConsoleOptions};
use crate::theme::{BUNDLED, ColorDepth, Theme};
use flightdeck_core::error::Error;
use flightdeck_core::identity::Operator;
use flightdeck_core::project::Project;
use flightdeck_core::store::RunFilter;

/// The start-up facts.
pub fn init(console: &Console, theme: String) -> Init {
    let ctx = &console.ctx;
    let environments = ctx.config.environments.values().map(|e| (e.name.clone(), e.production)).collect();
    let filter = RunFilter { limit: 50, ..RunFilter::default() };
    // A client-only console has no store: its runs come from the runner after the first frame.
    let mut runs = console.store.as_ref().and_then(|s| s.runs(&filter).ok()).unwrap_or_default();
    // As the runner lists them (no plans): the first watch of the runs then redraws nothing.
    for r in &mut runs {
        r.plan_json.clear();
    }
    let mut themes: Vec<String> = BUNDLED.iter().map(|(n, _)| (*n).to_string()).collect();
    if let Ok(dir) = std::fs::read_dir(ctx.paths.project_dir.join("themes")) {
        themes.extend(
            dir.filter_map(Result::ok)
                .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned())),
        );
    }
    themes.sort();
    themes.dedup();
    let dora_days = ctx
        .config
        .dora
        .window
        .as_deref()
        .and_then(flightdeck_core::time::parse_duration)
        .map_or(90, |ms| i64::try_from(ms / 86_400_000).unwrap_or(90).max(1));
    Init {
        env_vars: ctx.config.environments.values().map(|e| (e.name.clone(), e.template_vars())).collect(),
        services: ctx.config.services.keys().cloned().collect(),
        dora_days,
        project: ctx.config.project_name(&ctx.paths.project_dir),
        branch: git_head(&ctx.paths.project_dir),
        operator: Operator::current().name,
        environments,
        default_env: ctx.config.default_env().to_string(),
        // Tasks too: `:run execute-migration` runs one on its own (they are on no persona's menu).
        workflows: console
            .catalog
            .workflows
            .values()
            .chain(console.catalog.tasks.values())
            .cloned()
            .collect(),
        runs,
        now: flightdeck_core::time::now(),
        theme,
        themes,
        load_url: ctx
            .config
            .environment(ctx.config.default_env())
            .ok()
            .and_then(|e| e.vars.get("url").and_then(|v| v.as_str().map(str::to_string))),
    }
}

/// `branch@sha7` of the repository holding `dir`, read from `.git` without running git ("" if none).
pub fn git_head(dir: &Path) -> String {
    let Some(git) = dir.ancestors().map(|d| d.join(".git")).find(|g| g.exists()) else {
        return String::new();
    };
    let git = if git.is_file() {
        // A worktree: `.git` is a file pointing at the real git dir.
        match std::fs::read_to_string(&git)
            .ok()
            .and_then(|t| t.strip_prefix("gitdir:").map(|p| p.trim().to_string()))
        {
            Some(p) => dir.join(p),
            None => return String::new(),
        }
    } else {
        git
    };
    let Ok(head) = std::fs::read_to_string(git.join("HEAD")) else { return String::new() };
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref: ") else {
        return format!("detached@{}", &head[..head.len().min(7)]);
    };
    let branch = reference.strip_prefix("refs/heads/").unwrap_or(reference);
    let sha = std::fs::read_to_string(git.join(reference))
        .ok()
        .or_else(|| packed_ref(&git, reference))
        .or_else(|| {
            std::fs::read_to_string(git.join("commondir"))
                .ok()
                .and_then(|c| std::fs::read_to_string(git.join(c.trim()).join(reference)).ok())
        })
        .map(|s| s.trim().chars().take(7).collect::<String>())
        .unwrap_or_default();
    if sha.is_empty() { branch.to_string() } else { format!("{branch}@{sha}") }
}

fn packed_ref(git: &Path, reference: &str) -> Option<String> {
    let text = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    text.lines()
        .find(|l| l.ends_with(reference))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string)
}

/// The theme: `--theme`, else the config's, else `mono` under `NO_COLOR`, else `default`; degraded
/// to the terminal's colour depth.
pub fn theme(ctx: &Project, opts: &ConsoleOptions) -> Result<(Theme, ColorDepth), Error> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let name = opts
        .theme
        .clone()
        .or_else(|| ctx.config.theme.clone())
        .unwrap_or_else(|| if no_color { "mono".into() } else { "default".into() });
    let theme = Theme::load(&name, Some(&ctx.paths.project_dir.join("themes")))
        .map_err(|e| Error::Invalid(e.to_string()))?;
    if no_color || theme.name == "mono" {
        // Keep bold/reverse, which carry the meaning in the monochrome theme.
        crossterm::style::force_color_output(true);
    }
    let depth = ColorDepth::detect(
        opts.color.as_deref(),
        std::env::var("COLORTERM").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    );
    Ok((theme.degraded(depth), depth))
}
