//! A postmortem whose linked run printed escape sequences, an 8-bit CSI and a bidi override, and
//! whose notes carry them too: every export (stdout and `-o` files, Markdown and JSON) holds no
//! byte a terminal obeys, and the JSON file stays valid with the text shown escaped.

use serde_json::Value;

use crate::common::{Project, text};
use crate::hostile_notify::assert_terminal_safe;

const WF: &str = "title = \"noisy\"\n[[steps]]\nid = \"noisy\"\n\
run = \"printf 'boom \\\\033]52;c;cHduZWQ=\\\\007 \\\\302\\\\233 31m \\\\342\\\\200\\\\256 lave\\\\n' >&2; exit 1\"\n";

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    assert_terminal_safe(&format!("{args:?}"), &out.stdout);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn postmortem_exports_of_hostile_step_output_and_notes_are_terminal_safe() {
    let p = Project::new("[environments.local]\nallow_root_approval = true\n", &[("noisy.toml", WF)]);
    ok(&p, &["incident", "open", "web \u{202e}down", "--service", "web", "--env", "local", "--id", "inc-h"]);
    let out = p.run(&["run", "noisy", "--env", "local", "--yes", "--incident", "inc-h"]);
    assert_eq!(out.status.code(), Some(3), "the step fails: {}", text(&out));
    ok(&p, &["incident", "note", "inc-h", "saw \u{9b}2J and \x1b]0;title\x07 in the logs"]);
    ok(&p, &["incident", "resolve", "inc-h"]);
    for fmt in ["--json", "--markdown"] {
        ok(&p, &["incident", "timeline", "inc-h", fmt]);
        ok(&p, &["incident", "timeline", "inc-h", fmt, "-o", "pm.out"]);
        let written = std::fs::read(p.path().join("pm.out")).unwrap();
        assert_terminal_safe(&format!("timeline {fmt} -o"), &written);
        let shown = String::from_utf8_lossy(&written);
        assert!(shown.contains("boom") && shown.contains("\\u009b"), "{fmt}: {shown}");
        if fmt == "--json" {
            let v: Value = serde_json::from_slice(&written).expect("the JSON file stays valid");
            assert!(v["timeline"].to_string().contains("boom"), "{v}");
        }
    }
    ok(&p, &["incident", "timeline", "inc-h"]);
    ok(&p, &["incident", "show", "inc-h"]);
    ok(&p, &["incident", "show", "inc-h", "--json"]);
}
