//! Pushing a build to a registry with its builder, then reading the digest back from the registry
//! (`HEAD /v2/NAME/manifests/TAG`, header `Docker-Content-Digest`), so what is recorded is what the
//! registry serves.

use std::process::Command;
use std::time::Duration;

use super::build::BuildRecord;
use super::{ContainerError, tools};

/// The manifest types a registry may hold for our pushes.
const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json";

/// How long one registry request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What a push produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// `REGISTRY/IMAGE`.
    pub repository: String,
    /// The registry's digest of the manifest (`sha256:...`).
    pub digest: String,
}

/// Checks `HOST:PORT` (or `HOST`): no scheme, no path.
pub fn check_registry(registry: &str) -> Result<(), ContainerError> {
    let ok = !registry.is_empty()
        && !registry.contains("://")
        && !registry.contains('/')
        && registry.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if ok {
        return Ok(());
    }
    Err(ContainerError::BadValue {
        what: "registry",
        value: registry.into(),
        hint: "give HOST:PORT without scheme or path (`127.0.0.1:5000`, `registry.example.com`)",
    })
}

/// Splits `REGISTRY/NAME:TAG` or `REGISTRY/NAME@sha256:HEX` into `(registry, name, reference)`.
pub fn split_reference(reference: &str) -> Result<(&str, &str, &str), ContainerError> {
    let bad = || ContainerError::BadValue {
        what: "image reference",
        value: reference.into(),
        hint: "give REGISTRY/NAME:TAG or REGISTRY/NAME@sha256:DIGEST (`127.0.0.1:5000/web:1.4.0`)",
    };
    let (registry, rest) = reference.split_once('/').ok_or_else(bad)?;
    check_registry(registry).map_err(|_| bad())?;
    let (name, tag) = match rest.split_once('@') {
        Some(pair) => pair,
        None => rest.rsplit_once(':').ok_or_else(bad)?,
    };
    let name_ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._/-".contains(&b));
    let tag_ok = !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b));
    if name_ok && tag_ok { Ok((registry, name, tag)) } else { Err(bad()) }
}

/// Pushes every tag, then reads the digest of the first tag back from the registry.
pub async fn push(build: &BuildRecord, registry: &str, insecure: bool) -> Result<Pushed, ContainerError> {
    check_registry(registry)?;
    let repository = format!("{registry}/{}", build.image);
    for tag in &build.tags {
        let mut cmd = Command::new(build.builder.program());
        cmd.args(["push", "--quiet", &format!("--tls-verify={}", !insecure), &build.local(tag)])
            .arg(format!("docker://{repository}:{tag}"));
        let reference = format!("{repository}:{tag}");
        // A CLI command: nothing else runs meanwhile. A builder that ran and failed was refused.
        tools::run(&mut cmd, &format!("{} push of {reference}", build.builder.program())).map_err(
            |e| match e {
                ContainerError::ToolFailed { stderr, .. } => {
                    ContainerError::PushRefused { reference, message: stderr }
                }
                other => other,
            },
        )?;
    }
    let first = build.tags.first().map_or("latest", String::as_str);
    let digest = read_digest(registry, &build.image, first, insecure).await?;
    Ok(Pushed { repository, digest })
}

/// The registry's `Docker-Content-Digest` for `IMAGE:REFERENCE`.
pub async fn read_digest(
    registry: &str,
    image: &str,
    reference: &str,
    insecure: bool,
) -> Result<String, ContainerError> {
    let err = |message: String| ContainerError::Registry { registry: registry.into(), message };
    let scheme = if insecure { "http" } else { "https" };
    let url = format!("{scheme}://{registry}/v2/{image}/manifests/{reference}");
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| err(format!("cannot make an HTTP client: {e}")))?;
    let resp = client
        .head(&url)
        .header("Accept", MANIFEST_TYPES)
        .send()
        .await
        .map_err(|e| err(format!("HEAD {url} failed: {e}")))?;
    if !resp.status().is_success() {
        return Err(err(format!("HEAD {url} answered {}: the pushed manifest is not there", resp.status())));
    }
    let digest = resp
        .headers()
        .get("Docker-Content-Digest")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| err(format!("HEAD {url} sent no Docker-Content-Digest header")))?;
    let valid = digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if !valid {
        return Err(err(format!("HEAD {url} sent an invalid digest {digest:?}")));
    }
    Ok(digest.to_string())
}
