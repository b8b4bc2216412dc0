//! Snapshots of the flame view (`:profile RUN`) at 80x24 and 160x48: a profile compared with a
//! baseline (icicle, top functions with self/total share and deltas), and zoomed into a frame.
//! The same states are written to `screenshots/` (SVG and PNG).

use flightdeck::profile::compare::{Comparison, FunctionDelta};
use flightdeck::profile::{FunctionShare, LoadFigures, ProfileReport};
use flightdeck::tui::app::profile::ProfileData;
use flightdeck::tui::fixtures::{app, keys, typed};
use flightdeck::tui::msg::{Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

const RUN: &str = "20261204-101500-performance-profiling-7c1d";
const HOT: &str = "flightdeck_core::sandbox::hot::sandbox_hot_checksum";

fn share(name: &str, self_pct: f64, total_pct: f64) -> FunctionShare {
    FunctionShare { name: name.into(), self_pct, total_pct }
}

fn delta(name: &str, base_self: f64, self_pct: f64, regressed: bool) -> FunctionDelta {
    FunctionDelta {
        name: name.into(),
        base_self,
        self_pct,
        base_total: base_self,
        total_pct: self_pct,
        self_pp: self_pct - base_self,
        total_pp: self_pct - base_self,
        regressed,
    }
}

/// A sandbox profile under load with the hot switch on, compared with a cold baseline.
fn loaded() -> Msg {
    Msg::ProfileLoaded { run: RUN.into(), data: Ok(vec![current()]) }
}

/// The cold baseline `staging-latest` the current profile was compared with.
fn baseline() -> ProfileData {
    let folded = "tokio-rt-worker;start_thread;tokio::runtime::task::harness::poll;hyper::proto::h1::dispatch::Server::poll_msg;flightdeck_core::sandbox::server::App::page 200\n\
         tokio-rt-worker;start_thread;tokio::runtime::task::harness::poll;hyper::proto::h1::conn::Conn::poll_read_head;httparse::parse_headers 300\n\
         tokio-rt-worker;start_thread;tokio::runtime::io::driver::Driver::turn;mio::poll::Poll::poll;epoll_wait 380\n\
         tokio-rt-worker;start_thread;alloc::alloc::dealloc 120\n";
    let report = ProfileReport {
        target: "pid 47002".into(),
        frequency: 99,
        duration_ms: 20_000,
        samples: 1000,
        top: vec![
            share("epoll_wait", 38.0, 38.0),
            share("httparse::parse_headers", 30.0, 30.0),
            share("flightdeck_core::sandbox::server::App::page", 20.0, 20.0),
            share("alloc::alloc::dealloc", 12.0, 12.0),
        ],
        svg: None,
        load: Some(LoadFigures { rps: 655.0, p50: 11.2, p99: 30.5, requests: 13_100, error_rate: 0.0 }),
        comparison: None,
    };
    ProfileData {
        id: 3,
        step: Some("profile".into()),
        folded: folded.into(),
        report,
        baseline: Some("staging-latest".into()),
    }
}

/// The run's own profile.
fn current() -> ProfileData {
    let folded = format!(
        "tokio-rt-worker;start_thread;tokio::runtime::task::harness::poll;hyper::proto::h1::dispatch::Server::poll_msg;flightdeck_core::sandbox::server::App::handle::{{{{closure}}}};{HOT} 620\n\
         tokio-rt-worker;start_thread;tokio::runtime::task::harness::poll;hyper::proto::h1::dispatch::Server::poll_msg;flightdeck_core::sandbox::server::App::page 80\n\
         tokio-rt-worker;start_thread;tokio::runtime::task::harness::poll;hyper::proto::h1::conn::Conn::poll_read_head;httparse::parse_headers 120\n\
         tokio-rt-worker;start_thread;tokio::runtime::io::driver::Driver::turn;mio::poll::Poll::poll;epoll_wait 130\n\
         tokio-rt-worker;start_thread;alloc::alloc::dealloc 50\n"
    );
    let report = ProfileReport {
        target: "pid 48113".into(),
        frequency: 99,
        duration_ms: 20_000,
        samples: 1000,
        top: vec![
            share(HOT, 62.0, 62.0),
            share("epoll_wait", 13.0, 13.0),
            share("httparse::parse_headers", 12.0, 12.0),
            share("flightdeck_core::sandbox::server::App::page", 8.0, 8.0),
            share("alloc::alloc::dealloc", 5.0, 5.0),
        ],
        svg: Some("/var/lib/flightdeck/runs/x/profile-profile.svg".into()),
        load: Some(LoadFigures { rps: 412.0, p50: 17.9, p99: 48.2, requests: 8240, error_rate: 0.0 }),
        comparison: Some(Comparison {
            baseline: "staging-latest".into(),
            saved_at: 0,
            regress_pp: 5.0,
            deltas: vec![
                delta(HOT, 0.0, 62.0, true),
                delta("epoll_wait", 38.0, 13.0, false),
                delta("httparse::parse_headers", 30.0, 12.0, false),
                delta("flightdeck_core::sandbox::server::App::page", 20.0, 8.0, false),
            ],
            regressed: vec![HOT.into()],
            diff_svg: None,
        }),
    };
    ProfileData { id: 7, step: Some("profile".into()), folded, report, baseline: None }
}

fn open() -> Vec<Msg> {
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed(&format!("profile {RUN}")));
    m.push(Msg::Key(Key::new(KeyCode::Enter)));
    m.push(loaded());
    m
}

fn states() -> Vec<(&'static str, Vec<Msg>)> {
    let mut zoomed = open();
    // all → tokio-rt-worker → start_thread → harness::poll
    zoomed.extend(keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Enter]));
    let mut out_again = zoomed.clone();
    out_again.extend(keys(&[KeyCode::Esc]));
    let mut picked = open();
    picked.pop();
    picked.push(Msg::ProfileLoaded { run: RUN.into(), data: Ok(vec![baseline(), current()]) });
    picked.push(Msg::Key(Key::ch('p')));
    vec![
        ("profile_flame", open()),
        ("profile_zoomed", zoomed),
        ("profile_zoom_out", out_again),
        ("profile_picked_baseline", picked),
    ]
}

#[test]
fn flame_view_at_80x24_and_160x48() {
    let theme = Theme::default_theme();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    for (name, msgs) in states() {
        for (w, h) in [(80, 24), (160, 48)] {
            let a = app((w, h), vec![], msgs.clone());
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| flightdeck::tui::view::view(&a, &theme, f)).unwrap();
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            let svg = flightdeck::tui::svg::buffer_to_svg(t.backend().buffer());
            let svg_path = dir.join(format!("{name}_{w}x{h}.svg"));
            std::fs::write(&svg_path, svg).unwrap();
            crate::screens::to_png(&svg_path);
        }
    }
}

#[test]
fn p_picks_the_baseline_and_back_the_runs_profile() {
    let mut msgs = open();
    msgs.pop();
    msgs.push(Msg::ProfileLoaded { run: RUN.into(), data: Ok(vec![baseline(), current()]) });
    let a = app((80, 24), vec![], msgs.clone());
    assert_eq!(a.profile.data.clone().unwrap().unwrap().id, 7, "the run's last profile first");
    msgs.push(Msg::Key(Key::ch('p')));
    let a = app((80, 24), vec![], msgs.clone());
    let shown = a.profile.data.clone().unwrap().unwrap();
    assert_eq!((shown.id, shown.baseline.as_deref()), (3, Some("staging-latest")));
    assert_eq!(a.profile.tree.samples, 1000);
    msgs.push(Msg::Key(Key::ch('p')));
    let a = app((80, 24), vec![], msgs);
    assert_eq!(a.profile.data.clone().unwrap().unwrap().id, 7);
}

#[test]
fn esc_at_the_top_of_the_flame_view_leaves_it() {
    let mut msgs = open();
    msgs.extend(keys(&[KeyCode::Enter, KeyCode::Esc]));
    let a = app((80, 24), vec![], msgs.clone());
    assert_eq!(*a.screen(), flightdeck::tui::app::Screen::Profile, "the first esc zooms out");
    assert!(a.profile.zoom.is_empty());
    msgs.extend(keys(&[KeyCode::Esc]));
    let a = app((80, 24), vec![], msgs);
    assert_eq!(*a.screen(), flightdeck::tui::app::Screen::Home, "the second leaves");
}
