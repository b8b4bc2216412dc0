//! Untrusted text (commit messages on the Release screen, a notification's subject and a
//! server's error on Notifications) reaches the screen with its control characters made visible, never as control codes.

use crate::app::gaps_tests::screen_text;
use crate::fixtures::{self, app};
use crate::msg::{Key, Msg};

const EVIL: &str = "\x1b[2J\x1b]52;c;aGk=\x07 owned";
const SHOWN: &str = "␛[2J␛]52;c;aGk=␇ owned";

fn assert_visible_never_raw(rows: &[String]) {
    let text = rows.join("\n");
    assert!(text.contains(SHOWN), "not made visible: {text}");
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "a control character reached the screen");
}

#[test]
fn commit_messages_on_the_release_screen_are_made_visible() {
    let Msg::ReleaseLoaded { plan: Ok(mut plan) } = fixtures::release_plan() else { panic!("not a plan") };
    plan.drivers[0].summary = EVIL.into();
    plan.changelog.push_str("\n- ");
    plan.changelog.push_str(EVIL);
    let msgs = vec![Msg::Key(Key::ch('v')), Msg::ReleaseLoaded { plan: Ok(plan) }];
    let a = app((160, 48), vec![], msgs);
    assert_visible_never_raw(&screen_text(&a));
}

#[test]
fn a_notifications_subject_and_a_servers_error_are_made_visible() {
    let Msg::NotificationsLoaded { mut rows } = fixtures::notifications() else { panic!("not rows") };
    for r in &mut rows {
        r.subject = EVIL.into();
        r.last_error = Some(EVIL.into());
    }
    let mut a = app((160, 48), vec![], vec![]);
    let _ = a.command("notifications");
    let _ = a.update(Msg::NotificationsLoaded { rows });
    assert_visible_never_raw(&screen_text(&a));
}

#[test]
fn a_secret_version_a_provider_reports_is_made_visible() {
    let status = flightdeck_core::secrets::SecretStatus {
        name: "db_password".into(),
        provider: "bao".into(),
        kind: "openbao".into(),
        version: Some("\x1b[2J7".into()),
        last_rotated: None,
        rotate_every: None,
        due: None,
        overdue: false,
        error: None,
    };
    let mut a = app((160, 48), vec![], vec![Msg::Key(Key::ch('S'))]);
    let _ = a.update(Msg::SecretsLoaded { secrets: vec![status] });
    let text = screen_text(&a).join("\n");
    assert!(text.contains("␛[2J7"), "not made visible: {text}");
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "a control character reached the screen");
}
