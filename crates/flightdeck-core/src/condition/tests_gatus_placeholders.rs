//! Gatus's `config/endpoint/placeholder_test.go` (`TestResolvePlaceholder`,
//! `TestResolvePlaceholderWithoutContext`) and the two `...-but-dont-resolve` scenarios of
//! `TestCondition_evaluate`, each resolved value checked through a condition that compares it
//! with what Gatus resolves. `[CONTEXT]`, `[DOMAIN_EXPIRATION]` and an unknown upper-case
//! placeholder are refused when the condition is parsed (README, "Deliberate differences").

use super::tests_gatus::{R, body, check, status};
use super::*;

/// The result `TestResolvePlaceholder` resolves against (without the domain expiration).
fn gatus_result() -> Observation {
    Observation {
        status: Some(200),
        response_time_ms: 250,
        body: br#"{"status":"success","items":[1,2,3],"user":{"name":"john","id":123}}"#.to_vec(),
        connected: true,
        cert_expiration_ms: Some(30 * 24 * 3_600_000),
        ip: Some("127.0.0.1".into()),
        dns_rcode: Some("NOERROR".into()),
    }
}

/// Every placeholder Gatus's test resolves, compared with the value it expects.
#[test]
fn gatus_resolve_placeholder_cases() {
    let o = gatus_result();
    let mut wrong = Vec::new();
    for (name, left, want) in [
        ("status", "[STATUS]", "200"),
        ("ip", "[IP]", "127.0.0.1"),
        ("response-time", "[RESPONSE_TIME]", "250"),
        ("dns-rcode", "[DNS_RCODE]", "NOERROR"),
        ("connected", "[CONNECTED]", "true"),
        ("certificate-expiration", "[CERTIFICATE_EXPIRATION]", "2592000000"),
        ("body", "[BODY]", r#"{"status":"success","items":[1,2,3],"user":{"name":"john","id":123}}"#),
        ("status-lowercase", "[status]", "200"),
        ("ip-mixed-case", "[Ip]", "127.0.0.1"),
        ("len-status", "len([STATUS])", "3"),
        ("len-ip", "len([IP])", "9"),
        ("has-status", "has([STATUS])", "true"),
        ("has-empty", "has()", "false"),
        ("body-status", "[BODY].status", "success"),
        ("body-user-name", "[BODY].user.name", "john"),
        ("body-user-id", "[BODY].user.id", "123"),
        ("len-body-items", "len([BODY].items)", "3"),
        ("body-array-index", "[BODY].items[0]", "1"),
        ("has-body-status", "has([BODY].status)", "true"),
        ("has-body-missing", "has([BODY].missing)", "false"),
        ("literal-string", "literal", "literal"),
        ("number-string", "123", "123"),
    ] {
        let cond = format!("{left} == {want}");
        match Condition::parse(&cond) {
            Ok(c) if c.eval(&o).passed => {}
            Ok(c) => wrong.push(format!("{name}: {cond} gave {}", c.eval(&o).actual)),
            Err(e) => wrong.push(format!("{name}: {cond} refused: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Gatus resolves an invalid path to `PATH (INVALID)`: unequal to any value (`==` fails, `!=`
/// holds, `len()` of it fails too), though the same invalid path on both sides is the same text.
#[test]
fn gatus_invalid_json_path_equals_nothing() {
    let o = gatus_result();
    for (cond, want) in [
        ("[BODY].invalid.path == [BODY].invalid.path", true),
        ("[BODY].invalid.path == [BODY].other.path", false),
        ("[BODY].invalid.path != x", true),
        ("len([BODY].invalid.path) == 0", false),
        ("has([BODY].invalid.path) == false", true),
        ("[BODY].user.name.first == john", false),
    ] {
        let got = Condition::parse(cond).map(|c| c.eval(&o).passed);
        assert_eq!(got, Ok(want), "{cond}");
    }
}

/// `TestResolvePlaceholderWithoutContext` (the parts without `[CONTEXT]`) and the two scenarios
/// that only differ from others by not resolving the output text.
#[test]
fn gatus_without_context_and_dont_resolve() {
    check(&[
        ("status-without-context", "[STATUS] == 404", status(404), true),
        ("body-without-context", "[BODY].error == not found", body(r#"{"error":"not found"}"#), true),
        ("any-status-failure-but-dont-resolve", "[STATUS] == any(200, 429)", status(404), false),
        ("has-failure-but-dont-resolve", "has([BODY].errors) == false", body(r#"{"errors": ["1"]}"#), false),
        (
            "response-time-using-greater-than-or-equal-to-failure",
            "[RESPONSE_TIME] >= 500",
            R { ms: 499, ..R::default() },
            false,
        ),
    ]);
}

/// What Gatus accepts and flightdeck refuses at load, each with the reason a user sees.
#[test]
fn gatus_placeholders_flightdeck_refuses_name_the_reason() {
    for (cond, says) in [
        ("[CONTEXT].user_id == abc123", "not supported"),
        ("has([CONTEXT].user_id) == false", "not supported"),
        ("[DOMAIN_EXPIRATION] > 720h", "not supported"),
        ("[UNKNOWN] == x", "[UNKNOWN]"),
        ("len([UNKNOWN]) == 0", "[UNKNOWN]"),
    ] {
        let err = Condition::parse(cond).expect_err(cond);
        assert!(err.contains(says), "{cond}: {err}");
    }
}
