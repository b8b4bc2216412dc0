//! Version files: the version changes, nothing else does.

use crate::release::files::{FileKind, read_version, set_version, write_version};

#[test]
fn cargo_toml_keeps_comments_and_layout() {
    let text = "# the app\n[package]\nname = \"app\"   # name\nversion = \"1.2.3\" # bumped by flightdeck\nedition = \"2024\"\n\n[dependencies]\nserde = \"1\"\n";
    let out = set_version(text, FileKind::Cargo, "1.3.0").unwrap();
    assert_eq!(out, text.replace("\"1.2.3\"", "\"1.3.0\""));
    let ws = "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nversion = \"0.4.0\"\n";
    assert_eq!(set_version(ws, FileKind::Cargo, "0.5.0").unwrap(), ws.replace("0.4.0", "0.5.0"));
    assert!(
        set_version("[package]\nname = \"x\"\n", FileKind::Cargo, "1.0.0")
            .unwrap_err()
            .contains("no version")
    );
}

#[test]
fn pyproject_project_and_poetry() {
    let text = "[project]\nname = \"app\"\nversion = '0.9.1'  # keep\n";
    let out = set_version(text, FileKind::Pyproject, "0.10.0").unwrap();
    assert_eq!(read_version(&out, FileKind::Pyproject).unwrap(), "0.10.0");
    assert!(out.ends_with("  # keep\n"), "{out}");
    let poetry = "[tool.poetry]\nname = \"app\"\nversion = \"2.0.0\"\n";
    assert_eq!(set_version(poetry, FileKind::Pyproject, "2.0.1").unwrap(), poetry.replace("2.0.0", "2.0.1"));
}

#[test]
fn package_json_keeps_order_and_indentation() {
    let text = "{\n    \"name\": \"app\",\n    \"dependencies\": { \"version\": \"9.9.9\" },\n    \"version\" :  \"1.0.0\",\n    \"scripts\": {}\n}\n";
    let out = set_version(text, FileKind::PackageJson, "1.1.0").unwrap();
    assert_eq!(out, text.replace("\"1.0.0\"", "\"1.1.0\""));
    assert!(set_version("{\"name\": \"x\"}", FileKind::PackageJson, "1.0.0").is_err());
}

#[test]
fn plain_version_file_and_write_rereads() {
    assert_eq!(set_version("1.2.3\n", FileKind::Plain, "1.2.4").unwrap(), "1.2.4\n");
    assert_eq!(set_version("1.2.3", FileKind::Plain, "1.2.4").unwrap(), "1.2.4\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("package.json");
    std::fs::write(&path, "{\"version\": \"0.1.0\"}").unwrap();
    assert_eq!(write_version(&path, "0.2.0").unwrap(), "0.1.0");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"version\": \"0.2.0\"}");
}
