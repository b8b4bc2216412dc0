//! Secrets: the providers that hold them (environment, dotenv file, age-encrypted file, sops file,
//! OpenBao/Vault KV v2, AWS Secrets Manager), one file each behind [`Provider`]; the values they
//! return (zeroized on drop, never printed); their encodings for redaction; and [`SecretSet`], which
//! builds the providers of a project's `flightdeck.toml` and reads, writes and rotates its secrets.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

mod agefile;
mod aws;
mod dotenv;
mod env;
mod error;
pub mod generate;
pub mod lint;
mod openbao;
pub mod redact;
mod set;
pub mod sigv4;
mod sops;
mod status;

pub use error::{Problem, SecretError};
pub use redact::Redactor;
pub use set::{SecretSet, SecretStatus};

/// The shortest value a secret may have: shorter ones would redact ordinary words.
pub const MIN_LEN: usize = 8;

/// A boxed, sendable future (async fns in traits are not object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A value read from a provider. Its text is wiped from memory when it is dropped; its `Debug`
/// never shows it.
pub struct Secret {
    /// The value.
    pub value: Zeroizing<String>,
    /// The provider's version id, when it keeps versions.
    pub version: Option<String>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret").field("value", &"[hidden]").field("version", &self.version).finish()
    }
}

/// Where one secret lives inside its provider (after the environment's overrides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The secret's name in `flightdeck.toml`.
    pub name: String,
    /// Path (KV path, secret id, file key, variable name).
    pub path: Option<String>,
    /// Key inside a JSON/map value.
    pub key: Option<String>,
}

impl Location {
    /// The path, or the secret's own name.
    pub fn path_or_name(&self) -> &str {
        self.path.as_deref().unwrap_or(&self.name)
    }

    /// The key, or the secret's own name.
    pub fn key_or_name(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.name)
    }
}

/// One stored version of a secret (no value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Version id.
    pub version: String,
    /// It is the one reads return.
    pub current: bool,
    /// It was disabled (deleted softly, or no longer staged).
    pub disabled: bool,
    /// When it was created (RFC 3339), if the provider says.
    pub created: Option<String>,
}

/// A store of secrets. Every provider reads; versioned ones (`OpenBao`, AWS) also write, list
/// versions, make one current and disable one.
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// The `kind` in `flightdeck.toml`.
    fn kind(&self) -> &'static str;

    /// Reads the current value.
    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>>;

    /// Reads the value of one stored `version` (versioned providers only).
    fn read_version<'a>(
        &'a self,
        loc: &'a Location,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Secret, Problem>> {
        let _ = (loc, version);
        Box::pin(async move { Err(Problem::Unsupported { op: "read an old version", kind: self.kind() }) })
    }

    /// Writes `value` as a new current version; returns its id.
    fn write<'a>(&'a self, loc: &'a Location, value: &'a str) -> BoxFuture<'a, Result<String, Problem>> {
        let _ = (loc, value);
        Box::pin(async move { Err(Problem::Unsupported { op: "write", kind: self.kind() }) })
    }

    /// Every stored version, oldest first.
    fn versions<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Vec<VersionInfo>, Problem>> {
        let _ = loc;
        Box::pin(async move { Err(Problem::Unsupported { op: "list versions", kind: self.kind() }) })
    }

    /// Makes `version` the one reads return again.
    fn make_current<'a>(&'a self, loc: &'a Location, version: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        let _ = (loc, version);
        Box::pin(async move { Err(Problem::Unsupported { op: "make a version current", kind: self.kind() }) })
    }

    /// Disables `version` (it can no longer be read as current or previous).
    fn disable<'a>(&'a self, loc: &'a Location, version: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        let _ = (loc, version);
        Box::pin(async move { Err(Problem::Unsupported { op: "disable a version", kind: self.kind() }) })
    }
}

/// Wraps a value read from a provider, refusing ones shorter than [`MIN_LEN`].
pub fn secret(value: String, version: Option<String>) -> Result<Secret, Problem> {
    let value = Zeroizing::new(value);
    let len = value.chars().count();
    if len < MIN_LEN {
        return Err(Problem::TooShort { len });
    }
    Ok(Secret { value, version })
}

#[cfg(test)]
mod tests;

/// Secret values a step can use in templates (`secrets.NAME`), wiped when dropped; `Debug` shows
/// names only.
#[derive(Default)]
pub struct SecretValues(std::collections::BTreeMap<String, String>);

impl SecretValues {
    /// Adds (or replaces) `name`, wiping any old value.
    pub fn insert(&mut self, name: &str, value: &str) {
        if let Some(mut old) = self.0.insert(name.to_string(), value.to_string()) {
            zeroize::Zeroize::zeroize(&mut old);
        }
    }
}

impl std::ops::Deref for SecretValues {
    type Target = std::collections::BTreeMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for SecretValues {
    fn drop(&mut self) {
        for v in self.0.values_mut() {
            zeroize::Zeroize::zeroize(v);
        }
    }
}

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}
