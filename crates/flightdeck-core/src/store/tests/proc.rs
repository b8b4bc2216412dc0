//! Tests that need a real second process: run locks held elsewhere, and writers in two processes (and
//! two `Store`s in this one) sharing one file. The second process is this test binary, re-run with
//! only [`helper_process`] selected and its task in an environment variable.

use std::io::Write;

use super::*;

const HELPER_ENV: &str = "FLIGHTDECK_STORE_TEST_HELPER";

/// Writes each of `store`'s share of the concurrent-writer test: a run and an audit entry per item.
async fn write_many(store: &Store, prefix: &str, n: usize) {
    for i in 0..n {
        let id = format!("{prefix}-{i:03}");
        store.create_run(&run_rec(&id, 1), &[step_rec(&id, "s", 0)]).await.unwrap();
        let mut entry = new_audit(1);
        entry.run = Some(id);
        store.audit(entry).await.unwrap();
    }
}

/// Not a test on its own: the body of the second process, idle unless [`HELPER_ENV`] is set.
/// `lock|DIR|RUN` holds a run's lock until stdin closes; `write|DIR|PREFIX|N` waits for a line on
/// stdin, then writes. Both print `READY` once the store is open.
#[test]
#[ignore = "helper process for the store tests"]
fn helper_process() {
    let Ok(task) = std::env::var(HELPER_ENV) else { return };
    let parts: Vec<&str> = task.split('|').collect();
    let store = Store::open(Path::new(parts[1])).unwrap();
    match parts.as_slice() {
        ["lock", _, run] => {
            let _lock = store.lock_run(run).unwrap();
            println!("READY");
            std::io::stdout().flush().unwrap();
            std::io::stdin().lines().for_each(drop);
        }
        ["write", _, prefix, n] => {
            println!("READY");
            std::io::stdout().flush().unwrap();
            std::io::stdin().lines().next();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(write_many(&store, prefix, n.parse().unwrap()));
        }
        _ => panic!("unknown helper task {task}"),
    }
}

/// Starts the helper with `task` and waits until it prints `READY`.
fn spawn_helper(task: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "store::tests::proc::helper_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, task)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = out.lines();
    assert!(lines.any(|l| l.unwrap().contains("READY")), "the helper process exited before READY");
    // Keep reading, so the helper's later output does not hit a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// Closes the helper's stdin and waits for it to exit successfully.
fn finish(mut child: Child) {
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success(), "the helper process failed");
}

fn stored_status(store: &Store, run: &str) -> String {
    raw(store).query_row("SELECT status FROM runs WHERE id = ?1", [run], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn run_status_follows_the_lock_of_another_process() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store.create_run(&run_rec("r1", 1), &[]).await.unwrap();
    assert!(!store.is_live("r1"));
    assert_eq!(store.run("r1").unwrap().unwrap().status, RunStatus::Interrupted, "no lock: interrupted");
    assert_eq!(stored_status(&store, "r1"), "running", "readers do not write");

    let holder = spawn_helper(&format!("lock|{}|r1", dir.path().display()));
    assert!(store.is_live("r1"));
    assert_eq!(store.run("r1").unwrap().unwrap().status, RunStatus::Running);
    let running = RunFilter { status: Some(RunStatus::Running), ..RunFilter::default() };
    assert_eq!(store.runs(&running).unwrap().len(), 1);
    let err = store.lock_run("r1").unwrap_err();
    assert!(matches!(&err, StoreError::Locked { run } if run == "r1"), "{err:?}");
    assert!(err.to_string().contains("wait for it or attach"), "{err}");

    finish(holder);
    assert!(!store.is_live("r1"), "the lock dies with its process");
    assert!(store.runs(&running).unwrap().is_empty());
    let interrupted = RunFilter { status: Some(RunStatus::Interrupted), ..RunFilter::default() };
    assert_eq!(store.runs(&interrupted).unwrap().len(), 1);
    let lock = store.lock_run("r1").unwrap();
    assert_eq!(store.run("r1").unwrap().unwrap().status, RunStatus::Running, "held in this process");
    drop(lock);
    assert_eq!(store.run("r1").unwrap().unwrap().status, RunStatus::Interrupted, "released on drop");
}

#[tokio::test]
async fn mark_interrupted_writes_only_unfinished_runs() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store.create_run(&run_rec("r1", 1), &[]).await.unwrap();
    let mut done = run_rec("r2", 2);
    done.status = RunStatus::Succeeded;
    store.create_run(&done, &[]).await.unwrap();
    assert!(store.mark_interrupted("r1").await.unwrap());
    assert_eq!(stored_status(&store, "r1"), "interrupted");
    assert!(!store.mark_interrupted("r1").await.unwrap(), "already interrupted");
    assert!(!store.mark_interrupted("r2").await.unwrap());
    assert_eq!(stored_status(&store, "r2"), "succeeded");
    assert!(matches!(store.mark_interrupted("r3").await, Err(StoreError::NotFound { .. })));
    assert!(matches!(store.lock_run("../evil"), Err(StoreError::Invalid(_))));
}

#[tokio::test]
async fn two_stores_and_a_second_process_all_write_to_one_file() {
    const N: usize = 40;
    let dir = TempDir::new().unwrap();
    let first = open(&dir);
    let second = Store::open(dir.path()).unwrap();
    let mut writer = spawn_helper(&format!("write|{}|p|{N}", dir.path().display()));
    writeln!(writer.stdin.as_mut().unwrap(), "go").unwrap();
    tokio::join!(write_many(&first, "a", N), write_many(&second, "b", N));
    finish(writer);

    let all = first.runs(&RunFilter::default()).unwrap();
    assert_eq!(all.len(), 3 * N);
    for prefix in ["a-", "b-", "p-"] {
        assert_eq!(all.iter().filter(|r| r.id.starts_with(prefix)).count(), N, "runs from {prefix}");
    }
    let steps: i64 = raw(&first).query_row("SELECT count(*) FROM steps", [], |r| r.get(0)).unwrap();
    assert_eq!(steps, i64::try_from(3 * N).unwrap());
    let verdict = second.verify_audit().unwrap();
    assert!(verdict.ok(), "{:?}", verdict.problems);
    assert_eq!(
        (verdict.checked, verdict.expected),
        (i64::try_from(3 * N).unwrap(), i64::try_from(3 * N).unwrap())
    );
}
