//! The `git` command, for what must honour the user's own git setup: commits and signed tags
//! (signing keys), pushes (credential helpers, SSH agents), branch switches and merges.

use std::path::Path;
use std::process::{Command, Stdio};

use super::ReleaseError;

/// Runs `git ARGS` in `dir`; returns stdout, or the command's stderr as the error.
pub fn git(dir: &Path, args: &[&str]) -> Result<String, ReleaseError> {
    git_with_input(dir, args, None)
}

/// Runs `git ARGS` in `dir` with `input` on stdin.
pub fn git_with_input(dir: &Path, args: &[&str], input: Option<&str>) -> Result<String, ReleaseError> {
    use std::io::Write as _;
    let command = format!("git {}", args.join(" "));
    let fail = |message: String| ReleaseError::Command { command: command.clone(), message };
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot start git: {e}")))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(text.as_bytes()).map_err(|e| fail(format!("writing to git: {e}")))?;
    }
    let out = child.wait_with_output().map_err(|e| fail(format!("waiting for git: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(fail(if err.is_empty() { format!("exit status {}", out.status) } else { err }))
    }
}

/// Stages `paths` and commits them with `message` (the user's `commit.gpgSign` applies); returns
/// the new commit's SHA.
pub fn commit_paths(dir: &Path, paths: &[String], message: &str) -> Result<String, ReleaseError> {
    let mut add = vec!["add", "--"];
    add.extend(paths.iter().map(String::as_str));
    git(dir, &add)?;
    git_with_input(dir, &["commit", "-q", "-F", "-"], Some(message))?;
    Ok(git(dir, &["rev-parse", "HEAD"])?.trim().to_string())
}
