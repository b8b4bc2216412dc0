//! Secrets in runs and on the command line: age, sops and `AppRole` values reach a step, a resumed
//! run reads its secrets again, `validate` warns about secrets on a command line, `provision`
//! creates what is missing.

use super::{LOCAL_ONLY, bao_config, kv};
use crate::common::{Project, text};
use crate::secrets_infra::{bao, openbao, venv_bin};
use serde_json::Value;

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
