//! Gatus's own cases, one for one: `config/endpoint/condition_test.go` `TestCondition_evaluate`
//! (the scenario name is given with each case) and `TestCondition_Validate`. Where flightdeck
//! deliberately differs, the case says so and the README lists it.
//!
//! This file holds the shared helpers and the status, body and JSON-path scenarios;
//! `tests_gatus_functions.rs` the connection, certificate, function and validation ones.

use super::*;

/// Gatus's `Result` fields that conditions read.
#[derive(Default, Clone)]
pub(super) struct R {
    pub(super) status: Option<u16>,
    pub(super) ms: u64,
    pub(super) body: &'static str,
    pub(super) connected: bool,
    pub(super) cert_ms: Option<i64>,
    pub(super) ip: Option<&'static str>,
}

pub(super) fn obs(r: &R) -> Observation {
    Observation {
        status: r.status,
        response_time_ms: r.ms,
        body: r.body.as_bytes().to_vec(),
        connected: r.connected,
        cert_expiration_ms: r.cert_ms,
        ip: r.ip.map(str::to_string),
        dns_rcode: None,
    }
}

pub(super) fn status(s: u16) -> R {
    R { status: Some(s), ..R::default() }
}
pub(super) fn ms(ms: u64) -> R {
    R { ms, ..R::default() }
}
pub(super) fn body(body: &'static str) -> R {
    R { body, ..R::default() }
}
pub(super) fn cert_hours(h: i64) -> R {
    R { cert_ms: Some(h * 3_600_000), ..R::default() }
}

pub(super) fn check(cases: &[(&str, &str, R, bool)]) {
    let mut wrong = Vec::new();
    for (name, cond, r, want) in cases {
        let c = Condition::parse(cond).unwrap_or_else(|e| panic!("{name}: {cond}: {e}"));
        let got = c.eval(&obs(r));
        if got.passed != *want {
            wrong.push(format!("{name}: {cond} gave {} (actual {})", got.passed, got.actual));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `TestCondition_evaluate`: status, response time and IP scenarios.
#[test]
fn gatus_status_response_time_and_ip() {
    let ip = R { ip: Some("127.0.0.1"), ..R::default() };
    let far = R { ip: Some("255.255.255.255"), ..R::default() };
    let ten = R { ip: Some("10.0.0.0"), ..R::default() };
    check(&[
        ("ip", "[IP] == 127.0.0.1", ip, true),
        ("status", "[STATUS] == 200", status(200), true),
        ("status-failure", "[STATUS] == 200", status(500), false),
        ("status-using-less-than", "[STATUS] < 300", status(201), true),
        ("status-using-less-than-failure", "[STATUS] < 300", status(404), false),
        ("response-time-using-less-than", "[RESPONSE_TIME] < 500", ms(50), true),
        ("response-time-using-less-than-with-duration", "[RESPONSE_TIME] < 1s", ms(50), true),
        ("response-time-using-less-than-invalid", "[RESPONSE_TIME] < potato", ms(50), false),
        ("response-time-using-greater-than", "[RESPONSE_TIME] > 500", ms(750), true),
        ("response-time-using-greater-than-with-duration", "[RESPONSE_TIME] > 1s", ms(2000), true),
        ("response-time-using-greater-than-or-equal-to-equal", "[RESPONSE_TIME] >= 500", ms(500), true),
        ("response-time-using-greater-than-or-equal-to-greater", "[RESPONSE_TIME] >= 500", ms(499), false),
        ("response-time-using-less-than-or-equal-to-equal", "[RESPONSE_TIME] <= 500", ms(500), true),
        ("response-time-using-less-than-or-equal-to-less", "[RESPONSE_TIME] <= 500", ms(25), true),
        ("response-time-using-less-than-or-equal-to-failure", "[RESPONSE_TIME] <= 500", ms(750), false),
        ("pat-ip", "[IP] == pat(10.*)", ten, true),
        ("pat-ip-failure", "[IP] == pat(10.*)", far, false),
        ("pat-status", "[STATUS] == pat(4*)", status(404), true),
        ("pat-status-failure", "[STATUS] == pat(4*)", status(200), false),
        ("any-status-1", "[STATUS] == any(200, 429)", status(200), true),
        ("any-status-2", "[STATUS] == any(200, 429)", status(429), true),
        ("any-status-reverse", "any(200, 429) == [STATUS]", status(429), true),
        ("any-status-failure", "[STATUS] == any(200, 429)", status(404), false),
        ("no-placeholders", "1 == 2", R::default(), false),
    ]);
}

/// `TestCondition_evaluate`: raw body, numbers in the body, JSON paths, two placeholders.
#[test]
fn gatus_body_and_json_paths() {
    check(&[
        ("body", "[BODY] == test", body("test"), true),
        ("body-resolved-on-success", "[BODY].status == UP", body(r#"{"status":"UP"}"#), true),
        ("body-numerical-equal", "[BODY] == 123", body("123"), true),
        ("body-numerical-less-than", "[BODY] < 124", body("123"), true),
        ("body-numerical-greater-than", "[BODY] > 122", body("123"), true),
        ("body-numerical-greater-than-failure", "[BODY] > 123", body("100"), false),
        ("body-jsonpath", "[BODY].status == UP", body(r#"{"status":"UP"}"#), true),
        (
            "body-jsonpath-complex",
            "[BODY].data.name == john",
            body(r#"{"data": {"id": 1, "name": "john"}}"#),
            true,
        ),
        ("body-jsonpath-complex-invalid", "[BODY].data.name == john", body(r#"{"data": {"id": 1}}"#), false),
        (
            "body-jsonpath-complex-len-invalid",
            "len([BODY].data.name) == john",
            body(r#"{"data": {"id": 1}}"#),
            false,
        ),
    ]);
}

/// `TestCondition_evaluate`: two placeholders, array bodies, nulls, numbers along JSON paths.
#[test]
fn gatus_json_paths_nulls_and_numbers() {
    check(&[
        (
            "body-jsonpath-double-placeholder",
            "[BODY].user.firstName != [BODY].user.lastName",
            body(r#"{"user": {"firstName": "john", "lastName": "doe"}}"#),
            true,
        ),
        (
            "body-jsonpath-double-placeholder-failure",
            "[BODY].user.firstName == [BODY].user.lastName",
            body(r#"{"user": {"firstName": "john", "lastName": "doe"}}"#),
            false,
        ),
        ("body-jsonpath-when-body-is-array", "[BODY][0].id == 1", body(r#"[{"id": 1}, {"id": 2}]"#), true),
        ("body-jsonpath-when-body-has-null-parameter", "[BODY].data == OK", body(r#"{"data": null}"#), false),
        (
            "body-jsonpath-when-body-has-array-with-null",
            "[BODY].items[0] == OK",
            body(r#"{"items": [null, null]}"#),
            false,
        ),
        ("body-jsonpath-when-body-is-null", "[BODY].data == OK", body("null"), false),
        (
            "body-jsonpath-when-body-is-array-but-actual-body-is-not",
            "[BODY][0].name == test",
            body(r#"{"statusCode": 500, "message": "Internal Server Error"}"#),
            false,
        ),
    ]);
}

/// `TestCondition_evaluate`: numbers along JSON paths.
#[test]
fn gatus_numbers_along_json_paths() {
    check(&[
        ("body-jsonpath-complex-int", "[BODY].data.id == 1", body(r#"{"data": {"id": 1}}"#), true),
        (
            "body-jsonpath-complex-array-int",
            "[BODY].data[1].id == 2",
            body(r#"{"data": [{"id": 1}, {"id": 2}, {"id": 3}]}"#),
            true,
        ),
        (
            "body-jsonpath-complex-int-using-greater-than",
            "[BODY].data.id > 0",
            body(r#"{"data": {"id": 1}}"#),
            true,
        ),
        (
            "body-jsonpath-complex-int-using-greater-than-failure",
            "[BODY].data.id > 5",
            body(r#"{"data": {"id": 1}}"#),
            false,
        ),
        (
            "body-jsonpath-float-using-greater-than-issue433",
            "[BODY].balance > 100",
            body(r#"{"balance": "123.40000000000005"}"#),
            true,
        ),
        (
            "body-jsonpath-complex-int-using-less-than",
            "[BODY].data.id < 5",
            body(r#"{"data": {"id": 2}}"#),
            true,
        ),
        (
            "body-jsonpath-complex-int-using-less-than-failure",
            "[BODY].data.id < 5",
            body(r#"{"data": {"id": 10}}"#),
            false,
        ),
    ]);
}

/// `TestCondition_evaluate`: Go integer literals in JSON strings and in the condition.
#[test]
fn gatus_hex_octal_binary_literals() {
    check(&[
        (
            "body-jsonpath-hexadecimal-int-using-greater-than",
            "[BODY].data > 0",
            body(r#"{"data": "0x1"}"#),
            true,
        ),
        (
            "body-jsonpath-hexadecimal-int-using-equal-to-0x1",
            "[BODY].data == 1",
            body(r#"{"data": "0x1"}"#),
            true,
        ),
        (
            "body-jsonpath-hexadecimal-int-using-equals",
            "[BODY].data == 0x1",
            body(r#"{"data": "0x1"}"#),
            true,
        ),
        (
            "body-jsonpath-hexadecimal-int-using-equal-to-0x2",
            "[BODY].data == 2",
            body(r#"{"data": "0x2"}"#),
            true,
        ),
        (
            "body-jsonpath-hexadecimal-int-using-equal-to-0xF",
            "[BODY].data == 15",
            body(r#"{"data": "0xF"}"#),
            true,
        ),
        (
            "body-jsonpath-hexadecimal-int-using-equal-to-0xC0ff33",
            "[BODY].data == 12648243",
            body(r#"{"data": "0xC0ff33"}"#),
            true,
        ),
        ("body-jsonpath-hexadecimal-int-len", "len([BODY].data) == 3", body(r#"{"data": "0x1"}"#), true),
        ("body-jsonpath-hexadecimal-int-greater", "[BODY].data >= 1", body(r#"{"data": "0x01"}"#), true),
        (
            "body-jsonpath-hexadecimal-int-0x01-len",
            "len([BODY].data) == 4",
            body(r#"{"data": "0x01"}"#),
            true,
        ),
        ("body-jsonpath-octal-int-using-greater-than", "[BODY].data > 0", body(r#"{"data": "0o1"}"#), true),
        ("body-jsonpath-octal-int-using-equal", "[BODY].data == 2", body(r#"{"data": "0o2"}"#), true),
        ("body-jsonpath-octal-int-using-equals", "[BODY].data == 0o2", body(r#"{"data": "0o2"}"#), true),
        ("body-jsonpath-binary-int-using-greater-than", "[BODY].data > 0", body(r#"{"data": "0b1"}"#), true),
        ("body-jsonpath-binary-int-using-equal", "[BODY].data == 2", body(r#"{"data": "0b0010"}"#), true),
        ("body-jsonpath-binary-int-using-equals", "[BODY].data == 0b10", body(r#"{"data": "0b0010"}"#), true),
    ]);
}
