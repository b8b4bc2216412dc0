use std::path::Path;

use super::*;

#[test]
fn defaults_without_file() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load(dir.path()).unwrap();
    assert_eq!(c.default_env(), "local");
    assert_eq!(c.environment("local").unwrap().approvals, 1);
}

#[test]
fn environments_with_vars_and_policy() {
    let text = "[environments.staging]\nurl = \"http://127.0.0.1:1\"\n\n[environments.production]\nproduction = true\napprovals = 2\nallow_self_approval = false\nconfirm_phrase = \"DEPLOY TO PRODUCTION\"\n";
    let c = Config::parse(text, Path::new("f.toml")).unwrap();
    assert_eq!(c.default_env(), "staging");
    let p = c.environment("production").unwrap();
    assert_eq!(p.approvals, 2);
    assert!(!p.allow_self_approval);
    let vars = c.environment("staging").unwrap().template_vars();
    assert_eq!(vars["url"], Value::String("http://127.0.0.1:1".into()));
    assert_eq!(vars["name"], Value::String("staging".into()));
}

#[test]
fn misspelt_policy_key_is_an_error_with_line() {
    let text = "[environments.production]\nproduction = true\naprovals = 2\n";
    let e = Config::parse(text, Path::new("f.toml")).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("aprovals"), "{e}");
    assert_eq!(e.help.as_deref(), Some("did you mean `approvals`?"));
}

#[test]
fn unknown_top_level_key_names_nearest() {
    let e = Config::parse("projekt = \"x\"\n", Path::new("f.toml")).unwrap_err();
    assert_eq!(e.line, 1);
    assert_eq!(e.help.as_deref(), Some("did you mean `project`?"), "{e}");
}

#[test]
fn bad_timeout_and_unknown_env() {
    let e =
        Config::parse("[environments.s]\napproval_timeout = \"soon\"\n", Path::new("f.toml")).unwrap_err();
    assert_eq!(e.line, 2);
    let c = Config::parse("[environments.staging]\n", Path::new("f.toml")).unwrap();
    let err = c.environment("stagin").unwrap_err();
    assert!(err.contains("did you mean \"staging\""), "{err}");
}
