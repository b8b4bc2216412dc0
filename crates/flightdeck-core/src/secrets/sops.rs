//! The `sops` provider: a sops-encrypted YAML or JSON file, decrypted by the `sops` binary
//! (`sops decrypt --output-type json`, with `SOPS_AGE_KEY_FILE` when an identity is given) into
//! memory; nested keys are read as `a.b`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use zeroize::Zeroizing;

use super::dotenv::{parse_json, pick};
use super::{BoxFuture, Location, Problem, Provider, Secret};

/// How long `sops decrypt` may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Reads a sops file through the sops binary.
#[derive(Debug)]
pub struct SopsProvider {
    /// The encrypted file.
    pub file: PathBuf,
    /// The sops binary.
    pub bin: PathBuf,
    /// age identity file for `SOPS_AGE_KEY_FILE`.
    pub identity: Option<PathBuf>,
}

impl Provider for SopsProvider {
    fn kind(&self) -> &'static str {
        "sops"
    }

    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let file = self.file.display().to_string();
            let text = self.decrypt().await?;
            let values = parse_json(&text, &file)?;
            pick(&values, loc, &file)
        })
    }
}

impl SopsProvider {
    async fn decrypt(&self) -> Result<Zeroizing<String>, Problem> {
        let file = self.file.display().to_string();
        if !self.file.is_file() {
            return Err(Problem::PathMissing { path: file });
        }
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.args(["decrypt", "--output-type", "json"])
            .arg(&self.file)
            .env("SOPS_DISABLE_VERSION_CHECK", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(id) = &self.identity {
            cmd.env("SOPS_AGE_KEY_FILE", id);
        }
        let child = cmd.spawn().map_err(|e| Problem::Decrypt {
            file: file.clone(),
            detail: format!("cannot run {}: {e}; install sops or set `sops_bin`", self.bin.display()),
        })?;
        let out = tokio::time::timeout(TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| Problem::Decrypt { file: file.clone(), detail: "sops took over 30s".into() })?
            .map_err(|e| Problem::Decrypt { file: file.clone(), detail: e.to_string() })?;
        let stdout = Zeroizing::new(out.stdout);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim();
            return Err(Problem::Decrypt { file, detail: format!("sops: {first}") });
        }
        let text = std::str::from_utf8(&stdout)
            .map_err(|_| Problem::Decrypt { file, detail: "sops printed non-UTF-8".into() })?;
        Ok(Zeroizing::new(text.to_string()))
    }
}
