//! Condition parsing and evaluation beyond Gatus's own cases: messages, escaping, errors.

use super::*;

fn obs(status: u16, body: &str) -> Observation {
    Observation {
        status: Some(status),
        response_time_ms: 120,
        body: body.as_bytes().to_vec(),
        connected: true,
        cert_expiration_ms: Some(2 * 24 * 3_600_000),
        ip: Some("127.0.0.1".into()),
        dns_rcode: Some("NOERROR".into()),
    }
}

fn holds(cond: &str, o: &Observation) -> bool {
    Condition::parse(cond).unwrap().eval(o).passed
}

#[test]
fn flightdeck_examples_evaluate() {
    let o = obs(200, r#"{"status":"UP","items":[{"id":7},{"id":8}],"version":"1.2.0"}"#);
    for c in [
        "[STATUS] == 200",
        "[RESPONSE_TIME] < 300",
        "[RESPONSE_TIME] < 1s",
        "[BODY].status == UP",
        "[BODY].items[0].id == 7",
        "len([BODY].items) > 0",
        "len([BODY].items) == 2",
        "has([BODY].version) == true",
        "has([BODY].nope) == false",
        "[CERTIFICATE_EXPIRATION] > 24h",
        "[CONNECTED] == true",
        "[STATUS] == any(200, 204)",
        "[BODY] == pat(*\"UP\"*)",
        "[BODY].status != DOWN",
        "[IP] == 127.0.0.1",
        "[DNS_RCODE] == NOERROR",
        "[BODY].version == 1.2.0",
    ] {
        assert!(holds(c, &o), "{c} should hold");
    }
}

#[test]
fn failing_conditions_report_the_actual_value() {
    let o = obs(500, r#"{"status":"DOWN","a":"john","b":"doe"}"#);
    let r = Condition::parse("[STATUS] == 200").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "500"));
    let r = Condition::parse("[BODY].status == UP").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "DOWN"));
    let r = Condition::parse("[BODY].items[3].id == 7").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "(missing)"));
    let r = Condition::parse("[BODY].a == [BODY].b").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "john vs doe"));
    let r = Condition::parse("any(200, 204) == [STATUS]").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "500"));
    assert!(!holds("[CERTIFICATE_EXPIRATION] > 72h", &o));
    assert!(!holds("[RESPONSE_TIME] < 100", &o));
}

#[test]
fn a_huge_or_hostile_body_is_quoted_short_and_escaped() {
    let body = format!("\u{1b}]0;owned\u{7}{}", "x".repeat(1 << 20));
    let r = Condition::parse("[BODY] == pat(*UP*)").unwrap().eval(&obs(200, &body));
    assert!(!r.passed);
    assert!(r.actual.len() < 260, "{} bytes", r.actual.len());
    assert!(r.actual.starts_with("\\u001b]0;owned\\u0007xxx"), "{}", &r.actual[..40]);
    assert!(!r.actual.contains('\u{1b}'));
}

#[test]
fn a_non_json_body_fails_path_conditions_without_panicking() {
    let o = obs(200, "<html>not json</html>");
    assert!(!holds("[BODY].status == UP", &o));
    assert!(holds("[BODY].status != UP", &o));
    assert!(!holds("len([BODY].items) > 0", &o));
    assert!(holds("[BODY] == pat(<html>*)", &o));
    assert!(holds("len([BODY]) == 21", &o));
}

#[test]
fn parse_errors_say_what_to_write() {
    for (cond, needle) in [
        ("[STATSU] == 200", "did you mean [STATUS]"),
        ("[STATUS] 200", "no operator"),
        ("[STATUS] ==", "nothing right"),
        ("== 200", "nothing left"),
        ("[BODY].items[x] == 1", "not an array index"),
        ("[STATUS].code == 1", "only [BODY] takes a path"),
        ("[STATUS] < pat(2*)", "only with == and !="),
        ("[BODY] == pat([abc)", "syntax error in pattern"),
        ("[CONTEXT].x == 1", "not supported"),
    ] {
        let e = Condition::parse(cond).unwrap_err();
        assert!(e.contains(needle), "{cond}: {e}");
    }
}

#[test]
fn literals_in_brackets_are_not_placeholders() {
    let o = obs(200, "[1,2]");
    assert!(holds("[BODY] == [1,2]", &o));
    assert!(holds("[body] == [1,2]", &o));
    assert!(holds("STATUS != 200", &o), "a bare word is a literal, as in Gatus");
}

#[test]
fn operators_split_where_gatus_splits() {
    let c = Condition::parse("[BODY].a[1] >= 2").unwrap();
    assert_eq!(c.op, Op::Ge);
    let path = vec![PathSeg::Key("a".into()), PathSeg::Index(1)];
    assert!(matches!(&c.left, Operand::Placeholder { placeholder: Placeholder::Body(p), .. } if *p == path));
    assert!(c.eval(&obs(200, r#"{"a":[1,3]}"#)).passed);
    let c = Condition::parse("[BODY] == pat(*a == b*)").unwrap();
    assert_eq!(c.right, Operand::Pattern("*a == b*".into()));
    assert!(c.eval(&obs(200, "x a == b y")).passed);
    let c = Condition::parse("[BODY] != a<b").unwrap();
    assert_eq!((c.op, c.right.clone()), (Op::Ne, Operand::Literal("a<b".into())));
}
