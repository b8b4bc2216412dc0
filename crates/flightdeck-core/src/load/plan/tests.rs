//! URL parsing, stages and profiles.

use super::*;

#[test]
fn parses_urls() {
    let t = Target::parse("http://127.0.0.1:8080/a/b?x=1").unwrap();
    assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("127.0.0.1", 8080, "/a/b?x=1"));
    assert!(t.is_loopback());
    let t = Target::parse("http://example.com").unwrap();
    assert_eq!((t.port, t.path.as_str(), t.authority().as_str()), (80, "/", "example.com"));
    assert!(!t.is_loopback());
    let t = Target::parse("http://[::1]:9/").unwrap();
    assert_eq!((t.host.as_str(), t.authority().as_str()), ("::1", "[::1]:9"));
    assert!(t.is_loopback());
    let t = Target::parse("https://example.com/a#frag").unwrap();
    assert_eq!((t.port, t.path.as_str(), t.authority().as_str(), t.tls), (443, "/a", "example.com", true));
    let t = Target::parse("http://127.0.0.1:8080/p?q=1#section").unwrap();
    assert_eq!(t.path, "/p?q=1", "the fragment is never sent");
    assert!(Target::parse("https://127.0.0.1:8443/").unwrap().authority().ends_with(":8443"));
    assert!(Target::parse("ftp://x/").is_err());
    assert!(Target::parse("http://user:pw@x/").is_err());
    assert!(Target::parse("x:80").is_err());
    assert!(Target::parse("http://h:notaport/").is_err());
}

#[test]
fn stages_interpolate_from_zero() {
    let s = [
        Stage { duration: Duration::from_secs(10), target: 10.0 },
        Stage { duration: Duration::from_secs(10), target: 30.0 },
    ];
    assert_eq!(stage_value(&s, Duration::from_secs(5)), Some(5.0));
    assert_eq!(stage_value(&s, Duration::from_secs(15)), Some(20.0));
    assert_eq!(stage_value(&s, Duration::from_secs(25)), Some(30.0));
    assert_eq!(stage_value(&[], Duration::from_secs(1)), None);
}

#[test]
fn profiles_fill_the_duration() {
    for name in Profile::NAMES {
        let p = Profile::parse(name).unwrap();
        let stages = p.stages(Duration::from_secs(100), 10.0);
        let total: Duration = stages.iter().map(|s| s.duration).sum();
        assert!(stages.is_empty() || (total.as_secs_f64() - 100.0).abs() < 1e-6, "{name}");
    }
    let mut plan = LoadPlan::new(Target::parse("http://127.0.0.1/").unwrap());
    plan.connections = 10;
    plan.apply_profile(Profile::Stress, false);
    assert_eq!(plan.connections, 20, "stress climbs to twice the level");
    assert_eq!(plan.planned_duration(), Some(Duration::from_secs(60)));
    assert!(Profile::parse("nope").is_err());
}
