//! Unit tests of the providers that need no server (env, dotenv, age), the encodings redaction
//! hides, the generator and the config checks.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;

use super::dotenv::{parse_any, parse_dotenv};
use super::redact::{MASK, Redactor};
use super::{Location, Problem, Provider, SecretSet, generate};
use crate::config::Config;

const V: &str = "s3cr3t/Value+with&odd\"chars:é";

#[test]
fn redacts_every_encoding() {
    let r = Redactor::new();
    r.add(V);
    let b = V.as_bytes();
    let e = base64::engine::general_purpose::STANDARD;
    let samples = [
        V.to_string(),
        e.encode(b),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b),
        hex::encode(b),
        hex::encode_upper(b),
        percent_encoding::utf8_percent_encode(V, percent_encoding::NON_ALPHANUMERIC).to_string(),
        serde_json::to_string(V).unwrap_or_default(),
        // `echo "$V" | base64` encodes the newline too.
        e.encode(format!("{V}\n")),
    ];
    for s in samples {
        let line = format!("before {s} after");
        let out = r.redact(&line);
        assert!(out.contains(MASK), "not redacted: {line}");
        assert!(!r.finds(&out), "left over in {out}");
    }
}

#[test]
fn redacts_each_line_of_a_pem_block() {
    let pem = "-----BEGIN KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQEFAASC\nAT8wggE7AgEAAkEAq7BFUpkGp3+XQ\n-----END KEY-----";
    let r = Redactor::new();
    r.add(pem);
    assert_eq!(r.redact("line: MIIBVwIBADANBgkqhkiG9w0BAQEFAASC"), format!("line: {MASK}"));
    assert_eq!(r.redact("AT8wggE7AgEAAkEAq7BFUpkGp3+XQ"), MASK);
    assert_eq!(r.redact("nothing secret"), "nothing secret");
}

#[test]
fn dotenv_parses_quotes_comments_and_export() {
    let v = parse_dotenv("# c\nexport A=\"one two\"\nB='x=y'\n\nC=plain\n", "f").unwrap_or_default();
    assert_eq!(v.get("A").map(|s| s.as_str()), Some("one two"));
    assert_eq!(v.get("B").map(|s| s.as_str()), Some("x=y"));
    assert_eq!(v.get("C").map(|s| s.as_str()), Some("plain"));
}

#[test]
fn dotenv_error_names_the_line_not_the_value() {
    let err = parse_dotenv("A=1\nthis-line-is-hunter22-secret\n", "app.env").err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("app.env") && text.contains("line 2"), "{text}");
    assert!(!text.contains("hunter22"), "{text}");
}

#[test]
fn json_values_flatten_to_dotted_names() {
    let v = parse_any(r#"{"db": {"password": "p4ssw0rd-long"}, "n": 5}"#, "f").unwrap_or_default();
    assert_eq!(v.get("db.password").map(|s| s.as_str()), Some("p4ssw0rd-long"));
    assert_eq!(v.get("n").map(|s| s.as_str()), Some("5"));
}

#[test]
fn generated_values_are_random_and_long_enough() {
    let a = generate::generate(32).map(|s| s.to_string()).unwrap_or_default();
    let b = generate::generate(32).map(|s| s.to_string()).unwrap_or_default();
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    assert_eq!(generate::generate(3).map(|s| s.len()).unwrap_or_default(), 8);
}

fn set(toml: &str, dir: &Path) -> SecretSet {
    let path = dir.join("flightdeck.toml");
    std::fs::write(&path, toml).unwrap_or_default();
    let config = Config::parse(toml, &path).unwrap_or_default();
    SecretSet::new(&config, dir)
}

#[tokio::test]
async fn env_provider_reads_and_refuses_short_values() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = set(
        "[secret_providers.e]\nkind = \"env\"\n[secrets.path]\nprovider = \"e\"\npath = \"PATH\"\n[secrets.gone]\nprovider = \"e\"\npath = \"FD_TEST_NOT_SET_7731\"\n",
        dir.path(),
    );
    let (_, v) = s.read("path", None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.value.as_str(), std::env::var("PATH").unwrap_or_default());
    let e = s.read("gone", None).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.contains("secret `gone`") && e.contains("$FD_TEST_NOT_SET_7731") && e.contains("flightdeck.toml:7"),
        "{e}"
    );
    let short = super::secret("abc".into(), None).err();
    assert_eq!(short, Some(Problem::TooShort { len: 3 }));
}

#[tokio::test]
async fn dotenv_provider_reads_a_key_and_names_missing_ones() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("app.env"), "DB_PASSWORD=correct-horse-battery\nOTHER=x\n")
        .unwrap_or_default();
    let s = set(
        "[secret_providers.f]\nkind = \"dotenv\"\nfile = \"app.env\"\n[secrets.db]\nprovider = \"f\"\nkey = \"DB_PASSWORD\"\n[secrets.nope]\nprovider = \"f\"\nkey = \"MISSING\"\n",
        dir.path(),
    );
    let (p, v) = s.read("db", None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((p.as_str(), v.value.as_str()), ("f", "correct-horse-battery"));
    let e = s.read("nope", None).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("key \"MISSING\" not found") && e.contains("DB_PASSWORD, OTHER"), "{e}");
    assert!(!e.contains("correct-horse"), "{e}");
}

#[tokio::test]
async fn providers_without_versions_refuse_writes_by_name() {
    let p = super::env::EnvProvider { prefix: String::new() };
    let loc = Location { name: "x".into(), path: None, key: None };
    let e = p.write(&loc, "whatever-value").await.err();
    assert_eq!(e, Some(Problem::Unsupported { op: "write", kind: "env" }));
}

#[test]
fn unknown_provider_and_kind_suggest_the_nearest() {
    let p = Path::new("flightdeck.toml");
    let e = Config::parse("[secret_providers.bao]\nkind = \"openbao\"\naddress = \"http://x\"\ntoken = \"t\"\n[secrets.db]\nprovider = \"boa\"\n", p)
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("unknown provider \"boa\"") && e.contains("did you mean \"bao\"") && e.contains(":6"),
        "{e}"
    );
    let e = Config::parse("[secret_providers.x]\nkind = \"vaultt\"\n", p)
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(e.contains("unknown kind \"vaultt\"") && e.contains("not supported yet"), "{e}");
    let e = Config::parse("[secret_providers.x]\nkind = \"age\"\nfile = \"a.age\"\n", p)
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(e.contains("needs `identity`"), "{e}");
    let _ = BTreeMap::<String, String>::new();
}
