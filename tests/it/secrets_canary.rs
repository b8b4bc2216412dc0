//! The canary: steps print a random 24-character secret raw, base64 (standard and URL-safe), hex,
//! percent-encoded, split across two writes of one line, inside JSON, as a PEM block, in a failing
//! command's error, into `$FLIGHTDECK_OUTPUT` and in a gate message and its facts. Then every byte
//! flightdeck wrote is searched for every encoding; 0 matches. Places searched: every file under
//! the data directory (the store file, its WAL and SHM, step logs, outputs files), stdout and
//! stderr of a text run and a `--json` run, and of `flightdeck log`, `runs --json`, `audit`; and
//! (second test) every tmux capture of the console running the same workflow. Not searched: a
//! webhook receiver (flightdeck has no notification step yet).

use std::io::Read;
use std::path::Path;

use base64::Engine;

use crate::common::{Project, text};

/// 24 random characters, with the ones that change under percent- and JSON-encoding.
pub fn canary() -> String {
    let mut bytes = [0u8; 20];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut bytes).unwrap();
    let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let body: String = bytes.iter().map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()])).collect();
    format!("{}/{}+{}\"{}", &body[..5], &body[5..10], &body[10..15], &body[15..])
}

fn pem_lines() -> Vec<String> {
    let mut bytes = [0u8; 96];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut bytes).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    b64.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect()
}

/// Every encoding of `v` searched for.
pub fn encodings(v: &str) -> Vec<String> {
    let b = v.as_bytes();
    let e = &base64::engine::general_purpose::STANDARD;
    let u = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut out = vec![
        v.to_string(),
        e.encode(b),
        u.encode(b),
        hex::encode(b),
        hex::encode_upper(b),
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string(),
        serde_json::to_string(v).unwrap().trim_matches('"').to_string(),
    ];
    // Fragments: the value's first and second halves (a split write), and the base64 of the
    // whole 3-byte groups (what `echo | base64` shares with it).
    out.push(v[..12].to_string() + &v[12..]);
    out.push(e.encode(&b[..b.len() / 3 * 3]).trim_end_matches('=').to_string());
    out
}

const WORKFLOW: &str = r#"title = "Canary"
[[steps]]
id = "print"
env = { CANARY = "{{ secrets.canary }}" }
run = '''
printf '%s\n' "$CANARY"
printf '%s' "$CANARY" | base64 -w0; echo
printf '%s\n' "$CANARY" | base64
printf '%s' "$CANARY" | base64 -w0 | tr '+/' '-_' | tr -d '='; echo
printf '%s' "$CANARY" | od -An -tx1 | tr -d ' \n'; echo
python3 -c 'import os,urllib.parse;print("url:", urllib.parse.quote(os.environ["CANARY"], safe=""))'
python3 -c 'import os,json;print(json.dumps({"password": os.environ["CANARY"]}))'
half=$(printf '%s' "$CANARY" | cut -c1-12); rest=$(printf '%s' "$CANARY" | cut -c13-)
printf 'split: %s' "$half"; sleep 0.2; printf '%s end\n' "$rest"
echo "token=$CANARY" >> "$FLIGHTDECK_OUTPUT"
echo "warning: $CANARY" >&2
'''

[[steps]]
id = "pem"
env = { PEM = "{{ secrets.pem }}" }
run = 'printf "%s\n" "$PEM"'

[[steps]]
id = "gate"
approve = { message = "Ship with {{ secrets.canary }}?", facts = { key = "{{ secrets.canary }}" } }

[[steps]]
id = "fail"
env = { CANARY = "{{ secrets.canary }}" }
run = 'echo "fatal: password authentication failed: $CANARY" >&2; exit 3'
"#;

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p.is_file() {
            // Regular files only: the runner's socket is not readable as a file.
            out.push(p);
        }
    }
}

#[test]
fn canary_secret_never_leaves_in_any_encoding() {
    let value = canary();
    let pem = pem_lines();
    let pem_text = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----", pem.join("\n"));
    let store = tempfile::tempdir().unwrap();
    let file = store.path().join("secrets.json");
    std::fs::write(&file, serde_json::json!({ "canary": value, "pem": pem_text }).to_string()).unwrap();
    let config = format!(
        "[environments.local]\nallow_root_approval = true\n\n[secret_providers.file]\nkind = \"dotenv\"\nfile = \"{}\"\n\n[secrets.canary]\nprovider = \"file\"\n\n[secrets.pem]\nprovider = \"file\"\n",
        file.display()
    );
    let p = Project::new(&config, &[("canary.toml", WORKFLOW)]);
    let mut outputs = Vec::new();
    for args in [&["run", "canary", "--yes"][..], &["run", "canary", "--yes", "--json"][..]] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(3), "the last step fails: {}", text(&out));
        outputs.push((format!("stdout of {args:?}"), out.stdout.clone()));
        outputs.push((format!("stderr of {args:?}"), out.stderr.clone()));
    }
    let runs: serde_json::Value = serde_json::from_slice(&p.run(&["runs", "--json"]).stdout).unwrap();
    for run in runs.as_array().unwrap() {
        let id = run["id"].as_str().unwrap();
        let log = p.run(&["log", id]);
        outputs.push((format!("flightdeck log {id}"), [log.stdout, log.stderr].concat()));
    }
    outputs.push(("runs --json".into(), p.run(&["runs", "--json"]).stdout));
    outputs.push(("audit".into(), p.run(&["audit"]).stdout));
    let mut files = Vec::new();
    files_under(p.home.path(), &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".db-wal") || f.to_string_lossy().ends_with(".db")),
        "{files:?}"
    );
    for f in &files {
        outputs.push((f.display().to_string(), std::fs::read(f).unwrap()));
    }
    let mut needles = encodings(&value);
    needles.extend(pem.iter().cloned());
    // Positive control: the steps did print it, and flightdeck masked what they printed.
    let log_text: String = outputs
        .iter()
        .filter(|(n, _)| n.starts_with("flightdeck log"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(log_text.matches("[redacted]").count() >= 12, "the steps' output was masked: {log_text}");
    assert!(std::fs::read_to_string(&file).unwrap().contains(&serde_json::to_string(&value).unwrap()[1..25]));
    let mut matches = Vec::new();
    for (place, bytes) in &outputs {
        for n in &needles {
            if memfind(bytes, n.as_bytes()) {
                matches.push(format!("{place}: {n}"));
            }
        }
    }
    let places: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    assert!(matches.is_empty(), "secret found in:\n{}\n(searched: {places:#?})", matches.join("\n"));
    eprintln!("canary: 0 matches for {} encodings in {} places: {places:#?}", needles.len(), places.len());
}

pub fn memfind(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The console in tmux runs the canary workflow; every screen captured on the way (the print
/// step's log, the gate with its message and facts, the failure menu) holds no encoding of it.
#[test]
fn canary_never_reaches_the_console_screen() {
    crate::common::ensure_tool("tmux");
    let value = canary();
    let store = tempfile::tempdir().unwrap();
    let file = store.path().join("secrets.json");
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n-----END PRIVATE KEY-----";
    std::fs::write(&file, serde_json::json!({ "canary": value, "pem": pem }).to_string()).unwrap();
    let config = format!(
        "project = \"canary\"\n[environments.local]\nallow_root_approval = true\n\n[secret_providers.file]\nkind = \"dotenv\"\nfile = \"{}\"\n\n[secrets.canary]\nprovider = \"file\"\n\n[secrets.pem]\nprovider = \"file\"\n",
        file.display()
    );
    let p = Project::new(&config, &[("canary.toml", WORKFLOW)]);
    let socket = format!("fd-canary-{}", std::process::id());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux").arg("-L").arg(&socket).args(args).output().unwrap()
    };
    let line = format!(
        "cd {} && FLIGHTDECK_HOME={} TERM=xterm-256color {}; sleep 5",
        p.path().display(),
        p.home.path().display(),
        crate::common::bin().display()
    );
    assert!(tmux(&["new-session", "-d", "-s", "fd", "-x", "160", "-y", "48", &line]).status.success());
    let mut captures: Vec<String> = Vec::new();
    let mut wait_for = |text: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let s = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "fd"]).stdout).into_owned();
            captures.push(s.clone());
            if s.contains(text) {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "waited for {text:?}; screen:\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let keys = |ks: &[&str]| {
        for k in ks {
            assert!(tmux(&["send-keys", "-t", "fd", k]).status.success());
            std::thread::sleep(std::time::Duration::from_millis(150));
        }
    };
    wait_for("Diana");
    keys(&[":", "run canary", "Enter"]);
    wait_for("enter starts the run");
    keys(&["Enter"]);
    wait_for("Approval needed");
    wait_for("[redacted]");
    // A new dialog ignores keys for its grace period (600 ms), then `y` approves.
    std::thread::sleep(std::time::Duration::from_millis(900));
    keys(&["y"]);
    wait_for("Step failed");
    // The failure menu starts on "roll back"; enter confirms it after the grace period.
    std::thread::sleep(std::time::Duration::from_millis(900));
    keys(&["Enter"]);
    wait_for("failed");
    keys(&["q"]);
    let _ = tmux(&["kill-server"]);
    let needles = encodings(&value);
    let shown: Vec<&String> =
        captures.iter().filter(|c| needles.iter().any(|n| c.contains(n.as_str()))).collect();
    assert!(shown.is_empty(), "the console showed the secret:\n{}", shown.first().map_or("", |s| s.as_str()));
    eprintln!("console: {} tmux captures searched, 0 matches", captures.len());
}
