//! Who is operating: the real uid and its passwd name (never `$USER`), and the host name.

use serde::{Deserialize, Serialize};

/// An operator identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operator {
    /// Real user id.
    pub uid: u32,
    /// Login name from the passwd database (`uid:N` when it has none).
    pub name: String,
}

impl Operator {
    /// The operator of this process.
    pub fn current() -> Operator {
        let uid = nix::unistd::getuid();
        let name =
            nix::unistd::User::from_uid(uid).ok().flatten().map_or_else(|| format!("uid:{uid}"), |u| u.name);
        Operator { uid: uid.as_raw(), name }
    }

    /// True for root.
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }
}

/// This machine's host name (`unknown` if it cannot be read).
pub fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_operator_matches_uid() {
        let op = Operator::current();
        assert_eq!(op.uid, nix::unistd::getuid().as_raw());
        assert!(!op.name.is_empty());
    }
}
