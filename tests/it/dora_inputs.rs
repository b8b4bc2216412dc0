//! What goes into the DORA ledger is checked the same way on every path: `ledger add` resolves
//! revisions to full SHAs and refuses unknown ones, duplicate ids and impossible times;
//! `ledger import` applies the same checks to every row and imports nothing when one fails;
//! incidents refuse resolution before opening and unknown deployments; `dora --service` names the
//! services it knows.

use serde_json::Value;

use crate::common::{Project, git, text};

const CONFIG: &str = "[environments.prod]\nproduction = true\n\n[environments.staging]\n";

/// A project whose directory is a repository with two commits; `v1` and branch `first` on the first.
fn repo_project() -> (Project, String, String) {
    let p = Project::new(CONFIG, &[]);
    git(&p, &["init", "-q", "-b", "main"]);
    std::fs::write(p.path().join("a.txt"), "a").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-q", "-m", "first"]);
    git(&p, &["tag", "v1"]);
    git(&p, &["branch", "first"]);
    let first = git(&p, &["rev-parse", "HEAD"]);
    std::fs::write(p.path().join("b.txt"), "b").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-q", "-m", "second"]);
    let second = git(&p, &["rev-parse", "HEAD"]);
    (p, first, second)
}

fn ledger(p: &Project) -> Vec<Value> {
    let out = p.run(&["ledger", "list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

fn refused(p: &Project, args: &[&str], needle: &str) {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: expected {needle:?} in {err}");
}

fn add(p: &Project, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["ledger", "add", "--service", "web", "--env", "prod"];
    args.extend_from_slice(extra);
    p.run(&args)
}

#[test]
fn ledger_add_resolves_revisions_and_refuses_what_it_cannot_check() {
    let (p, first, second) = repo_project();
    for (rev, id) in [("HEAD", "d-head"), ("v1", "d-tag"), ("first", "d-branch"), (&second[..10], "d-short")]
    {
        let out = add(&p, &["--sha", rev, "--id", id]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let mut got: Vec<String> = ledger(&p).iter().map(|d| d["sha"].as_str().unwrap().to_string()).collect();
    let mut expected = vec![second.clone(), first.clone(), first.clone(), second.clone()];
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "every revision recorded as a full SHA");

    refused(&p, &add_args(&["--sha", "deadbeef", "--id", "d-x"]), "sha \"deadbeef\"");
    refused(&p, &add_args(&["--sha", "deadbeef", "--id", "d-x"]), "--allow-unknown-sha");
    let out = add(&p, &["--sha", "deadbeef", "--id", "d-x", "--allow-unknown-sha"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    refused(&p, &add_args(&["--id", "d-head"]), "\"d-head\" is already in the ledger: pass --replace");
    let out = add(&p, &["--id", "d-head", "--replace", "--status", "degraded"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "replaced deployment d-head\n", "{}", text(&out));
    refused(
        &p,
        &add_args(&[
            "--id",
            "d-t",
            "--started",
            "2026-01-02T12:00:00Z",
            "--finished",
            "2026-01-02T11:00:00Z",
        ]),
        "started 2026-01-02T12:00:00Z is after finished 2026-01-02T11:00:00Z",
    );
    refused(
        &p,
        &add_args(&["--id", "d-r", "--remediates", "nope"]),
        "remediates \"nope\": no such deployment",
    );
    refused(&p, &add_args(&["--id", "d-k", "--kind", "yolo"]), "kind \"yolo\"");
    assert_eq!(ledger(&p).len(), 5, "nothing refused was written");
}

fn add_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["ledger", "add", "--service", "web", "--env", "prod"];
    args.extend_from_slice(extra);
    args
}

fn row(id: &str, env: &str, production: bool, sha: &str, status: &str) -> String {
    serde_json::json!({
        "id": id, "service": "web", "environment": env, "production": production, "sha": sha,
        "version": null, "kind": "normal", "status": status, "started_at": 1_767_000_000_000_000_i64,
        "finished_at": 1_767_000_060_000_000_i64, "run": null, "remediates": null, "actor": "ci"
    })
    .to_string()
}

#[test]
fn ledger_import_checks_every_row_like_add_and_is_all_or_nothing() {
    let (p, first, second) = repo_project();
    let out = add(&p, &["--sha", "HEAD", "--id", "d-old"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let file = p.path().join("import.jsonl");
    let write = |rows: &[String]| std::fs::write(&file, rows.join("\n") + "\n").unwrap();
    let path = file.to_str().unwrap();

    write(&[row("i1", "prod", true, "v1", "succeeded"), row("i2", "prod", true, "HEAD", "oops")]);
    refused(&p, &["ledger", "import", path], "import.jsonl:2: status \"oops\"");
    write(&[row("i1", "staging", true, "v1", "succeeded")]);
    refused(&p, &["ledger", "import", path], "is not a production environment");
    write(&[row("i1", "prod", true, "cafebabe", "succeeded")]);
    refused(&p, &["ledger", "import", path], "import.jsonl:1: sha \"cafebabe\"");
    write(&[row("i1", "prod", true, "v1", "succeeded"), row("i1", "prod", true, "v1", "failed")]);
    refused(&p, &["ledger", "import", path], "import.jsonl:2: id \"i1\" appears twice");
    write(&[row("i1", "prod", true, "v1", "succeeded"), row("d-old", "prod", true, "HEAD", "failed")]);
    refused(&p, &["ledger", "import", path], "\"d-old\" is already in the ledger (pass --replace)");
    assert_eq!(ledger(&p).len(), 1, "a refused import writes nothing");

    let out = p.run(&["ledger", "import", path, "--replace"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "imported 2 deployments (1 replacing earlier rows)\n",
        "the counts are what was written"
    );
    let rows = ledger(&p);
    assert_eq!(rows.len(), 2);
    let sha_of = |id: &str| rows.iter().find(|d| d["id"] == id).unwrap()["sha"].as_str().unwrap().to_string();
    assert_eq!(sha_of("i1"), first, "tags resolve on import as on add");
    assert_eq!(sha_of("d-old"), second);
}

fn open<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["incident", "open", "checkout down", "--service", "web", "--env", "prod"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn incidents_and_dora_refuse_impossible_input_naming_the_value() {
    let (p, _, _) = repo_project();
    let out = add(&p, &["--sha", "HEAD", "--id", "d1", "--finished", "2026-01-02T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    refused(&p, &open(&["--caused-by", "d-nope"]), "caused_by \"d-nope\": no such deployment");
    refused(
        &p,
        &open(&["--started", "2026-01-02T11:00:00Z", "--detected", "2026-01-02T10:30:00Z"]),
        "started 2026-01-02T11:00:00Z is after detected 2026-01-02T10:30:00Z",
    );
    let out = p.run(&open(&["--id", "inc-1", "--caused-by", "d1", "--started", "2026-01-02T11:00:00Z"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    refused(
        &p,
        &["incident", "resolve", "inc-1", "--at", "2026-01-02T10:00:00Z"],
        "incident inc-1: started 2026-01-02T11:00:00Z is after resolved 2026-01-02T10:00:00Z",
    );
    refused(
        &p,
        &[
            "incident",
            "resolve",
            "inc-1",
            "--at",
            "2026-01-02T12:00:00Z",
            "--mitigated",
            "2026-01-02T12:30:00Z",
        ],
        "mitigated 2026-01-02T12:30:00Z is after resolved",
    );
    let out = p.run(&["incident", "resolve", "inc-1", "--at", "2026-01-02T12:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    refused(
        &p,
        &["dora", "--service", "wbe"],
        "no service \"wbe\" in [services] or the ledger; the services are: web",
    );
}
