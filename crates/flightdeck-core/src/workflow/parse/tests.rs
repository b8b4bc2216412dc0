//! Tests of single-file parsing: a complete valid file, and each kind of problem with its position.

use std::path::Path;

use serde_json::json;

use super::parse_workflow;
use crate::workflow::diag::Diagnostic;
use crate::workflow::model::{OnFail, ParamType, Persona, WorkflowKind};

const GOOD: &str = r#"name = "deploy"
title = "Deploy a service"
persona = "diana"
kind = "deployment"
summary = "Ship it."

[params.service]
prompt = "Service"
default = "web"
pattern = '[a-z]+'

[params.colour]
choices = ["blue", "green"]
default = "green"

[params.dry]
default = false

[params.replicas]
default = 3
required = true

[deployment]
service = "{{ params.service }}"
sha = "{{ steps.pre.outputs.sha }}"

[[steps]]
id = "pre"
run = "./current.sh {{ params.service }}"
timeout = "1m30s"
retries = { count = 2, backoff = "500ms", factor = 3.0 }
env = { TARGET = "{{ environment.name }}" }

[[steps]]
id = "go"
title = "Roll out"
when = "environment.production and params.replicas > 1"
approve = { message = "Roll {{ params.service }}?", choices = ["now", "later"] }
on_fail = "rollback"
rollback = "./undo.sh {{ steps.after.outputs.x }} {{ run.operator }}"
idempotent = true

[[steps]]
id = "after"
uses = "migrate"
with = { db = "{{ steps.pre.outputs.sha }}", n = 3 }
retries = 4
dir = "{{ env.HOME }}"
dry_run = "echo {{ secrets.token }}"
"#;

fn parse(text: &str) -> Result<crate::workflow::model::Workflow, Vec<Diagnostic>> {
    parse_workflow(text, Path::new("workflows/deploy.toml"), false, crate::steps::actions())
}

fn errors(text: &str) -> Vec<Diagnostic> {
    parse(text).expect_err("the file should be rejected")
}

/// The one diagnostic whose message contains `fragment`.
fn find<'a>(diags: &'a [Diagnostic], fragment: &str) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| d.message.contains(fragment))
        .unwrap_or_else(|| panic!("no {fragment:?} in {diags:#?}"))
}

#[test]
fn a_complete_file_parses() {
    let wf = parse(GOOD).unwrap();
    assert_eq!((wf.name.as_str(), wf.persona, wf.kind), ("deploy", Persona::Diana, WorkflowKind::Deployment));
    let names: Vec<&str> = wf.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["service", "colour", "dry", "replicas"], "params keep file order");
    assert_eq!(wf.params[1].ty, ParamType::Choice { choices: vec!["blue".into(), "green".into()] });
    assert_eq!((wf.params[2].ty.clone(), wf.params[3].ty.clone()), (ParamType::Bool, ParamType::Number));
    assert_eq!(wf.params[3].default, Some(json!(3)));
    assert!(wf.params[3].required);
    assert_eq!(wf.params[0].pattern.as_deref(), Some("[a-z]+"));
    let lines: Vec<u32> = wf.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [27, 34, 43]);
    let pre = &wf.steps[0];
    assert_eq!((pre.timeout_ms, pre.retry.count, pre.retry.backoff_ms), (Some(90_000), 2, 500));
    assert!((pre.retry.factor - 3.0).abs() < f64::EPSILON);
    assert_eq!(pre.env["TARGET"].source(), "{{ environment.name }}");
    let go = &wf.steps[1];
    assert_eq!((go.on_fail, go.idempotent, go.label()), (OnFail::Rollback, true, "Roll out"));
    assert_eq!(go.action.kind, "approve");
    assert!(go.when.is_some());
    assert_eq!(wf.steps[2].action.spec["with"]["n"], json!("3"));
    assert_eq!(wf.steps[2].retry.count, 4);
    assert_eq!(wf.deployment.unwrap().sha.unwrap().source(), "{{ steps.pre.outputs.sha }}");
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let text = "title = \"t\"\ncolour = 1\n\n[[steps]]\nid = \"a\"\nrun = \"x\"\ntimout = \"1m\"\n\n[[steps]]\nid = \"b\"\n";
    let diags = errors(text);
    assert_eq!(diags.len(), 3, "{diags:#?}");
    let top = find(&diags, "unknown key `colour`");
    assert_eq!((top.line, top.column), (2, 1));
    let step = find(&diags, "unknown step key `timout`");
    assert_eq!(step.line, 7);
    assert!(step.help.as_deref().unwrap_or_default().contains("did you mean `timeout`?"));
    let none = find(&diags, "step `b` has no action key");
    assert_eq!(none.line, 9);
    assert!(none.help.as_deref().unwrap_or_default().contains("run, approve, uses"));
}

#[test]
fn structure_errors() {
    let d =
        errors("name = \"other\"\ntitle = \"t\"\n[[steps]]\nid = \"a\"\nrun = \"x\"\napprove = \"ok?\"\n");
    assert!(find(&d, "does not match the file name").help.as_deref().unwrap_or_default().contains("deploy"));
    assert_eq!(find(&d, "two action keys, `run` and `approve`").line, 3);
    let d = errors("summary = \"s\"\n");
    assert_eq!(find(&d, "missing `title`").line, 0);
    assert_eq!(find(&d, "no steps").line, 0);
    let d = errors("title = \"t\"\n[[steps]]\nid = \"a\"\nrun = \"x\"\n[[steps]]\nid = \"a\"\nrun = \"y\"\n");
    let dup = find(&d, "duplicate step id `a` (lines 3 and 6)");
    assert_eq!((dup.line, dup.column), (6, 6));
    let d = errors("title = \"t\"\n[[steps]]\nid = \"a\"\nrun = \"x\"\nwith = { a = 1 }\n");
    assert_eq!(find(&d, "`with` belongs to `uses` steps").line, 5);
    let d = errors("title = \"t\"\n[[steps]]\nid = \"Bad Id\"\nrun = 3\n");
    assert_eq!(find(&d, "step id \"Bad Id\" is not valid").line, 3);
    assert_eq!(find(&d, "`run` must be a string").line, 4);
}

#[test]
fn control_key_errors() {
    let d = errors(
        "title = \"t\"\n[[steps]]\nid = \"a\"\nrun = \"x\"\ntimeout = \"10 minutes\"\non_fail = \"retry\"\nretries = -1\nidempotent = \"yes\"\n",
    );
    assert_eq!(find(&d, "\"10 minutes\" is not a duration").line, 5);
    let on_fail = find(&d, "`on_fail` = \"retry\" is not valid");
    assert!(on_fail.help.as_deref().unwrap_or_default().contains("halt, continue, rollback"));
    assert_eq!(find(&d, "retry count").line, 7);
    assert_eq!(find(&d, "`idempotent` must be true or false").line, 8);
}

#[test]
fn when_errors_point_into_the_string() {
    let d = errors("title = \"t\"\n[[steps]]\nid = \"a\"\nrun = \"x\"\nwhen = \"params.x = 1\"\n");
    let w = find(&d, "did you mean `==`?");
    // `when = "` is 8 characters; the `=` is at byte 9 of the expression: column 8 + 9 + 1.
    assert_eq!((w.line, w.column), (5, 18));
}

#[test]
fn template_references_are_checked() {
    let text = "title = \"t\"\n[params.service]\n[[steps]]\nid = \"a\"\nrun = \"echo {{ params.servce }} {{ steps.b.outputs.x }}\"\nwhen = \"steps.a.outputs.y == 1\"\n[[steps]]\nid = \"b\"\nrun = \"{{ nope.x }} {{ run.who }} {{ params.service\"\n";
    let d = errors(text);
    let p = find(&d, "`params.servce`, which is not a declared parameter");
    assert_eq!((p.line, p.column), (5, 16));
    assert!(p.help.as_deref().unwrap_or_default().contains("did you mean `service`?"));
    let later = find(&d, "step `b` (line 7) has not run yet");
    assert_eq!((later.line, later.column), (5, 36));
    assert!(find(&d, "`when` refers to `steps.a.outputs.y`").message.contains("this same step"));
    assert_eq!(find(&d, "bad template in `run`: unclosed").line, 9);
    let d = errors("title = \"t\"\n[[steps]]\nid = \"b\"\nrun = \"{{ nope.x }} {{ run.who }}\"\n");
    assert!(find(&d, "unknown root `nope`").help.as_deref().unwrap_or_default().contains("params"));
    assert!(find(&d, "`run.who`").help.as_deref().unwrap_or_default().contains("operator"));
}

#[test]
fn param_errors() {
    let text = r#"title = "t"
[params.env]
[params.Bad]
[params.colour]
choices = ["blue", "green"]
default = "red"
[params.version]
pattern = '^v[0-9]+$'
default = "1.2"
[params.re]
pattern = '(unclosed'
[params.flag]
type = "bool"
default = "yes"
[params.count]
type = "number"
pattern = '[0-9]+'
[[steps]]
id = "a"
run = "x"
"#;
    let d = errors(text);
    assert_eq!(find(&d, "may not be named `env`").line, 2);
    assert!(find(&d, "may not be named `env`").help.as_deref().unwrap_or_default().contains("--env"));
    assert_eq!(find(&d, "parameter name \"Bad\" is not valid").line, 3);
    assert_eq!(find(&d, "default \"red\" is not among the choices [\"blue\", \"green\"]").line, 6);
    assert_eq!(find(&d, "default \"1.2\" does not match the pattern \"^v[0-9]+$\"").line, 9);
    assert_eq!(find(&d, "\"(unclosed\" is not a valid regular expression").line, 11);
    assert_eq!(find(&d, "of a bool parameter must be true or false").line, 14);
    assert_eq!(find(&d, "`pattern` applies only to string parameters").line, 17);
}

#[test]
fn tasks_default_to_kind_task_and_syntax_errors_have_lines() {
    let wf = parse_workflow(
        "title = \"t\"\n[[steps]]\nid = \"a\"\nrun = \"x\"\n",
        Path::new("x.toml"),
        true,
        crate::steps::actions(),
    );
    assert_eq!(wf.unwrap().kind, WorkflowKind::Task);
    let d = errors("title = \"t\"\n[[steps]\nid = 1\n");
    assert_eq!(d[0].line, 2);
    let d = errors("title = \"t\"\ntitle = \"u\"\n");
    assert_eq!((d[0].line, d[0].message.as_str()), (2, "duplicate key `title`"));
}
