//! Gatus's own cases, continued from `tests_gatus.rs` (its helpers): `connected`, certificate
//! expiration, `len()`, `has()`, `pat()`, `any()`, the rules the issue names, and
//! `TestCondition_Validate`.

use super::tests_gatus::{R, body, cert_hours, check, obs, status};
use super::*;

/// `TestCondition_evaluate`: connected, certificate expiration (0 without TLS).
#[test]
fn gatus_connected_and_certificates() {
    let up = R { connected: true, ..R::default() };
    check(&[
        ("connected", "[CONNECTED] == true", up, true),
        ("connected-failure", "[CONNECTED] == true", R::default(), false),
        ("certificate-expiration-not-set", "[CERTIFICATE_EXPIRATION] == 0", R::default(), true),
        (
            "certificate-expiration-greater-than-numerical",
            "[CERTIFICATE_EXPIRATION] > 2419200000",
            cert_hours(24 * 60),
            true,
        ),
        (
            "certificate-expiration-greater-than-numerical-failure",
            "[CERTIFICATE_EXPIRATION] > 2419200000",
            cert_hours(24 * 14),
            false,
        ),
        (
            "certificate-expiration-greater-than-duration",
            "[CERTIFICATE_EXPIRATION] > 12h",
            cert_hours(24),
            true,
        ),
        (
            "certificate-expiration-greater-than-duration (48h)",
            "[CERTIFICATE_EXPIRATION] > 48h",
            cert_hours(24),
            false,
        ),
    ]);
}

/// `TestCondition_evaluate`: `len()` and `has()`.
#[test]
fn gatus_len_and_has() {
    let article = "{\n  \"article\": {\n    \"id\": 123,\n    \"title\": \"Hello, world!\",\n    \"author\": \"John Doe\",\n    \"tags\": [\"hello\", \"world\"],\n    \"content\": \"I really like Gatus!\"\n  }\n}";
    check(&[
        (
            "len-body-jsonpath-complex",
            "len([BODY].data.name) == 4",
            body(r#"{"data": {"name": "john"}}"#),
            true,
        ),
        ("len-body-array", "len([BODY]) == 3", body(r#"[{"id": 1}, {"id": 2}, {"id": 3}]"#), true),
        (
            "len-body-keyed-array",
            "len([BODY].data) == 3",
            body(r#"{"data": [{"id": 1}, {"id": 2}, {"id": 3}]}"#),
            true,
        ),
        ("len-body-array-invalid", "len([BODY].data) == 8", body(r#"{"name": "john.doe"}"#), false),
        ("len-body-string", "len([BODY]) == 8", body("john.doe"), true),
        ("len-body-keyed-string", "len([BODY].name) == 8", body(r#"{"name": "john.doe"}"#), true),
        ("len-body-keyed-int", "len([BODY].age) == 2", body(r#"{"age":18}"#), true),
        ("len-body-keyed-bool", "len([BODY].adult) == 4", body(r#"{"adult":true}"#), true),
        (
            "len-body-object-keyed-int-inside-array",
            "len([BODY][0].age) == 2",
            body(r#"[{"age":18,"adult":true}]"#),
            true,
        ),
        (
            "len-body-keyed-bool-inside-array",
            "len([BODY][0].adult) == 4",
            body(r#"[{"age":18,"adult":true}]"#),
            true,
        ),
        ("len-body-object", "len([BODY]) == 20", body(r#"{"name": "john.doe"}"#), true),
        ("has", "has([BODY].errors) == false", body("{}"), true),
        ("has-key-of-map", "has([BODY].article) == true", body(article), true),
        ("has-failure", "has([BODY].errors) == false", body(r#"{"errors": ["1"]}"#), false),
    ]);
}

/// `len-body-object-inside-array`: Gatus measures an object by the bytes of its minified JSON (23);
/// flightdeck counts its keys (2). A deliberate difference, listed in the README.
#[test]
fn len_of_a_json_object_counts_keys_unlike_gatus() {
    check(&[
        (
            "len-body-object-inside-array (Gatus: == 23)",
            "len([BODY][0]) == 2",
            body(r#"[{"age":18,"adult":true}]"#),
            true,
        ),
        (
            "len-body-object-inside-array (Gatus)",
            "len([BODY][0]) == 23",
            body(r#"[{"age":18,"adult":true}]"#),
            false,
        ),
    ]);
}

/// `TestCondition_evaluate`: `pat()` and `any()` on bodies, either side.
#[test]
fn gatus_patterns_and_any_on_bodies() {
    let html_ok = r#"<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head><body><div id="user">john.doe</div></body></html>"#;
    let html_bad = r#"<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head><body><div id="user">jane.doe</div></body></html>"#;
    check(&[
        ("pat-body-1", "[BODY] == pat(*john*)", body(r#"{"name": "john.doe"}"#), true),
        ("pat-body-2", "[BODY].name == pat(john*)", body(r#"{"name": "john.doe"}"#), true),
        ("pat-body-failure", "[BODY].name == pat(bob*)", body(r#"{"name": "john.doe"}"#), false),
        ("pat-body-html", r#"[BODY] == pat(*<div id="user">john.doe</div>*)"#, body(html_ok), true),
        ("pat-body-html-failure", r#"[BODY] == pat(*<div id="user">john.doe</div>*)"#, body(html_bad), false),
        (
            "pat-body-html-failure-alt",
            r#"pat(*<div id="user">john.doe</div>*) == [BODY]"#,
            body(html_bad),
            false,
        ),
        (
            "pat-body-in-array",
            "[BODY].data == pat(*Whatever*)",
            body(r#"{"data": ["hello", "world", "Whatever"]}"#),
            true,
        ),
        ("any-body-1", "[BODY].name == any(john.doe, jane.doe)", body(r#"{"name": "john.doe"}"#), true),
        ("any-body-2", "[BODY].name == any(john.doe, jane.doe)", body(r#"{"name": "jane.doe"}"#), true),
        ("any-body-failure", "[BODY].name == any(john.doe, jane.doe)", body(r#"{"name": "bob"}"#), false),
    ]);
}

/// The rules the issue names, each from Gatus's code: `!=` against a missing path is true
/// (`resolveJSONPathPlaceholder` yields `... (INVALID)`, unequal to anything); `len()` of a non-JSON
/// body is its length in bytes (`ResolvePlaceholder`, `BodyPlaceholder` case); placeholders are
/// case-insensitive (`strings.ToUpper` in `ResolvePlaceholder`); a placeholder on the right side
/// is resolved (`sanitizeAndResolveWithContext` resolves both elements).
#[test]
fn gatus_rules_named_in_the_issue() {
    let doc = body(r#"{"a":"x","b":"x","n":"7","Status":"UP"}"#);
    check(&[
        ("missing path !=", "[BODY].missing != 5", doc.clone(), true),
        ("missing path ==", "[BODY].missing == 5", doc.clone(), false),
        ("right-side placeholder, equal fields", "[BODY].a != [BODY].b", doc.clone(), false),
        ("right-side placeholder ==", "[BODY].a == [BODY].b", doc.clone(), true),
        ("JSON string holding a number", "[BODY].n > 6", doc.clone(), true),
        ("lower-case placeholder, path keeps its case", "[body].Status == UP", doc.clone(), true),
        ("mixed-case placeholder", "[Status] == 200", status(200), true),
        ("len of a non-JSON body", "len([BODY]) == 12", body("<html>x</html"), false),
        ("len of a non-JSON body, bytes", "len([BODY]) == 13", body("<html>x</html"), true),
        ("len of a multi-byte body, bytes", "len([BODY]) == 4", body("héé"), false),
        ("len of a multi-byte body", "len([BODY]) == 5", body("héé"), true),
        ("status without a response is 0", "[STATUS] == 0", R::default(), true),
        ("hex on the left", "0x10 == 16", R::default(), true),
        ("leading zero is octal in Go", "[BODY] == 8", body("010"), true),
        ("decimals compare as text", "[BODY] == 1.2", body("1.20"), false),
        ("pat on the left", "pat(2*) == [STATUS]", status(204), true),
        ("? and classes", "[STATUS] == pat(2[0-9]?)", status(204), true),
        ("negated class", "[STATUS] == pat([^2]*)", status(204), false),
        ("literal == literal", "raw == raw", R::default(), true),
        ("has of the status", "has([STATUS]) == true", status(200), true),
        ("len of the status", "len([STATUS]) == 3", status(200), true),
        ("has of a literal", "has(nothing) == false", R::default(), true),
    ]);
}

/// `TestCondition_Validate`: every condition Gatus accepts parses; the ones it refuses (no spaced
/// operator) are refused unless flightdeck's unspaced form reads them.
#[test]
fn gatus_validate_cases() {
    for c in [
        "[STATUS] == 200",
        "[STATUS] != 200",
        "[STATUS] <= 200",
        "[STATUS] >= 200",
        "[STATUS] < 200",
        "[STATUS] > 200",
        "[STATUS] == any(200, 201, 202, 203)",
        "[STATUS] == [BODY].status",
        "[CONNECTED] == true",
        "[RESPONSE_TIME] < 500",
        "[IP] == 127.0.0.1",
        "[BODY] == 1",
        "[BODY].test == wat",
        "[BODY].test.wat == wat",
        "[BODY].age == [BODY].id",
        "[BODY].users[0].id == 1",
        "len([BODY].users) == 100",
        "len([BODY].data) < 5",
        "has([BODY].errors) == false",
        "has([BODY].users[0].name) == true",
        "[BODY].name == pat(john*)",
        "[CERTIFICATE_EXPIRATION] > 48h",
        "raw == raw",
    ] {
        assert!(Condition::parse(c).is_ok(), "{c}: {:?}", Condition::parse(c));
    }
    for c in ["[STATUS] ? 201", "[STATUS] = = 201", "[STATUS] ==", "[STATUS]"] {
        assert!(Condition::parse(c).is_err(), "{c} should be refused");
    }
    // Gatus refuses `[STATUS]==201`; flightdeck reads the unspaced operator (README).
    assert!(Condition::parse("[STATUS]==201").unwrap().eval(&obs(&status(201))).passed);
    // `[DOMAIN_EXPIRATION]` is valid in Gatus; flightdeck has no WHOIS and says so at load.
    assert!(Condition::parse("[DOMAIN_EXPIRATION] > 720h").unwrap_err().contains("not supported"));
}
