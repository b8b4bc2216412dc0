//! Profiles in the store, with their meaning: a [`Saved`] profile is a stored row whose report
//! JSON has been read back. Listing, lookup by run or baseline, and pointing a baseline at a
//! run's profile (`flightdeck profile save-baseline`).

use super::{ProfileError, ProfileReport};
use crate::store::Store;
use crate::store::profiles::ProfileRow;

/// A stored profile, decoded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Saved {
    pub id: i64,
    pub at: i64,
    pub run: Option<String>,
    pub step: Option<String>,
    pub folded: String,
    pub report: ProfileReport,
}

/// A baseline's name and when it was saved, with the profile it names.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedBaseline {
    pub name: String,
    pub saved_at: i64,
    pub profile: Saved,
}

fn decode(row: ProfileRow) -> Result<Saved, ProfileError> {
    let report = serde_json::from_str(&row.report)
        .map_err(|e| ProfileError::Store(format!("stored profile #{} is unreadable: {e}", row.id)))?;
    Ok(Saved { id: row.id, at: row.at, run: row.run, step: row.step, folded: row.folded, report })
}

/// The profile baseline `name`.
pub fn baseline(store: &Store, name: &str) -> Result<SavedBaseline, ProfileError> {
    let row = store.profile_baseline(name)?.ok_or_else(|| ProfileError::MissingBaseline(name.into()))?;
    Ok(SavedBaseline { name: row.name, saved_at: row.saved_at, profile: decode(row.profile)? })
}

/// Every profile baseline, by name.
pub fn baselines(store: &Store) -> Result<Vec<SavedBaseline>, ProfileError> {
    store
        .profile_baselines()?
        .into_iter()
        .map(|row| {
            Ok(SavedBaseline { name: row.name, saved_at: row.saved_at, profile: decode(row.profile)? })
        })
        .collect()
}

/// The profiles of run `run` (a run id or its unique prefix is resolved by the caller), oldest first.
pub fn of_run(store: &Store, run: &str) -> Result<Vec<Saved>, ProfileError> {
    store.profiles_of_run(run)?.into_iter().map(decode).collect()
}

/// Points baseline `name` at the last profile run `run` took; returns that profile's id.
pub fn save_baseline_from_run(store: &Store, name: &str, run: &str, at: i64) -> Result<i64, ProfileError> {
    let last = of_run(store, run)?.pop().ok_or_else(|| {
        ProfileError::Invalid(format!(
            "run {run:?} took no profile: give the id of a run with a `profile` step"
        ))
    })?;
    store.save_profile_baseline(name, last.id, at)?;
    Ok(last.id)
}
