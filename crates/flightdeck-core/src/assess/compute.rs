//! Putting an assessment together: each item's state from the project's disabled list, the
//! operator's newest setting (an audited override, shown with the evidence it overrides) or its
//! evidence rule; and recording an operator's setting.

use std::collections::BTreeMap;

use serde_json::json;

use super::evidence::{Finding, Inputs, evaluate};
use super::{AssessError, Checklist, ChecklistItem, ItemResult, Report, Source, State};
use crate::identity::Operator;
use crate::store::{ItemStateRecord, NewAudit, Store};
use crate::time::Micros;

fn base(list: &Checklist, item: &ChecklistItem) -> ItemResult {
    ItemResult {
        id: item.id.clone(),
        section: item.section_id().to_string(),
        subsection: item.subsection.clone(),
        text: item.text.clone(),
        critical: item.critical,
        gate: list.is_gate(item),
        state: State::Unknown,
        source: Source::None,
        note: None,
        detail: None,
        evidence: item.evidence.clone(),
        at: None,
        actor: None,
    }
}

/// Computes the assessment of `i.environment` against `list` (evidence rules run once each).
pub async fn assess(list: &Checklist, i: &Inputs<'_>) -> Result<Report, AssessError> {
    let operator: BTreeMap<String, ItemStateRecord> =
        i.store.operator_item_states(i.environment)?.into_iter().map(|r| (r.item.clone(), r)).collect();
    let mut findings: BTreeMap<String, Finding> = BTreeMap::new();
    let mut items = Vec::with_capacity(list.items.len());
    for item in &list.items {
        let mut r = base(list, item);
        if list.disabled.contains(&item.id) {
            r.state = State::NotApplicable;
            r.source = Source::Config;
            r.detail = Some("disabled in [assessment] of flightdeck.toml".into());
            items.push(r);
            continue;
        }
        if let Some(rule) = &item.evidence {
            if !findings.contains_key(rule) {
                findings.insert(rule.clone(), evaluate(rule, i).await);
            }
            if let Some(f) = findings.get(rule) {
                r.state = f.state;
                r.source = Source::Evidence;
                r.detail = Some(f.detail.clone());
                r.at = Some(i.now.0);
            }
        }
        if let Some(op) = operator.get(&item.id) {
            r.state = State::parse(&op.state).unwrap_or(State::Unknown);
            r.source = Source::Operator;
            r.note.clone_from(&op.note);
            r.actor.clone_from(&op.actor);
            r.at = Some(op.at.0);
            if let Some(d) = &r.detail {
                r.detail = Some(format!("overrides evidence: {d}"));
            }
        }
        items.push(r);
    }
    Ok(Report::compute(i.environment, i.now.0, &list.sections, items))
}

/// The stored copy of each item of a report.
pub fn item_records(report: &Report) -> Vec<ItemStateRecord> {
    report
        .items
        .iter()
        .map(|r| ItemStateRecord {
            item: r.id.clone(),
            state: r.state.as_str().into(),
            source: r.source.as_str().into(),
            note: r.note.clone(),
            detail: r.detail.clone(),
            actor: r.actor.clone(),
            at: Micros(r.at.unwrap_or(report.at)),
        })
        .collect()
}

/// Records report `r` of `environment` (its scores, `report_json` and its items' states) for
/// `assess history`; the new row's id.
pub async fn record(
    store: &Store,
    environment: &str,
    r: &Report,
    report_json: String,
) -> Result<i64, crate::store::StoreError> {
    let rec = crate::store::AssessmentRecord {
        id: 0,
        at: Micros(r.at),
        environment: environment.to_string(),
        overall: r.overall,
        coverage: r.coverage,
        ready: r.ready,
    };
    store.save_assessment(&rec, report_json, item_records(r)).await
}

/// Records the operator's `state` and `note` for item `id` in `environment`, and audits it
/// (`assess.set`, with the item, the state and the note).
pub async fn set_item(
    store: &Store,
    list: &Checklist,
    environment: &str,
    id: &str,
    state: &str,
    note: Option<String>,
    now: Micros,
) -> Result<State, AssessError> {
    let item = list.item(id)?;
    let state = State::parse(state).ok_or_else(|| AssessError::UnknownState(state.to_string()))?;
    let op = Operator::current();
    let rec = ItemStateRecord {
        item: item.id.clone(),
        state: state.as_str().into(),
        source: Source::Operator.as_str().into(),
        note: note.clone(),
        detail: None,
        actor: Some(op.name.clone()),
        at: now,
    };
    store.set_assessment_item(environment, &rec).await?;
    store
        .audit(NewAudit {
            at: now,
            uid: op.uid,
            actor: op.name,
            action: "assess.set".into(),
            run: None,
            detail: json!({ "environment": environment, "item": item.id, "state": state.as_str(), "note": note }),
        })
        .await?;
    Ok(state)
}

/// The environment assessed when none is named: the first production one, else the default.
pub fn default_environment(config: &crate::config::Config) -> String {
    config
        .environments
        .values()
        .find(|e| e.production)
        .map_or_else(|| config.default_env().to_string(), |e| e.name.clone())
}
