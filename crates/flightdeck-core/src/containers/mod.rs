//! Container images: build with buildah (or podman), keep a `CycloneDX` SBOM made by syft with the run,
//! gate on scan findings, push, and read the digest back from the registry.
//!
//! No vulnerability database can be downloaded on the project's machines, so the gate's findings
//! come from trivy's offline secret scanner run on the image, from trivy or grype JSON reports made
//! elsewhere, and from an offline OSV advisory directory matched (listed versions and ranges) against
//! the SBOM.
//! The commands are `flightdeck image build|scan|push|list` (see [`ImageCommand`]); their files live in
//! one directory per build (`build.json`, `image.tar`, `sbom.cdx.json`, `scan.json`).
//!
//! - [`tools`]: running the external tools, with errors that name them;
//! - [`build`]: building, saving the archive, the SBOM;
//! - [`sbom`]: reading `CycloneDX` components;
//! - [`findings`]: severities, findings, trivy and grype reports;
//! - [`osv`]: OSV advisories matched against the SBOM;
//! - [`versions`]: version ordering for OSV ranges;
//! - [`scan`]: the gate's report;
//! - [`push`]: pushing and reading the digest back.

use std::path::PathBuf;

use clap::Subcommand;

pub mod build;
pub mod error;
pub mod findings;
pub mod osv;
pub mod pep440;
pub mod push;
pub mod sbom;
pub mod scan;
pub mod tools;
pub mod versions;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod osv_tests;

pub use error::ContainerError;
pub use findings::{Finding, Severity};

/// File names inside a build directory.
pub mod files {
    /// The build record.
    pub const BUILD: &str = "build.json";
    /// The image as a docker archive (what syft and trivy read).
    pub const ARCHIVE: &str = "image.tar";
    /// The `CycloneDX` JSON SBOM.
    pub const SBOM: &str = "sbom.cdx.json";
    /// The scan gate's report.
    pub const SCAN: &str = "scan.json";
}

/// `flightdeck image ...`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum ImageCommand {
    /// Build an image, tag it, save it and write its SBOM (syft, `CycloneDX` JSON) into --out.
    Build {
        /// The build context directory.
        #[arg(long, default_value = ".")]
        context: PathBuf,
        /// The Containerfile (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Image repository name, without registry or tag (`web`, `team/web`).
        #[arg(long)]
        image: String,
        /// A tag (repeat: the version and the git SHA).
        #[arg(long = "tag", required = true)]
        tags: Vec<String>,
        /// The build directory: archive, SBOM and records are written here.
        #[arg(long)]
        out: PathBuf,
        /// The builder: buildah (`bud --isolation chroot`) or podman (`build`).
        #[arg(long, default_value = "buildah")]
        builder: build::Builder,
    },
    /// Scan a build: trivy's secret scanner on the image, reports, OSV advisories; write scan.json.
    Scan {
        /// The build directory written by `image build`.
        #[arg(long)]
        dir: PathBuf,
        /// A trivy or grype JSON report made elsewhere (repeatable).
        #[arg(long = "report")]
        reports: Vec<PathBuf>,
        /// A directory of OSV advisories (JSON), matched against the SBOM (listed versions and SEMVER/ECOSYSTEM ranges).
        #[arg(long)]
        advisories: Option<PathBuf>,
        /// Findings at or above this severity block the push: low, medium, high, critical.
        #[arg(long, default_value = "high")]
        fail_on: Severity,
        /// Skip trivy's secret scan of the image.
        #[arg(long)]
        no_secret_scan: bool,
    },
    /// Push a scanned build to a registry, read its digest back and record it.
    Push {
        /// The build directory (with scan.json from `image scan`).
        #[arg(long)]
        dir: PathBuf,
        /// The registry, `HOST:PORT` (`127.0.0.1:5000`).
        #[arg(long)]
        registry: String,
        /// Talk plain HTTP / skip TLS verification (a local registry).
        #[arg(long)]
        insecure: bool,
        /// Push despite blocking findings when this approval step of the run was approved.
        #[arg(long)]
        override_gate: Option<String>,
        /// The run whose approval counts (default: `$FLIGHTDECK_RUN`, set for workflow steps).
        #[arg(long)]
        run: Option<String>,
    },
    /// Read a pushed image's digest back from its registry and write it as the step output `digest`
    /// (the built-in deploy workflow's `image` step, so `[deployment] digest` records it).
    Digest {
        /// `REGISTRY/NAME:TAG` or `REGISTRY/NAME@sha256:...` (`127.0.0.1:5000/web:1.4.0`).
        reference: String,
        /// Talk plain HTTP (a local registry): `--insecure` or `--insecure true|false`.
        #[arg(long, num_args = 0..=1, default_value_t = false, default_missing_value = "true", action = clap::ArgAction::Set)]
        insecure: bool,
    },
    /// List the pushed images: tags, digest, scan result.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
