//! Every provider failure mode's message names the secret, the provider and the line; moto checks
//! the `SigV4` signatures of flightdeck's requests.

use super::{LOCAL_ONLY, assert_names, aws_config, bao_config, check};
use crate::common::{Project, text};
use crate::secrets_infra::{bao, boto, moto, openbao, venv_bin};

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
