//! Secrets against real providers: rotation with `OpenBao` and moto (incl. a failing verify that
//! leaves the old version current, read back from the provider), age, sops and `AppRole` reads in a
//! run, every provider failure mode's message, a resumed run re-reading its secrets, and the
//! `validate` warning for secrets on a command line. The canary test is in `secrets_canary`.

use serde_json::Value;

use crate::common::{Project, text};
use crate::secrets_infra::{Server, bao, boto, moto, openbao, venv_bin};

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

#[test]
fn age_sops_and_approle_values_reach_a_step_through_env() {
    let server = openbao();
    bao(&server, &["kv", "put", "secret/app/api", "token=approle-token-value"]);
    bao(&server, &["auth", "enable", "approle"]);
    std::fs::write(
        server.dir.path().join("read.hcl"),
        "path \"secret/data/*\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    let hcl = server.dir.path().join("read.hcl");
    bao(&server, &["policy", "write", "read-kv", hcl.to_str().unwrap()]);
    bao(&server, &["write", "auth/approle/role/fd", "token_policies=read-kv"]);
    let role_id = bao(&server, &["read", "-field=role_id", "auth/approle/role/fd/role-id"]);
    let secret_id = bao(&server, &["write", "-f", "-field=secret_id", "auth/approle/role/fd/secret-id"]);

    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("key.txt");
    let kg = std::process::Command::new("age-keygen").arg("-o").arg(&key).output().unwrap();
    assert!(kg.status.success(), "age-keygen: {}", String::from_utf8_lossy(&kg.stderr));
    let public = String::from_utf8_lossy(&kg.stderr).trim().trim_start_matches("Public key: ").to_string();
    let p = Project::new(LOCAL_ONLY, &[]);
    std::fs::write(p.path().join("plain.env"), "AGE_SECRET=age-file-value-1\n").unwrap();
    let age = std::process::Command::new("age")
        .args(["-r", &public, "-o"])
        .arg(p.path().join("secrets.env.age"))
        .arg(p.path().join("plain.env"))
        .output()
        .unwrap();
    assert!(age.status.success(), "age: {}", String::from_utf8_lossy(&age.stderr));
    std::fs::write(p.path().join("plain.yaml"), "db:\n  password: sops-file-value-1\n").unwrap();
    let sops = std::process::Command::new(venv_bin("sops"))
        .args(["encrypt", "--age", &public, "--output"])
        .arg(p.path().join("secrets.enc.yaml"))
        .arg(p.path().join("plain.yaml"))
        .env("SOPS_DISABLE_VERSION_CHECK", "1")
        .output()
        .unwrap();
    assert!(sops.status.success(), "sops: {}", String::from_utf8_lossy(&sops.stderr));
    std::fs::remove_file(p.path().join("plain.env")).unwrap();
    std::fs::remove_file(p.path().join("plain.yaml")).unwrap();
    let config = format!(
        "{LOCAL_ONLY}\n[secret_providers.agefile]\nkind = \"age\"\nfile = \"secrets.env.age\"\nidentity = \"{key}\"\n\n[secret_providers.sopsfile]\nkind = \"sops\"\nfile = \"secrets.enc.yaml\"\nidentity = \"{key}\"\nsops_bin = \"{sops}\"\n\n[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{url}\"\napprole = {{ role_id = \"{role}\", secret_id = \"{{{{ env.FD_SECRET_ID }}}}\" }}\n\n[secrets.a]\nprovider = \"agefile\"\nkey = \"AGE_SECRET\"\n[secrets.s]\nprovider = \"sopsfile\"\nkey = \"db.password\"\n[secrets.b]\nprovider = \"bao\"\npath = \"app/api\"\nkey = \"token\"\n",
        key = key.display(),
        sops = venv_bin("sops").display(),
        url = server.url(),
        role = role_id.trim(),
    );
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let wf = "title = \"Use secrets\"\n[[steps]]\nid = \"use\"\nenv = { A = \"{{ secrets.a }}\", S = \"{{ secrets.s }}\", B = \"{{ secrets.b }}\" }\nrun = 'test \"$A\" = age-file-value-1 && test \"$S\" = sops-file-value-1 && test \"$B\" = approle-token-value && echo all three: $A $S $B'\n";
    std::fs::create_dir_all(p.path().join("workflows")).unwrap();
    std::fs::write(p.path().join("workflows/use.toml"), wf).unwrap();
    let out = p.cmd(&["run", "use", "--yes"]).env("FD_SECRET_ID", secret_id.trim()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("all three: [redacted] [redacted] [redacted]"), "{stdout}");
    assert!(!stdout.contains("file-value-1") && !stdout.contains("approle-token"), "{stdout}");
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

#[test]
fn openbao_failure_modes_name_the_secret_provider_and_line() {
    let mut server = openbao();
    bao(&server, &["kv", "put", "secret/payments/db", "password=initial-password-1", "user=app"]);
    let good = bao_config(&server, "root-token");
    let (code, msg) = check(&bao_config(&server, "wrong-token"), "db_password");
    assert_eq!(code, Some(8));
    assert_names(&msg, "db_password", "bao", &["unauthorized", "403"]);
    let (_, msg) = check(&good.replace("payments/db", "payments/nope"), "db_password");
    assert_names(&msg, "db_password", "bao", &["path \"secret/payments/nope\" not found"]);
    let (_, msg) = check(&good.replace("key = \"password\"", "key = \"pasword\""), "db_password");
    assert_names(&msg, "db_password", "bao", &["key \"pasword\" not found", "keys there: password, user"]);
    assert!(!msg.contains("initial-password-1"), "{msg}");
    let p = Project::new(&good, &[]);
    let out = p.run(&["secrets", "restore", "db_password", "99"]);
    let msg = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_names(&msg, "db_password", "bao", &["version 99", "not found"]);
    bao(&server, &["kv", "put", "secret/short", "password=abc"]);
    let (_, msg) = check(&good.replace("payments/db", "short"), "db_password");
    assert_names(&msg, "db_password", "bao", &["3 characters", "at least 8"]);
    assert!(!msg.contains("abc"), "{msg}");
    server.stop();
    let (code, msg) = check(&good, "db_password");
    assert_eq!(code, Some(8));
    assert_names(&msg, "db_password", "bao", &["cannot reach", &server.url()]);
}

#[test]
fn file_and_aws_failure_modes_name_the_secret_provider_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.txt");
    let other = dir.path().join("other.txt");
    for k in [&key, &other] {
        assert!(std::process::Command::new("age-keygen").arg("-o").arg(k).output().unwrap().status.success());
    }
    let enc = dir.path().join("s.age");
    let age = std::process::Command::new("age")
        .arg("-i")
        .arg(&key)
        .arg("-e")
        .arg("-o")
        .arg(&enc)
        .arg("/etc/hostname")
        .output()
        .unwrap();
    assert!(age.status.success(), "{}", String::from_utf8_lossy(&age.stderr));
    let cfg = |body: &str| format!("{LOCAL_ONLY}\n{body}");
    let (_, msg) = check(
        &cfg(&format!(
            "[secret_providers.f]\nkind = \"age\"\nfile = \"{}\"\nidentity = \"{}\"\n[secrets.x]\nprovider = \"f\"\n",
            enc.display(),
            other.display()
        )),
        "x",
    );
    assert_names(&msg, "x", "f", &["cannot decrypt"]);
    std::fs::write(dir.path().join("bad.env"), "GOOD=long-enough-1\nnot a pair\n").unwrap();
    let (_, msg) = check(
        &cfg(&format!(
            "[secret_providers.f]\nkind = \"dotenv\"\nfile = \"{}\"\n[secrets.x]\nprovider = \"f\"\nkey = \"GOOD\"\n",
            dir.path().join("bad.env").display()
        )),
        "x",
    );
    assert_names(&msg, "x", "f", &["malformed", "line 2"]);
    std::fs::write(dir.path().join("plain.yaml"), "a: notencrypted\n").unwrap();
    let (_, msg) = check(
        &cfg(&format!(
            "[secret_providers.f]\nkind = \"sops\"\nfile = \"{}\"\nsops_bin = \"{}\"\n[secrets.x]\nprovider = \"f\"\nkey = \"a\"\n",
            dir.path().join("plain.yaml").display(),
            venv_bin("sops").display()
        )),
        "x",
    );
    assert_names(&msg, "x", "f", &["cannot decrypt", "sops:"]);
    let (code, msg) =
        check(&cfg("[secret_providers.bao]\nkind = \"env\"\n[secrets.x]\nprovider = \"boa\"\n"), "x");
    assert_eq!(code, Some(2), "{msg}");
    assert!(
        msg.contains("unknown provider \"boa\"")
            && msg.contains("did you mean \"bao\"")
            && msg.contains("flightdeck.toml:7"),
        "{msg}"
    );
    let server = moto();
    let (_, msg) = check(&aws_config(&server), "db_password");
    assert_names(&msg, "db_password", "aws", &["path \"payments/db\" not found"]);
}

#[test]
fn a_resumed_run_reads_its_secrets_again() {
    let p = Project::new(
        &format!(
            "{LOCAL_ONLY}\n[secret_providers.f]\nkind = \"dotenv\"\nfile = \"app.env\"\n[secrets.token]\nprovider = \"f\"\nkey = \"TOKEN\"\n"
        ),
        &[(
            "use.toml",
            "title = \"Use\"\n[[steps]]\nid = \"use\"\nenv = { T = \"{{ secrets.token }}\" }\nrun = 'test \"$T\" = second-value-22'\n",
        )],
    );
    std::fs::write(p.path().join("app.env"), "OTHER=x\n").unwrap();
    let out = p.run(&["run", "use", "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("secret `token`") && all.contains("key \\\"TOKEN\\\" not found"), "{all}");
    let runs: Value = serde_json::from_slice(&p.run(&["runs", "--json"]).stdout).unwrap();
    let id = runs[0]["id"].as_str().unwrap().to_string();
    std::fs::write(p.path().join("app.env"), "TOKEN=second-value-22\n").unwrap();
    let out = p.run(&["resume", &id, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let audit = String::from_utf8_lossy(&p.run(&["audit"]).stdout).into_owned();
    assert!(audit.matches("secret.read").count() >= 2, "pre-check and step reads in life 2: {audit}");
    assert!(!audit.contains("second-value-22"), "{audit}");
    let db = rusqlite::Connection::open(p.db()).unwrap();
    let journal: Vec<String> = db
        .prepare("SELECT event FROM journal WHERE run = ?1 AND life = 2")
        .unwrap()
        .query_map([&id], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(journal.iter().any(|e| e.contains("secret token: read from f (version -)")), "{journal:#?}");
    assert!(!journal.iter().any(|e| e.contains("second-value-22")), "{journal:#?}");
}

#[test]
fn validate_warns_about_secrets_on_a_command_line() {
    let p = Project::new(
        &format!("{LOCAL_ONLY}\n[secret_providers.f]\nkind = \"env\"\n[secrets.token]\nprovider = \"f\"\n"),
        &[(
            "leak.toml",
            "title = \"Leak\"\n[[steps]]\nid = \"bad\"\nrun = 'curl -H \"X: {{ secrets.token }}\" http://127.0.0.1:1/'\n",
        )],
    );
    let out = p.run(&["validate"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning")
            && err.contains("leak.toml")
            && err.contains("secrets.token")
            && err.contains("env = {"),
        "{}",
        text(&out)
    );
}

#[test]
fn provision_creates_missing_secrets_and_writes_a_private_env_file_then_cli_lists_and_rotates() {
    use std::os::unix::fs::PermissionsExt;
    let server = openbao();
    bao(&server, &["kv", "put", "secret/payments/db", "password=initial-password-1"]);
    let config = format!(
        "{}\n[secrets.api_token]\nprovider = \"bao\"\npath = \"payments/api\"\nkey = \"token\"\nlength = 40\n",
        bao_config(&server, "root-token")
    );
    let p = Project::new(&config, &[]);
    let out = p.run(&[
        "run",
        "secrets-provision",
        "--yes",
        "-p",
        "vars=PGPASSWORD=db_password,API_TOKEN=api_token",
        "-p",
        "env_file=deploy/app.env",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let created: Value =
        serde_json::from_str(&bao(&server, &["kv", "get", "-format=json", "secret/payments/api"])).unwrap();
    let token = created["data"]["data"]["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 40, "generated with the secret's length");
    let env_file = p.path().join("deploy/app.env");
    let mode = std::fs::metadata(&env_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let body = std::fs::read_to_string(&env_file).unwrap();
    assert_eq!(body, format!("PGPASSWORD=\"initial-password-1\"\nAPI_TOKEN=\"{token}\"\n"));
    assert!(!text(&out).contains(&token), "the generated value was printed");

    let list = p.run(&["secrets", "list", "--json"]);
    let v: Value = serde_json::from_slice(&list.stdout).unwrap_or_else(|_| panic!("{}", text(&list)));
    let db = v["secrets"].as_array().unwrap().iter().find(|s| s["name"] == "db_password").cloned().unwrap();
    assert_eq!(db["version"], "1");
    assert_eq!(db["rotate_every"], "90d");
    assert_eq!(db["overdue"], false, "{db}");
    assert!(db["due"].as_str().is_some_and(|d| d.starts_with("20")), "{db}");
    let rot = p.run(&["secrets", "rotate", "db_password", "--json"]);
    assert_eq!(rot.status.code(), Some(0), "{}", text(&rot));
    let r: Value = serde_json::from_slice(&rot.stdout).unwrap();
    assert_eq!((r["version"].as_str(), r["previous"].as_str()), (Some("2"), Some("1")));
    assert_ne!(kv(&server)["data"]["data"]["password"], "initial-password-1");
    assert!(
        !String::from_utf8_lossy(&rot.stdout)
            .contains(kv(&server)["data"]["data"]["password"].as_str().unwrap())
    );
}

/// moto checking signatures: flightdeck's `SigV4` requests with an IAM user's keys are accepted, and
/// a wrong secret key is refused with a message naming the secret, the provider and the line.
#[test]
fn aws_signatures_are_verified_by_moto_with_iam_keys() {
    // The three setup calls below are the only unauthenticated ones.
    let server = crate::secrets_infra::moto_with_auth(Some(3));
    let keys = boto(
        &server,
        "iam = boto3.client('iam', endpoint_url=sm.meta.endpoint_url, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\niam.create_user(UserName='fd')\nk = iam.create_access_key(UserName='fd')['AccessKey']\niam.put_user_policy(UserName='fd', PolicyName='sm', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'secretsmanager:*', 'Resource': '*'}]}))\nprint(k['AccessKeyId'], k['SecretAccessKey'])",
    );
    let (id, secret) = keys.trim().split_once(' ').unwrap();
    let config = |key: &str| {
        format!(
            "{LOCAL_ONLY}\n[secret_providers.aws]\nkind = \"aws\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\naccess_key_id = \"{id}\"\nsecret_access_key = \"{key}\"\n\n[secrets.api]\nprovider = \"aws\"\npath = \"app/api\"\n",
            server.url()
        )
    };
    let p = Project::new(&config(secret), &[]);
    let ensure = "title = \"Ensure\"\n[[steps]]\nid = \"e\"\nsecret = { ensure = [\"api\"] }\n";
    std::fs::create_dir_all(p.path().join("workflows")).unwrap();
    std::fs::write(p.path().join("workflows/ensure.toml"), ensure).unwrap();
    let out = p.run(&["run", "ensure", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "a signed CreateSecret is accepted: {}", text(&out));
    let (code, msg) = check(&config(secret), "api");
    assert_eq!(code, Some(0), "{msg}");
    let (code, msg) = check(&config("wrong-secret-key-123"), "api");
    assert_eq!(code, Some(8), "{msg}");
    assert_names(&msg, "api", "aws", &["unauthorized", "SignatureDoesNotMatch"]);
}
