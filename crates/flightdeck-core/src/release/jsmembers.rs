//! The directory of a JavaScript workspace package (npm, Yarn: `workspaces` in the root
//! package.json; pnpm: `packages:` in pnpm-workspace.yaml; `dir/*` globs or plain directories):
//! where a Lerna or Changesets monorepo package's commits are.

use std::path::Path;

/// The directory, relative to `workdir`, of the workspace package whose package.json `name` is
/// `package`.
pub fn member_dir(workdir: &Path, package: &str) -> Option<String> {
    let globs = package_json_globs(workdir).or_else(|| pnpm_globs(workdir))?;
    globs.iter().filter(|g| !g.starts_with('!')).find_map(|g| {
        let dirs: Vec<std::path::PathBuf> = match g.trim_end_matches('/').strip_suffix("/*") {
            Some(parent) => std::fs::read_dir(workdir.join(parent))
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect(),
            None => vec![workdir.join(g)],
        };
        dirs.into_iter().find_map(|d| {
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(d.join("package.json")).ok()?).ok()?;
            let rel = d.strip_prefix(workdir).ok()?.to_str()?.to_string();
            (doc.get("name")?.as_str()? == package && !rel.is_empty()).then_some(rel)
        })
    })
}

/// The `workspaces` globs of the root package.json (npm, Yarn; an array or `{ packages }`).
fn package_json_globs(workdir: &Path) -> Option<Vec<String>> {
    let root: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(workdir.join("package.json")).ok()?).ok()?;
    let list = root.get("workspaces")?;
    let globs = list.as_array().or_else(|| list.get("packages")?.as_array())?;
    Some(globs.iter().filter_map(serde_json::Value::as_str).map(str::to_string).collect())
}

/// The `packages:` list of pnpm-workspace.yaml (pnpm keeps its workspaces there, not in
/// package.json). Only that block-style list of plain or quoted strings is read.
fn pnpm_globs(workdir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(workdir.join("pnpm-workspace.yaml")).ok()?;
    let mut lines = text.lines().skip_while(|l| l.trim_end() != "packages:").skip(1);
    let mut out = Vec::new();
    while let Some(item) = lines.next().map(str::trim).and_then(|l| l.strip_prefix("- ")) {
        let item = item.split(" #").next().unwrap_or(item).trim();
        out.push(item.trim_matches(|c| c == '\'' || c == '"').to_string());
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_directory_of_a_named_workspace_package() {
        let dir = tempfile::tempdir().unwrap();
        let w = dir.path();
        std::fs::write(w.join("package.json"), r#"{"private":true,"workspaces":["packages/*","tools/cli"]}"#)
            .unwrap();
        for (d, name) in
            [("packages/core", "@acme/core"), ("packages/ui", "@acme/ui"), ("tools/cli", "acme-cli")]
        {
            std::fs::create_dir_all(w.join(d)).unwrap();
            std::fs::write(w.join(d).join("package.json"), format!(r#"{{"name":"{name}"}}"#)).unwrap();
        }
        assert_eq!(member_dir(w, "@acme/ui").as_deref(), Some("packages/ui"));
        assert_eq!(member_dir(w, "acme-cli").as_deref(), Some("tools/cli"));
        assert_eq!(member_dir(w, "@acme/nope"), None);
        std::fs::write(w.join("package.json"), r#"{"workspaces":{"packages":["packages/*"]}}"#).unwrap();
        assert_eq!(member_dir(w, "@acme/core").as_deref(), Some("packages/core"), "Yarn's object form");
        // pnpm (conventional-changelog's monorepo): the list is in pnpm-workspace.yaml.
        std::fs::write(w.join("package.json"), r#"{"private":true}"#).unwrap();
        let yaml = "packages:\n  - 'packages/*'\n  - \"tools/cli\" # the CLI\n  - '!**/test/**'\ncatalog:\n  x: ^1\n";
        std::fs::write(w.join("pnpm-workspace.yaml"), yaml).unwrap();
        assert_eq!(member_dir(w, "@acme/ui").as_deref(), Some("packages/ui"));
        assert_eq!(member_dir(w, "acme-cli").as_deref(), Some("tools/cli"));
    }
}
