//! The catalogue of workflows and tasks: the built-in ones embedded in the binary (this
//! repository's `workflows/*.toml` and `workflows/tasks/*.toml`, see `build.rs`), overridden by a
//! project's files of the same name, then checked across files. Every file's problems are
//! collected, so one `flightdeck validate` shows them all.
//!
//! The loaders take the step kinds the files may name ([`ActionKinds`]): `Catalog::builtin_with`,
//! `load_with` and `load_paths_with`. `Catalog::builtin`, `load` and `load_paths`, which hand in the
//! registered kinds, are defined beside the kind table (`steps`), above this layer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::workflow::diag::{Diagnostic, nearest};
use crate::workflow::kind::ActionKinds;
use crate::workflow::model::{Persona, Workflow};
use crate::workflow::parse::parse_workflow_partial;
use crate::workflow::validate::validate;

mod files;
mod services;

use files::toml_files;
pub use services::service_problems;

#[cfg(test)]
mod tests;

/// `(path under workflows/, is_task, text)` of every built-in file.
static BUILTIN: &[(&str, bool, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_workflows.rs"));

/// Every workflow and task known, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Workflows (`workflows/*.toml`) by name.
    pub workflows: BTreeMap<String, Workflow>,
    /// Tasks (`workflows/tasks/*.toml`) by name.
    pub tasks: BTreeMap<String, Workflow>,
}

impl Catalog {
    /// The built-in catalogue, checked; its steps may name `kinds`.
    pub fn builtin_with(kinds: ActionKinds<'_>) -> Result<Catalog, Vec<Diagnostic>> {
        let mut loader = Loader::new(kinds);
        loader.add_builtins();
        loader.validate_all();
        loader.finish()
    }

    /// The built-in catalogue overridden by `PROJECT/workflows/*.toml` and
    /// `PROJECT/workflows/tasks/*.toml` (a missing directory is fine), checked across files; their
    /// steps may name `kinds`.
    pub fn load_with(project_dir: &Path, kinds: ActionKinds<'_>) -> Result<Catalog, Vec<Diagnostic>> {
        let mut loader = Loader::new(kinds);
        loader.add_builtins();
        loader.add_dir(&project_dir.join("workflows"));
        loader.drop_unfit_builtins();
        loader.validate_all();
        loader.check_config(project_dir);
        loader.finish()
    }

    /// Checks the files or directories in `paths` (for `flightdeck validate PATH...`) on top of the
    /// project's catalogue, so `uses` resolves. Files under a `tasks` directory are tasks; a
    /// directory contributes its `*.toml` and its `tasks/*.toml`. Only problems of `paths` count.
    pub fn load_paths_with(
        paths: &[PathBuf],
        project_dir: &Path,
        kinds: ActionKinds<'_>,
    ) -> Result<Catalog, Vec<Diagnostic>> {
        let mut base = Loader::new(kinds);
        base.add_builtins();
        base.add_dir(&project_dir.join("workflows"));
        let mut loader = Loader { catalog: base.catalog, ..Loader::new(kinds) };
        loader.track = true;
        for path in paths {
            if path.is_dir() {
                loader.add_dir(path);
            } else if path.is_file() {
                let is_task = path.parent().and_then(Path::file_name).is_some_and(|n| n == "tasks");
                loader.add_file(path, is_task);
            } else {
                let msg = "no such file or directory";
                let help = "give workflow files (.toml) or directories holding them";
                loader.diags.push(Diagnostic::new(path, 0, 0, msg).with_help(help));
            }
        }
        let given = std::mem::take(&mut loader.given);
        let config = crate::config::Config::load(project_dir).ok();
        for (is_task, name) in given.keys() {
            let map = if *is_task { &loader.catalog.tasks } else { &loader.catalog.workflows };
            if let Some(wf) = map.get(name) {
                loader.diags.extend(validate(wf, &loader.catalog));
                let services = config.as_ref().map(|c| service_problems(wf, c));
                loader.diags.extend(services.unwrap_or_default());
            }
        }
        loader.finish()
    }

    /// The workflow called `name`, else the task of that name (a task runs on its own too, its
    /// `with` inputs given as parameters), or an error listing the names and the nearest.
    pub fn workflow(&self, name: &str) -> Result<&Workflow, String> {
        if let Some(wf) = self.workflows.get(name).or_else(|| self.tasks.get(name)) {
            return Ok(wf);
        }
        let names: Vec<&str> = self.workflows.keys().map(String::as_str).collect();
        let tasks: Vec<&str> = self.tasks.keys().map(String::as_str).collect();
        let all: Vec<&str> = names.iter().chain(&tasks).copied().collect();
        let hint = nearest(name, &all).map(|n| format!(" (did you mean {n:?}?)")).unwrap_or_default();
        let list = if all.is_empty() {
            "there are no workflows; add one under workflows/".to_string()
        } else if tasks.is_empty() {
            format!("available are {}", names.join(", "))
        } else {
            format!("available are {}; tasks {}", names.join(", "), tasks.join(", "))
        };
        Err(format!("unknown workflow {name:?}{hint}: {list}"))
    }

    /// Workflows (not tasks) grouped by persona, each group in menu order (kind, then name).
    pub fn by_persona(&self) -> BTreeMap<Persona, Vec<&Workflow>> {
        let mut out: BTreeMap<Persona, Vec<&Workflow>> = BTreeMap::new();
        for wf in self.workflows.values() {
            out.entry(wf.persona).or_default().push(wf);
        }
        for list in out.values_mut() {
            list.sort_by_key(|w| (w.kind.menu_rank(), w.name.clone()));
        }
        out
    }
}

/// Builds a catalogue file by file, collecting diagnostics.
struct Loader<'k> {
    /// The step kinds the files may name.
    kinds: ActionKinds<'k>,
    catalog: Catalog,
    diags: Vec<Diagnostic>,
    /// Record the files added, to validate only those and to catch two files of one name.
    track: bool,
    given: BTreeMap<(bool, String), PathBuf>,
}

impl<'k> Loader<'k> {
    fn new(kinds: ActionKinds<'k>) -> Self {
        Loader { kinds, catalog: Catalog::default(), diags: Vec::new(), track: false, given: BTreeMap::new() }
    }

    fn add_builtins(&mut self) {
        for (path, is_task, text) in BUILTIN {
            self.add_text(text, &Path::new("<builtin>").join(path), *is_task);
        }
    }

    /// A directory's `*.toml` (tasks if the directory is named `tasks`) and its `tasks/*.toml`.
    fn add_dir(&mut self, dir: &Path) {
        if dir.file_name().is_some_and(|n| n == "tasks") {
            self.add_files_of(dir, true);
            return;
        }
        self.add_files_of(dir, false);
        self.add_files_of(&dir.join("tasks"), true);
    }

    /// Adds every `*.toml` of `dir`; a directory that exists but cannot be listed is an error
    /// naming it (never a silent fall-back to the built-ins).
    fn add_files_of(&mut self, dir: &Path, is_task: bool) {
        match toml_files(dir) {
            Ok(files) => {
                for file in files {
                    self.add_file(&file, is_task);
                }
            }
            Err(e) => self.diags.push(
                Diagnostic::new(dir, 0, 0, format!("cannot read the workflow directory {}: {e}", dir.display()))
                    .with_help("make it a directory this user can read and list (chmod u+rx), or remove it to use only the built-in workflows"),
            ),
        }
    }

    fn add_file(&mut self, path: &Path, is_task: bool) {
        match std::fs::read_to_string(path) {
            Ok(text) => self.add_text(&text, path, is_task),
            Err(e) => self.diags.push(
                Diagnostic::new(path, 0, 0, format!("cannot read: {e}"))
                    .with_help("check the file's permissions"),
            ),
        }
    }

    /// Parses one file. A file with problems still joins the catalogue (as far as it could be read)
    /// so that its `uses` steps are checked too; its diagnostics make [`Loader::finish`] fail.
    fn add_text(&mut self, text: &str, path: &Path, is_task: bool) {
        let (wf, diags) = parse_workflow_partial(text, path, is_task, self.kinds);
        self.diags.extend(diags);
        let Some(wf) = wf else { return };
        if self.track {
            let key = (is_task, wf.name.clone());
            if let Some(other) = self.given.get(&key).filter(|o| o.as_path() != path) {
                let what = if is_task { "task" } else { "workflow" };
                let msg = format!("a second {what} named `{}` (the first is {})", wf.name, other.display());
                self.diags.push(Diagnostic::new(path, 0, 0, msg).with_help("rename one of the files"));
                return;
            }
            self.given.insert(key, path.to_path_buf());
        }
        let map = if is_task { &mut self.catalog.tasks } else { &mut self.catalog.workflows };
        map.insert(wf.name.clone(), wf);
    }

    /// A built-in workflow that no longer validates because the project overrode a task it uses
    /// (say its own `execute-migration` with other inputs) is left out, not an error: the project's
    /// files decide, and the built-in catalogue alone is checked by `Catalog::builtin`.
    fn drop_unfit_builtins(&mut self) {
        let unfit: Vec<String> = self
            .catalog
            .workflows
            .values()
            .filter(|wf| wf.source.starts_with("<builtin>") && !validate(wf, &self.catalog).is_empty())
            .map(|wf| wf.name.clone())
            .collect();
        for name in unfit {
            tracing::info!("built-in workflow {name} left out: it does not fit the project's tasks");
            self.catalog.workflows.remove(&name);
        }
    }

    /// Checks every workflow against the project's `flightdeck.toml` (a literal `service` in a `check`
    /// step or a rollout's stage check must have monitors); a config that does not load is reported
    /// by its own loader.
    fn check_config(&mut self, project_dir: &Path) {
        let Ok(config) = crate::config::Config::load(project_dir) else { return };
        for wf in self.catalog.workflows.values().chain(self.catalog.tasks.values()) {
            self.diags.extend(service_problems(wf, &config));
        }
    }

    fn validate_all(&mut self) {
        for wf in self.catalog.workflows.values().chain(self.catalog.tasks.values()) {
            self.diags.extend(validate(wf, &self.catalog));
        }
    }

    fn finish(mut self) -> Result<Catalog, Vec<Diagnostic>> {
        if self.diags.is_empty() {
            return Ok(self.catalog);
        }
        // File by file, in line order: parse and cross-file problems of one file together.
        self.diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        self.diags.dedup();
        Err(self.diags)
    }
}
