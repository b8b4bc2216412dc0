//! The `load` step kind in a real workflow run: outputs for later steps, and a failed threshold
//! failing the step (and the run, exit 3).

use std::time::Duration;

use crate::common::Project;
use crate::load_servers::http;

const WORKFLOW: &str = r#"
title = "Load"
persona = "phoenix"
kind = "task"

[params.limit]
prompt = "p99 limit"
default = "5s"

[[steps]]
id = "load"
load = { url = "{{ environment.url }}/", connections = 2, requests = 60, thresholds = ["p99 < 5s", "error_rate < 1%"], save_baseline = "{{ environment.name }}-last" }

[[steps]]
id = "after"
run = 'echo "rps={{ steps.load.outputs.rps }} requests={{ steps.load.outputs.requests }} verdict={{ steps.load.outputs.verdict }}"'
"#;

fn project(url: &str) -> Project {
    let config = format!(
        "[environments.staging]\nurl = \"{}\"\napprovals = 1\nauto_approve = true\n",
        url.trim_end_matches('/')
    );
    Project::new(&config, &[("load.toml", WORKFLOW)])
}

#[test]
fn load_step_writes_outputs_and_passes() {
    let s = http(|_| (200, Duration::ZERO));
    let p = project(&s.url());
    let out = p.run(&["run", "load", "--env", "staging", "--yes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("requests=60 verdict=pass"), "{text}");
    assert!(text.contains("PASS p99 < 5s"), "the summary is logged: {text}");
}

#[test]
fn failed_threshold_fails_the_step() {
    let s = http(|n| (if n % 2 == 0 { 500 } else { 200 }, Duration::ZERO));
    let p = project(&s.url());
    let out = p.run(&["run", "load", "--env", "staging", "--yes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("load test failed: error_rate < 1% (observed 0.500)"), "{text}");
}
