//! The core's top-level modules form a DAG (issue 12: "no module cycles between the top-level
//! modules of the core crate"). This test reads every `.rs` file under `src/`, collects each
//! `crate::X` path (in `use crate::X::...`, `use crate::{X::.., Y}` and inline `crate::X::f()`),
//! and builds the graph "top-level module A names top-level module B". It fails when that graph has
//! a cycle, printing the cycle and the `file:line` of every edge on it.
//!
//! Test code is not part of the layering and is left out: files named `tests.rs`, `tests_*.rs` or
//! `*_tests.rs`, and inline `#[cfg(test)] mod … { … }` blocks. Comments are ignored.
//!
//! The graph must be acyclic: there are no known back edges left. The last two, `engine -> steps`
//! and `workflow -> steps`, went when the step-kind interface was split into a load-time half
//! (`workflow::kind::ActionKind`, the table handed to the parser) and a run-time half
//! (`engine::StepKind`, the table handed to the engine in `RunSpec`); `steps` names both layers and
//! neither names it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One edge: the importing module, the imported module, and where (`file:line`).
type Edges = BTreeMap<(String, String), Vec<String>>;

fn src_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules: `src/x.rs` and `src/x/` (except `lib.rs`).
fn top_level_modules(root: &Path) -> BTreeSet<String> {
    let mut mods = BTreeSet::new();
    for entry in std::fs::read_dir(root).expect("read src/") {
        let path = entry.expect("dir entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.is_dir() || (path.extension().is_some_and(|e| e == "rs") && stem != "lib") {
            mods.insert(stem);
        }
    }
    mods
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_test_file(path: &Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    stem == "tests" || stem.starts_with("tests_") || stem.ends_with("_tests")
}

/// The file's lines with comments and inline `#[cfg(test)] mod … { … }` blocks blanked out.
fn non_test_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut skip_depth: Option<i64> = None;
    let mut pending_cfg_test = false;
    for raw in &lines {
        let line = raw.split("//").next().unwrap_or_default();
        let opens = i64::try_from(line.matches('{').count()).unwrap_or(0);
        let closes = i64::try_from(line.matches('}').count()).unwrap_or(0);
        if let Some(depth) = skip_depth.as_mut() {
            *depth += opens - closes;
            if *depth <= 0 {
                skip_depth = None;
            }
            out.push(String::new());
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("#[cfg(test)]") {
            pending_cfg_test = true;
        } else if pending_cfg_test && !trimmed.is_empty() && !trimmed.starts_with("#[") {
            pending_cfg_test = false;
            if trimmed.contains("mod ") && trimmed.ends_with('{') {
                skip_depth = Some(opens - closes);
                out.push(String::new());
                continue;
            }
        }
        out.push(line.to_string());
    }
    out
}

/// Every identifier `X` right after `crate::` on this line, plus the first segment of each item in
/// a `crate::{X::.., Y}` group (which may span lines: `group` carries the open state).
fn crate_refs(line: &str, group: &mut bool, found: &mut Vec<String>) {
    let mut rest = line;
    if *group {
        collect_group(rest, group, found);
        return;
    }
    while let Some(at) = rest.find("crate::") {
        let before = &rest[..at];
        let after = &rest[at + "crate::".len()..];
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            rest = after;
            continue;
        }
        if let Some(inner) = after.strip_prefix('{') {
            *group = true;
            collect_group(inner, group, found);
            return;
        }
        found.push(ident(after));
        rest = after;
    }
}

fn collect_group(text: &str, group: &mut bool, found: &mut Vec<String>) {
    let mut depth = 0_i32;
    let mut at_item_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                *group = false;
                return;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if c.is_whitespace() => {}
            _ if at_item_start && depth == 0 => {
                at_item_start = false;
                found.push(ident(&text[i..]));
                while chars.peek().is_some_and(|(_, c)| c.is_alphanumeric() || *c == '_') {
                    chars.next();
                }
            }
            _ => {}
        }
    }
}

fn ident(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

fn module_edges(root: &Path, mods: &BTreeSet<String>) -> Edges {
    let mut edges = Edges::new();
    for module in mods {
        let base =
            if root.join(module).is_dir() { root.join(module) } else { root.join(format!("{module}.rs")) };
        let mut files = Vec::new();
        rust_files(&base, &mut files);
        for file in files.iter().filter(|f| !is_test_file(f)) {
            let text = std::fs::read_to_string(file).expect("read source file");
            let rel = file.strip_prefix(root.parent().unwrap_or(root)).unwrap_or(file);
            let mut group = false;
            for (n, line) in non_test_lines(&text).iter().enumerate() {
                let mut found = Vec::new();
                crate_refs(line, &mut group, &mut found);
                for target in found.into_iter().filter(|t| t != module && mods.contains(t)) {
                    let at = format!("{}:{}", rel.display(), n + 1);
                    edges.entry((module.clone(), target)).or_default().push(at);
                }
            }
        }
    }
    edges
}

/// Strongly connected components with more than one module (Tarjan, iterative enough for ~40 nodes).
fn cycles(mods: &BTreeSet<String>, edges: &Edges) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        graph: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.stack.contains(&w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    scc.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.found.push(scc);
                }
            }
        }
    }
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        graph.entry(a.as_str()).or_default().push(b.as_str());
    }
    let mut t =
        Tarjan { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for m in mods {
        if !t.index.contains_key(m.as_str()) {
            t.visit(m.as_str());
        }
    }
    t.found
}

/// A shortest cycle through `start` inside `scc` (breadth-first), as a list of modules.
fn one_cycle(start: &str, scc: &[String], edges: &Edges) -> Vec<String> {
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(v) = queue.pop_front() {
        for (a, b) in edges.keys().filter(|(a, b)| *a == v && scc.contains(b)) {
            if b == start {
                let mut path = vec![a.clone()];
                while let Some(p) = prev.get(path.last().expect("non-empty")) {
                    path.push(p.clone());
                }
                path.reverse();
                path.push(start.to_string());
                return path;
            }
            if !prev.contains_key(b) && b != start {
                prev.insert(b.clone(), a.clone());
                queue.push_back(b.clone());
            }
        }
    }
    Vec::new()
}

fn report(sccs: &[Vec<String>], edges: &Edges) -> String {
    let mut out = String::new();
    for scc in sccs {
        let _ = writeln!(out, "\nmodules in a cycle: {}", scc.join(", "));
        let cycle = one_cycle(&scc[0], scc, edges);
        let _ = writeln!(out, "  e.g. {}", cycle.join(" -> "));
        for (a, b) in edges.keys().filter(|(a, b)| scc.contains(a) && scc.contains(b)) {
            let at = &edges[&(a.clone(), b.clone())];
            let more = if at.len() > 3 { format!(" (+{} more)", at.len() - 3) } else { String::new() };
            let _ = writeln!(out, "  {a} -> {b}: {}{more}", at[..at.len().min(3)].join(", "));
        }
    }
    out
}

#[test]
fn top_level_modules_have_no_cycles() {
    let root = src_root();
    let mods = top_level_modules(&root);
    assert!(
        mods.contains("engine") && mods.contains("steps"),
        "did not find the core's modules in {}",
        root.display()
    );
    let edges = module_edges(&root, &mods);
    assert!(
        edges.contains_key(&("steps".to_string(), "workflow".to_string())),
        "the scanner found no `crate::` paths"
    );
    let sccs = cycles(&mods, &edges);
    assert!(sccs.is_empty(), "the core's top-level modules have cycles:{}", report(&sccs, &edges));
}

#[test]
fn the_engine_and_the_workflow_loader_do_not_name_the_step_kinds() {
    let root = src_root();
    let mods = top_level_modules(&root);
    let edges = module_edges(&root, &mods);
    for from in ["engine", "workflow"] {
        let key = (from.to_string(), "steps".to_string());
        assert!(
            !edges.contains_key(&key),
            "{from} names `crate::steps` at {:?}: hand it the kind table instead (`RunSpec::kinds`, \
             `Catalog::*_with`)",
            edges[&key]
        );
    }
}

#[test]
fn the_scanner_sees_grouped_and_inline_paths_and_skips_test_blocks() {
    let mut group = false;
    let mut found = Vec::new();
    crate_refs("use crate::{engine::Event, store::{Store, RunRow},", &mut group, &mut found);
    assert!(group, "an unclosed group stays open");
    crate_refs("    workflow};  let x = crate::time::now();", &mut group, &mut found);
    assert_eq!(found, ["engine", "store", "workflow"]);
    crate_refs("let x = crate::time::now(); let y = $crate::out::x; foocrate::z", &mut group, &mut found);
    assert_eq!(found.last().map(String::as_str), Some("time"));
    let lines = non_test_lines(
        "use crate::a;\n#[cfg(test)]\nmod tests {\n  use crate::b;\n}\nuse crate::c; // crate::d\n",
    );
    assert_eq!(lines, ["use crate::a;", "#[cfg(test)]", "", "", "", "use crate::c; "]);
}
