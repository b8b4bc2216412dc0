//! The layers are crates, and the dependency graph is the architecture: `flightdeck-core` (every
//! capability) depends on no terminal crate, and only `flightdeck-console` depends on ratatui or
//! crossterm. The compiler enforces the rest (core code cannot name the console); this test reads
//! the resolved graph from `cargo metadata` so a new dependency edge that breaks the rule fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Package name → names of its normal (non-dev, non-build) dependencies, from the resolved graph.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &host()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p["name"].as_str().expect("name")))
        .collect();
    let mut graph = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("nodes") {
        let name = names[node["id"].as_str().expect("id")].to_string();
        let deps = node["deps"]
            .as_array()
            .expect("deps")
            .iter()
            .filter(|d| d["dep_kinds"].as_array().expect("kinds").iter().any(|k| k["kind"].is_null()))
            .map(|d| names[d["pkg"].as_str().expect("pkg")].to_string())
            .collect();
        graph.insert(name, deps);
    }
    graph
}

/// The host's target triple (`rustc -vV`): the graph that builds here, with no other platform's
/// crates (which `--offline` could not resolve).
fn host() -> String {
    let out = Command::new("rustc").arg("-vV").output().expect("run rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host")
}

/// Every package reachable from `root` through normal dependencies.
fn closure(graph: &BTreeMap<String, BTreeSet<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_string()];
    while let Some(p) = todo.pop() {
        if seen.insert(p.clone()) {
            todo.extend(graph.get(&p).into_iter().flatten().cloned());
        }
    }
    seen
}

#[test]
fn the_core_depends_on_no_terminal_crate() {
    let g = graph();
    let core = closure(&g, "flightdeck-core");
    assert!(core.contains("tokio"), "the closure must be real: {core:?}");
    for ui in ["ratatui", "crossterm", "flightdeck-console", "ratatui-textarea"] {
        assert!(!core.contains(ui), "flightdeck-core reaches {ui}");
    }
}

#[test]
fn only_the_console_names_the_terminal_crates_directly() {
    let g = graph();
    for (pkg, deps) in g.iter().filter(|(p, _)| p.starts_with("flightdeck")) {
        let direct_ui = deps.iter().any(|d| d == "ratatui" || d == "crossterm");
        assert_eq!(direct_ui, pkg == "flightdeck-console", "{pkg} depends directly on {deps:?}");
    }
}
