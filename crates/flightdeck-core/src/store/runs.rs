//! Runs, their steps and their journal: the writes the engine makes as a run progresses and the reads
//! the CLI and console make, including the reader-side rule that a running or waiting run whose lock
//! is free is reported interrupted.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::writer::Durability;
use super::{NewAudit, RunFilter, RunUpdate, SqliteContext, Store, StoreError};
use crate::event::{Event, RunStatus};
use crate::store::records::{RunRecord, StepRecord};
use crate::time::Micros;

const RUN_COLS: &str = "id, workflow, title, environment, production, mode, status, operator_uid, operator, \
     host, started_at, finished_at, life, exit_code, message, plan_json";

const STEP_COLS: &str = "run, step, idx, status, attempt, started_at, finished_at, exit_code, pid, pgid, \
     proc_start, outputs_json, message, log_path";

/// Inserts or updates a step (a run writes it several times per step: a cached statement, parsed
/// once per connection).
const UPSERT_STEP: &str = "INSERT INTO steps (run, step, idx, status, attempt, started_at, finished_at, \
     exit_code, pid, pgid, proc_start, outputs_json, message, log_path) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
     ON CONFLICT (run, step) DO UPDATE SET idx = ?3, status = ?4, attempt = ?5, started_at = ?6, \
     finished_at = ?7, exit_code = ?8, pid = ?9, pgid = ?10, proc_start = ?11, outputs_json = ?12, \
     message = ?13, log_path = ?14";

/// Most matches an ambiguity error lists.
const MAX_MATCHES: usize = 10;

impl Store {
    /// Stores a new run and its steps (usually all pending) in one transaction. A run starts with
    /// `life` 1; [`Store::begin_life`] is for resumes.
    pub async fn create_run(&self, run: &RunRecord, steps: &[StepRecord]) -> Result<(), StoreError> {
        let run = run.clone();
        let steps = steps.to_vec();
        self.write("creating a run", move |tx| {
            insert_run(tx, &run)?;
            steps.iter().try_for_each(|s| upsert_step(tx, s))
        })
        .await
    }

    /// Like [`Store::create_run`], with the run's `run.start` audit entry appended in the same
    /// transaction, so no run exists without the entry that records its plan hash.
    pub async fn create_run_audited(
        &self,
        run: &RunRecord,
        steps: &[StepRecord],
        start: NewAudit,
    ) -> Result<(), StoreError> {
        let key = super::chainkey::load_or_create_key(self.data_dir())?;
        let run = run.clone();
        let steps = steps.to_vec();
        let rec = self
            .write("creating a run", move |tx| {
                insert_run(tx, &run)?;
                steps.iter().try_for_each(|s| upsert_step(tx, s))?;
                super::audit::append(tx, &key, start)
            })
            .await?;
        self.head_after_commit(rec.seq, &rec.hash);
        Ok(())
    }

    /// In one transaction: journals `event` (unless its kind is not journaled), applies `run_update`
    /// to the run the event or step names, and upserts `step`. Each part is optional.
    pub async fn record(
        &self,
        event: Option<&Event>,
        run_update: Option<RunUpdate>,
        step: Option<&StepRecord>,
    ) -> Result<(), StoreError> {
        let update = update_target(event, step, run_update)?;
        let journal = match event {
            Some(e) if e.kind.is_journaled() => Some((e.clone(), to_json(e)?)),
            _ => None,
        };
        let step = step.cloned();
        // Durable against any process's death (the runner's included), not a power cut: DESIGN §5.
        self.write_with(Durability::ProcessCrash, "recording run state", move |tx| {
            if let Some((e, json)) = &journal {
                let what = || format!("journaling event {}/{}/{} of run {}", e.life, e.seq, e.at.0, e.run);
                tx.prepare_cached(
                    "INSERT INTO journal (run, life, seq, at, event) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut st| st.execute(params![e.run, e.life, e.seq.cast_signed(), e.at.0, json]))
                .ctx(&what())?;
            }
            if let Some((run, u)) = &update {
                update_run(tx, run, u)?;
            }
            step.as_ref().map_or(Ok(()), |s| upsert_step(tx, s))
        })
        .await
    }

    /// Starts a new process life of a run (a resume): increments `life`, sets it running, clears its
    /// end time, exit code and message, and returns the new life.
    pub async fn begin_life(&self, run: &str) -> Result<u32, StoreError> {
        let run = run.to_string();
        self.write("starting a new life of a run", move |tx| {
            tx.query_row(
                "UPDATE runs SET life = life + 1, status = 'running', finished_at = NULL, \
                 exit_code = NULL, message = NULL WHERE id = ?1 RETURNING life",
                [&run],
                |row| row.get(0),
            )
            .optional()
            .ctx(&format!("starting a new life of run {run}"))?
            .ok_or(StoreError::NotFound { run })
        })
        .await
    }

    /// Writes `interrupted` for a run stored as running or waiting; returns whether it changed (a
    /// finished run is left alone). The caller checks [`Store::is_live`] first for others' runs.
    pub async fn mark_interrupted(&self, run: &str) -> Result<bool, StoreError> {
        let run = run.to_string();
        self.write("marking a run interrupted", move |tx| {
            let what = format!("marking run {run} interrupted");
            let changed = tx
                .execute(
                    "UPDATE runs SET status = 'interrupted' \
                     WHERE id = ?1 AND status IN ('running', 'waiting')",
                    [&run],
                )
                .ctx(&what)?;
            if changed == 0 && !run_exists(tx, &run)? {
                return Err(StoreError::NotFound { run });
            }
            Ok(changed > 0)
        })
        .await
    }

    /// The run with this id, or the one run whose id starts with it; an ambiguous prefix is an error
    /// listing the matches.
    pub fn run(&self, id_or_prefix: &str) -> Result<Option<RunRecord>, StoreError> {
        if id_or_prefix.is_empty() {
            return Ok(None);
        }
        let what = format!("looking up run {id_or_prefix}");
        let mut found: Vec<RunRecord> = {
            let conn = self.reader();
            let sql = format!(
                "SELECT {RUN_COLS} FROM runs WHERE substr(id, 1, length(?1)) = ?1 \
                 ORDER BY id = ?1 DESC, id LIMIT {MAX_MATCHES}"
            );
            let mut stmt = conn.prepare_cached(&sql).ctx(&what)?;
            let rows = stmt.query_map([id_or_prefix], run_from_row).ctx(&what)?;
            rows.collect::<Result<_, _>>().ctx(&what)?
        };
        // An exact id sorts first and wins over longer ids it prefixes.
        if found.first().is_some_and(|r| r.id == id_or_prefix) {
            found.truncate(1);
        }
        match <[RunRecord; 1]>::try_from(found) {
            Ok([one]) => Ok(Some(self.reported(one))),
            Err(found) if found.is_empty() => Ok(None),
            Err(found) => Err(StoreError::Ambiguous {
                prefix: id_or_prefix.to_string(),
                matches: found.into_iter().map(|r| r.id).collect(),
            }),
        }
    }

    /// Runs matching `filter`, newest first, with statuses as readers report them.
    pub fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        let (sql, args) = runs_query(filter);
        let rows: Vec<RunRecord> = {
            let conn = self.reader();
            let mut stmt = conn.prepare_cached(&sql).ctx("listing runs")?;
            let rows = stmt.query_map(rusqlite::params_from_iter(&args), run_from_row).ctx("listing runs")?;
            rows.collect::<Result<_, _>>().ctx("listing runs")?
        };
        let mut out: Vec<RunRecord> = rows
            .into_iter()
            .map(|r| self.reported(r))
            .filter(|r| filter.status.is_none_or(|s| r.status == s))
            .collect();
        if filter.limit > 0 {
            out.truncate(filter.limit);
        }
        Ok(out)
    }

    /// A run's steps in plan order.
    pub fn steps(&self, run: &str) -> Result<Vec<StepRecord>, StoreError> {
        let what = format!("reading the steps of run {run}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {STEP_COLS} FROM steps WHERE run = ?1 ORDER BY idx, step"))
            .ctx(&what)?;
        let rows = stmt.query_map([run], step_from_row).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }

    /// A run's journal, in order of life then sequence.
    pub fn journal(&self, run: &str) -> Result<Vec<Event>, StoreError> {
        let what = format!("reading the journal of run {run}");
        let texts: Vec<String> = {
            let conn = self.reader();
            let mut stmt = conn
                .prepare_cached("SELECT event FROM journal WHERE run = ?1 ORDER BY life, seq")
                .ctx(&what)?;
            let rows = stmt.query_map([run], |row| row.get(0)).ctx(&what)?;
            rows.collect::<Result<_, _>>().ctx(&what)?
        };
        texts
            .iter()
            .map(|t| {
                serde_json::from_str(t).map_err(|source| StoreError::Json { what: what.clone(), source })
            })
            .collect()
    }

    /// The run as readers report it: running or waiting with a free lock is interrupted.
    fn reported(&self, mut run: RunRecord) -> RunRecord {
        if matches!(run.status, RunStatus::Running | RunStatus::Waiting) && !self.is_live(&run.id) {
            run.status = RunStatus::Interrupted;
        }
        run
    }
}

/// The run a [`Store::record`] update applies to: the one its event or step names.
fn update_target(
    event: Option<&Event>,
    step: Option<&StepRecord>,
    run_update: Option<RunUpdate>,
) -> Result<Option<(String, RunUpdate)>, StoreError> {
    let run = match (event, step) {
        (Some(e), Some(s)) if e.run != s.run => {
            return Err(StoreError::Invalid(format!(
                "record: the event is for run {} but the step is for run {}",
                e.run, s.run
            )));
        }
        (Some(e), _) => Some(e.run.clone()),
        (None, s) => s.map(|s| s.run.clone()),
    };
    match (run_update, run) {
        (Some(_), None) => {
            Err(StoreError::Invalid("record: a run update needs an event or a step to name its run".into()))
        }
        (Some(u), Some(run)) => Ok(Some((run, u))),
        (None, _) => Ok(None),
    }
}

/// The SQL and arguments listing runs for `filter`. A filter on a state that depends on the lock
/// (running, waiting, interrupted) selects all three and takes no LIMIT: the caller filters after
/// deriving each run's reported state.
fn runs_query(filter: &RunFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut args: Vec<String> = Vec::new();
    if let Some(w) = &filter.workflow {
        clauses.push("workflow = ?");
        args.push(w.clone());
    }
    if let Some(e) = &filter.environment {
        clauses.push("environment = ?");
        args.push(e.clone());
    }
    let by_lock = filter.status.is_some_and(|s| !s.is_final());
    match filter.status {
        Some(_) if by_lock => clauses.push("status IN ('running', 'waiting', 'interrupted')"),
        Some(s) => {
            clauses.push("status = ?");
            args.push(s.as_str().to_string());
        }
        None => {}
    }
    let mut sql = format!("SELECT {RUN_COLS} FROM runs");
    if !clauses.is_empty() {
        sql = format!("{sql} WHERE {}", clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY started_at DESC, id DESC");
    if filter.limit > 0 && !by_lock {
        sql = format!("{sql} LIMIT {}", filter.limit);
    }
    (sql, args)
}

pub(super) fn run_exists(tx: &Transaction<'_>, run: &str) -> Result<bool, StoreError> {
    tx.query_row("SELECT 1 FROM runs WHERE id = ?1", [run], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .ctx(&format!("looking up run {run}"))
}

fn insert_run(tx: &Transaction<'_>, run: &RunRecord) -> Result<(), StoreError> {
    tx.execute(
        &format!("INSERT INTO runs ({RUN_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
        params![
            run.id, run.workflow, run.title, run.environment, run.production, run.mode,
            run.status.as_str(), run.operator_uid, run.operator, run.host, run.started_at.0,
            run.finished_at.map(|m| m.0), run.life, run.exit_code, run.message, run.plan_json,
        ],
    )
    .ctx(&format!("storing run {}", run.id))?;
    Ok(())
}

fn update_run(tx: &Transaction<'_>, run: &str, u: &RunUpdate) -> Result<(), StoreError> {
    let changed = tx
        .prepare_cached(
            "UPDATE runs SET status = ?2, finished_at = ?3, exit_code = ?4, message = ?5 WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.execute(params![run, u.status.as_str(), u.finished_at.map(|m| m.0), u.exit_code, u.message])
        })
        .ctx(&format!("updating run {run}"))?;
    if changed == 0 {
        return Err(StoreError::NotFound { run: run.to_string() });
    }
    Ok(())
}

fn upsert_step(tx: &Transaction<'_>, s: &StepRecord) -> Result<(), StoreError> {
    tx.prepare_cached(UPSERT_STEP)
        .and_then(|mut st| {
            st.execute(params![
                s.run,
                s.step,
                s.idx,
                s.status.as_str(),
                s.attempt,
                s.started_at.map(|m| m.0),
                s.finished_at.map(|m| m.0),
                s.exit_code,
                s.pid,
                s.pgid,
                s.proc_start.map(u64::cast_signed),
                s.outputs_json,
                s.message,
                s.log_path,
            ])
        })
        .ctx(&format!("storing step {} of run {}", s.step, s.run))?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|source| StoreError::Json { what: "encoding an event".into(), source })
}

/// Parses a stored word with `parse`, as a conversion error naming the column when it is unknown.
pub(super) fn word<T>(row: &Row<'_>, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).ok_or_else(|| {
        let msg = format!("unknown value {text:?}; was the store written by a newer flightdeck?");
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, msg.into())
    })
}

fn micros(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Micros>> {
    Ok(row.get::<_, Option<i64>>(idx)?.map(Micros))
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: row.get(0)?,
        workflow: row.get(1)?,
        title: row.get(2)?,
        environment: row.get(3)?,
        production: row.get(4)?,
        mode: row.get(5)?,
        status: word(row, 6, RunStatus::parse)?,
        operator_uid: row.get(7)?,
        operator: row.get(8)?,
        host: row.get(9)?,
        started_at: Micros(row.get(10)?),
        finished_at: micros(row, 11)?,
        life: row.get(12)?,
        exit_code: row.get(13)?,
        message: row.get(14)?,
        plan_json: row.get(15)?,
    })
}

fn step_from_row(row: &Row<'_>) -> rusqlite::Result<StepRecord> {
    Ok(StepRecord {
        run: row.get(0)?,
        step: row.get(1)?,
        idx: row.get(2)?,
        status: word(row, 3, crate::event::StepStatus::parse)?,
        attempt: row.get(4)?,
        started_at: micros(row, 5)?,
        finished_at: micros(row, 6)?,
        exit_code: row.get(7)?,
        pid: row.get(8)?,
        pgid: row.get(9)?,
        proc_start: row.get::<_, Option<i64>>(10)?.map(i64::cast_unsigned),
        outputs_json: row.get(11)?,
        message: row.get(12)?,
        log_path: row.get(13)?,
    })
}
