//! One profile from start to finish: perf records the target (while the load engine drives
//! traffic, if asked), `perf script` is folded into stacks, the flamegraph SVG is written, the
//! functions are ranked, the baseline (if named) is compared and its differential flamegraph
//! written, and the profile is saved (as a baseline too when asked and nothing regressed).
//! Shared by the `profile` step and `flightdeck profile record`.

use std::path::{Path, PathBuf};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::folded::{self, Shares};
use super::perf::{Perf, Target};
use super::spec::Settings;
use super::{LoadFigures, ProfileError, ProfileReport, TOP_N, compare, flame, saved};
use crate::load::{self, Report, Snapshot};
use crate::store::Store;
use crate::store::profiles::NewProfile;

/// Where a profile belongs and where its files go.
#[derive(Debug, Clone)]
pub struct Place {
    /// The run and step, if it was taken by a workflow.
    pub run: Option<String>,
    pub step: Option<String>,
    /// The directory for the SVGs (the run's log directory, or `DATA_DIR/profiles`).
    pub dir: PathBuf,
    /// The file name stem (`profile-STEP`).
    pub stem: String,
}

/// A finished profile.
#[derive(Debug)]
pub struct Done {
    /// Its row id.
    pub id: i64,
    pub report: ProfileReport,
    /// The load test's report, when load was driven.
    pub load: Option<Report>,
    /// The baseline it was saved as, if any.
    pub saved_as: Option<String>,
}

/// Records, analyses, compares and saves one profile.
pub async fn profile(
    store: &Store,
    s: &Settings,
    place: &Place,
    cancel: &CancellationToken,
) -> Result<Done, ProfileError> {
    let perf = Perf::find()?;
    let target = s.target.clone().ok_or_else(|| ProfileError::Invalid("no target to profile".into()))?;
    let baseline = s.baseline.as_deref().map(|name| saved::baseline(store, name)).transpose()?;
    std::fs::create_dir_all(&place.dir)
        .map_err(|e| ProfileError::io(format!("cannot create {}", place.dir.display()), e))?;
    let data = place.dir.join(format!("{}.perf.data", place.stem));
    let (recorded, load) = record_under_load(&perf, &target, s, &data, cancel).await;
    let folded = match recorded {
        Ok(()) => script_and_fold(&perf, &data).await,
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&data);
    let folded = folded?;
    let mut load = load?;
    let shares = Shares::of(&folded);
    let svg = place.dir.join(format!("{}.svg", place.stem));
    flame::write_svg(&folded, &format!("{} ({} samples)", target.label(), shares.samples), &svg)?;
    let mut report = ProfileReport {
        target: target.label(),
        frequency: s.frequency,
        duration_ms: u64::try_from(s.duration.as_millis()).unwrap_or(u64::MAX),
        samples: shares.samples,
        top: shares.ranked(TOP_N),
        svg: Some(svg.display().to_string()),
        load: load.as_ref().map(figures),
        comparison: None,
    };
    if let Some(base) = &baseline {
        let mut c = compare::compare(
            &base.name,
            base.saved_at,
            &Shares::of(&base.profile.folded),
            &shares,
            s.regress_pp,
        );
        let diff = place.dir.join(format!("{}.diff.svg", place.stem));
        flame::write_diff_svg(
            &base.profile.folded,
            &folded,
            &format!("{} against {}", target.label(), base.name),
            &diff,
        )?;
        c.diff_svg = Some(diff.display().to_string());
        report.comparison = Some(c);
    }
    if let (Some(spec), Some(r)) = (&s.load, load.as_mut()) {
        load::spec::settle(store, spec, r, place.run.as_deref())
            .map_err(|e| ProfileError::Load(e.to_string()))?;
    }
    let saved_as = s.save_baseline.clone().filter(|_| report.passed());
    let id = save(store, place, &target, &folded, &report, saved_as.clone())?;
    Ok(Done { id, report, load, saved_as })
}

/// Runs perf and, when asked, the load engine at the same time; both results are kept.
async fn record_under_load(
    perf: &Perf,
    target: &Target,
    s: &Settings,
    data: &Path,
    cancel: &CancellationToken,
) -> (Result<(), ProfileError>, Result<Option<Report>, ProfileError>) {
    let record = perf.record(target, s.frequency, s.dwarf, s.duration, data, cancel);
    let Some(spec) = &s.load else { return (record.await, Ok(None)) };
    let plan = match spec.plan() {
        Ok(p) => p,
        Err(e) => return (Ok(()), Err(ProfileError::Invalid(format!("in `profile.load`: {e}")))),
    };
    let (tx, _rx) = watch::channel(Snapshot::default());
    let traffic = load::run(plan, tx, cancel.child_token());
    let (recorded, driven) = tokio::join!(record, traffic);
    (recorded, driven.map(Some).map_err(|e| ProfileError::Load(e.to_string())))
}

async fn script_and_fold(perf: &Perf, data: &Path) -> Result<String, ProfileError> {
    let script = data.with_extension("script.txt");
    let result = match perf.script(data, &script).await {
        Ok(()) => folded::collapse_perf_script(&script),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&script);
    result
}

fn figures(r: &Report) -> LoadFigures {
    let s = &r.stats;
    LoadFigures {
        rps: s.rps_mean,
        p50: s.latency.p50,
        p99: s.latency.p99,
        requests: s.requests,
        error_rate: s.error_rate,
    }
}

fn save(
    store: &Store,
    place: &Place,
    target: &Target,
    folded: &str,
    report: &ProfileReport,
    baseline: Option<String>,
) -> Result<i64, ProfileError> {
    let text = serde_json::to_string(report).map_err(|e| ProfileError::Store(e.to_string()))?;
    let row = NewProfile {
        at: crate::time::now().0,
        run: place.run.clone(),
        step: place.step.clone(),
        target: target.label(),
        samples: i64::try_from(report.samples).unwrap_or(i64::MAX),
        folded: folded.to_string(),
        report: text,
    };
    Ok(store.save_profile(row, baseline)?)
}
