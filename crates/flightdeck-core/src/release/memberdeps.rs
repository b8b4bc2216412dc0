//! Requirements on workspace members: when a release moves members of a Cargo workspace to a new
//! version, a `path` dependency on one of them (in a member's `[dependencies]`, dev, build or
//! target tables, or the root's `[workspace.dependencies]`) whose `version` requirement the new
//! version no longer meets (`version = "1.2"` after a bump to 2.0.0) is moved with it, keeping its
//! operator and precision (`"2.0"`), so `cargo metadata --locked` still resolves. Requirements the
//! new version meets are left byte for byte.

use semver::{Version, VersionReq};
use toml_edit::{DocumentMut, Item, TableLike};

const KINDS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// `manifest` with every requirement on a package of `moved` that `new` does not meet rewritten;
/// `None` when nothing needed to change (pure).
pub fn follow_requirements(manifest: &str, moved: &[String], new: &str) -> Result<Option<String>, String> {
    let new = Version::parse(new).map_err(|e| format!("{new:?} is not a version: {e}"))?;
    let mut doc: DocumentMut = manifest.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let mut changed = false;
    for table in dependency_tables(&mut doc) {
        for (key, item) in table.iter_mut() {
            let Some(dep) = item.as_table_like_mut() else { continue };
            let name = dep.get("package").and_then(Item::as_str).unwrap_or(&key).to_string();
            if !moved.contains(&name) || dep.get("path").is_none() {
                continue;
            }
            let Some(value) = dep.get_mut("version").and_then(Item::as_value_mut) else { continue };
            let Some(req) = value.as_str().and_then(|r| followed(r, &new)) else { continue };
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(req);
            *value.decor_mut() = decor;
            changed = true;
        }
    }
    Ok(changed.then(|| doc.to_string()))
}

/// Every dependency table of a manifest: the three kinds at the top and under each `[target.X]`,
/// and `[workspace.dependencies]`.
fn dependency_tables(doc: &mut DocumentMut) -> Vec<&mut dyn TableLike> {
    let mut out: Vec<&mut dyn TableLike> = Vec::new();
    for (key, item) in doc.as_table_mut().iter_mut() {
        match key.get() {
            k if KINDS.contains(&k) => out.extend(item.as_table_like_mut()),
            "workspace" => {
                let deps = item.as_table_like_mut().and_then(|w| w.get_mut("dependencies"));
                out.extend(deps.and_then(Item::as_table_like_mut));
            }
            "target" => {
                let Some(targets) = item.as_table_like_mut() else { continue };
                for (_, target) in targets.iter_mut() {
                    let Some(t) = target.as_table_like_mut() else { continue };
                    for (k, deps) in t.iter_mut() {
                        if KINDS.contains(&k.get()) {
                            out.extend(deps.as_table_like_mut());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The requirement `req` moved to `new`, or `None` when `new` already meets it (or it is not a
/// requirement). Keeps the operator and the number of components (`^1.2` → `^2.0`); falls back to
/// the full version when that would still not match (a pre-release, an upper bound).
fn followed(req: &str, new: &Version) -> Option<String> {
    let parsed = VersionReq::parse(req).ok()?;
    if parsed.matches(new) {
        return None;
    }
    let trimmed = req.trim();
    if !trimmed.contains(',') {
        let op_len = trimmed.find(|c: char| c.is_ascii_digit()).unwrap_or(trimmed.len());
        let (op, rest) = trimmed.split_at(op_len);
        let parts = rest.split('.').count().clamp(1, 3);
        let nums = [new.major, new.minor, new.patch];
        let shortened: Vec<String> = nums[..parts].iter().map(u64::to_string).collect();
        let candidate = format!("{op}{}", shortened.join("."));
        if VersionReq::parse(&candidate).is_ok_and(|r| r.matches(new)) {
            return Some(candidate);
        }
    }
    Some(new.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirement_follows_a_major_bump_keeping_its_form() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert_eq!(followed("1.2", &v("2.0.0")).as_deref(), Some("2.0"));
        assert_eq!(followed("^1.2.3", &v("2.0.0")).as_deref(), Some("^2.0.0"));
        assert_eq!(followed("~1.2", &v("1.3.0")).as_deref(), Some("~1.3"));
        assert_eq!(followed("=0.4.0", &v("0.4.1")).as_deref(), Some("=0.4.1"));
        assert_eq!(followed(">=1.0, <2", &v("2.0.0")).as_deref(), Some("2.0.0"));
        assert_eq!(followed("1.2", &v("2.0.0-rc.1")).as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(followed("1.2", &v("1.3.0")), None, "a met requirement is left alone");
        assert_eq!(followed("not a req", &v("1.3.0")), None);
    }

    #[test]
    fn only_path_dependencies_on_moved_packages_change() {
        let text = "[package]\nname = \"b\"\n\n[dependencies]\na = { path = \"../a\", version = \"1.2\" } # keep\n\
                    other = { path = \"../o\", version = \"1.2\" }\nreg = \"1.2\"\n\n\
                    [target.'cfg(unix)'.dev-dependencies]\nrenamed = { package = \"a\", path = \"../a\", version = \"=1.2.0\" }\n\n\
                    [workspace.dependencies]\na = { path = \"crates/a\", version = \"1.2.0\" }\n";
        let moved = vec!["a".to_string(), "reg".to_string()];
        let out = follow_requirements(text, &moved, "2.0.0").unwrap().unwrap();
        assert!(out.contains("a = { path = \"../a\", version = \"2.0\" } # keep"), "{out}");
        assert!(out.contains("other = { path = \"../o\", version = \"1.2\" }"), "{out}");
        assert!(out.contains("reg = \"1.2\""), "a registry dependency is not a member: {out}");
        assert!(out.contains("version = \"=2.0.0\" }"), "{out}");
        assert!(out.contains("a = { path = \"crates/a\", version = \"2.0.0\" }"), "{out}");
        assert_eq!(follow_requirements(&out, &moved, "2.0.0").unwrap(), None);
    }
}
