//! Checks that the repository's demo files fit these commands: `flightdeck.toml` parses and its
//! environment URLs are ones the loopback client accepts, and every `"$FLIGHTDECK" sandbox|db ...`
//! line of the demo workflows parses with the clap types the binary uses. (An integration test, so
//! the sandbox module does not depend on the db module.)

use std::path::Path;

use clap::{Parser, Subcommand};

use flightdeck::config::Config;
use flightdeck::dbtool::DbCommand;
use flightdeck::sandbox::SandboxCommand;
use flightdeck::sandbox::client::LoopbackUrl;

#[derive(Parser)]
#[command(name = "flightdeck", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    #[command(subcommand)]
    Db(DbCommand),
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn project_config_has_loopback_environments() {
    let path = root().join("flightdeck.toml");
    let config = Config::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    assert_eq!(config.env_names(), ["production", "staging"]);
    let prod = config.environment("production").unwrap();
    assert!(prod.production && prod.allow_self_approval);
    assert_eq!(prod.confirm_phrase.as_deref(), Some("DEPLOY TO PRODUCTION"));
    assert_eq!(prod.approval_timeout_ms(), Some(30 * 60 * 1000));
    let mut ports = Vec::new();
    for name in config.env_names() {
        let url = config.environment(&name).unwrap().vars["url"].as_str().unwrap().to_string();
        ports.push(LoopbackUrl::parse(&url).unwrap().port());
    }
    assert_eq!(ports, [7879, 7878]);
}

/// Every string value under `[[steps]]` keys that hold shell commands.
fn commands(file: &Path) -> Vec<String> {
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let steps = doc["steps"].as_array().unwrap();
    let mut out = Vec::new();
    for step in steps {
        for key in ["run", "rollback", "dry_run"] {
            if let Some(cmd) = step.get(key).and_then(toml::Value::as_str) {
                out.push(cmd.to_string());
            }
        }
    }
    out
}

/// Replaces `{{ ... }}` with a plain word, as the engine would with a shell-quoted value.
fn fill_templates(cmd: &str) -> String {
    let re = regex::Regex::new(r"\{\{[^}]*\}\}").unwrap();
    re.replace_all(cmd, "VALUE").into_owned()
}

#[test]
fn workflow_commands_parse() {
    let files = [
        "workflows/deploy.toml",
        "workflows/rollback.toml",
        "workflows/tasks/execute-migration.toml",
        "workflows/database-migration.toml",
    ];
    let mut checked = 0;
    for file in files {
        for cmd in commands(&root().join(file)) {
            for line in fill_templates(&cmd).lines().filter(|l| l.contains("\"$FLIGHTDECK\"")) {
                // Only the flightdeck command itself: drop a `|| fallback` after it.
                let line = line.split(" || ").next().unwrap_or(line);
                // `x=$("$FLIGHTDECK" ...)`: the command inside the substitution.
                let line = match line.split_once("=$(") {
                    Some((_, inner)) => inner.strip_suffix(')').unwrap_or(inner),
                    None => line,
                };
                let words = shlex::split(line.trim()).unwrap();
                assert_eq!(words[0], "$FLIGHTDECK", "{file}: {line}");
                // The binary's other subcommands (`ledger last-good`) are run for real by the demo tests.
                if !matches!(words.get(1).map(String::as_str), Some("sandbox" | "db")) {
                    continue;
                }
                let args = std::iter::once("flightdeck".to_string()).chain(words.into_iter().skip(1));
                if let Err(e) = Cli::try_parse_from(args) {
                    panic!("{file}: {line}\n{e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} commands found");
}
