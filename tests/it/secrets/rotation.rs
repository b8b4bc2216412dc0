//! Rotation with `OpenBao` and moto: the old version is disabled, and a failing verify leaves the
//! old version current (read back from the provider).

use super::{aws_config, aws_current, bao_config, kv, kv_meta, rotate_wf};
use crate::common::{Project, text};
use crate::secrets_infra::{bao, boto, moto, openbao};
use serde_json::Value;

#[test]
fn openbao_rotation_disables_the_old_version_and_a_failing_verify_rolls_back() {
    let server = openbao();
    bao(&server, &["kv", "put", "secret/payments/db", "password=initial-password-1", "user=app"]);
    let p = Project::new(
        &bao_config(&server, "{{ env.BAO_TOKEN }}"),
        &[("rotate-ok.toml", &rotate_wf("true")), ("rotate-bad.toml", &rotate_wf("exit 1"))],
    );
    let out = p.cmd(&["run", "rotate-ok", "--yes"]).env("BAO_TOKEN", "root-token").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let now = kv(&server);
    let rotated = now["data"]["data"]["password"].as_str().unwrap().to_string();
    assert_ne!(rotated, "initial-password-1");
    assert_eq!(rotated.len(), 32);
    assert_eq!(now["data"]["data"]["user"], "app", "other keys at the path are kept");
    assert_eq!(now["data"]["metadata"]["version"], 2);
    let meta = kv_meta(&server);
    assert_ne!(meta["data"]["versions"]["1"]["deletion_time"], "", "old version 1 is disabled: {meta}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&rotated), "the new value was printed");

    let out = p.cmd(&["run", "rotate-bad", "--yes"]).env("BAO_TOKEN", "root-token").output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rolled back"), "{}", text(&out));
    let after = kv(&server);
    assert_eq!(after["data"]["data"]["password"], rotated.as_str(), "the old version is current again");
    let meta = kv_meta(&server);
    assert_eq!(meta["data"]["versions"]["2"]["deletion_time"], "", "version 2 stays enabled: {meta}");
}
#[test]
fn aws_rotation_disables_the_old_version_and_a_failing_verify_rolls_back() {
    let server = moto();
    let first = boto(
        &server,
        "r = sm.create_secret(Name='payments/db', SecretString=json.dumps({'password': 'initial-password-1', 'user': 'app'}))\nprint(r['VersionId'])",
    );
    let first = first.trim().to_string();
    let p = Project::new(
        &aws_config(&server),
        &[("rotate-ok.toml", &rotate_wf("true")), ("rotate-bad.toml", &rotate_wf("exit 1"))],
    );
    let out = p.run(&["run", "rotate-ok", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (rotated, v) = aws_current(&server);
    assert_ne!(rotated, "initial-password-1");
    let old = v["versions"].as_array().unwrap().iter().find(|x| x["id"] == first.as_str()).cloned();
    assert_eq!(
        old.map(|o| o["stages"].clone()),
        Some(Value::Array(vec![])),
        "old version has no stage left: {v}"
    );

    let out = p.run(&["run", "rotate-bad", "--yes"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rolled back"), "{}", text(&out));
    let (after, v) = aws_current(&server);
    assert_eq!(
        after,
        rotated,
        "the version current before the failed rotation is current again: {v}\n{}",
        text(&out)
    );
}
