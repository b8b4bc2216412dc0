//! A second local user squats a data directory before the runner starts, as in a shared `/tmp`
//! (here a private sticky 1777 directory): planted links at the lock, log and store paths, and a
//! runner of their own on the squatted directory. Root's runner refuses the directory and follows
//! none of the links; another user's client refuses the squatter's runner before sending it
//! anything. Real users (`fd-bob` attacks, `fd-alice` is the victim), the real binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{Project, bin, text};
use crate::users::{GROUP, UserRunner, ensure_users, sh_as};

/// A directory like `/tmp`: anyone may create entries, only their owner may remove them.
fn sticky_tmp() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let out = Command::new("chmod").arg("1777").arg(t.path()).output().unwrap();
    assert!(out.status.success());
    t
}

/// `flightdeck --data-dir DIR ARGS` as root in a project directory.
fn as_root(p: &Project, dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .current_dir(p.path())
        .env_remove("FLIGHTDECK_HOME")
        .env("FLIGHTDECK_RUNNER_IDLE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn squat(dir: &Path, links: &[(&str, &Path)]) {
    let mut script = format!("mkdir -m 0777 {}", dir.display());
    for (name, target) in links {
        let _ = write!(script, " && ln -s {} {}", target.display(), dir.join(name).display());
    }
    let out = sh_as("fd-bob", &script);
    assert!(out.status.success(), "fd-bob could not prepare the squat: {}", text(&out));
}

#[test]
fn root_refuses_a_data_directory_another_user_squatted_and_follows_none_of_its_links() {
    ensure_users();
    let p = Project::new("", &[]);
    let tmp = sticky_tmp();
    let precious = p.home.path().join("precious");
    std::fs::write(&precious, "precious\n").unwrap();
    let planted = p.home.path().join("planted-by-bob");
    let dir = tmp.path().join("shared");
    squat(&dir, &[("runner.lock", &precious), ("runner.log", &planted), ("flightdeck.log", &planted)]);
    // A client that finds no runner would start one as root there; the runner itself, started directly.
    for args in [&["runs"][..], &["runner", "--idle-exit", "1"][..]] {
        let out = as_root(&p, &dir, args);
        assert_eq!(out.status.code(), Some(8), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("belongs to fd-bob"), "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "precious\n",
        "root truncated a file through a link"
    );
    assert!(!planted.exists(), "root wrote through a planted link");
    // Nothing of root's landed in bob's directory (he could read or replace it).
    let names: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&dir).unwrap().permissions());
    assert_eq!(mode & 0o7777, 0o777, "root changed the mode of bob's directory");
}

#[test]
fn a_planted_link_in_the_users_own_directory_is_refused_by_the_runner_and_the_store() {
    ensure_users();
    let p = Project::new("", &[]);
    let tmp = sticky_tmp();
    let precious = p.home.path().join("precious");
    std::fs::write(&precious, "precious\n").unwrap();
    // Alice once shared her directory (0777, as the old bastion advice had it); bob planted links.
    let dir = tmp.path().join("alice-data");
    let out = sh_as("fd-alice", &format!("mkdir -m 0777 {}", dir.display()));
    assert!(out.status.success(), "{}", text(&out));
    let out =
        sh_as("fd-bob", &format!("ln -s {} {}", precious.display(), dir.join("flightdeck.db").display()));
    assert!(out.status.success(), "{}", text(&out));
    let runner = sh_as(
        "fd-alice",
        &format!(
            "cd {} && {} --data-dir {} runner --idle-exit 1",
            p.path().display(),
            bin().display(),
            dir.display()
        ),
    );
    assert_eq!(runner.status.code(), Some(8), "{}", text(&runner));
    assert!(
        String::from_utf8_lossy(&runner.stderr).contains("flightdeck.db is a symbolic link"),
        "{}",
        text(&runner)
    );
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "precious\n");
}

#[test]
fn a_client_refuses_the_runner_of_a_user_who_squatted_its_data_directory() {
    ensure_users();
    let p = crate::users::shared_project("", &[]);
    let tmp = sticky_tmp();
    let dir = tmp.path().join("team");
    squat(&dir, &[]);
    let squatter = UserRunner::on(&p, &dir, "fd-bob");
    for args in [&["runs"][..], &["approve", "some-run"][..]] {
        let out = alice(&p, &dir, args);
        assert_eq!(out.status.code(), Some(8), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing the runner") && err.contains("fd-bob"), "{args:?}: {err}");
    }
    // The same runner in a directory nobody else could have created (its parent is root's, 0755)
    // is the shared bastion set-up: alice trusts it.
    drop(squatter);
    let safe = p.home.path().join("bob-service");
    let out = sh_as("root", &format!("mkdir -m 0755 {0} && chown fd-bob {0}", safe.display()));
    assert!(out.status.success(), "{}", text(&out));
    let _bob = UserRunner::on(&p, &safe, "fd-bob");
    let out = alice(&p, &safe, &["runs"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `flightdeck --data-dir DIR ARGS` as fd-alice.
fn alice(p: &Project, dir: &Path, args: &[&str]) -> Output {
    Command::new("setpriv")
        .args(["--reuid", "fd-alice", "--regid", "fd-alice", "--init-groups"])
        .arg(bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .current_dir(p.path())
        .env_remove("FLIGHTDECK_HOME")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_store_made_by_a_direct_command_is_private_to_its_user() {
    ensure_users();
    let p = crate::users::shared_project("", &[]);
    // The laptop layout: alice's first command opens the store itself (no runner involved).
    let home = p.home.path().join("alice-home");
    let out = sh_as("root", &format!("mkdir -m 0755 {0} && chown fd-alice {0}", home.display()));
    assert!(out.status.success(), "{}", text(&out));
    let dir = home.join("data");
    let out = sh_as(
        "fd-alice",
        &format!("cd {} && {} --data-dir {} ledger list", p.path().display(), bin().display(), dir.display()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&dir).unwrap().permissions());
    assert_eq!(mode & 0o7777, 0o700, "the data directory is {:o}", mode & 0o7777);
    for f in ["flightdeck.db", "flightdeck.db-wal", "flightdeck.log"] {
        let read = sh_as("fd-bob", &format!("cat {} > /dev/null", dir.join(f).display()));
        assert!(!read.status.success(), "fd-bob read alice's {f}");
    }
    let list = sh_as("fd-bob", &format!("ls {}/logs", dir.display()));
    assert!(!list.status.success(), "fd-bob listed alice's logs");
}

#[test]
fn a_parent_writable_by_its_owners_private_group_is_fine_and_by_a_shared_group_is_not() {
    ensure_users();
    let p = crate::users::shared_project("", &[]);
    // A umask of 002 makes alice's directories 0775, group fd-alice (hers alone).
    let home = p.home.path().join("alice-home");
    let out = sh_as("root", &format!("mkdir -m 0775 {0} && chown fd-alice:fd-alice {0}", home.display()));
    assert!(out.status.success(), "{}", text(&out));
    let dir = home.join("data");
    let runner = UserRunner::on(&p, &dir, "fd-alice");
    let out = as_root(&p, &dir, &["runs"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The same parent writable by the whole operators' group: any of them could have put it there.
    let out = sh_as("root", &format!("chgrp {GROUP} {}", home.display()));
    assert!(out.status.success(), "{}", text(&out));
    let out = as_root(&p, &dir, &["runs"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing the runner"), "{}", text(&out));
    drop(runner);
}
