//! The registered kinds handed to the layers that use them without naming this module: the
//! workflow loader takes [`actions`] (the load-time halves), the engine [`kinds`] (both halves). The
//! plain loaders of the catalogue (`Catalog::builtin`, `load`, `load_paths`) and
//! [`Project::catalog`] hand in the registered kinds here, above those layers; code below them
//! (the runner) is handed the table instead (`RunnerConfig::kinds`).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use crate::error::Error;
use crate::project::Project;
use crate::steps::{ActionKind, KINDS, StepKinds};
use crate::workflow::catalog::Catalog;
use crate::workflow::diag::Diagnostic;
use crate::workflow::kind::ActionKinds;

/// The registered kinds' load-time halves, in [`KINDS`] order.
static ACTIONS: LazyLock<Vec<&'static dyn ActionKind>> =
    LazyLock::new(|| KINDS.iter().map(|&k| k as &'static dyn ActionKind).collect());

/// The registered kinds as the workflow loader takes them.
pub fn actions() -> ActionKinds<'static> {
    ActionKinds(ACTIONS.as_slice())
}

/// The registered kinds as the runner and the engine take them.
pub fn kinds() -> StepKinds {
    StepKinds::new(KINDS, actions())
}

/// The catalogue loaded with the registered kinds (`Catalog::*_with` take another table).
impl Catalog {
    /// The built-in catalogue, checked.
    pub fn builtin() -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::builtin_with(actions())
    }

    /// The built-in catalogue overridden by `PROJECT/workflows/*.toml` and
    /// `PROJECT/workflows/tasks/*.toml` (a missing directory is fine), checked across files.
    pub fn load(project_dir: &Path) -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::load_with(project_dir, actions())
    }

    /// Checks the files or directories in `paths` (for `flightdeck validate PATH...`) on top of the
    /// project's catalogue, so `uses` resolves. Files under a `tasks` directory are tasks; a
    /// directory contributes its `*.toml` and its `tasks/*.toml`. Only problems of `paths` count.
    pub fn load_paths(paths: &[PathBuf], project_dir: &Path) -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::load_paths_with(paths, project_dir, actions())
    }
}

impl Project {
    /// The built-in and project workflows, validated against the registered kinds.
    pub fn catalog(&self) -> Result<Catalog, Error> {
        Catalog::load(&self.paths.project_dir).map_err(Error::Diagnostics)
    }
}
