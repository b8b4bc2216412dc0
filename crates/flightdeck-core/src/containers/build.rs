//! Building an image: checks the inputs, builds and tags it with buildah (`bud --isolation chroot`)
//! or podman, saves it as a docker archive and writes its `CycloneDX` SBOM with syft; the result is
//! `build.json` in the build directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::{ContainerError, files, sbom, tools};

/// The program that builds and pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    /// `buildah bud --isolation chroot`.
    Buildah,
    /// `podman build --isolation chroot`.
    Podman,
}

impl Builder {
    /// The program name.
    pub fn program(self) -> &'static str {
        match self {
            Builder::Buildah => "buildah",
            Builder::Podman => "podman",
        }
    }
}

/// What `image build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildSpec {
    /// Build context.
    pub context: PathBuf,
    /// Containerfile, if not the context's own.
    pub file: Option<PathBuf>,
    /// Repository name (`web`).
    pub image: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Build directory.
    pub out: PathBuf,
    /// Builder.
    pub builder: Builder,
}

/// What a build produced (`build.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildRecord {
    /// Repository name.
    pub image: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The builder used (push uses it too).
    pub builder: Builder,
    /// The Containerfile.
    pub containerfile: PathBuf,
    /// The docker archive.
    pub archive: PathBuf,
    /// The `CycloneDX` JSON SBOM.
    pub sbom: PathBuf,
    /// The SBOM's packages.
    pub components: Vec<sbom::Component>,
}

impl BuildRecord {
    /// The local name of one tag (`localhost/web:1.2.0`).
    pub fn local(&self, tag: &str) -> String {
        format!("localhost/{}:{tag}", self.image)
    }

    /// Reads `build.json` of a build directory.
    pub fn load(dir: &Path) -> Result<BuildRecord, ContainerError> {
        let path = dir.join(files::BUILD);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            ContainerError::io(
                format!(
                    "cannot read {} (run `flightdeck image build --out {}` first)",
                    path.display(),
                    dir.display()
                ),
                e,
            )
        })?;
        serde_json::from_str(&text).map_err(|e| ContainerError::json(&path, &e, "a build record"))
    }
}

/// Checks a repository name: lower-case letters, digits, `.`, `_`, `-` and `/` between parts.
pub fn check_image(name: &str) -> Result<(), ContainerError> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && p.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    if name.len() <= 200 && name.split('/').all(part_ok) {
        return Ok(());
    }
    Err(ContainerError::BadValue {
        what: "image name",
        value: name.into(),
        hint: "use lower-case letters, digits, `.`, `_`, `-`, with `/` between parts, without registry or tag (`team/web`)",
    })
}

/// Checks a tag: up to 128 of letters, digits, `_`, `.`, `-`, not starting with `.` or `-`.
pub fn check_tag(tag: &str) -> Result<(), ContainerError> {
    let ok = (1..=128).contains(&tag.len())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && tag.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        return Ok(());
    }
    Err(ContainerError::BadValue {
        what: "tag",
        value: tag.into(),
        hint: "use up to 128 letters, digits, `_`, `.`, `-` (a version like 1.2.0 or a git SHA)",
    })
}

/// The Containerfile to build: `file`, else the context's Containerfile, else its Dockerfile.
pub fn containerfile(context: &Path, file: Option<&Path>) -> Result<PathBuf, ContainerError> {
    let path = match file {
        Some(f) => f.to_path_buf(),
        None if context.join("Dockerfile").is_file() && !context.join("Containerfile").exists() => {
            context.join("Dockerfile")
        }
        None => context.join("Containerfile"),
    };
    if path.is_file() { Ok(path) } else { Err(ContainerError::MissingContainerfile { path }) }
}

/// Builds, saves and describes the image; writes and returns the build record.
pub fn build(spec: &BuildSpec) -> Result<BuildRecord, ContainerError> {
    check_image(&spec.image)?;
    spec.tags.iter().try_for_each(|t| check_tag(t))?;
    let containerfile = containerfile(&spec.context, spec.file.as_deref())?;
    std::fs::create_dir_all(&spec.out).map_err(|e| {
        ContainerError::io(format!("cannot create the build directory {}", spec.out.display()), e)
    })?;
    let out = std::path::absolute(&spec.out).unwrap_or_else(|_| spec.out.clone());
    let mut record = BuildRecord {
        image: spec.image.clone(),
        tags: spec.tags.clone(),
        builder: spec.builder,
        containerfile,
        archive: out.join(files::ARCHIVE),
        sbom: out.join(files::SBOM),
        components: Vec::new(),
    };
    run_build(&record, &spec.context)?;
    save_archive(&record)?;
    write_sbom(&record)?;
    record.components = sbom::components(&record.sbom)?;
    let json = serde_json::to_string_pretty(&record).unwrap_or_default();
    std::fs::write(out.join(files::BUILD), json)
        .map_err(|e| ContainerError::io(format!("cannot write {}", out.join(files::BUILD).display()), e))?;
    Ok(record)
}

fn run_build(r: &BuildRecord, context: &Path) -> Result<(), ContainerError> {
    let mut cmd = Command::new(r.builder.program());
    cmd.arg(if r.builder == Builder::Buildah { "bud" } else { "build" });
    cmd.args(["--isolation", "chroot", "-f"]).arg(&r.containerfile);
    for tag in &r.tags {
        cmd.arg("-t").arg(r.local(tag));
    }
    cmd.arg(context);
    let what = format!("{} building {} from {}", r.builder.program(), r.image, r.containerfile.display());
    tools::run(&mut cmd, &what).map(drop)
}

fn save_archive(r: &BuildRecord) -> Result<(), ContainerError> {
    let first = r.tags.first().map(|t| r.local(t)).unwrap_or_default();
    let _ = std::fs::remove_file(&r.archive); // both tools refuse to overwrite an archive
    let mut cmd = Command::new(r.builder.program());
    match r.builder {
        Builder::Buildah => cmd
            .args(["push", "--quiet", &first])
            .arg(format!("docker-archive:{}:{first}", r.archive.display())),
        Builder::Podman => {
            cmd.args(["save", "--quiet", "--format", "docker-archive", "-o"]).arg(&r.archive).arg(&first)
        }
    };
    tools::run(&mut cmd, &format!("saving {first} to {}", r.archive.display())).map(drop)
}

fn write_sbom(r: &BuildRecord) -> Result<(), ContainerError> {
    let mut cmd = tools::syft();
    cmd.arg(format!("docker-archive:{}", r.archive.display()))
        .args(["-q", "-o"])
        .arg(format!("cyclonedx-json={}", r.sbom.display()));
    tools::run(&mut cmd, &format!("syft writing the SBOM of {}", r.archive.display())).map(drop)
}
