//! The per-monitor state machine: consecutive failures before DOWN, consecutive successes before UP,
//! maintenance windows that hold alerts back. Pure: it is told each result and whether `now` is in
//! maintenance, and answers with the transition, if any.

use serde::{Deserialize, Serialize};

/// A monitor's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MonitorState {
    /// Not enough results yet to say.
    Pending,
    /// Healthy.
    Up,
    /// Failed `failure_threshold` times in a row.
    Down,
    /// Inside a maintenance window: results are kept, no alert is raised.
    Maintenance,
    /// Not probed: its configuration is invalid (the problem names file and line).
    Disabled,
}

impl MonitorState {
    /// The word shown (`UP`, `DOWN`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorState::Pending => "PENDING",
            MonitorState::Up => "UP",
            MonitorState::Down => "DOWN",
            MonitorState::Maintenance => "MAINTENANCE",
            MonitorState::Disabled => "DISABLED",
        }
    }
}

/// What kind of change a result caused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransitionKind {
    /// Became UP (from PENDING or DOWN).
    Up,
    /// Became DOWN.
    Down,
    /// Back to PENDING (after a maintenance window).
    Pending,
    /// Entered a maintenance window.
    Maintenance,
    /// Stayed UP: failed fewer than `failure_threshold` times, then passed again.
    RecoveredAfterRetry,
}

/// A change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The state before.
    pub from: MonitorState,
    /// The state after.
    pub to: MonitorState,
    /// What happened.
    pub kind: TransitionKind,
    /// Consecutive failures (for DOWN) or successes (for UP) that caused it.
    pub count: u32,
}

/// The counters and state of one monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracker {
    /// Current state.
    pub state: MonitorState,
    /// Failures in a row.
    pub failures: u32,
    /// Successes in a row.
    pub successes: u32,
    failure_threshold: u32,
    success_threshold: u32,
}

impl Tracker {
    /// A PENDING tracker with these thresholds (each at least 1).
    pub fn new(failure_threshold: u32, success_threshold: u32) -> Tracker {
        Tracker {
            state: MonitorState::Pending,
            failures: 0,
            successes: 0,
            failure_threshold: failure_threshold.max(1),
            success_threshold: success_threshold.max(1),
        }
    }

    /// Takes one result; returns the transition it caused.
    pub fn observe(&mut self, success: bool, in_maintenance: bool) -> Option<Transition> {
        let from = self.state;
        if in_maintenance {
            self.count(success);
            return (from != MonitorState::Maintenance)
                .then(|| self.go(MonitorState::Maintenance, TransitionKind::Maintenance, 0));
        }
        if from == MonitorState::Maintenance {
            self.failures = 0;
            self.successes = 0;
            self.state = MonitorState::Pending;
        }
        let retried = self.failures;
        self.count(success);
        let t = match (self.state, success) {
            (MonitorState::Pending | MonitorState::Down, true)
                if self.successes >= self.success_threshold =>
            {
                Some(self.go(MonitorState::Up, TransitionKind::Up, self.successes))
            }
            (MonitorState::Up, true) if retried > 0 => Some(Transition {
                from: MonitorState::Up,
                to: MonitorState::Up,
                kind: TransitionKind::RecoveredAfterRetry,
                count: retried,
            }),
            (MonitorState::Pending | MonitorState::Up, false) if self.failures >= self.failure_threshold => {
                Some(self.go(MonitorState::Down, TransitionKind::Down, self.failures))
            }
            _ => None,
        };
        if from == MonitorState::Maintenance && t.is_none() {
            return Some(Transition {
                from,
                to: MonitorState::Pending,
                kind: TransitionKind::Pending,
                count: 0,
            });
        }
        t.map(|t| Transition { from, ..t })
    }

    fn count(&mut self, success: bool) {
        if success {
            self.successes = self.successes.saturating_add(1);
            self.failures = 0;
        } else {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
        }
    }

    fn go(&mut self, to: MonitorState, kind: TransitionKind, count: u32) -> Transition {
        let from = self.state;
        self.state = to;
        Transition { from, to, kind, count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MonitorState::{Down, Maintenance, Pending, Up};

    fn feed(t: &mut Tracker, results: &[bool]) -> Vec<(MonitorState, Option<TransitionKind>)> {
        results
            .iter()
            .map(|ok| {
                let tr = t.observe(*ok, false);
                (t.state, tr.map(|x| x.kind))
            })
            .collect()
    }

    #[test]
    fn down_only_after_n_failures_and_up_after_m_successes() {
        let mut t = Tracker::new(3, 2);
        let states: Vec<_> =
            feed(&mut t, &[true, true, false, false, false, true, true]).into_iter().map(|s| s.0).collect();
        assert_eq!(states, [Pending, Up, Up, Up, Down, Down, Up]);
    }

    #[test]
    fn a_blip_below_the_threshold_is_a_recovery_after_retry() {
        let mut t = Tracker::new(3, 1);
        let out = feed(&mut t, &[true, false, false, true]);
        assert_eq!(out.last().copied(), Some((Up, Some(TransitionKind::RecoveredAfterRetry))));
        assert!(out.iter().all(|(s, _)| *s == Up));
    }

    #[test]
    fn maintenance_holds_down_back_and_ends_pending() {
        let mut t = Tracker::new(2, 1);
        feed(&mut t, &[true]);
        for _ in 0..5 {
            t.observe(false, true);
            assert_eq!(t.state, Maintenance);
        }
        let tr = t.observe(false, false).unwrap();
        assert_eq!((tr.from, tr.to), (Maintenance, Pending));
        let tr = t.observe(false, false).unwrap();
        assert_eq!((tr.from, tr.to, tr.count), (Pending, Down, 2));
    }
}
