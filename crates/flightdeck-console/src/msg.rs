//! Messages into the console and effects out of it. Both are plain serde data: tests build screens
//! from fixture messages, and a second terminal can later send the same messages over a socket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use flightdeck_core::engine::event::{Decision, Event};
use flightdeck_core::store::records::{AuditRecord, AuditVerdict, RunRecord, StepRecord};
use flightdeck_core::time::Micros;

/// A key press, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl held.
    pub ctrl: bool,
    /// Alt held.
    pub alt: bool,
}

impl Key {
    /// A plain key.
    pub fn new(code: KeyCode) -> Key {
        Key { code, ctrl: false, alt: false }
    }

    /// A plain character.
    pub fn ch(c: char) -> Key {
        Key::new(KeyCode::Char(c))
    }

    /// Ctrl + a character.
    pub fn ctrl(c: char) -> Key {
        Key { code: KeyCode::Char(c), ctrl: true, alt: false }
    }
}

/// Key codes the console uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyCode {
    /// A printable character.
    Char(char),
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
}

/// Everything that can happen to the console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum Msg {
    /// A key was pressed.
    Key(Key),
    /// The terminal was resized.
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// The clock ticked (once a second).
    Tick {
        /// Now.
        now: Micros,
    },
    /// The runtime's clock as the next messages arrive (changes nothing visible by itself; dialogs
    /// measure their grace period with it).
    Clock {
        /// Now.
        now: Micros,
    },
    /// An engine event of a run this console started or attached to.
    Engine(Event),
    /// A run this console asked for has started.
    RunLaunched {
        /// Run id.
        run: String,
    },
    /// Starting a run failed (bad parameters, policy, store).
    LaunchFailed {
        /// Why.
        message: String,
    },
    /// Recent runs from the store.
    RunsLoaded {
        /// Newest first.
        runs: Vec<RunRecord>,
    },
    /// A stored run, opened read-only.
    RunOpened {
        /// The run.
        run: RunRecord,
        /// Its steps.
        steps: Vec<StepRecord>,
        /// Its journal.
        events: Vec<Event>,
    },
    /// The Incident screen's timeline, or why there is none.
    IncidentTimelineLoaded {
        /// The timeline.
        timeline: Result<Box<crate::app::incident::IncidentTimeline>, String>,
    },
    /// The Images screen's rows: pushed images, newest first.
    ImagesLoaded {
        /// One per push.
        rows: Vec<flightdeck_core::store::ArtifactRecord>,
    },
    /// The newest alerts received from Alertmanager (`flightdeck alerts listen`), newest first.
    AlertsLoaded {
        /// The alerts.
        alerts: Vec<flightdeck_core::store::AlertRecord>,
    },
    /// The Assessment screen's report (or why it could not be computed).
    AssessmentLoaded {
        /// The report.
        report: Result<Box<flightdeck_core::assess::Report>, String>,
    },
    /// The Backups screen's rows, newest first.
    BackupsLoaded {
        /// Recorded backups not pruned.
        backups: Vec<flightdeck_core::store::BackupRecord>,
        /// When they were read (ages are relative to it).
        now: flightdeck_core::time::Micros,
    },
    /// The Cost screen's report, or why it could not be made.
    CostLoaded {
        /// The month's report in the breakdown asked for.
        report: Result<Box<flightdeck_core::cost::Report>, String>,
        /// The tag keys the imports carry (the `tag:KEY` breakdowns).
        #[serde(default)]
        tags: Vec<String>,
    },
    /// The flame view's profile: the last one the run took, or why there is none.
    ProfileLoaded {
        /// The run asked for.
        run: String,
        /// The run's profiles and the baselines they were compared with (baselines first).
        data: Result<Vec<crate::app::profile::ProfileData>, String>,
    },
    /// The Secrets screen's rows (names, versions, dates; never values).
    SecretsLoaded {
        /// One per configured secret.
        secrets: Vec<flightdeck_core::secrets::SecretStatus>,
    },
    /// The audit log and its verification.
    AuditLoaded {
        /// Newest first.
        entries: Vec<AuditRecord>,
        /// The chain check.
        verdict: AuditVerdict,
    },
    /// The open incident the header's banner shows (polled every second), if any.
    IncidentLoaded {
        /// The incident and its events.
        open: Option<Box<flightdeck_core::incident::OpenIncident>>,
    },
    /// The notification outbox, newest first.
    NotificationsLoaded {
        /// Deliveries.
        rows: Vec<flightdeck_core::store::notify::NotificationRecord>,
    },
    /// The attempts of one delivery.
    NotificationAttempts {
        /// Notification id.
        id: i64,
        /// Oldest first.
        attempts: Vec<flightdeck_core::store::notify::AttemptRecord>,
    },
    /// The result of a log search the run screen asked for.
    LogSearched {
        /// Run id.
        run: String,
        /// The matching line (0-based), if any.
        line: Option<usize>,
        /// Lines in the log.
        total: usize,
        /// Which match this is (1-based; 0 for none).
        #[serde(default)]
        rank: usize,
        /// Matching lines in the whole log.
        #[serde(default)]
        matches: usize,
    },
    /// The release plan of the project's repository (or why there is none).
    ReleaseLoaded {
        /// The plan, or the error text.
        plan: Result<Box<flightdeck_core::release::ReleasePlan>, String>,
    },
    /// The DORA dashboard (or why it could not be computed).
    DoraLoaded {
        /// The dashboard, or the error text.
        dashboard: Result<Box<flightdeck_core::dora::Dashboard>, String>,
    },
    /// The latest health snapshot of the default environment's monitors.
    HealthSnapshot {
        /// The snapshot.
        snapshot: Box<flightdeck_core::health::Snapshot>,
    },
    /// The latest snapshot of the load test this console started (at most ~5 a second).
    LoadProgress {
        /// The snapshot.
        snapshot: Box<flightdeck_core::load::Snapshot>,
    },
    /// The load test ended (or could not start).
    LoadFinished {
        /// The report, or why there is none.
        report: Result<Box<flightdeck_core::load::Report>, String>,
    },
    /// A short message for the status line.
    Notice {
        /// The text.
        text: String,
    },
}

/// What the console asks its runtime to do (update itself never does I/O).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Start a workflow.
    Launch {
        /// Workflow name.
        workflow: String,
        /// Environment.
        environment: String,
        /// Parameter values as typed.
        params: BTreeMap<String, String>,
        /// Dry run.
        dry_run: bool,
    },
    /// Send a decision to a live run.
    Decide {
        /// Run id.
        run: String,
        /// The decision.
        decision: Decision,
    },
    /// Cancel a live run.
    Cancel {
        /// Run id.
        run: String,
    },
    /// Resume an interrupted run.
    Resume {
        /// Run id.
        run: String,
    },
    /// Load recent runs.
    LoadRuns,
    /// Ask the runner for the runs, if one is running (none is started): Runs and Home follow it.
    WatchRuns,
    /// Load a stored run to view it.
    OpenRun {
        /// Run id.
        run: String,
    },
    /// Load the audit log.
    LoadAudit,
    /// Read the secrets' versions for the Secrets screen.
    LoadSecrets,
    /// Read the pushed images for the Images screen.
    LoadImages,
    /// Read an incident's timeline (`None`: the open one) for the Incident screen.
    LoadIncidentTimeline {
        /// Incident id.
        id: Option<String>,
    },
    /// Send an incident change (join, note) to the runner, then reload the timeline.
    Incident {
        /// Incident id.
        incident: String,
        /// The change.
        action: flightdeck_core::incident::IncidentAction,
    },
    /// Compute the readiness assessment (evidence rules; nothing stored).
    LoadAssessment,
    /// Set an assessment item's state and note (audited), then reload.
    SetAssessmentItem {
        /// Item id.
        item: String,
        /// `pass`, `partial`, `fail`, `n/a`, `unknown`.
        state: String,
        /// The note.
        note: Option<String>,
    },
    /// Load the open incident for the banner.
    LoadIncident,
    /// Read the recorded database backups for the Backups screen.
    LoadBackups,
    /// Read the cost report of a month (default: the latest imported) for the Cost screen.
    LoadCost {
        /// `YYYY-MM`, if given.
        month: Option<String>,
        /// The breakdown: `service`, `environment` or `tag:KEY`.
        by: String,
    },
    /// Read a run's last CPU profile for the flame view.
    LoadProfile {
        /// Run id or unique prefix.
        run: String,
    },
    /// Load the notification outbox.
    LoadNotifications,
    /// Load the attempts of one delivery.
    LoadNotificationAttempts {
        /// Notification id.
        id: i64,
    },
    /// Put a delivery back in the queue and send it.
    ResendNotification {
        /// Notification id.
        id: i64,
    },
    /// Compute the release plan of the project's repository.
    LoadRelease,
    /// Compute the DORA dashboard.
    LoadDora {
        /// One service, or all.
        service: Option<String>,
        /// One environment, or every production one.
        environment: Option<String>,
        /// Window length in days, ending now.
        days: i64,
    },
    /// Run a sandbox command (`break`, `fix`) against an environment's sandbox.
    Sandbox {
        /// `break` or `fix`.
        action: String,
        /// Environment name.
        environment: String,
    },
    /// Start a load test (Phoenix's Load screen).
    StartLoad {
        /// Target URL.
        url: String,
        /// Connections.
        connections: usize,
        /// Duration (`30s`, `2m`).
        duration: String,
        /// Requests per second (the open model); none = the closed model.
        rate: Option<u64>,
        /// A named profile (baseline, peak, stress, spike, soak).
        profile: Option<String>,
        /// Threshold expressions.
        thresholds: Vec<String>,
        /// Compare with this saved baseline.
        baseline: Option<String>,
        /// The environment whose policy applies (production refuses remote targets).
        environment: String,
    },
    /// Watch the monitors of another environment (Health and the header's summary).
    WatchHealth {
        /// Environment name.
        environment: String,
    },
    /// Cancel the running load test.
    CancelLoad,
    /// Switch theme.
    SetTheme {
        /// Theme name.
        name: String,
    },
    /// Put text on the terminal's clipboard (OSC 52; works over SSH where the terminal allows it).
    Copy {
        /// The text.
        text: String,
    },
    /// Leave the console.
    Quit,
}
