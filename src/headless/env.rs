//! `flightdeck env resources ENV [--json] [--all]`: the inventory of what flightdeck created in an
//! environment (DNS records, certificates, infrastructure-as-code applies, containers), oldest first,
//! as `environment-teardown` removes it (in reverse).

use std::fmt::Write as _;

use crate::cli::EnvCommand;
use crate::error::{Error, exit};
use crate::headless::Ctx;
use crate::sanitize::one_line;
use crate::store::ResourceRecord;

/// `flightdeck env ...`.
pub fn env(ctx: &Ctx, c: &EnvCommand) -> Result<i32, Error> {
    match c {
        EnvCommand::Resources(a) => {
            let store = ctx.store()?;
            let rows = store.resources(&a.env, a.all)?;
            if a.json {
                let text = serde_json::to_string_pretty(&rows)
                    .map_err(|e| Error::Internal(format!("encoding resources: {e}")))?;
                crate::outln!("{text}");
            } else {
                crate::out!("{}", table(&a.env, &rows));
            }
            Ok(exit::OK)
        }
    }
}

/// The text listing: one line per resource.
fn table(env: &str, rows: &[ResourceRecord]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(out, "no resources recorded in {}", one_line(env));
        return out;
    }
    let _ = writeln!(out, "{:<5} {:<16} {:<40} {:<20} {:<12} STATE", "ID", "KIND", "NAME", "CREATED", "RUN");
    for r in rows {
        let state =
            r.removed_at.map_or_else(|| "live".to_string(), |t| format!("removed {}", t.to_rfc3339()));
        let _ = writeln!(
            out,
            "{:<5} {:<16} {:<40} {:<20} {:<12} {}",
            r.id,
            one_line(&r.kind),
            one_line(&r.name),
            r.created_at.to_rfc3339(),
            one_line(r.run.as_deref().unwrap_or("-")),
            state
        );
    }
    out
}
