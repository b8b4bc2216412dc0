//! What the runtime reads for the screens off the key loop: the DORA dashboard, a run's profiles,
//! the secrets' status, the cost report; and small helpers (the release screen's error, base64
//! for OSC 52).

use crate::msg::Msg;

/// The release screen's error: a project that is not a git repository is said so, with what to do.
pub(super) fn release_error(dir: &std::path::Path, err: &str) -> String {
    if !dir.join(".git").exists()
        && (err.contains("repository") || err.contains("libgit2") || err.contains("git"))
    {
        return format!(
            "{} is not a git repository: releases are cut from git history and tags (run `git init`, commit, then come back)",
            dir.display()
        );
    }
    err.to_string()
}

/// Standard base64 (RFC 4648, with padding), for OSC 52.
pub(super) fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Computes the DORA dashboard off the async threads.
pub(super) async fn load_dora(
    store: flightdeck_core::store::Store,
    config: flightdeck_core::config::Config,
    dir: std::path::PathBuf,
    service: Option<String>,
    environment: Option<String>,
    days: i64,
) -> Msg {
    let result = tokio::task::spawn_blocking(move || {
        let now = flightdeck_core::time::now();
        let tz = flightdeck_core::dora::window::time_zone(config.dora.time_zone.as_deref())
            .map_err(|e| e.to_string())?;
        let window = flightdeck_core::dora::Window::last_days(now, days, tz).map_err(|e| e.to_string())?;
        let query = flightdeck_core::dora::DashboardQuery { service, environment, window };
        flightdeck_core::dora::compute_dashboard(&store, &config, &dir, &query, now)
            .map(Box::new)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    Msg::DoraLoaded { dashboard: result }
}

/// The profiles run `run` (id or unique prefix) took, oldest first, after the named baselines they
/// were compared with (still stored, and not one of the run's own), for the flame view.
pub(super) fn load_profile(store: &flightdeck_core::store::Store, run: &str) -> Msg {
    use flightdeck_core::runner::profiles::run_profiles;
    let all = match store.run(run) {
        Ok(Some(record)) => run_profiles(store, &record.id)
            .map_err(|e| e.to_string())
            .map(|(own, bases)| profile_data(own, bases)),
        Ok(None) => Err(format!("no run {run:?}")),
        Err(e) => Err(e.to_string()),
    };
    Msg::ProfileLoaded { run: run.to_string(), data: all }
}

/// The flame view's profiles: the baselines first, then the run's own (the same from the store
/// and through the runner).
pub(super) fn profile_data(
    own: Vec<flightdeck_core::profile::saved::Saved>,
    bases: Vec<flightdeck_core::profile::saved::SavedBaseline>,
) -> Vec<crate::app::profile::ProfileData> {
    use crate::app::profile::ProfileData;
    let data = |p: flightdeck_core::profile::saved::Saved, baseline: Option<String>| ProfileData {
        id: p.id,
        step: p.step,
        folded: p.folded,
        report: p.report,
        baseline,
    };
    let bases = bases.into_iter().map(|b| data(b.profile, Some(b.name)));
    bases.chain(own.into_iter().map(|p| data(p, None))).collect()
}

/// The Secrets screen's rows for the default environment (never values).
pub(super) async fn load_secrets(config: &flightdeck_core::config::Config, dir: &std::path::Path) -> Msg {
    let set = flightdeck_core::secrets::SecretSet::new(config, dir);
    let redactor = flightdeck_core::secrets::Redactor::new();
    let env = config.default_env().to_string();
    Msg::SecretsLoaded { secrets: set.statuses(Some(&env), jiff::Timestamp::now(), &redactor).await }
}

/// The Cost screen's report: `month`, or the month of the latest imported day, grouped `by`.
pub(super) fn load_cost(
    store: &flightdeck_core::store::Store,
    cfg: &flightdeck_core::config::CostConfig,
    month: Option<&str>,
    by: &str,
) -> Result<Box<flightdeck_core::cost::Report>, String> {
    flightdeck_core::runner::reads::cost_report(store, cfg, month, by).map(Box::new)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
