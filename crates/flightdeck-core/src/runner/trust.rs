//! Who may be trusted with a data directory, on both sides of the socket.
//!
//! The runner serves only a directory its own user owns, reached through no link another user
//! owns, and holding no symbolic link where it keeps its files: otherwise another local user who
//! created the directory first (say `/tmp/shared`) could plant `runner.lock -> /etc/shadow` and
//! have a runner started by root truncate it, or read and replace its store and key files.
//!
//! A client talks only to a runner it can trust: one running as itself or as root, or as the
//! owner of the data directory when nobody else could have created that directory (its parents
//! belong to root, the client or the runner's user, and none is writable by others, except a
//! sticky one like `/tmp` whose entry on the path belongs to root or the client). A rogue runner in
//! a directory another user squatted would otherwise receive the client's requests and the values
//! typed at its secret prompts, and could tell it that an approval counted.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The name of a uid (`uid N` when it has none).
fn who(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map_or_else(|| format!("uid {uid}"), |u| format!("{} (uid {uid})", u.name))
}

fn meta(path: &Path) -> Result<std::fs::Metadata, String> {
    std::fs::symlink_metadata(path).map_err(|e| format!("cannot inspect {}: {e}", path.display()))
}

/// Refuses a data directory the runner's user (`me`) does not own, one reached through a link
/// another user owns, and one with a symbolic link where the runner keeps a file.
pub fn check_runner_dir(dir: &Path, me: u32) -> Result<(), String> {
    let link = meta(dir)?;
    if link.file_type().is_symlink() && link.uid() != me && link.uid() != 0 {
        return Err(format!(
            "the data directory {} is a symbolic link that belongs to {}: another user could point it anywhere; use a directory of your own",
            dir.display(),
            who(link.uid())
        ));
    }
    let md = std::fs::metadata(dir).map_err(|e| format!("cannot inspect {}: {e}", dir.display()))?;
    if md.uid() != me {
        return Err(format!(
            "the data directory {} belongs to {}, not to the runner's user {}: whoever owns it can replace the store, the audit key and head, and the runner's files; run the runner as its owner, or use a directory of your own",
            dir.display(),
            who(md.uid()),
            who(me)
        ));
    }
    crate::paths::refuse_planted_links(dir)
}

/// Whether someone other than its owner may create entries in a directory: it is writable by
/// everyone, or by a group that is more than its owner's own private group (a umask of 002 makes
/// `~/.local` 0775 on systems that give each user a group of their own).
fn others_may_write(md: &std::fs::Metadata) -> bool {
    if md.mode() & 0o002 != 0 {
        return true;
    }
    if md.mode() & 0o020 == 0 {
        return false;
    }
    let owner = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(md.uid())).ok().flatten();
    let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(md.gid())).ok().flatten();
    let private = owner.is_some_and(|u| u.gid.as_raw() == md.gid())
        && group.is_some_and(|g| g.mem.iter().all(|m| owner_named(m, md.uid())));
    !private
}

fn owner_named(name: &str, uid: u32) -> bool {
    nix::unistd::User::from_name(name).ok().flatten().is_some_and(|u| u.uid.as_raw() == uid)
}

/// Whether a client of uid `me` may trust a runner of uid `runner` serving `dir`.
pub fn check_runner_peer(dir: &Path, runner: u32, me: u32) -> Result<(), String> {
    if runner == me || runner == 0 {
        return Ok(());
    }
    let real = std::fs::canonicalize(dir).map_err(|e| format!("cannot inspect {}: {e}", dir.display()))?;
    let refuse = |why: String| {
        Err(format!(
            "refusing the runner at {}: it runs as {}, which is neither you nor root, and {why}; a runner of another user is trusted only in a data directory nobody else could have created (like /var/lib/flightdeck of the shared bastion set-up)",
            dir.join(super::SOCKET_FILE).display(),
            who(runner)
        ))
    };
    let md = meta(&real)?;
    if md.uid() != runner {
        return refuse(format!("the data directory belongs to {}", who(md.uid())));
    }
    if others_may_write(&md) {
        return refuse(format!(
            "others may write its data directory {} ({:o})",
            real.display(),
            md.mode() & 0o7777
        ));
    }
    let mut child: PathBuf = real.clone();
    for parent in real.ancestors().skip(1) {
        let pm = meta(parent)?;
        if ![0, me, runner].contains(&pm.uid()) {
            return refuse(format!("{} belongs to {}", parent.display(), who(pm.uid())));
        }
        if others_may_write(&pm) {
            let entry = meta(&child)?.uid();
            if pm.mode() & 0o1000 == 0 || (entry != 0 && entry != me) {
                return refuse(format!(
                    "anyone may create {} in {} ({:o}), so its owner could be anybody",
                    child.display(),
                    parent.display(),
                    pm.mode() & 0o7777
                ));
            }
        }
        child = parent.to_path_buf();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_runner_refuses_a_planted_link_and_a_foreign_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let me = nix::unistd::geteuid().as_raw();
        assert!(check_runner_dir(tmp.path(), me).is_ok());
        let err = check_runner_dir(tmp.path(), me + 1).unwrap_err();
        assert!(err.contains("belongs to"), "{err}");
        std::os::unix::fs::symlink("/nonexistent-target", tmp.path().join("runner.lock")).unwrap();
        let err = check_runner_dir(tmp.path(), me).unwrap_err();
        assert!(err.contains("runner.lock is a symbolic link"), "{err}");
    }

    #[test]
    fn a_client_trusts_itself_root_and_an_owner_nobody_else_could_have_squatted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let me = nix::unistd::geteuid().as_raw();
        assert!(check_runner_peer(&dir, me, me).is_ok());
        assert!(check_runner_peer(&dir, 0, me).is_ok());
        // A runner of another uid that does not own the directory is refused.
        let other = me + 4242;
        let err = check_runner_peer(&dir, other, me).unwrap_err();
        assert!(err.contains("refusing the runner"), "{err}");
        for (mode, open) in [(0o755, false), (0o700, false), (0o777, true), (0o1777, true)] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(others_may_write(&std::fs::metadata(&dir).unwrap()), open, "{mode:o}");
        }
        // Nor is one in a directory others may write.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(check_runner_peer(&dir, other, me).is_err());
    }
}
