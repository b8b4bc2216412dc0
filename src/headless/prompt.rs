//! Answering the engine's questions on a terminal: gates, the failure menu, re-run confirmation,
//! and the hidden prompt for a secret's value (`create = "prompt"`: echo off while it is typed;
//! the value goes only to the runner, see `secret_question`).
//!
//! One thread reads stdin lines for the whole process; each question is a task that takes lines
//! from it, and is dropped if the question is settled elsewhere (another terminal approved).

use std::io::BufRead;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::engine::event::{Decision, EventKind, FailureAction, GateForm, GateInfo};

/// Asks questions on the terminal and sends the answers to the engine.
#[derive(Debug)]
pub struct Prompter {
    decisions: mpsc::Sender<Decision>,
    cancel: CancellationToken,
    lines: Arc<Mutex<mpsc::Receiver<String>>>,
    asking: Option<(String, JoinHandle<()>)>,
}

impl Prompter {
    /// Starts the stdin reader.
    pub fn new(decisions: mpsc::Sender<Decision>, cancel: CancellationToken) -> Prompter {
        let (tx, rx) = mpsc::channel(8);
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.blocking_send(line).is_err() {
                    break;
                }
            }
        });
        Prompter { decisions, cancel, lines: Arc::new(Mutex::new(rx)), asking: None }
    }

    /// Reacts to an event: asks a question, or drops one that was settled.
    pub fn event(&mut self, kind: &crate::engine::event::Event) {
        match &kind.kind {
            EventKind::GateWaiting { info } => self.ask(info.gate.clone(), gate_question(info.clone())),
            EventKind::FailureMenu { step, attempt, error, default } => {
                let key = format!("fail:{step}#{attempt}");
                self.ask(key, failure_question(step.clone(), *attempt, error, *default));
            }
            EventKind::RerunNeeded { step, still_running } => {
                self.ask(format!("rerun:{step}"), rerun_question(step.clone(), *still_running));
            }
            EventKind::StepProgress { data, .. } => {
                if let Some((id, q)) = secret_question(data) {
                    self.ask(id, q);
                } else if data
                    .get(PROMPT_CLOSED)
                    .is_some_and(|c| self.asking.as_ref().is_some_and(|(k, _)| c == k.as_str()))
                {
                    self.settle();
                }
            }
            EventKind::StepFinished { step, .. } | EventKind::StepStarted { step, .. }
                if self.asking.as_ref().is_some_and(|(k, _)| k.starts_with(&format!("{step}#"))) =>
            {
                self.settle();
            }
            EventKind::RunFinished { .. } => self.settle(),
            _ => {}
        }
    }

    fn settle(&mut self) {
        if let Some((_, handle)) = self.asking.take() {
            handle.abort();
        }
    }

    fn ask(&mut self, key: String, question: Question) {
        self.settle();
        let lines = Arc::clone(&self.lines);
        let tx = self.decisions.clone();
        let cancel = self.cancel.clone();
        let handle = tokio::spawn(async move {
            loop {
                // Echo off from before the prompt shows until the line is in (a hidden question).
                let quiet = if question.hidden {
                    match crate::headless::secret_create::NoEcho::new() {
                        Ok(q) => Some(q),
                        Err(e) => {
                            crate::errln!("flightdeck: {e}");
                            return;
                        }
                    }
                } else {
                    None
                };
                crate::err!("{}", question.prompt);
                let Some(line) = lines.lock().await.recv().await else { return };
                drop(quiet);
                let line = zeroize::Zeroizing::new(line);
                let text = if question.hidden { line.as_str() } else { line.trim() };
                match (question.parse)(text) {
                    Answer::Decision(d) => {
                        let _ = tx.send(d).await;
                        return;
                    }
                    Answer::Cancel => {
                        cancel.cancel();
                        return;
                    }
                    Answer::Again(why) => crate::errln!("{why}"),
                }
            }
        });
        self.asking = Some((key, handle));
    }
}

enum Answer {
    Decision(Decision),
    Cancel,
    Again(String),
}

struct Question {
    prompt: String,
    parse: Box<dyn Fn(&str) -> Answer + Send>,
    /// Typed with echo off (a secret's value).
    hidden: bool,
}

/// The `StepProgress` key that opens a secret prompt, and the one that closes it.
const PROMPT_OPEN: &str = flightdeck_core::runner::prompt::OPEN;
const PROMPT_CLOSED: &str = flightdeck_core::runner::prompt::CLOSED;

/// The hidden question of a secret prompt event (its id and the question), if `data` opens one.
/// The typed value becomes a [`Decision::SecretValue`] sent to the runner and nowhere else.
fn secret_question(data: &serde_json::Value) -> Option<(String, Question)> {
    let p = data.get(PROMPT_OPEN)?;
    let field = |k: &str| p.get(k).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    let (id, secret, env) = (field("id"), field("secret"), field("environment"));
    let min = p.get("min_length").and_then(serde_json::Value::as_u64).unwrap_or(8);
    if let Some(again) = p.get("again").and_then(serde_json::Value::as_str) {
        crate::errln!("{}", flightdeck_core::sanitize::one_line(&format!("not taken: {again}")));
    }
    let prompt = flightdeck_core::sanitize::one_line(&format!(
        "Value of secret {secret} for {env} (not shown, at least {min} characters): "
    ))
    .into_owned();
    let key = id.clone();
    let parse = Box::new(move |a: &str| {
        if a.is_empty() {
            return Answer::Again("the value is empty: type it, or ctrl-c cancels the run".into());
        }
        let value = crate::engine::event::SecretText::new(a.to_string());
        Answer::Decision(Decision::SecretValue { prompt: key.clone(), value })
    });
    Some((id, Question { prompt, parse, hidden: true }))
}

fn gate_question(info: GateInfo) -> Question {
    let gate = info.gate.clone();
    match info.form {
        GateForm::YesNo { default_yes } => Question {
            hidden: false,
            prompt: format!("Approve \"{}\"? {} ", info.message, if default_yes { "[Y/n]" } else { "[y/N]" }),
            parse: Box::new(move |a| match a.to_ascii_lowercase().as_str() {
                "y" | "yes" => Answer::Decision(Decision::Approve { gate: gate.clone(), comment: None }),
                "" if default_yes => {
                    Answer::Decision(Decision::Approve { gate: gate.clone(), comment: None })
                }
                "n" | "no" | "" => Answer::Decision(Decision::Reject { gate: gate.clone(), comment: None }),
                _ => Answer::Again("answer y or n".into()),
            }),
        },
        GateForm::Phrase { phrase } => Question {
            hidden: false,
            prompt: format!("Type \"{phrase}\" to approve (empty rejects): "),
            parse: Box::new(move |a| {
                if a.is_empty() {
                    Answer::Decision(Decision::Reject { gate: gate.clone(), comment: None })
                } else {
                    Answer::Decision(Decision::Phrase { gate: gate.clone(), text: a.to_string() })
                }
            }),
        },
        GateForm::Choice { choices, default } => choice_question(gate, choices, default),
    }
}

fn choice_question(gate: String, choices: Vec<String>, default: Option<String>) -> Question {
    let menu: Vec<String> = choices.iter().enumerate().map(|(i, c)| format!("{}) {c}", i + 1)).collect();
    let dflt = default.clone().map(|d| format!(" [{d}]")).unwrap_or_default();
    Question {
        hidden: false,
        prompt: format!("Choose {}{dflt}: ", menu.join("  ")),
        parse: Box::new(move |a| {
            let pick = if a.is_empty() {
                default.clone()
            } else if let Ok(n) = a.parse::<usize>() {
                choices.get(n.wrapping_sub(1)).cloned()
            } else {
                choices.iter().find(|c| c.as_str() == a).cloned()
            };
            match pick {
                Some(option) => Answer::Decision(Decision::Choose { gate: gate.clone(), option }),
                None => Answer::Again(format!("pick one of: {}", choices.join(", "))),
            }
        }),
    }
}

fn failure_question(step: String, attempt: u32, error: &str, default: FailureAction) -> Question {
    let name = |a: FailureAction| match a {
        FailureAction::Retry => "retry",
        FailureAction::Skip => "skip",
        FailureAction::Rollback => "rollback",
        FailureAction::Abort => "abort",
    };
    Question {
        hidden: false,
        prompt: format!(
            "{step} failed ({error}). [r]etry, [s]kip, roll[b]ack, [a]bort? [{}] ",
            name(default)
        ),
        parse: Box::new(move |a| {
            let action = match a.to_ascii_lowercase().as_str() {
                "" => default,
                "r" | "retry" => FailureAction::Retry,
                "s" | "skip" => FailureAction::Skip,
                "b" | "rollback" => FailureAction::Rollback,
                "a" | "abort" => FailureAction::Abort,
                _ => return Answer::Again("answer r, s, b or a".into()),
            };
            Answer::Decision(Decision::OnFailure { step: step.clone(), attempt, action })
        }),
    }
}

fn rerun_question(step: String, still_running: bool) -> Question {
    let prompt = if still_running {
        format!("{step} is still running from the dead process. Kill it and re-run the step? [y/N] ")
    } else {
        format!("{step} may have half-run when the process died. Run it again? [y/N] ")
    };
    Question {
        hidden: false,
        prompt,
        parse: Box::new(move |a| match a.to_ascii_lowercase().as_str() {
            "y" | "yes" => Answer::Decision(Decision::ConfirmRerun { step: step.clone() }),
            "n" | "no" | "" => Answer::Cancel,
            _ => Answer::Again("answer y or n".into()),
        }),
    }
}
