//! Podman containers on the host network: `podman run -d --network host -e PORT=...`, so a container
//! listens on a loopback port its balancer slot names. The engine's configuration comes from the
//! environment (`CONTAINERS_CONF`, `CONTAINERS_STORAGE_CONF`), as podman reads it.

use crate::platforms::{PlatformError, command};

/// The podman CLI.
#[derive(Debug, Clone)]
pub struct Podman {
    /// The binary.
    pub bin: String,
}

impl Default for Podman {
    fn default() -> Self {
        Podman { bin: "podman".into() }
    }
}

impl Podman {
    /// True when the image is in podman's store.
    pub async fn image_exists(&self, image: &str) -> Result<bool, PlatformError> {
        let status = tokio::process::Command::new(&self.bin)
            .args(["image", "exists", image])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await
            .map_err(|e| PlatformError::Command {
                command: format!("{} image exists {image}", self.bin),
                detail: e.to_string(),
            })?;
        Ok(status.success())
    }

    /// Starts `image` as container `name` on the host network with `PORT=port` (and `env`); returns its id.
    pub async fn run(
        &self,
        name: &str,
        image: &str,
        port: u16,
        env: &[(String, String)],
    ) -> Result<String, PlatformError> {
        let port_env = format!("PORT={port}");
        let mut args = vec!["run", "-d", "--name", name, "--network", "host", "-e", &port_env];
        let pairs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for p in &pairs {
            args.extend(["-e", p.as_str()]);
        }
        args.extend(["--label", "flightdeck=rollout", image]);
        command(&self.bin, &args, None).await.map(|s| s.trim().to_string())
    }

    /// Stops (SIGTERM, then SIGKILL after `stop_secs`) and removes container `name`; a container that
    /// does not exist is fine (returns false).
    pub async fn remove(&self, name: &str, stop_secs: u64) -> Result<bool, PlatformError> {
        let secs = stop_secs.to_string();
        match command(&self.bin, &["rm", "-f", "--time", &secs, name], None).await {
            Ok(_) => Ok(true),
            Err(PlatformError::Command { detail, .. }) if detail.contains("no such container") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The image of container `name` if it exists and is running (one created but never started,
    /// or exited, does not count).
    pub async fn running_image(&self, name: &str) -> Option<String> {
        let out =
            command(&self.bin, &["inspect", "--format", "{{.State.Running}} {{.ImageName}}", name], None)
                .await
                .ok()?;
        let (running, image) = out.trim().split_once(' ')?;
        (running == "true" && !image.is_empty()).then(|| image.to_string())
    }

    /// The image a container runs, if it exists.
    pub async fn image_of(&self, name: &str) -> Option<String> {
        command(&self.bin, &["inspect", "--format", "{{.ImageName}}", name], None)
            .await
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}
