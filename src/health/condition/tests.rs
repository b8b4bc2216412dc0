//! Condition parsing and evaluation.

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
fn gatus_examples_evaluate() {
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
    ] {
        assert!(holds(c, &o), "{c} should hold");
    }
}

#[test]
fn failing_conditions_report_the_actual_value() {
    let o = obs(500, r#"{"status":"DOWN"}"#);
    let r = Condition::parse("[STATUS] == 200").unwrap().eval(&o);
    assert!(!r.passed);
    assert_eq!(r.actual, "500");
    let r = Condition::parse("[BODY].status == UP").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "DOWN"));
    let r = Condition::parse("[BODY].items[3].id == 7").unwrap().eval(&o);
    assert_eq!((r.passed, r.actual.as_str()), (false, "(missing)"));
    assert!(!holds("[CERTIFICATE_EXPIRATION] > 72h", &o));
    assert!(!holds("[STATUS] == any(200, 204)", &o));
    assert!(!holds("[RESPONSE_TIME] < 100", &o));
}

#[test]
fn a_non_json_body_fails_path_conditions_without_panicking() {
    let o = obs(200, "<html>not json</html>");
    assert!(!holds("[BODY].status == UP", &o));
    assert!(!holds("len([BODY].items) > 0", &o));
    assert!(holds("[BODY] == pat(<html>*)", &o));
}

#[test]
fn missing_status_fails_rather_than_matching() {
    let o = Observation { connected: false, ..Observation::default() };
    assert!(!holds("[STATUS] != 500", &o) || o.status.is_some());
    assert!(holds("[CONNECTED] == false", &o));
}

#[test]
fn parse_errors_say_what_to_write() {
    let e = Condition::parse("[STATSU] == 200").unwrap_err();
    assert!(e.contains("did you mean [STATUS]"), "{e}");
    let e = Condition::parse("[STATUS] 200").unwrap_err();
    assert!(e.contains("no operator"), "{e}");
    let e = Condition::parse("[STATUS] ==").unwrap_err();
    assert!(e.contains("nothing right"), "{e}");
    let e = Condition::parse("[BODY].items[x] == 1").unwrap_err();
    assert!(e.contains("not an array index"), "{e}");
    let e = Condition::parse("len([STATUS]) > 1").unwrap_err();
    assert!(e.contains("apply to [BODY]"), "{e}");
    let e = Condition::parse("[STATUS] < pat(2*)").unwrap_err();
    assert!(e.contains("only with == and !="), "{e}");
    let e = Condition::parse("STATUS == 200").unwrap_err();
    assert!(e.contains("must be a placeholder"), "{e}");
}

#[test]
fn operators_inside_paths_are_not_split() {
    let c = Condition::parse("[BODY].a[1] >= 2").unwrap();
    assert_eq!(c.op, Op::Ge);
    assert_eq!(c.placeholder, Placeholder::Body(vec![PathSeg::Key("a".into()), PathSeg::Index(1)]));
    assert!(c.eval(&obs(200, r#"{"a":[1,3]}"#)).passed);
}
