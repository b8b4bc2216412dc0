//! Tests of the catalogue (built-in, project, explicit paths) and of cross-file validation.

use std::fs;
use std::path::{Path, PathBuf};

use super::{BUILTIN, Catalog, Loader};
use crate::workflow::diag::Diagnostic;
use crate::workflow::model::Persona;

const TASK: &str = r#"title = "Run a migration"
[params.database]
required = true
[params.mode]
choices = ["online", "offline"]
default = "online"
[[steps]]
id = "migrate"
run = "migrate {{ params.database }} {{ params.mode }}"
"#;

fn workflow(persona: &str, step: &str) -> String {
    format!("title = \"W\"\npersona = \"{persona}\"\n\n[[steps]]\n{step}\n")
}

/// A project directory with `files` (relative path, text) under `workflows/`.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join("workflows").join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn find<'a>(diags: &'a [Diagnostic], fragment: &str) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| d.to_string().contains(fragment))
        .unwrap_or_else(|| panic!("no {fragment:?} in {diags:#?}"))
}

#[test]
fn builtins_embed_every_repository_file_and_are_valid() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("workflows");
    let count = |dir: PathBuf| {
        fs::read_dir(dir).map_or(0, |r| {
            r.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "toml")).count()
        })
    };
    assert_eq!(BUILTIN.len(), count(root.clone()) + count(root.join("tasks")));
    let catalog = Catalog::builtin().unwrap_or_else(|d| panic!("{}", crate::workflow::diag::render_all(&d)));
    assert_eq!(catalog.workflows.len() + catalog.tasks.len(), BUILTIN.len());
    for wf in catalog.workflows.values().chain(catalog.tasks.values()) {
        assert!(wf.source.starts_with("<builtin>"), "{}", wf.source.display());
    }
}

#[test]
fn project_files_load_resolve_uses_and_override_builtins() {
    let dir = project(&[
        ("tasks/execute-migration.toml", TASK),
        (
            "deploy.toml",
            &workflow("diana", "id = \"m\"\nuses = \"execute-migration\"\nwith = { database = \"app\" }"),
        ),
        ("notes.txt", "not a workflow"),
    ]);
    let catalog = Catalog::load(dir.path()).unwrap();
    assert!(catalog.tasks["execute-migration"].is_task);
    assert_eq!(catalog.workflows["deploy"].source, dir.path().join("workflows/deploy.toml"));
    assert!(!catalog.workflows.contains_key("notes"));

    let mut loader = Loader::new(crate::steps::actions());
    loader.add_text(
        &workflow("rita", "id = \"a\"\nrun = \"old\""),
        Path::new("<builtin>/deploy.toml"),
        false,
    );
    loader.add_dir(&dir.path().join("workflows"));
    assert_eq!(loader.catalog.workflows["deploy"].persona, Persona::Diana, "the project file wins");
}

#[test]
fn a_missing_workflows_dir_is_fine_and_problems_of_every_file_are_collected() {
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(Catalog::load(empty.path()).unwrap(), Catalog::builtin().unwrap());
    let dir = project(&[
        ("a.toml", "title = \"A\"\n[[steps]]\nid = \"x\"\nrun = 1\n"),
        ("b.toml", &workflow("nobody", "id = \"y\"\nuses = \"nope\"")),
        ("c.toml", &workflow("phoenix", "id = \"z\"\nuses = \"exec\"")),
    ]);
    let diags = Catalog::load(dir.path()).unwrap_err();
    assert!(find(&diags, "`run` must be a string").file.ends_with("a.toml"));
    assert!(find(&diags, "`persona` = \"nobody\"").file.ends_with("b.toml"));
    let exec = find(&diags, "uses unknown task `exec`");
    assert_eq!((exec.line, exec.column), (6, 8), "at the `uses` value of a workflow that parsed");
    let nope = find(&diags, "uses unknown task `nope`");
    assert!(nope.file.ends_with("b.toml"), "a file with a parse error is still checked across files");
}

#[test]
fn load_paths_checks_only_the_given_files_against_the_project() {
    let dir = project(&[("tasks/execute-migration.toml", TASK), ("broken.toml", "title = ")]);
    let extra = tempfile::tempdir().unwrap();
    let good = extra.path().join("ship.toml");
    fs::write(
        &good,
        workflow("rita", "id = \"m\"\nuses = \"execute-migration\"\nwith = { database = \"x\" }"),
    )
    .unwrap();
    let catalog = Catalog::load_paths(std::slice::from_ref(&good), dir.path()).unwrap();
    assert_eq!(catalog.workflows["ship"].source, good);

    fs::create_dir(extra.path().join("tasks")).unwrap();
    let task = extra.path().join("tasks/nested.toml");
    fs::write(
        &task,
        workflow("rita", "id = \"n\"\nuses = \"execute-migration\"\nwith = { database = \"x\" }"),
    )
    .unwrap();
    let diags = Catalog::load_paths(&[extra.path().to_path_buf()], dir.path()).unwrap_err();
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].message.contains("a task may not use another task"));
    assert_eq!(diags[0].file, task);

    let missing = Catalog::load_paths(&[extra.path().join("nope.toml")], dir.path()).unwrap_err();
    assert!(missing[0].message.contains("no such file"));
}

#[test]
fn uses_problems_are_reported_at_the_step() {
    let step = "id = \"m\"\nuses = \"execute-migraton\"\n\n[[steps]]\nid = \"n\"\nuses = \"execute-migration\"\nwith = { databse = \"x\", mode = \"sideways\" }";
    let dir = project(&[("tasks/execute-migration.toml", TASK), ("w.toml", &workflow("diana", step))]);
    let diags = Catalog::load(dir.path()).unwrap_err();
    let unknown = find(&diags, "unknown task `execute-migraton`");
    assert_eq!((unknown.line, unknown.column), (6, 8), "line and column of the `uses` value");
    assert!(unknown.help.as_deref().unwrap_or_default().contains("did you mean `execute-migration`?"));
    let key = find(&diags, "`with.databse` is not an input of task `execute-migration`");
    assert_eq!(key.line, 8);
    assert!(key.help.as_deref().unwrap_or_default().contains("did you mean `database`?"));
    assert!(find(&diags, "does not give `with.database`").line == 8);
    assert!(find(&diags, "\"sideways\" is not among the choices").line == 8);
}

#[test]
fn lookup_by_name_and_persona() {
    let dir = project(&[
        ("deploy.toml", &workflow("diana", "id = \"a\"\nrun = \"x\"")),
        ("rollback.toml", &workflow("diana", "id = \"a\"\nrun = \"x\"")),
        ("release.toml", &workflow("rita", "id = \"a\"\nrun = \"x\"")),
        ("tasks/clean.toml", TASK),
    ]);
    let catalog = Catalog::load(dir.path()).unwrap();
    assert_eq!(catalog.workflow("deploy").unwrap().name, "deploy");
    let err = catalog.workflow("deplyo").unwrap_err();
    assert!(
        err.contains("did you mean \"deploy\"?")
            && err.contains("deploy, ")
            && err.contains("release, rollback"),
        "{err}"
    );
    // A task runs on its own too (its inputs are its parameters); misspelt, it is suggested.
    assert_eq!(catalog.workflow("clean").unwrap().name, "clean");
    let err = catalog.workflow("claen").unwrap_err();
    assert!(err.contains("did you mean \"clean\"?") && err.contains("; tasks "), "{err}");
    let groups = catalog.by_persona();
    let names = |p: Persona| groups[&p].iter().map(|w| w.name.as_str()).collect::<Vec<_>>();
    let mut diana = names(Persona::Diana);
    let ranks: Vec<(u8, &str)> =
        groups[&Persona::Diana].iter().map(|w| (w.kind.menu_rank(), w.name.as_str())).collect();
    assert!(ranks.windows(2).all(|p| p[0] <= p[1]), "menu order is kind, then name: {ranks:?}");
    diana.sort_unstable();
    assert_eq!(
        diana,
        [
            "container-build",
            "cost-analysis",
            "database-backup",
            "database-migration",
            "deploy",
            "environment-teardown",
            "incident-response",
            "infrastructure-provision",
            "monitoring-setup",
            "notification-setup",
            "rollback",
            "rollout-canary"
        ]
    );
    assert!(names(Persona::Rita).contains(&"release"), "built-in workflows of other personas may join");
    assert!(names(Persona::Phoenix).contains(&"load-test"));
}

#[test]
fn the_readme_examples_are_valid() {
    let readme = fs::read_to_string(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("workflows/README.md"),
    )
    .unwrap();
    let blocks: Vec<&str> =
        readme.split("```toml\n").skip(1).filter_map(|b| b.split_once("```").map(|(code, _)| code)).collect();
    let files: Vec<(&str, &str)> = blocks
        .iter()
        .filter_map(|b| b.strip_prefix("# file: workflows/").and_then(|rest| rest.split_once('\n')))
        .collect();
    assert_eq!(files.len(), 2, "the README shows a workflow and a task");
    let dir = project(&files);
    let catalog =
        Catalog::load(dir.path()).unwrap_or_else(|d| panic!("{}", crate::workflow::diag::render_all(&d)));
    assert_eq!(catalog.workflows["deploy"].steps.len(), 5);
    let whens: Vec<&str> = blocks
        .iter()
        .flat_map(|b| b.lines())
        .filter_map(|l| l.strip_prefix("when = \"").and_then(|w| w.strip_suffix('"')))
        .collect();
    assert!(whens.len() >= 6, "{whens:?}");
    for w in whens {
        assert!(crate::workflow::expr::WhenExpr::parse(w).is_ok(), "README example `{w}` does not parse");
    }
}

#[test]
fn a_workflows_path_that_cannot_be_listed_is_an_error_naming_it() {
    // A file where the directory should be: read_dir fails even for root (chmod 000 would not).
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("workflows"), "not a directory").unwrap();
    let diags = Catalog::load(dir.path()).unwrap_err();
    let d = find(&diags, "cannot read the workflow directory");
    assert_eq!(d.file, dir.path().join("workflows"));
    assert!(d.message.contains(&dir.path().join("workflows").display().to_string()), "{d:?}");
    assert!(d.help.as_deref().unwrap_or_default().contains("built-in"), "{d:?}");
}
