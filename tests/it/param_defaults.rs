//! Templated parameter defaults at `flightdeck run`: one naming the environment renders for it;
//! one that cannot be resolved before the run (a step's outputs, a key the environment lacks)
//! refuses the run with exit 2 naming the parameter and the template, and never reaches a step as
//! its literal text.

use crate::common::{LOCAL, Project, text};

const WF: &str = r#"
title = "Tag"
[params.tag]
prompt = "Tag"
type = "string"
default = "{{ steps.build.outputs.tag }}"

[params.name]
prompt = "Name"
type = "string"
default = "{{ environment.name }}-latest"

[[steps]]
id = "build"
run = "printf '%s|%s' {{ params.tag }} {{ params.name }} > seen"
"#;

#[test]
fn a_default_the_run_cannot_resolve_refuses_with_exit_2_naming_it() {
    let p = Project::new(LOCAL, &[("tag.toml", WF)]);
    let out = p.run(&["run", "tag"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("\"tag\"") && t.contains("{{ steps.build.outputs.tag }}"), "{t}");
    assert!(t.contains("-p tag="), "the error does not say what to do: {t}");
    assert_eq!(p.read("seen"), "", "a step ran with the unresolved default");
    // Given a value, the run goes, and the default naming the environment is rendered for it.
    let out = p.run(&["run", "tag", "-p", "tag=v7"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("seen"), "v7|local-latest");
}

#[test]
fn a_default_naming_a_key_the_environment_lacks_refuses_too() {
    let wf = WF.replace("steps.build.outputs.tag", "environment.registry");
    let p = Project::new(LOCAL, &[("tag.toml", &wf)]);
    let out = p.run(&["run", "tag"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("environment.registry") && t.contains("\"local\""), "{t}");
    assert_eq!(p.read("seen"), "");
}
