//! A full disk under the data directory (and the project): a small tmpfs mounted by the test (CI
//! runs as root; where it cannot mount, the test fails). The run stops interrupted (exit 8) with the
//! disk named and the command that continues it, the store stays intact (`PRAGMA integrity_check`,
//! `flightdeck audit verify`), and once space is freed `resume` finishes the run. A client whose
//! on-demand runner cannot even open its store on the full disk names the disk too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{bin, text};

/// A tmpfs of `size` mounted on a temporary directory, with `home/` (the data directory) and
/// `project/` inside; unmounted (lazily, after the runner is stopped) when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    mnt: PathBuf,
}

impl Tmpfs {
    fn new(size: &str, config: &str, workflows: &[(&str, &str)]) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mnt)
            .output()
            .expect("run mount");
        assert!(out.status.success(), "cannot mount a tmpfs (the test needs root): {}", text(&out));
        let t = Tmpfs { _dir: dir, mnt };
        std::fs::create_dir_all(t.project().join("workflows")).unwrap();
        std::fs::create_dir_all(t.home()).unwrap();
        std::fs::write(t.project().join("flightdeck.toml"), config).unwrap();
        for (name, body) in workflows {
            std::fs::write(t.project().join("workflows").join(name), body).unwrap();
        }
        t
    }

    fn home(&self) -> PathBuf {
        self.mnt.join("home")
    }

    fn project(&self) -> PathBuf {
        self.mnt.join("project")
    }

    fn filler(&self) -> PathBuf {
        self.mnt.join("filler")
    }

    /// Fills the filesystem to the last byte.
    fn fill(&self) {
        let _ = Command::new("dd")
            .arg("if=/dev/zero")
            .arg(format!("of={}", self.filler().display()))
            .arg("bs=4k")
            .stderr(Stdio::null())
            .status();
        assert_eq!(free(&self.mnt), 0, "the tmpfs is full");
    }

    fn fd(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .args(args)
            .current_dir(self.project())
            .env("FLIGHTDECK_HOME", self.home())
            .env("FLIGHTDECK_RUNNER_IDLE", "2")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn newest_run(&self) -> String {
        let conn = rusqlite::Connection::open(self.home().join("flightdeck.db")).unwrap();
        conn.query_row("SELECT id FROM runs ORDER BY started_at DESC LIMIT 1", [], |r| r.get(0)).unwrap()
    }

    fn integrity(&self) -> String {
        let conn = rusqlite::Connection::open(self.home().join("flightdeck.db")).unwrap();
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if let Some(pid) = std::fs::read_to_string(self.home().join("runner.lock"))
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
        {
            let pid = nix::unistd::Pid::from_raw(pid);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            for _ in 0..100 {
                if nix::sys::signal::kill(pid, None).is_err() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
    }
}

/// Bytes free on the filesystem holding `p`.
fn free(p: &Path) -> u64 {
    let st = nix::sys::statvfs::statvfs(p).unwrap();
    st.blocks_available() * st.fragment_size()
}

const CONFIG: &str = "[environments.local]\nallow_root_approval = true\n";

/// Step `fill` fills the disk once (its marker says it did), so the store cannot record its end.
fn workflow(mnt: &Path) -> String {
    format!(
        "title = \"fill\"\n[[steps]]\nid = \"one\"\nrun = \"echo one >> trace\"\n\
         [[steps]]\nid = \"fill\"\nrun = \"[ -f filled ] || {{ touch filled; dd if=/dev/zero of={} bs=4k 2>/dev/null; }}; true\"\n\
         [[steps]]\nid = \"three\"\nrun = \"echo three >> trace\"\n",
        mnt.join("filler").display()
    )
}

#[test]
fn a_disk_that_fills_mid_run_stops_it_naming_the_disk_and_resume_finishes_it() {
    let t = Tmpfs::new("2m", CONFIG, &[]);
    // The workflow names the mount's path: written after the mount.
    std::fs::write(t.project().join("workflows/fill.toml"), workflow(&t.mnt)).unwrap();
    let out = t.fd(&["run", "fill"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(8), "the run stops interrupted: {all}");
    assert!(all.contains("interrupted"), "{all}");
    assert!(all.contains("database or disk is full"), "the cause: {all}");
    assert!(all.contains(&format!("the disk holding {} is full", t.home().display())), "which disk: {all}");
    assert!(all.contains("flightdeck resume "), "what to do: {all}");
    assert!(!all.contains("panicked"), "{all}");
    let log = std::fs::read_to_string(t.home().join("runner.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the runner did not panic: {log}");
    assert_eq!(t.integrity(), "ok", "the store is intact on the full disk");
    assert_eq!(std::fs::read_to_string(t.project().join("trace")).unwrap(), "one\n");
    // Space is freed: the store verifies and `resume` finishes the run, no step run twice.
    std::fs::remove_file(t.filler()).unwrap();
    let verify = t.fd(&["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    let id = t.newest_run();
    let out = t.fd(&["resume", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(t.project().join("trace")).unwrap(), "one\nthree\n");
    assert_eq!(t.integrity(), "ok");
    let verify = t.fd(&["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
}

#[test]
fn a_client_whose_runner_cannot_open_the_store_on_a_full_disk_names_the_disk() {
    let t = Tmpfs::new(
        "1m",
        CONFIG,
        &[("hello.toml", "title = \"hello\"\n[[steps]]\nid = \"a\"\nrun = \"echo hi\"\n")],
    );
    t.fill();
    let out = t.fd(&["run", "hello"]);
    let all = text(&out);
    assert_ne!(out.status.code(), Some(0), "{all}");
    assert!(all.contains(&format!("the disk holding {} is full", t.home().display())), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    std::fs::remove_file(t.filler()).unwrap();
    let out = t.fd(&["run", "hello"]);
    assert_eq!(out.status.code(), Some(0), "once space is freed the same command works: {}", text(&out));
    assert_eq!(t.integrity(), "ok");
    let verify = t.fd(&["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
}
