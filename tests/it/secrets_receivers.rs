//! The canary over what the notification receivers get: a planted 24-character secret reaches a
//! notify step's subject and message directly (`{{ secrets.canary }}`), through a step output (raw
//! and base64) and through a failing step's error in the run's `failed` notification. A real webhook
//! receiver on 127.0.0.1 and a real SMTP server (aiosmtpd, STARTTLS) record every payload; every
//! encoding of the value is searched in each request's headers and body and each mail's subject,
//! text and HTML part: 0 matches, while the payloads do carry the `[redacted]` mark where it was.

use std::time::Duration;

use crate::common::{Project, text};
use crate::notify_smtp::{config as mail_config, mails, sink};
use crate::receiver::{Answer, Receiver};
use crate::secrets_canary::{canary, encodings, memfind};

const WORKFLOW: &str = r#"title = "Canary notices"
[[steps]]
id = "print"
env = { CANARY = "{{ secrets.canary }}" }
run = '''
printf 'token=%s\n' "$CANARY" >> "$FLIGHTDECK_OUTPUT"
printf 'b64=%s\n' "$(printf '%s' "$CANARY" | base64 -w0)" >> "$FLIGHTDECK_OUTPUT"
'''
[[steps]]
id = "tell"
notify = { channels = ["hook", "mail"], subject = "token {{ secrets.canary }}", message = "raw {{ secrets.canary }}\nout {{ steps.print.outputs.token }}\nb64 {{ steps.print.outputs.b64 }}", wait = "20s" }
[[steps]]
id = "fail"
env = { CANARY = "{{ secrets.canary }}" }
run = 'echo "cannot connect with $CANARY" >&2; exit 1'
"#;

#[test]
fn canary_never_reaches_a_notification_receiver() {
    let value = canary();
    let mail = sink("starttls");
    let hook = Receiver::start(vec![], Answer::Status(200));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets.json");
    std::fs::write(&file, serde_json::json!({ "canary": value }).to_string()).unwrap();
    let config = format!(
        "{}[notify.channels.hook]\nkind = \"webhook\"\nurl = \"{}\"\nsecret = \"signing-key\"\ntimeout = \"5s\"\n\n\
         [[notify.routes]]\nenvironments = [\"local\"]\nevents = [\"failed\"]\nchannels = [\"hook\", \"mail\"]\n\n\
         [secret_providers.file]\nkind = \"dotenv\"\nfile = \"{}\"\n\n[secrets.canary]\nprovider = \"file\"\n",
        mail_config(&mail, "starttls", "mail-pass-123"),
        hook.url("/hook"),
        file.display()
    );
    let p = Project::new(&config, &[("canary.toml", WORKFLOW)]);
    let out = p.run(&["run", "canary", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "the last step fails: {}", text(&out));
    let _ = p.run(&["notify", "flush"]);
    let requests = hook.wait_for(2, Duration::from_secs(20));
    let got = mails(&mail, 2);
    assert!(requests.len() >= 2 && got.len() >= 2, "{} requests, {} mails", requests.len(), got.len());

    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let headers = r.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n");
        places.push((
            format!("webhook request {i} {}", r.path),
            [headers.into_bytes(), r.body.clone()].concat(),
        ));
    }
    for (i, m) in got.iter().enumerate() {
        places.push((format!("mail {i}"), m.to_string().into_bytes()));
        for part in ["subject", "text", "html"] {
            places.push((format!("mail {i} {part}"), m[part].as_str().unwrap_or("").as_bytes().to_vec()));
        }
    }
    // Positive control: the notify step's payloads went out, masked where the value was.
    let all: String = places.iter().map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect();
    assert!(all.contains("token [redacted]") && all.contains("raw [redacted]"), "{all}");
    assert!(all.contains("FAILED"), "the failed notification arrived: {all}");
    let mut matches = Vec::new();
    for (place, bytes) in &places {
        for n in encodings(&value) {
            if memfind(bytes, n.as_bytes()) {
                matches.push(format!("{place}: {n}"));
            }
        }
    }
    let names: Vec<&str> = places.iter().map(|(n, _)| n.as_str()).collect();
    assert!(matches.is_empty(), "secret found in:\n{}\n(searched: {names:#?})", matches.join("\n"));
}
