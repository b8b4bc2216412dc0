//! The Keep a Changelog file: one section per version (date, groups mapped from commit types,
//! scopes in bold, commit and compare links when the remote is a known forge, hotfixes marked),
//! an `## [Unreleased]` heading kept on top, and prepending that never touches earlier entries.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Group, ReleaseCommit};
use crate::sanitize::one_line;

/// The header of a new changelog file.
pub const HEADER: &str = "# Changelog\n\nAll notable changes to this project are documented in this file.\n\n\
The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n";

/// Commits of one group, as they appear in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangelogGroup {
    /// The group.
    pub group: Group,
    /// Its heading (`Added`).
    pub title: String,
    /// Its commits, oldest first (git-cliff's and release-plz's default `sort_commits = "oldest"`).
    pub commits: Vec<ReleaseCommit>,
}

/// Groups commits (given newest first, as a history walk yields them) in changelog order, each
/// group oldest first, dropping release commits and non-conventional merge commits.
pub fn group(commits: &[ReleaseCommit]) -> Vec<ChangelogGroup> {
    let mut groups: Vec<ChangelogGroup> = Vec::new();
    let mut sorted: Vec<&ReleaseCommit> = commits.iter().rev().filter(|c| !c.is_noise()).collect();
    sorted.sort_by_key(|c| c.group);
    for c in sorted {
        match groups.last_mut() {
            Some(g) if g.group == c.group => g.commits.push(c.clone()),
            _ => groups.push(ChangelogGroup {
                group: c.group,
                title: c.group.title().into(),
                commits: vec![c.clone()],
            }),
        }
    }
    groups
}

/// Web links of a repository on a forge (GitHub, GitLab, Gitea, Codeberg style URLs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    /// `https://host/owner/repo`.
    pub base: String,
}

impl Links {
    /// Links from a remote URL (`git@host:o/r.git`, `https://host/o/r.git`, `ssh://git@host/o/r`);
    /// `None` for local paths and `file://` remotes.
    pub fn from_remote(url: &str) -> Option<Links> {
        let url = url.trim().trim_end_matches('/').trim_end_matches(".git");
        let rest = if let Some(r) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
            r.split_once('@').map_or(r, |(_, h)| h).to_string()
        } else if let Some(r) = url.strip_prefix("ssh://") {
            let r = r.split_once('@').map_or(r, |(_, h)| h);
            let (host, path) = r.split_once('/')?;
            format!("{}/{path}", host.split(':').next().unwrap_or(host))
        } else if let Some((user_host, path)) = url.split_once(':') {
            if user_host.contains('/') || path.starts_with("//") {
                return None;
            }
            format!("{}/{path}", user_host.split_once('@').map_or(user_host, |(_, h)| h))
        } else {
            return None;
        };
        (rest.split('/').filter(|s| !s.is_empty()).count() >= 3)
            .then(|| Links { base: format!("https://{rest}") })
    }

    /// A commit's page.
    pub fn commit(&self, sha: &str) -> String {
        format!("{}/commit/{sha}", self.base)
    }

    /// The compare view between two refs.
    pub fn compare(&self, from: &str, to: &str) -> String {
        format!("{}/compare/{from}...{to}", self.base)
    }
}

/// What one section is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The version shown (`1.3.0`).
    pub version: String,
    /// Its tag (`v1.3.0`).
    pub tag: String,
    /// The previous release's tag, for the compare link.
    pub previous_tag: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// A hotfix release: the heading is marked and says what it fixes.
    pub hotfix: bool,
}

/// Renders one version section (ends with a newline).
pub fn render_section(s: &Section, groups: &[ChangelogGroup], links: Option<&Links>) -> String {
    let title = match (links, &s.previous_tag) {
        (Some(l), Some(prev)) => format!("[{}]({})", s.version, l.compare(prev, &s.tag)),
        _ => format!("[{}]", s.version),
    };
    let mark = if s.hotfix { " [HOTFIX]" } else { "" };
    let mut out = format!("## {title} - {}{mark}\n", s.date);
    if s.hotfix {
        let from = s.previous_tag.as_deref().unwrap_or("the production release");
        let _ = write!(out, "\n_Hotfix on top of {from}._\n");
    }
    if groups.is_empty() {
        out.push_str("\nNo notable changes.\n");
    }
    for g in groups {
        let _ = write!(out, "\n### {}\n\n", g.title);
        for c in &g.commits {
            out.push_str(&entry(c, links));
        }
    }
    out
}

/// One list item. Commit text is untrusted: it is kept, on one line (a multi-line breaking-change
/// note is joined with spaces so the list stays a list), with every control character written
/// as a visible escape (`\u001b`), so neither the file nor a terminal showing it obeys them.
fn entry(c: &ReleaseCommit, links: Option<&Links>) -> String {
    let clean = |t: &str| one_line(&t.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned();
    let scope = c.scope.as_ref().map(|s| format!("**{}:** ", clean(s))).unwrap_or_default();
    let text = match (&c.breaking_note, c.group) {
        (Some(note), Group::Breaking) if !note.is_empty() => {
            format!("{} — {}", clean(&c.description), clean(note))
        }
        _ if c.description.trim().is_empty() => "(no message)".to_string(),
        _ => clean(&c.description),
    };
    let link = match links {
        Some(l) => format!("[{}]({})", c.short, l.commit(&c.sha)),
        None => c.short.clone(),
    };
    format!("- {scope}{text} ({link})\n")
}

/// The section for `version` in a changelog text, if present (heading line to the next `## `).
pub fn extract(text: &str, version: &str) -> Option<String> {
    let needle = format!("## [{version}]");
    let start = line_starts(text).find(|&i| text[i..].starts_with(&needle))?;
    let body_from = start + text[start..].find('\n').map_or(text.len() - start, |n| n + 1);
    let end =
        line_starts(text).find(|&i| i >= body_from && text[i..].starts_with("## ")).unwrap_or(text.len());
    Some(text[start..end].trim_end().to_string() + "\n")
}

fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).filter(move |&i| i < text.len())
}

/// `existing` (or a new file) with `section` inserted below `## [Unreleased]` and above every
/// earlier version; everything from the first earlier version on is kept byte for byte. Notes
/// written by hand under Unreleased move into the new section.
pub fn prepend(existing: Option<&str>, section: &str) -> String {
    let text = existing.filter(|t| !t.trim().is_empty()).unwrap_or(HEADER);
    let starts: Vec<usize> = line_starts(text).filter(|&i| text[i..].starts_with("## ")).collect();
    let unreleased = starts.iter().copied().find(|&i| {
        let line = text[i..].lines().next().unwrap_or_default();
        line.to_ascii_lowercase().contains("unreleased")
    });
    let (head, notes, tail) = if let Some(u) = unreleased {
        let body = u + text[u..].find('\n').map_or(text.len() - u, |n| n + 1);
        let next = starts.iter().copied().find(|&i| i > u).unwrap_or(text.len());
        (&text[..u], text[body.min(next)..next].trim(), &text[next..])
    } else {
        let first = starts.first().copied().unwrap_or(text.len());
        (&text[..first], "", &text[first..])
    };
    let mut out = head.to_string();
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
    }
    out.push_str("## [Unreleased]\n\n");
    out.push_str(section.trim_end());
    out.push('\n');
    if !notes.is_empty() {
        let _ = write!(out, "\n### Notes\n\n{notes}\n");
    }
    if !tail.is_empty() {
        out.push('\n');
        out.push_str(tail);
    }
    out
}

/// `text` with `section` (of `version`) inserted above the first earlier version, so a hotfix
/// of an older line lands in version order on the main branch; unchanged when the version has a
/// section already. Every existing byte is kept.
pub fn insert_in_order(text: &str, section: &str, version: &semver::Version) -> String {
    if extract(text, &version.to_string()).is_some() {
        return text.to_string();
    }
    let heading_version = |i: usize| {
        let line = text[i..].lines().next().unwrap_or_default();
        let inner = line.strip_prefix("## [")?.split(']').next()?;
        semver::Version::parse(inner).ok()
    };
    let at = line_starts(text)
        .filter(|&i| text[i..].starts_with("## ["))
        .find(|&i| heading_version(i).is_some_and(|v| v < *version));
    let block = format!("{}\n", section.trim_end());
    match at {
        Some(i) => format!("{}{block}\n{}", &text[..i], &text[i..]),
        None if text.is_empty() => prepend(None, &block),
        None => format!(
            "{}{}{block}",
            text,
            if text.ends_with("\n\n") {
                ""
            } else if text.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            }
        ),
    }
}

/// `text` with the Keep a Changelog `[unreleased]: .../compare/OLD...HEAD` link moved to start at
/// `tag`, and a `[version]: .../compare/OLD...TAG` link added below it (once). Unchanged when there
/// is no such link.
pub fn move_unreleased_link(text: &str, version: &str, tag: &str) -> String {
    let Some(start) =
        line_starts(text).find(|&i| text[i..].to_ascii_lowercase().starts_with("[unreleased]:"))
    else {
        return text.to_string();
    };
    let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let line = &text[start..end];
    let Some(at) = line.rfind("compare/") else { return text.to_string() };
    let range = &line[at + "compare/".len()..];
    let Some((old, sep)) = range
        .strip_suffix("...HEAD")
        .map(|o| (o, "..."))
        .or_else(|| range.strip_suffix("..HEAD").map(|o| (o, "..")))
    else {
        return text.to_string();
    };
    let colon = line.find(':').unwrap_or(0);
    let (label, url) = (&line[..colon], line[colon + 1..at].trim_start());
    let unreleased = format!("{label}: {url}compare/{tag}{sep}HEAD");
    let has_own = line_starts(text).any(|i| text[i..].starts_with(&format!("[{version}]:")));
    let own = if has_own || old == tag {
        String::new()
    } else {
        format!("\n[{version}]: {url}compare/{old}{sep}{tag}")
    };
    format!("{}{unreleased}{own}{}", &text[..start], &text[end..])
}

/// `text` with the section of `version` replaced by `section`, or `section` prepended (and the
/// `[unreleased]` link moved) when it has none: writing the same release twice keeps one section.
pub fn write_section(text: Option<&str>, section: &str, version: &str, tag: &str) -> String {
    if let Some(t) = text
        && let Some(old) = extract(t, version)
        && let Some(at) = t.find(&old)
    {
        let new = format!("{}\n", section.trim_end());
        return format!("{}{new}{}", &t[..at], &t[at + old.len()..]);
    }
    move_unreleased_link(&prepend(text, section), version, tag)
}
