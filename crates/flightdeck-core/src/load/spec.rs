//! [`LoadSpec`]: a load test as the operator writes it (the `load = { ... }` step table, or the
//! `flightdeck load` flags), turned into a [`LoadPlan`]; and [`settle`], which stores the result and
//! applies `baseline` / `save_baseline` after a run.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::load::baseline::{self, BaselineError};
use crate::load::plan::parse_header;
use crate::load::{LoadError, LoadPlan, Model, Profile, Report, Stop, Target, Threshold};
use crate::store::Store;

/// A load test as written by the operator; every field but `url` is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadSpec {
    pub url: String,
    pub connections: Option<usize>,
    /// `10s`, `2m`, ...
    pub duration: Option<String>,
    pub requests: Option<u64>,
    /// Requests per second: the open model.
    pub rate: Option<f64>,
    pub method: Option<String>,
    /// `Name: value` lines.
    pub headers: Vec<String>,
    pub body: Option<String>,
    pub threads: Option<usize>,
    pub http2: bool,
    /// baseline | peak | stress | spike | soak.
    pub profile: Option<String>,
    pub thresholds: Vec<String>,
    /// Every threshold aborts the test when it fails.
    pub abort_on_fail: bool,
    /// Request timeout (`20s` by default).
    pub timeout: Option<String>,
    /// Compare with this saved baseline.
    pub baseline: Option<String>,
    /// Save this run as a baseline of this name.
    pub save_baseline: Option<String>,
    /// Regression tolerance in percent (default 10).
    pub tolerance: Option<f64>,
    /// HTTPS: accept any certificate.
    pub insecure: bool,
    /// HTTPS: trust the certificates in this PEM file (besides the web PKI roots).
    pub cacert: Option<String>,
}

fn duration(what: &str, text: &str) -> Result<Duration, LoadError> {
    crate::time::parse_duration(text)
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| LoadError::Invalid(format!("bad {what} {text:?}: write e.g. 500ms, 30s, 5m")))
}

impl LoadSpec {
    /// Builds and validates the plan.
    pub fn plan(&self) -> Result<LoadPlan, LoadError> {
        let mut plan = LoadPlan::new(Target::parse(self.url.trim())?);
        if let Some(c) = self.connections {
            plan.connections = c;
        }
        if let Some(t) = self.threads {
            plan.threads = t;
        }
        if let Some(m) = &self.method {
            plan.method = m.to_ascii_uppercase();
        }
        plan.headers = self.headers.iter().map(|h| parse_header(h)).collect::<Result<_, _>>()?;
        plan.body = self.body.clone().unwrap_or_default().into_bytes();
        plan.http2 = self.http2;
        plan.tls = crate::load::plan::TlsSettings {
            insecure: self.insecure,
            ca_file: self.cacert.as_ref().filter(|c| !c.is_empty()).map(std::path::PathBuf::from),
        };
        if let Some(rate) = self.rate {
            plan.model = Model::Open { rate };
        }
        if let Some(t) = &self.timeout {
            plan.timeout = duration("timeout", t)?;
        }
        match (&self.duration, self.requests) {
            (Some(_), Some(_)) => {
                return Err(LoadError::Invalid("give a duration or a request count, not both".into()));
            }
            (Some(d), None) => plan.stop = Stop::Duration(duration("duration", d)?),
            (None, Some(n)) => plan.stop = Stop::Requests(n),
            (None, None) => {}
        }
        if let Some(p) = &self.profile {
            if self.requests.is_some() {
                return Err(LoadError::Invalid(
                    "a profile runs for a duration: drop the request count".into(),
                ));
            }
            plan.apply_profile(Profile::parse(p)?, self.duration.is_some());
        }
        plan.thresholds = self.thresholds.iter().map(|t| Threshold::parse(t)).collect::<Result<_, _>>()?;
        if self.abort_on_fail {
            plan.thresholds.iter_mut().for_each(|t| t.abort = true);
        }
        plan.validate()?;
        Ok(plan)
    }
}

/// After a run: saves the report in the store, compares it with `spec.baseline` (setting
/// `report.comparison`), and saves it as `spec.save_baseline`.
pub fn settle(
    store: &Store,
    spec: &LoadSpec,
    report: &mut Report,
    run: Option<&str>,
) -> Result<(), BaselineError> {
    let at = crate::time::now().0;
    if let Some(name) = &spec.baseline {
        let (base, saved_at) = baseline::load_baseline(store, name)?;
        report.comparison =
            Some(baseline::compare(name, saved_at, &base, report, spec.tolerance.unwrap_or(10.0)));
    }
    baseline::save_result(store, report, run, at, spec.save_baseline.as_deref())?;
    Ok(())
}
