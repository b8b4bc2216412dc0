//! Secret errors: what went wrong in a provider ([`Problem`]) and the message a user sees
//! ([`SecretError`]), which names the secret, the provider and the config file and line, never a value.

/// What a provider reported. The texts never contain a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The server did not answer.
    #[error("cannot reach {address}: {detail}; check that the server runs and the address is right")]
    Unreachable {
        /// Where.
        address: String,
        /// The transport error.
        detail: String,
    },
    /// The credentials were refused.
    #[error("unauthorized at {address} ({detail}); check the token, AppRole or access keys")]
    Unauthorized {
        /// Where.
        address: String,
        /// The server's words.
        detail: String,
    },
    /// Nothing is stored at the path.
    #[error("path {path:?} not found; create it or fix `path`")]
    PathMissing {
        /// The path.
        path: String,
    },
    /// The path exists but has no such key.
    #[error("key {key:?} not found at {path:?}; keys there: {keys}")]
    KeyMissing {
        /// The path.
        path: String,
        /// The key.
        key: String,
        /// The keys that exist (names only).
        keys: String,
    },
    /// No such version.
    #[error("version {version} not found")]
    VersionMissing {
        /// The version.
        version: String,
    },
    /// A file could not be parsed.
    #[error("{file}: malformed ({detail})")]
    Malformed {
        /// The file.
        file: String,
        /// What is wrong (a line number, never a value).
        detail: String,
    },
    /// A file could not be decrypted or read.
    #[error("{file}: cannot decrypt ({detail}); check the identity/key file")]
    Decrypt {
        /// The file.
        file: String,
        /// The cause.
        detail: String,
    },
    /// The provider cannot do this.
    #[error("{kind} providers cannot {op}; use an openbao or aws provider")]
    Unsupported {
        /// The operation.
        op: &'static str,
        /// The provider kind.
        kind: &'static str,
    },
    /// The value is too short to redact safely.
    #[error(
        "value is {len} characters long; secrets must have at least 8 (shorter ones cannot be redacted safely)"
    )]
    TooShort {
        /// Its length.
        len: usize,
    },
    /// Anything else (server errors, bad answers).
    #[error("{0}")]
    Other(String),
}

/// A secret operation failed: names the secret, its provider and where it is configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The provider failed.
    #[error("secret `{secret}` (provider `{provider}`, {at}): {problem}")]
    Provider {
        /// Secret name.
        secret: String,
        /// Provider name.
        provider: String,
        /// `flightdeck.toml:LINE`.
        at: String,
        /// What happened.
        problem: Box<Problem>,
    },
    /// The secret is not configured.
    #[error("secret `{secret}` is not defined in {file}{hint}; add a [secrets.{secret}] table")]
    Unknown {
        /// Secret name.
        secret: String,
        /// The config file.
        file: String,
        /// " (did you mean ...?)" or empty.
        hint: String,
    },
    /// The provider's own settings are wrong (a template that does not render, a missing field).
    #[error("provider `{provider}` ({at}): {detail}")]
    Config {
        /// Provider name.
        provider: String,
        /// `flightdeck.toml:LINE`.
        at: String,
        /// What is wrong.
        detail: String,
    },
}
