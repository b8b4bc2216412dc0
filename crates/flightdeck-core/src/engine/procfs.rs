//! Process groups as /proc and signals see them: a process's start time, whether a process or a
//! group still lives (zombies do not count), whose command line names a file, and stopping a whole
//! group (SIGTERM, then SIGKILL after a grace period), bounded in time.

use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::Child;

/// How long a process group has between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

/// How often a group being stopped is checked.
const POLL: Duration = Duration::from_millis(40);

/// SIGTERM to the whole process group, SIGKILL to the group after [`GRACE`] if any member is left
/// (a grandchild that traps SIGTERM dies too). Reaps `child` if given. Bounded in time.
pub(crate) async fn stop_group(pgid: i32, mut child: Option<&mut Child>) {
    let group = Pid::from_raw(pgid);
    let _ = killpg(group, Signal::SIGTERM);
    if !wait_group_gone(pgid, child.as_deref_mut(), GRACE).await {
        let _ = killpg(group, Signal::SIGKILL);
        wait_group_gone(pgid, child.as_deref_mut(), Duration::from_secs(2)).await;
    }
    if let Some(c) = child {
        let _ = tokio::time::timeout(Duration::from_secs(1), c.wait()).await;
    }
}

async fn wait_group_gone(pgid: i32, mut child: Option<&mut Child>, within: Duration) -> bool {
    let until = tokio::time::Instant::now() + within;
    loop {
        if let Some(c) = child.as_deref_mut() {
            let _ = c.try_wait();
        }
        if !group_alive(pgid) {
            return true;
        }
        if tokio::time::Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The start time of a process in clock ticks since boot (`/proc/PID/stat` field 22).
pub fn proc_start_time(pid: i32) -> Option<u64> {
    let stat = read_proc(&format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may contain spaces; fields after it follow the last ')'.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19)?.parse().ok()
}

/// A small /proc file in one `read` (`read_to_string` grows its buffer from 32 bytes: six reads
/// for a `stat`), or `None` if it cannot be read.
fn read_proc(path: &str) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = Vec::with_capacity(4096);
    file.read_to_end(&mut buf).ok()?;
    String::from_utf8(buf).ok()
}

/// True if `pid` is a live (not zombie) process.
pub fn process_live(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let state = stat.rsplit_once(')').and_then(|(_, after)| after.split_whitespace().next());
    !matches!(state, None | Some("Z" | "X"))
}

/// True if the command line of `pid` has an argument equal to `arg`.
pub fn cmdline_has(pid: i32, arg: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| c.split(|&b| b == 0).any(|a| a == arg.as_bytes()))
}

/// True if the process group `pgid` still has a live (not zombie) member. Scans /proc, because a
/// zombie still answers `kill(0)` and nothing reaps orphans where PID 1 is not an init.
pub fn group_alive(pgid: i32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return killpg(Pid::from_raw(pgid), None).is_ok();
    };
    dir.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            let Some((_, after)) = stat.rsplit_once(')') else { return false };
            let mut fields = after.split_whitespace();
            let state = fields.next().unwrap_or("Z");
            let pgrp = fields.nth(1).and_then(|f| f.parse::<i32>().ok());
            state != "Z" && state != "X" && pgrp == Some(pgid)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_of_self_is_readable() {
        let me = i32::try_from(std::process::id()).unwrap();
        assert!(proc_start_time(me).is_some());
        assert!(group_alive(nix::unistd::getpgrp().as_raw()));
    }
}
