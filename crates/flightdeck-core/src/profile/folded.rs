//! Folded stacks (`main;serve;handle;hot 42`, one line per distinct stack, root first) made from
//! `perf script` by inferno's perf collapser, tidied (Rust symbol hashes dropped, equal stacks
//! merged), and the per-function figures read from them: a function's *self* share is the part of
//! all samples where it is the innermost frame, its *total* share the part where it is anywhere on
//! the stack (counted once per sample, so recursion does not count twice).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::BufReader;
use std::path::Path;

use inferno::collapse::Collapse;
use serde::{Deserialize, Serialize};

use super::ProfileError;

/// One function's share of the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionShare {
    /// The function (demangled, without its hash).
    pub name: String,
    /// Samples where it was the innermost frame, in percent of all samples.
    pub self_pct: f64,
    /// Samples where it was on the stack, in percent of all samples.
    pub total_pct: f64,
}

/// Per-function sample counts of one profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shares {
    /// All samples.
    pub samples: u64,
    /// Function name → (self samples, total samples).
    pub functions: BTreeMap<String, (u64, u64)>,
}

/// Folds the `perf script` output in `script` into tidied folded stacks.
pub fn collapse_perf_script(script: &Path) -> Result<String, ProfileError> {
    let file = std::fs::File::open(script)
        .map_err(|e| ProfileError::io(format!("cannot read perf's output {}", script.display()), e))?;
    // The options are non-exhaustive: set the one we need on the defaults.
    let mut opts = inferno::collapse::perf::Options::default();
    opts.nthreads = 1;
    let mut folder = inferno::collapse::perf::Folder::from(opts);
    let mut out = Vec::new();
    folder
        .collapse(BufReader::new(file), &mut out)
        .map_err(|e| ProfileError::io(format!("cannot fold the stacks in {}", script.display()), e))?;
    Ok(tidy(&String::from_utf8_lossy(&out)))
}

/// The stacks of folded text with their counts (lines that do not end in a count are skipped).
pub fn stacks(folded: &str) -> impl Iterator<Item = (&str, u64)> {
    folded.lines().filter_map(|line| {
        let (stack, count) = line.trim_end().rsplit_once(' ')?;
        Some((stack, count.parse().ok()?))
    })
}

/// Drops Rust symbol hashes from every frame and merges the stacks that become equal.
pub fn tidy(folded: &str) -> String {
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for (stack, count) in stacks(folded) {
        let clean: Vec<&str> = stack.split(';').map(strip_hash).collect();
        *merged.entry(clean.join(";")).or_default() += count;
    }
    let mut out = String::new();
    for (stack, count) in &merged {
        let _ = writeln!(out, "{stack} {count}");
    }
    out
}

/// `a::b::h0123456789abcdef` → `a::b`.
fn strip_hash(frame: &str) -> &str {
    match frame.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => head,
        _ => frame,
    }
}

impl Shares {
    /// Counts self and total samples per function.
    pub fn of(folded: &str) -> Shares {
        let mut shares = Shares::default();
        let mut seen = HashSet::new();
        for (stack, count) in stacks(folded) {
            shares.samples += count;
            seen.clear();
            let frames: Vec<&str> = stack.split(';').collect();
            for frame in &frames {
                if seen.insert(*frame) {
                    shares.functions.entry((*frame).to_string()).or_default().1 += count;
                }
            }
            if let Some(leaf) = frames.last() {
                shares.functions.entry((*leaf).to_string()).or_default().0 += count;
            }
        }
        shares
    }

    /// A count as a percentage of all samples.
    #[allow(clippy::cast_precision_loss)]
    pub fn pct(&self, count: u64) -> f64 {
        if self.samples == 0 { 0.0 } else { count as f64 * 100.0 / self.samples as f64 }
    }

    /// The (self, total) percentages of `name` (0 when it was never sampled).
    pub fn of_function(&self, name: &str) -> (f64, f64) {
        self.functions.get(name).map_or((0.0, 0.0), |(s, t)| (self.pct(*s), self.pct(*t)))
    }

    /// The `n` functions with the highest self share (ties: higher total share, then name).
    pub fn ranked(&self, n: usize) -> Vec<FunctionShare> {
        let mut all: Vec<(&String, &(u64, u64))> = self.functions.iter().filter(|(_, c)| c.0 > 0).collect();
        all.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(name, (s, t))| FunctionShare {
                name: name.clone(),
                self_pct: self.pct(*s),
                total_pct: self.pct(*t),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOLDED: &str =
        "main;serve;handle;hot 60\nmain;serve;handle 10\nmain;serve;rec;rec 20\nmain;idle 10\n";

    #[test]
    fn self_and_total_shares_count_each_sample_once() {
        let s = Shares::of(FOLDED);
        assert_eq!(s.samples, 100);
        assert_eq!(s.of_function("hot"), (60.0, 60.0));
        assert_eq!(s.of_function("handle"), (10.0, 70.0));
        assert_eq!(s.of_function("rec"), (20.0, 20.0), "recursion counts once in total");
        assert_eq!(s.of_function("main"), (0.0, 100.0));
        assert_eq!(s.of_function("absent"), (0.0, 0.0));
        let top = s.ranked(2);
        assert_eq!(top.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["hot", "rec"]);
    }

    #[test]
    fn tidy_drops_rust_hashes_and_merges_stacks() {
        let raw =
            "main;a::b::h0123456789abcdef 3\nmain;a::b::hfedcba9876543210 4\nmain;a::hot_thing 1\nbad line\n";
        assert_eq!(tidy(raw), "main;a::b 7\nmain;a::hot_thing 1\n");
    }
}
