//! Deploy strategies on real targets: `rolling`, `blue-green` and `canary`, driving containers
//! (`platforms::podman`) behind a balancer (`platforms::haproxy`, `platforms::nginx`). The `rollout`
//! step kind (`steps/rollout.rs`) parses a [`RolloutSpec`] and calls [`deploy::run`].
//!
//! Every balancer slot runs at most one container, named `fd-BALANCER-SLOT`. Slots with weight are
//! live; the others are free. A new container gets weight only after it answers `ready` on its port.
//! A failure at any point aborts: the old weights are put back, the new containers removed, and the
//! step fails (so `on_fail = "rollback"` rolls the run back). Nothing changes before the image, the
//! balancer and its servers have been checked. A runner killed mid-rollout or mid-abort leaves a
//! resume file; the resumed run finishes the abort (see [`resume`]). A rollout that succeeded is undone by the run's
//! rollback (a later step failed): [`undo::run`] puts the previous weights and images back.

use serde::{Deserialize, Serialize};

use crate::load::LoadSpec;
use crate::time::parse_duration;
use crate::verify::CheckSpec;
use crate::workflow::template::Template;

pub mod deploy;
mod gate;
pub mod keep;
mod resume;
mod strategy;
pub mod undo;
pub mod weights;

/// How traffic moves to the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Replace `batch` replicas at a time: weight 0, replace, check, weight back.
    Rolling,
    /// Start the new set beside the old, check it, switch all traffic at once.
    BlueGreen,
    /// Move weight to the new set stage by stage.
    Canary,
}

/// `rollout = { ... }` as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutSpec {
    /// rolling | blue-green | canary.
    pub strategy: Strategy,
    /// A `[balancers.NAME]` of flightdeck.toml (templated).
    pub balancer: Template,
    /// The image to deploy (templated).
    pub image: Template,
    /// Canary: percentages of traffic on the new version, ending at 100.
    #[serde(default)]
    pub stages: Vec<u32>,
    /// How long each stage (canary), batch (rolling) or the switch (blue-green) is watched.
    #[serde(default)]
    pub hold: Option<String>,
    /// Rolling: replicas replaced at a time (default 1).
    #[serde(default)]
    pub batch: Option<usize>,
    /// Blue-green: keep the old set (at weight 0) for an instant switch back (default `0s`: remove it).
    #[serde(default)]
    pub keep: Option<String>,
    /// Replicas of a first deployment, when nothing is live yet (default 1).
    #[serde(default)]
    pub replicas: Option<usize>,
    /// A health check every stage must pass; in `url`, `{port}` is each new container's port.
    #[serde(default)]
    pub check: Option<CheckSpec>,
    /// A load test run during every stage; its thresholds must pass.
    #[serde(default)]
    pub traffic: Option<LoadSpec>,
    /// Path a new container must answer (status < 400) before it gets traffic (default `/`).
    #[serde(default)]
    pub ready: Option<String>,
    /// How long a new container may take to become ready (default `30s`).
    #[serde(default)]
    pub ready_timeout: Option<String>,
    /// Time between taking weight away and stopping a container (default `1s`).
    #[serde(default)]
    pub drain: Option<String>,
    /// Grace before SIGKILL when stopping a container (default `10s`).
    #[serde(default)]
    pub stop_timeout: Option<String>,
}

/// The keys of `rollout`, for messages.
pub const KEYS: &str = "strategy, balancer, image, stages, hold, batch, keep, replicas, check, traffic, ready, \
                        ready_timeout, drain, stop_timeout";

impl RolloutSpec {
    /// Checks everything that does not depend on templates or flightdeck.toml.
    pub fn validate(&self) -> Result<(), String> {
        for (key, v) in [
            ("hold", &self.hold),
            ("keep", &self.keep),
            ("ready_timeout", &self.ready_timeout),
            ("drain", &self.drain),
            ("stop_timeout", &self.stop_timeout),
        ] {
            if let Some(v) = v
                && parse_duration(v).is_none()
            {
                return Err(format!("rollout: {key} = {v:?} is not a duration; write e.g. \"30s\""));
            }
        }
        if self.image.source().trim().is_empty() {
            return Err(
                "rollout: image = \"\" names no image; write e.g. image = \"app:{{ params.version }}\""
                    .into(),
            );
        }
        if let Some(r) = &self.ready
            && !r.starts_with('/')
        {
            return Err(format!("rollout: ready = {r:?} must be a path starting with `/`"));
        }
        if self.batch == Some(0) || self.replicas == Some(0) {
            return Err("rollout: batch and replicas must be at least 1".into());
        }
        self.validate_strategy()
    }

    fn validate_strategy(&self) -> Result<(), String> {
        let only = |key: &str, present: bool, strategy: &str| {
            if present {
                Err(format!("rollout: `{key}` applies to strategy = \"{strategy}\" only"))
            } else {
                Ok(())
            }
        };
        let s = self.strategy;
        only("stages", !self.stages.is_empty() && s != Strategy::Canary, "canary")?;
        only("batch", self.batch.is_some() && s != Strategy::Rolling, "rolling")?;
        only("keep", self.keep.is_some() && s != Strategy::BlueGreen, "blue-green")?;
        if s == Strategy::Canary {
            check_stages(&self.stages)?;
        }
        Ok(())
    }
}

/// Canary stages: rising percentages from 1 to 100, ending at 100.
pub fn check_stages(stages: &[u32]) -> Result<(), String> {
    let shown = format!("{stages:?}");
    if stages.is_empty() {
        return Err("rollout: a canary needs stages, e.g. stages = [5, 25, 50, 100]".into());
    }
    if stages.iter().any(|p| *p == 0 || *p > 100) || stages.windows(2).any(|w| w[0] >= w[1]) {
        return Err(format!("rollout: stages = {shown} must rise from 1 to 100, e.g. [5, 25, 50, 100]"));
    }
    if stages.last() != Some(&100) {
        return Err(format!("rollout: stages = {shown} must end at 100 (all traffic on the new version)"));
    }
    Ok(())
}

/// A duration field in milliseconds, or its default.
pub(crate) fn ms(v: Option<&String>, default: u64) -> u64 {
    v.and_then(|t| parse_duration(t)).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_stages_must_rise_and_end_at_100() {
        assert!(check_stages(&[5, 25, 50, 100]).is_ok());
        assert!(check_stages(&[5, 25, 50]).unwrap_err().contains("must end at 100"));
        assert!(check_stages(&[50, 25, 100]).unwrap_err().contains("must rise"));
        assert!(check_stages(&[]).unwrap_err().contains("needs stages"));
        assert!(check_stages(&[0, 100]).unwrap_err().contains("[0, 100]"));
    }
}
