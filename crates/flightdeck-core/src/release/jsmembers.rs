//! The directory of a JavaScript workspace package (npm, Yarn, pnpm-style `workspaces` in the root
//! package.json, `dir/*` globs or plain directories): where a Lerna or Changesets monorepo
//! package's commits are.

use std::path::Path;

/// The directory, relative to `workdir`, of the workspace package whose package.json `name` is
/// `package`.
pub fn member_dir(workdir: &Path, package: &str) -> Option<String> {
    let root: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(workdir.join("package.json")).ok()?).ok()?;
    let list = root.get("workspaces")?;
    let globs = list.as_array().or_else(|| list.get("packages")?.as_array())?;
    globs.iter().filter_map(serde_json::Value::as_str).find_map(|g| {
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
    }
}
