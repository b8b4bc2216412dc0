//! The `env` provider: a secret is an environment variable of the flightdeck process
//! (`PREFIX` + the path, or the upper-cased name). It keeps no versions.

use super::{BoxFuture, Location, Problem, Provider, Secret, secret};

/// Reads environment variables.
#[derive(Debug)]
pub struct EnvProvider {
    /// Prepended to the variable name.
    pub prefix: String,
}

impl EnvProvider {
    /// The variable a secret is read from.
    pub fn var(&self, loc: &Location) -> String {
        let base = loc.path.clone().unwrap_or_else(|| loc.name.to_ascii_uppercase().replace('-', "_"));
        format!("{}{base}", self.prefix)
    }
}

impl Provider for EnvProvider {
    fn kind(&self) -> &'static str {
        "env"
    }

    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let var = self.var(loc);
            match std::env::var(&var) {
                Ok(v) => secret(v, None),
                Err(std::env::VarError::NotPresent) => Err(Problem::PathMissing { path: format!("${var}") }),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(Problem::Malformed { file: format!("${var}"), detail: "not UTF-8".into() })
                }
            }
        })
    }
}
