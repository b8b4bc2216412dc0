//! Notifications against a real HTTP receiver on 127.0.0.1: signed webhooks, retries with backoff,
//! timeouts, fatal 4xx, exactly-once delivery across a SIGKILL and two concurrent flushes, routing
//! of a production gate, and the notification-setup workflow.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::common::{Project, text};
use crate::receiver::{Answer, Receiver};

const SECRET: &str = "s3cret-signing-key";

fn channel(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[notify.channels.{name}]\nkind = \"webhook\"\nurl = \"{url}\"\nsecret = \"{SECRET}\"\ntimeout = \"500ms\"\n{extra}\n"
    )
}

fn local() -> String {
    "[environments.local]\nallow_root_approval = true\n".into()
}

fn verify(req: &crate::receiver::Request) -> bool {
    let ts = &req.headers["x-flightdeck-timestamp"];
    let sig = req.headers["x-flightdeck-signature"].trim_start_matches("sha256=").to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&req.body);
    mac.verify_slice(&hex_decode(&sig)).is_ok()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).filter_map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn list(p: &Project) -> Vec<Value> {
    let out = p.run(&["notify", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_test_message_is_delivered_signed_and_a_changed_byte_fails_verification() {
    let rx = Receiver::start(vec![], Answer::Status(200));
    let p = Project::new(&(local() + &channel("ops", &rx.url("/hook"), "")), &[]);
    let out = p.run(&["notify", "test", "ops"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reqs = rx.wait_for(1, Duration::from_secs(5));
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, "/hook");
    assert!(verify(r), "signature must verify: {:?}", r.headers);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["event"], "test");
    assert_eq!(r.headers["x-flightdeck-delivery"], body["delivery"].as_str().unwrap());
    let mut tampered = r.clone();
    tampered.body[5] ^= 1;
    assert!(!verify(&tampered), "a body changed by one byte must fail verification");
}

#[test]
fn two_500s_then_200_make_three_attempts_one_second_then_two_apart() {
    let rx = Receiver::start(vec![Answer::Status(500), Answer::Status(500)], Answer::Status(200));
    let p = Project::new(&(local() + &channel("ops", &rx.url("/"), "")), &[]);
    let out = p.run(&["notify", "test", "ops", "--timeout", "30s"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 3, "exactly three attempts");
    let d1 = reqs[1].at - reqs[0].at;
    let d2 = reqs[2].at - reqs[1].at;
    // Backoff 1 s × 2ⁿ plus up to 10 % jitter: never sooner than the base delay.
    assert!(d1 >= Duration::from_secs(1) && d1 < Duration::from_secs(10), "first delay {d1:?}");
    assert!(d2 >= Duration::from_secs(2) && d2 < Duration::from_secs(10), "second delay {d2:?}");
    let ids: BTreeSet<&String> = reqs.iter().map(|r| &r.headers["x-flightdeck-delivery"]).collect();
    assert_eq!(ids.len(), 1, "one delivery id across retries");
    let rows = list(&p);
    assert_eq!(rows[0]["state"], "delivered");
    assert_eq!(rows[0]["attempts"], 3);
}

#[test]
fn a_hanging_receiver_times_out_and_is_retried() {
    let rx = Receiver::start(vec![Answer::Hang(Duration::from_secs(5))], Answer::Status(200));
    let p = Project::new(&(local() + &channel("ops", &rx.url("/"), "")), &[]);
    let out = p.run(&["notify", "test", "ops", "--timeout", "30s"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(rx.requests().len(), 2);
    let id = list(&p)[0]["id"].as_i64().unwrap().to_string();
    let out = p.run(&["notify", "list", &id, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v["attempts"][0];
    assert!(first["error"].as_str().unwrap().contains("timed out"), "{v}");
    assert!(first["duration_ms"].as_i64().unwrap() < 4000, "the attempt stopped at its timeout: {v}");
}

#[test]
fn a_404_fails_after_one_attempt_with_the_reason() {
    let rx = Receiver::start(vec![], Answer::Status(404));
    let p = Project::new(&(local() + &channel("ops", &rx.url("/"), "")), &[]);
    let out = p.run(&["notify", "test", "ops"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("HTTP 404"), "{}", text(&out));
    assert_eq!(rx.requests().len(), 1);
    let rows = list(&p);
    assert_eq!(rows[0]["state"], "failed");
    assert_eq!(rows[0]["attempts"], 1);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&rx.url("/")), "the URL is never printed");
}

#[test]
fn undelivered_notifications_survive_sigkill_and_two_flushes_send_each_once() {
    let rx = Receiver::start(vec![], Answer::Status(503));
    let mut cfg = local();
    for i in 0..5 {
        cfg += &channel(&format!("c{i}"), &rx.url(&format!("/c{i}")), "");
    }
    let p = Project::new(&cfg, &[]);
    let mut child = p
        .cmd(&["notify", "test", "--timeout", "60s"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until each of the 5 has failed once (none is mid-attempt), then kill the sender.
    // Generous: on a loaded 2-core machine the sender may take a while to reach all five.
    let end = std::time::Instant::now() + Duration::from_secs(50);
    loop {
        let rows = list(&p);
        if rows.len() == 5
            && rows.iter().all(|r| r["attempts"].as_u64() >= Some(1) && r["state"] == "pending")
        {
            break;
        }
        assert!(std::time::Instant::now() < end, "the 5 deliveries did not all fail once: {rows:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
    let failures = rx.requests().len();
    assert!(failures >= 5, "each failed at least once before the kill");
    rx.set_default(Answer::Status(200));
    let a = p.cmd(&["notify", "flush", "--timeout", "30s"]).stdout(Stdio::piped()).spawn().unwrap();
    let b = p.cmd(&["notify", "flush", "--timeout", "30s"]).stdout(Stdio::piped()).spawn().unwrap();
    let (oa, ob) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(oa.status.success() && ob.status.success(), "{}\n{}", text(&oa), text(&ob));
    let delivered: Vec<String> =
        rx.requests()[failures..].iter().map(|r| r.headers["x-flightdeck-delivery"].clone()).collect();
    let distinct: BTreeSet<&String> = delivered.iter().collect();
    assert_eq!(delivered.len(), 5, "5 successful deliveries, no duplicate: {delivered:?}");
    assert_eq!(distinct.len(), 5, "5 distinct delivery ids");
    assert!(list(&p).iter().all(|r| r["state"] == "delivered"));
}

const GATED: &str = r#"
title = "gated deploy"
[[steps]]
id = "promote"
approve = "Ship it?"
[[steps]]
id = "ship"
run = "echo shipped"
"#;

#[test]
fn a_production_gate_announces_approval_waiting_and_staging_sends_nothing() {
    let rx = Receiver::start(vec![], Answer::Status(200));
    let cfg = format!(
        "[environments.staging]\nallow_root_approval = true\n[environments.production]\nproduction = true\nallow_root_approval = true\n{}\
         [[notify.routes]]\nenvironments = [\"production\"]\nevents = [\"approval_waiting\", \"failed\", \"finished\"]\nchannels = [\"ops\"]\n",
        channel("ops", &rx.url("/"), "")
    );
    let p = Project::new(&cfg, &[("gated.toml", GATED)]);
    let out = p.run(&["run", "gated", "--env", "staging", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(rx.requests().is_empty(), "staging matches no route");
    let child = p
        .cmd(&["run", "gated", "--env", "production", "--wait-approvals"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reqs = rx.wait_for(1, Duration::from_secs(20));
    let body: Value =
        serde_json::from_slice(&reqs.first().expect("approval_waiting delivered").body).unwrap();
    assert_eq!(body["event"], "approval_waiting");
    assert_eq!(body["fields"]["environment"], "production");
    let cmd = body["fields"]["approve_command"].as_str().unwrap();
    assert!(cmd.starts_with("flightdeck approve ") && cmd.ends_with("promote#1"), "{body}");
    assert!(body["text"].as_str().unwrap().contains(cmd));
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn notification_setup_reports_one_delivered_and_one_failed_with_exit_3() {
    let good = Receiver::start(vec![], Answer::Status(200));
    let dead = Receiver::start(vec![], Answer::Status(410));
    let cfg = local() + &channel("good", &good.url("/"), "") + &channel("dead", &dead.url("/"), "");
    let p = Project::new(&cfg, &[]);
    let out = p.run(&["run", "notification-setup", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(all.contains("✓ good: delivered"), "{}", text(&out));
    assert!(all.contains("✗ dead: failed: HTTP 410"), "{}", text(&out));
    assert_eq!(good.requests().len(), 1);
}

#[test]
fn bad_notify_config_names_the_file_line_and_the_nearest_channel() {
    let cfg =
        local() + &channel("ops", "http://127.0.0.1:9/", "") + "[[notify.routes]]\nchannels = [\"opz\"]\n";
    let p = Project::new(&cfg, &[]);
    let out = p.run(&["notify", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("flightdeck.toml:")
            && err.contains("unknown channel \"opz\"")
            && err.contains("did you mean \"ops\""),
        "{err}"
    );
    let bad_url = local() + "[notify.channels.x]\nkind = \"slack\"\nurl = \"ftp://example\"\n";
    let out = Project::new(&bad_url, &[]).run(&["notify", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not http(s)"), "{}", text(&out));
    let no_to =
        local() + "[notify.channels.m]\nkind = \"smtp\"\nserver = \"127.0.0.1:25\"\nfrom = \"a@b.c\"\n";
    let out = Project::new(&no_to, &[]).run(&["notify", "check"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs `to`"), "{}", text(&out));
    let bad_event = local()
        + &channel("ops", "http://127.0.0.1:9/", "")
        + "[[notify.routes]]\nevents = [\"deployed\"]\nchannels = [\"ops\"]\n";
    let out = Project::new(&bad_event, &[]).run(&["notify", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deployed"), "{}", text(&out));
}
