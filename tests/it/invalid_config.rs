//! Every file in `tests/invalid-config/` is a `flightdeck.toml` that must be refused with a
//! diagnostic holding the fragment of its `# expect:` line, naming the file and the line of its
//! `# line:` header: the line of the bad value, not the header of its table. A monitor's problem
//! disables that monitor alone (`Config::monitor_problems`); any other problem fails the file.

use std::fs;
use std::path::Path;

use crate::invalid::{fixture_files, header};

use flightdeck::config::Config;

/// Why `path` is not refused as its header says, if it is not.
fn check(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).expect("read an invalid config");
    let fragment = header(&text, "# expect:", path);
    let line: u32 = header(&text, "# line:", path).parse().expect("a `# line:` number");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let diags = match Config::parse(&text, path) {
        Ok(config) => config.monitor_problems.into_values().collect::<Vec<_>>(),
        Err(d) => vec![d],
    };
    let hit = diags.iter().any(|d| {
        let shown = d.to_string();
        shown.contains(&fragment) && shown.contains(&name) && d.line == line
    });
    let got: Vec<String> = diags.iter().map(|d| format!("line {}: {d}", d.line)).collect();
    (!hit).then(|| format!("{name}: expected {fragment:?} at line {line}, got {got:?}"))
}

#[test]
fn every_invalid_config_names_the_line_of_its_bad_value() {
    let files = fixture_files("invalid-config");
    assert!(files.len() >= 4, "tests/invalid-config/ should hold at least 4 files, found {}", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| check(f)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Through the binary: the disabled monitor's problem on stderr names the file and the value's line.
#[test]
fn health_names_the_line_of_a_monitor_value_of_the_wrong_type() {
    let p = crate::common::Project::new(
        "[environments.local]\n[monitors.web]\nurl = \"http://127.0.0.1:1/\"\ninterval = 5\n",
        &[],
    );
    let out = p.run(&["health", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{}", crate::common::text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flightdeck.toml:4") && err.contains("`interval`"), "{err}");
}

/// Through the binary: a url health cannot probe (`icmp://`, Gatus's other endpoint types) fails
/// `validate` with exit 2, naming the file, the url's line, the monitor and what to write instead;
/// a templated url whose scheme comes from the environment is left to `health` to judge.
#[test]
fn validate_refuses_a_monitor_url_whose_scheme_health_cannot_probe() {
    let p = crate::common::Project::new(
        "[environments.local]\nurl = \"http://127.0.0.1:1\"\n[monitors.api]\nurl = \"{{ environment.url }}/health\"\n\
         [monitors.gateway]\ninterval = \"30s\"\nurl = \"ssh://10.0.0.1:22\"\n",
        &[],
    );
    let out = p.run(&["validate"]);
    assert_eq!(out.status.code(), Some(2), "{}", crate::common::text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flightdeck.toml:7") && err.contains("[monitors.gateway]"), "{err}");
    assert!(err.contains("ssh:// scheme is not supported") && err.contains("tcp = \"host:port\""), "{err}");
    assert!(!err.contains("monitors.api"), "the templated url is fine: {err}");
}

/// A templated url whose environment gives it a scheme health cannot probe fails `validate` too,
/// naming that environment; `health` in another environment still probes the monitor.
#[test]
fn validate_refuses_a_templated_monitor_url_an_environment_gives_a_bad_scheme() {
    let p = crate::common::Project::new(
        "[environments.local]\nurl = \"http://127.0.0.1:1\"\n[environments.edge]\nurl = \"grpc://10.0.0.1:50051\"\n\
         [monitors.gateway]\nurl = \"{{ environment.url }}/health\"\ntimeout = \"1s\"\n",
        &[],
    );
    let out = p.run(&["validate"]);
    assert_eq!(out.status.code(), Some(2), "{}", crate::common::text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("flightdeck.toml:6") && err.contains("[monitors.gateway] in environment edge"),
        "{err}"
    );
    assert!(err.contains("grpc:// scheme is not supported") && err.contains("tcp = \"host:port\""), "{err}");
    let health = crate::common::text(&p.run(&["health", "--once", "--env", "local", "--json"]));
    assert!(
        health.contains("\"disabled\": []") && health.contains("\"monitor\": \"gateway\""),
        "local still probes it: {health}"
    );
}
