//! Secrets against real providers: rotation with `OpenBao` and moto (incl. a failing verify that
//! leaves the old version current, read back from the provider), age, sops and `AppRole` reads in a
//! run, every provider failure mode's message, a resumed run re-reading its secrets, and the
//! `validate` warning for secrets on a command line. The canary test is in `secrets_canary`.

use serde_json::Value;

use crate::common::Project;
use crate::secrets_infra::{Server, bao, boto};

mod failures;
mod rotation;
mod runs;

fn bao_config(server: &Server, token: &str) -> String {
    format!(
        "[environments.local]\nallow_root_approval = true\n\n[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{}\"\ntoken = \"{token}\"\n\n[secrets.db_password]\nprovider = \"bao\"\npath = \"payments/db\"\nkey = \"password\"\nrotate_every = \"90d\"\n",
        server.url()
    )
}

fn rotate_wf(verify: &str) -> String {
    format!(
        "title = \"Rotate the db password\"\n[[steps]]\nid = \"rot\"\nuses = \"rotate-secrets\"\nwith = {{ secret = \"db_password\", apply = \"echo applying\", verify = \"{verify}\" }}\n"
    )
}

fn kv(server: &Server) -> Value {
    serde_json::from_str(&bao(server, &["kv", "get", "-format=json", "secret/payments/db"])).unwrap()
}

fn kv_meta(server: &Server) -> Value {
    serde_json::from_str(&bao(server, &["kv", "metadata", "get", "-format=json", "secret/payments/db"]))
        .unwrap()
}

fn aws_config(server: &Server) -> String {
    format!(
        "[environments.local]\nallow_root_approval = true\n\n[secret_providers.aws]\nkind = \"aws\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\naccess_key_id = \"test\"\nsecret_access_key = \"test-secret-key\"\n\n[secrets.db_password]\nprovider = \"aws\"\npath = \"payments/db\"\nkey = \"password\"\n",
        server.url()
    )
}

fn aws_current(server: &Server) -> (String, Value) {
    let out = boto(
        server,
        "v = sm.get_secret_value(SecretId='payments/db', VersionStage='AWSCURRENT')\nl = sm.list_secret_version_ids(SecretId='payments/db', IncludeDeprecated=True)\nprint(json.dumps({'s': v['SecretString'], 'id': v['VersionId'], 'versions': [{'id': x['VersionId'], 'stages': x.get('VersionStages', [])} for x in l['Versions']]}))",
    );
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let s: Value = serde_json::from_str(v["s"].as_str().unwrap()).unwrap();
    (s["password"].as_str().unwrap().to_string(), v)
}

const LOCAL_ONLY: &str = "[environments.local]\nallow_root_approval = true\n";

/// `secrets check NAME` in a project with `config`; (exit code, stderr+stdout).
fn check(config: &str, name: &str) -> (Option<i32>, String) {
    let p = Project::new(config, &[]);
    let out = p.run(&["secrets", "check", name]);
    (
        out.status.code(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

fn assert_names(msg: &str, secret: &str, provider: &str, words: &[&str]) {
    assert!(msg.contains(&format!("secret `{secret}`")), "no secret name: {msg}");
    assert!(msg.contains(&format!("provider `{provider}`")), "no provider: {msg}");
    assert!(msg.contains("flightdeck.toml:"), "no config line: {msg}");
    for w in words {
        assert!(msg.contains(w), "missing {w:?}: {msg}");
    }
}
