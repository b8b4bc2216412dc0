//! The `profile = { ... }` step table (also built by `flightdeck profile record`):
//! exactly one target (`pid`, `process` or `command`), `duration` (default 30s; at most 120 s in a
//! production environment), `frequency` (Hz, default 99), `call_graph` (`fp`, the default, or
//! `dwarf`), `load` (the load step's keys: traffic driven while perf records), `baseline`,
//! `save_baseline` and `regress` (default `5pp`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::{DEFAULT_REGRESS_PP, parse_regress};
use super::perf::Target;
use super::{PRODUCTION_CAP_SECS, ProfileError};
use crate::load::LoadSpec;

/// The fields that may hold templates.
pub const TEMPLATED: [&str; 8] =
    ["pid", "process", "command", "duration", "call_graph", "baseline", "save_baseline", "regress"];

/// Default recording time.
pub const DEFAULT_DURATION: &str = "30s";
/// Default sampling frequency (Hz): not a multiple of common timer rates.
pub const DEFAULT_FREQUENCY: u32 = 99;
/// The highest frequency accepted.
pub const MAX_FREQUENCY: u32 = 10_000;

/// A profile as written by the operator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileSpec {
    pub pid: Option<String>,
    pub process: Option<String>,
    pub command: Option<String>,
    /// `10s`, `2m`, ...
    pub duration: Option<String>,
    pub frequency: Option<u32>,
    /// `fp` (frame pointers, `-g`) or `dwarf` (`--call-graph dwarf`).
    pub call_graph: Option<String>,
    /// Traffic to drive while recording (the `load` step's keys).
    pub load: Option<LoadSpec>,
    /// Compare with this saved baseline profile.
    pub baseline: Option<String>,
    /// Save this profile as a baseline of this name.
    pub save_baseline: Option<String>,
    /// Growth of a function's share that fails the step (`5pp`).
    pub regress: Option<String>,
}

/// A spec with every value checked (after templates were rendered).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub target: Option<Target>,
    pub duration: Duration,
    pub frequency: u32,
    pub dwarf: bool,
    pub load: Option<LoadSpec>,
    pub baseline: Option<String>,
    pub save_baseline: Option<String>,
    pub regress_pp: f64,
}

fn given(field: Option<&String>) -> Option<&str> {
    field.map(|s| s.trim()).filter(|s| !s.is_empty())
}

impl ProfileSpec {
    /// Reads the step table (a numeric `pid` is accepted as well as a template).
    pub fn from_value(action: &Value) -> Result<ProfileSpec, String> {
        let mut v = action.clone();
        let Some(table) = v.as_object_mut() else {
            return Err("`profile` must be a table, e.g. profile = { pid = \"{{ steps.start.outputs.pid }}\", duration = \"30s\" }".into());
        };
        if let Some(pid) = table.get_mut("pid").filter(|p| p.is_number()) {
            *pid = Value::String(pid.to_string());
        }
        serde_json::from_value(v).map_err(|e| format!("in `profile`: {e}"))
    }

    /// Checks what can be checked before templates are rendered.
    pub fn check(&self) -> Result<(), String> {
        let targets =
            [&self.pid, &self.process, &self.command].iter().filter(|f| given(f.as_ref()).is_some()).count();
        if targets != 1 {
            return Err("`profile` needs exactly one target: `pid`, `process` or `command`".into());
        }
        let mut probe = self.clone();
        for field in [
            &mut probe.pid,
            &mut probe.process,
            &mut probe.command,
            &mut probe.duration,
            &mut probe.call_graph,
            &mut probe.regress,
        ] {
            if field.as_deref().is_some_and(|v| v.contains("{{")) {
                *field = None;
            }
        }
        if let Some(load) = probe.load.as_mut() {
            load.url = "http://127.0.0.1/".into();
            load.duration = load.duration.take().filter(|d| !d.contains("{{"));
            load.profile = load.profile.take().filter(|d| !d.contains("{{"));
            load.baseline = None;
            load.save_baseline = None;
        }
        // Processes are looked up when the step runs, not when the workflow is read.
        (probe.pid, probe.process, probe.command) = (None, None, None);
        probe.settings(false).map(|_| ()).map_err(|e| e.to_string())
    }

    /// Checks every value (templates rendered) for an environment that is or is not production.
    pub fn settings(&self, production: bool) -> Result<Settings, ProfileError> {
        let bad = ProfileError::Invalid;
        let text = given(self.duration.as_ref()).unwrap_or(DEFAULT_DURATION);
        let ms = crate::time::parse_duration(text)
            .filter(|ms| *ms > 0)
            .ok_or_else(|| bad(format!("bad `duration` {text:?}: write e.g. 10s, 30s, 2m")))?;
        if production && ms > PRODUCTION_CAP_SECS * 1000 {
            return Err(bad(format!(
                "`duration` {text:?} is longer than the {PRODUCTION_CAP_SECS} s allowed when profiling in production: profile for at most {PRODUCTION_CAP_SECS}s"
            )));
        }
        let frequency = self.frequency.unwrap_or(DEFAULT_FREQUENCY);
        if frequency == 0 || frequency > MAX_FREQUENCY {
            return Err(bad(format!(
                "bad `frequency` {frequency}: give samples per second from 1 to {MAX_FREQUENCY} (99 is usual)"
            )));
        }
        let dwarf = match given(self.call_graph.as_ref()).unwrap_or("fp") {
            "fp" => false,
            "dwarf" => true,
            other => {
                return Err(bad(format!(
                    "bad `call_graph` {other:?}: write \"fp\" (frame pointers) or \"dwarf\""
                )));
            }
        };
        let regress_pp = match given(self.regress.as_ref()) {
            Some(r) => parse_regress(r).map_err(bad)?,
            None => DEFAULT_REGRESS_PP,
        };
        let duration = Duration::from_millis(ms);
        let load = self.load_spec(text)?;
        Ok(Settings {
            target: self.target()?,
            duration,
            frequency,
            dwarf,
            load,
            baseline: given(self.baseline.as_ref()).map(str::to_string),
            save_baseline: given(self.save_baseline.as_ref()).map(str::to_string),
            regress_pp,
        })
    }

    /// The load spec, lasting as long as the profile unless it says otherwise; checked.
    fn load_spec(&self, duration: &str) -> Result<Option<LoadSpec>, ProfileError> {
        let Some(mut load) = self.load.clone() else { return Ok(None) };
        if load.duration.is_none() && load.requests.is_none() {
            load.duration = Some(duration.to_string());
        }
        load.plan().map_err(|e| ProfileError::Invalid(format!("in `profile.load`: {e}")))?;
        Ok(Some(load))
    }

    /// The target, resolved against the running processes (a command is not started here).
    fn target(&self) -> Result<Option<Target>, ProfileError> {
        if let Some(pid) = given(self.pid.as_ref()) {
            return Target::pid(pid).map(Some);
        }
        if let Some(name) = given(self.process.as_ref()) {
            return Target::process(name).map(Some);
        }
        Ok(given(self.command.as_ref()).map(|c| Target::Command(c.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: &Value) -> ProfileSpec {
        ProfileSpec::from_value(v).unwrap()
    }

    #[test]
    fn checks_targets_durations_and_keys() {
        assert!(spec(&json!({ "pid": "{{ steps.s.outputs.pid }}", "duration": "10s" })).check().is_ok());
        assert!(spec(&json!({ "pid": 1, "load": { "url": "{{ environment.url }}/" } })).check().is_ok());
        let both = spec(&json!({ "pid": "1", "process": "nginx" })).check().unwrap_err();
        assert!(both.contains("exactly one target"), "{both}");
        assert!(spec(&json!({})).check().unwrap_err().contains("exactly one target"));
        let e = ProfileSpec::from_value(&json!({ "pid": "1", "frequncy": 99 })).unwrap_err();
        assert!(e.contains("frequncy"), "{e}");
        let e = spec(&json!({ "command": "true", "duration": "soon" })).check().unwrap_err();
        assert!(e.contains("bad `duration` \"soon\""), "{e}");
        let e = spec(&json!({ "command": "true", "frequency": 0 })).check().unwrap_err();
        assert!(e.contains("bad `frequency` 0"), "{e}");
        let e = spec(&json!({ "command": "true", "call_graph": "lbr" })).check().unwrap_err();
        assert!(e.contains("\"lbr\""), "{e}");
    }

    #[test]
    fn production_caps_the_duration() {
        let long = spec(&json!({ "command": "true", "duration": "3m" }));
        assert_eq!(long.settings(false).unwrap().duration, Duration::from_secs(180));
        let e = long.settings(true).unwrap_err().to_string();
        assert!(e.contains("\"3m\" is longer than the 120 s allowed"), "{e}");
        let ok = spec(&json!({ "command": "true", "duration": "120s" }));
        assert!(ok.settings(true).is_ok());
        let with_load =
            spec(&json!({ "command": "true", "duration": "7s", "load": { "url": "http://127.0.0.1:1/" } }));
        let load = with_load.settings(false).unwrap().load.unwrap();
        assert_eq!(load.duration.as_deref(), Some("7s"), "the load lasts as long as the profile");
    }
}
