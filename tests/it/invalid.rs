//! Every file in `tests/invalid/` must be rejected with a diagnostic that contains the fragment of
//! its `# expect:` line, names the file, and points at the line of its `# line:` line (0 for a
//! problem with the file as a whole).

use std::fs;
use std::path::{Path, PathBuf};

use flightdeck::workflow::catalog::Catalog;
use flightdeck::workflow::diag::render_all;

/// A project with one task, `db-migrate`, that the invalid files' `uses` steps refer to.
fn fixture_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let tasks = dir.path().join("workflows/tasks");
    fs::create_dir_all(&tasks).expect("create workflows/tasks");
    let task = "title = \"Migrate a database\"\n\n[params.database]\nrequired = true\n\n[[steps]]\nid = \"migrate\"\nrun = \"echo migrate {{ params.database }}\"\n";
    fs::write(tasks.join("db-migrate.toml"), task).expect("write the fixture task");
    dir
}

/// The value of the `key` line (`# expect:`, `# line:`) at the top of a fixture file.
pub fn header(text: &str, key: &str, path: &Path) -> String {
    let value = text.lines().find_map(|l| l.strip_prefix(key));
    value.unwrap_or_else(|| panic!("{} has no `{key}` line", path.display())).trim().to_string()
}

/// The `# expect:` fragment and `# line:` number at the top of a file.
fn expectation(path: &Path) -> (String, u32) {
    let text = fs::read_to_string(path).expect("read an invalid file");
    let line = header(&text, "# line:", path)
        .parse()
        .unwrap_or_else(|e| panic!("{}: bad `# line:`: {e}", path.display()));
    (header(&text, "# expect:", path), line)
}

/// The `.toml` fixtures of `tests/DIR/`, sorted.
pub fn fixture_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} exists: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Why `path` does not fail as its header says, if it does not.
fn check(path: &Path, project: &Path) -> Option<String> {
    let (fragment, line) = expectation(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let Err(diags) = Catalog::load_paths(&[path.to_path_buf()], project) else {
        return Some(format!("{name}: was accepted, expected {fragment:?} at line {line}"));
    };
    let hit = diags.iter().find(|d| {
        let shown = d.to_string();
        shown.contains(&fragment) && shown.contains(&name) && d.line == line
    });
    match hit {
        Some(_) => None,
        None => Some(format!("{name}: expected {fragment:?} at line {line}, got:\n{}", render_all(&diags))),
    }
}

#[test]
fn every_invalid_file_fails_with_its_expected_diagnostic() {
    let files = fixture_files("invalid");
    assert!(files.len() >= 15, "tests/invalid/ should hold at least 15 files, found {}", files.len());
    let project = fixture_project();
    let failures: Vec<String> = files.iter().filter_map(|f| check(f, project.path())).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_fixture_task_itself_is_valid() {
    let project = fixture_project();
    let catalog = Catalog::load(project.path()).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    assert!(catalog.tasks.contains_key("db-migrate"));
}
