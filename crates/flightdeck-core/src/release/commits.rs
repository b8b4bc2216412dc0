//! One commit as a release sees it: its Conventional Commits parts (git-conventional: type, scope,
//! `!`, `BREAKING CHANGE:` / `BREAKING-CHANGE:` footers) and the changelog group it falls in.

use serde::{Deserialize, Serialize};

/// The changelog group of a commit, in the order groups appear in a changelog section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// Any breaking change (`!` or a `BREAKING CHANGE` footer), whatever its type.
    Breaking,
    /// `feat`.
    Added,
    /// `fix`.
    Fixed,
    /// `refactor`, `style`.
    Changed,
    /// `perf`.
    Performance,
    /// `security`, `sec`, or a `fix(security)`.
    Security,
    /// `deprecate`, `deprecated`.
    Deprecated,
    /// `remove`, `removed`.
    Removed,
    /// `revert`.
    Reverted,
    /// `docs`.
    Documentation,
    /// `chore`, `ci`, `build`, `test`, `tests`.
    Maintenance,
    /// Non-conventional commits and unknown types.
    Other,
}

impl Group {
    /// The section title in the changelog.
    pub fn title(self) -> &'static str {
        match self {
            Group::Breaking => "Breaking",
            Group::Added => "Added",
            Group::Fixed => "Fixed",
            Group::Changed => "Changed",
            Group::Performance => "Performance",
            Group::Security => "Security",
            Group::Deprecated => "Deprecated",
            Group::Removed => "Removed",
            Group::Reverted => "Reverted",
            Group::Documentation => "Documentation",
            Group::Maintenance => "Maintenance",
            Group::Other => "Other",
        }
    }

    fn of(kind: Option<&str>, scope: Option<&str>, breaking: bool) -> Group {
        if breaking {
            return Group::Breaking;
        }
        match (kind, scope) {
            (Some("fix"), Some("security")) | (Some("security" | "sec"), _) => Group::Security,
            (Some("feat"), _) => Group::Added,
            (Some("fix"), _) => Group::Fixed,
            (Some("refactor" | "style"), _) => Group::Changed,
            (Some("perf"), _) => Group::Performance,
            (Some("deprecate" | "deprecated"), _) => Group::Deprecated,
            (Some("remove" | "removed"), _) => Group::Removed,
            (Some("revert"), _) => Group::Reverted,
            (Some("docs" | "doc"), _) => Group::Documentation,
            (Some("chore" | "ci" | "build" | "test" | "tests"), _) => Group::Maintenance,
            _ => Group::Other,
        }
    }
}

/// A commit with its Conventional Commits parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseCommit {
    /// Full SHA.
    pub sha: String,
    /// Seven-character SHA.
    pub short: String,
    /// The whole message.
    pub message: String,
    /// The first line.
    pub summary: String,
    /// Author name.
    pub author: String,
    /// Author time, Unix seconds.
    pub time: i64,
    /// The conventional type, lower case (`None`: not a conventional commit).
    pub kind: Option<String>,
    /// The scope, if any.
    pub scope: Option<String>,
    /// The description (the summary for a non-conventional commit).
    pub description: String,
    /// True for `!` or a `BREAKING CHANGE` / `BREAKING-CHANGE` footer.
    pub breaking: bool,
    /// The text of the breaking-change footer, if one was given.
    pub breaking_note: Option<String>,
    /// The changelog group.
    pub group: Group,
    /// A merge commit (two or more parents).
    #[serde(default)]
    pub merge: bool,
}

impl ReleaseCommit {
    /// Parses a commit message (pure).
    pub fn parse(sha: &str, message: &str, author: &str, time: i64) -> ReleaseCommit {
        let summary = message.lines().next().unwrap_or_default().trim().to_string();
        let mut c = ReleaseCommit {
            sha: sha.to_string(),
            short: sha.chars().take(7).collect(),
            message: message.to_string(),
            summary: summary.clone(),
            author: author.to_string(),
            time,
            kind: None,
            scope: None,
            description: summary,
            breaking: false,
            breaking_note: None,
            group: Group::Other,
            merge: false,
        };
        if let Ok(cc) = git_conventional::Commit::parse(message.trim()) {
            c.kind = Some(cc.type_().as_str().to_ascii_lowercase());
            c.scope = cc.scope().map(|s| s.as_str().to_string());
            c.description = cc.description().to_string();
            c.breaking = cc.breaking();
            c.breaking_note =
                cc.footers().iter().find(|f| f.breaking()).map(|f| f.value().trim().to_string());
        }
        c.group = Group::of(c.kind.as_deref(), c.scope.as_deref(), c.breaking);
        if let Some(reverted) = git_revert_subject(&c.summary).filter(|_| c.kind.is_none()) {
            c.group = Group::Reverted;
            c.description = reverted.to_string();
        }
        c
    }

    /// True for a commit that neither drives a bump nor appears in a changelog: flightdeck's own
    /// release commit, a merge commit whose message is not conventional (`Merge pull request
    /// #12 from ...`, `Merge branch 'x'`: the merged commits carry the changes), and the chores
    /// git-cliff's default configuration skips (`chore(deps...)`, `chore(pr)`, `chore(pull)`:
    /// Renovate and Dependabot updates). git-cliff leaves all of these out too.
    pub fn is_noise(&self) -> bool {
        self.is_release_commit() || (self.merge && self.kind.is_none()) || self.is_skipped_chore()
    }

    /// `chore(deps)`, `chore(deps-dev)`, `chore(pr)`, `chore(pull)`.
    pub fn is_skipped_chore(&self) -> bool {
        self.kind.as_deref() == Some("chore")
            && !self.breaking
            && self.scope.as_deref().is_some_and(|s| s.starts_with("deps") || s == "pr" || s == "pull")
    }

    /// True for the commit a flightdeck release makes itself (`chore(release): TAG`, one line whose
    /// description is a tag carrying a version), which never drives a bump nor appears in the
    /// changelog. Other `chore(release)` commits (`chore(release): sign the tarballs`) count, as in
    /// git-cliff, whose shipped configurations skip only their own `^chore\(release\): prepare for`.
    pub fn is_release_commit(&self) -> bool {
        self.kind.as_deref() == Some("chore")
            && self.scope.as_deref() == Some("release")
            && self.message.trim().lines().count() == 1
            && release_tag_version(self.description.trim()).is_some()
    }

    /// True for a conventional `feat`.
    pub fn is_feature(&self) -> bool {
        self.kind.as_deref() == Some("feat")
    }
}

/// What a `git revert` commit reverts: `feat: x` of `Revert "feat: x"`.
fn git_revert_subject(summary: &str) -> Option<&str> {
    let inner = summary.strip_prefix("Revert \"")?.strip_suffix('"')?;
    (!inner.trim().is_empty()).then_some(inner)
}

/// A commit message (or an author name) as text: UTF-8, or the commit's declared `encoding`
/// when it is Latin-1 (`git -c i18n.commitEncoding=ISO-8859-1`); any other invalid byte becomes
/// U+FFFD. Control characters are kept here; whoever shows or writes the text sanitizes it.
pub fn decode(bytes: &[u8], encoding: Option<&str>) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let latin1 = encoding.is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        matches!(e.as_str(), "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1")
    });
    if latin1 {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The version a release tag name ends with (`v1.2.3`, `api-v1.2.3-rc.1`, `1.2.3`).
pub fn release_tag_version(tag: &str) -> Option<semver::Version> {
    if tag.is_empty() || tag.contains(char::is_whitespace) {
        return None;
    }
    tag.char_indices()
        .filter(|(i, c)| {
            c.is_ascii_digit() && (*i == 0 || !tag[..*i].ends_with(|p: char| p.is_ascii_digit()))
        })
        .find_map(|(i, _)| semver::Version::parse(&tag[i..]).ok())
}
