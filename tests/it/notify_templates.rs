//! Message templates beyond `run.*` against a real webhook receiver on 127.0.0.1: a production
//! deploy's `finished` carries its version parameter, a step output and the previous version from
//! the ledger; `incident_opened` carries the incident's title, severity and commander; a template
//! naming a variable its event never has is refused by `flightdeck validate` with file and line.

use std::time::Duration;

use serde_json::Value;

use crate::common::{Project, text};
use crate::receiver::{Answer, Receiver};

const SHIP: &str = r#"
title = "Ship api"
kind = "deployment"

[params.version]
type = "string"

[deployment]
service = "api"
version = "{{ params.version }}"
digest = "{{ steps.build.outputs.digest }}"

[[steps]]
id = "build"
run = 'echo "digest=sha256:d1g3st-{{ params.version }}" >> "$FLIGHTDECK_OUTPUT"'
"#;

const FINISHED: &str = "shipped {{ deploy.service }} {{ params.version }}\n\
                        digest={{ steps.build.outputs.digest }} previous={{ deploy.previous_version }} \
                        on {{ environment.name }}\n";

fn config(url: &str, events: &str) -> String {
    format!(
        "[environments.prod]\nproduction = true\nallow_root_approval = true\n\n\
         [notify]\ntemplates = \"notify\"\n\n\
         [notify.channels.ops]\nkind = \"webhook\"\nurl = \"{url}\"\ntimeout = \"2s\"\n\n\
         [[notify.routes]]\nenvironments = [\"prod\"]\nevents = [{events}]\nchannels = [\"ops\"]\n"
    )
}

fn body(req: &crate::receiver::Request) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

#[test]
fn a_production_deploy_finished_message_has_the_version_a_step_output_and_the_previous_version() {
    let rx = Receiver::start(vec![], Answer::Status(200));
    let p = Project::new(&config(&rx.url("/"), "\"finished\""), &[("ship.toml", SHIP)]);
    std::fs::create_dir_all(p.path().join("notify")).unwrap();
    std::fs::write(p.path().join("notify/finished.txt"), FINISHED).unwrap();
    let out = p.run(&["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for v in ["1.4.1", "1.4.2"] {
        let out = p.run(&["run", "ship", "--env", "prod", "--yes", "--param", &format!("version={v}")]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let reqs = rx.wait_for(2, Duration::from_secs(20));
    assert_eq!(reqs.len(), 2, "one finished message per run");
    let last = reqs.iter().map(body).find(|b| b["subject"] == "shipped api 1.4.2").expect("1.4.2 message");
    assert_eq!(last["event"], "finished");
    assert_eq!(last["text"], "digest=sha256:d1g3st-1.4.2 previous=1.4.1 on prod", "{last}");
    assert_eq!(last["fields"]["params.version"], "1.4.2");
    assert_eq!(last["fields"]["steps.build.outputs.digest"], "sha256:d1g3st-1.4.2");
    assert_eq!(last["fields"]["deploy.version"], "1.4.2");
    let first = reqs.iter().map(body).find(|b| b["subject"] == "shipped api 1.4.1").expect("1.4.1 message");
    assert_eq!(first["text"], "digest=sha256:d1g3st-1.4.1 previous= on prod", "{first}");
}

#[test]
fn the_default_finished_message_summarises_the_deployment_and_parameters() {
    let rx = Receiver::start(vec![], Answer::Status(200));
    let p = Project::new(&config(&rx.url("/"), "\"finished\""), &[("ship.toml", SHIP)]);
    let out = p.run(&["run", "ship", "--env", "prod", "--yes", "--param", "version=2.0.0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reqs = rx.wait_for(1, Duration::from_secs(20));
    let b = body(reqs.first().expect("finished delivered"));
    let t = b["text"].as_str().unwrap();
    assert!(t.contains("Deployment: api 2.0.0 (sha256:d1g3st-2.0.0)."), "{t}");
    assert!(t.contains("Parameters: version=2.0.0"), "{t}");
}

#[test]
fn an_incident_opened_message_has_the_title_severity_and_commander() {
    let rx = Receiver::start(vec![], Answer::Status(200));
    let p = Project::new(&config(&rx.url("/"), "\"incident_opened\""), &[]);
    let args = [
        "incident",
        "open",
        "checkout 502",
        "--service",
        "web",
        "--env",
        "prod",
        "--severity",
        "sev1",
        "--commander",
    ];
    let out = p.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reqs = rx.wait_for(1, Duration::from_secs(20));
    let b = body(reqs.first().expect("incident_opened delivered"));
    assert_eq!(b["event"], "incident_opened");
    let subject = b["subject"].as_str().unwrap();
    assert!(subject.contains("sev1") && subject.contains("checkout 502"), "{b}");
    assert_eq!(b["fields"]["incident.title"], "checkout 502");
    assert_eq!(b["fields"]["incident.severity"], "sev1");
    let commander = b["fields"]["incident.commander"].as_str().unwrap();
    assert!(!commander.is_empty(), "the opener took the commander role: {b}");
    assert!(b["text"].as_str().unwrap().contains(&format!("Commander: {commander}")), "{b}");
    let id = b["fields"]["incident.id"].as_str().unwrap();
    assert!(b["text"].as_str().unwrap().contains(&format!("flightdeck incident show {id}")), "{b}");
}

#[test]
fn an_incident_variable_in_the_failed_template_is_refused_by_validate_with_file_and_line() {
    let p = Project::new(&config("http://127.0.0.1:9/", "\"failed\""), &[("ship.toml", SHIP)]);
    std::fs::create_dir_all(p.path().join("notify")).unwrap();
    std::fs::write(
        p.path().join("notify/failed.txt"),
        "run {{ run.id }} failed\nabout {{ incident.title }}\n",
    )
    .unwrap();
    let out = p.run(&["validate"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed.txt:2"), "file and line: {err}");
    assert!(err.contains("incident.title") && err.contains("event failed never has incident.*"), "{err}");
    let out = p.run(&["notify", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed.txt (failed): line 2"), "{}", text(&out));
}
