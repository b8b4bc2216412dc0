//! `flightdeck run`, `resume` and `attach`: clients of the runner. They ask it to start or resume a
//! run, then follow the run's events (printing them, answering prompts on a terminal) and exit with
//! the code the outcome maps to. Ctrl-C on a foreground `run` or `resume` cancels the run; closing
//! the terminal (SIGHUP) or Ctrl-C on `attach` only detaches: the run goes on in the runner.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::cli::{AttachArgs, ResumeArgs, RunArgs};
use crate::engine::Decision;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::printer::Printer;
use crate::headless::prompt::Prompter;
use crate::runner::protocol::{Cursor, Request, Response, StartOptions};
use crate::runner::{Client, ClientError};

/// How many times a follower reconnects after its stream broke.
const RECONNECTS: u32 = 20;

/// `flightdeck run WORKFLOW ...`.
pub async fn run(ctx: &Project, a: RunArgs) -> Result<i32, Error> {
    let interactive = std::io::stdin().is_terminal() && !a.detach;
    let options = StartOptions {
        yes: a.yes,
        dry_run: a.dry_run,
        emergency: a.emergency,
        interactive,
        // A detached run waits at gates for answers from `flightdeck approve` or an attached client.
        wait_approvals: a.wait_approvals || a.detach,
        incident: a.incident,
    };
    let params = parse_params(&a.params)?;
    let req = Request::Start { workflow: a.workflow, env: a.env, params, options };
    start_and_follow(ctx, &req, a.json, a.detach, interactive).await
}

/// `flightdeck resume RUN`.
pub async fn resume(ctx: &Project, a: ResumeArgs) -> Result<i32, Error> {
    let interactive = std::io::stdin().is_terminal();
    let options =
        StartOptions { yes: a.yes, interactive, wait_approvals: a.wait_approvals, ..StartOptions::default() };
    let req = Request::Resume { run: a.run, options };
    start_and_follow(ctx, &req, a.json, false, interactive).await
}

/// `flightdeck attach RUN`.
pub async fn attach(ctx: &Project, a: &AttachArgs) -> Result<i32, Error> {
    let interactive = std::io::stdin().is_terminal();
    ctx.shutdown.handle();
    follow(ctx, &a.run, a.json, interactive, false).await
}

async fn start_and_follow(
    ctx: &Project,
    req: &Request,
    json: bool,
    detach: bool,
    interactive: bool,
) -> Result<i32, Error> {
    // From here on a signal is this command's to answer: one that lands between the runner
    // starting the run and the follower's watcher is acted on by the watcher (SIGHUP detaches),
    // never by the default "end the process" path.
    ctx.shutdown.handle();
    let mut client = connect(ctx, "run").await?;
    // A runner that never answers the start does not make a signal useless: 5 s after one, give up.
    let answer = tokio::select! {
        r = client.call(req) => r.map_err(client_error)?,
        reason = async {
            let reason = ctx.shutdown.wait().await;
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            reason
        } => {
            crate::errln!("flightdeck: {}", reason.describe());
            return Ok(exit::CANCELLED);
        }
    };
    let run = match answer {
        Response::Started { run, .. } => run,
        Response::Error { code, message } => {
            crate::errln!("flightdeck: {message}");
            return Ok(code);
        }
        other => return Err(Error::Invalid(format!("unexpected answer from the runner: {other:?}"))),
    };
    if detach {
        crate::outln!("{run}");
        return Ok(exit::OK);
    }
    follow(ctx, &run, json, interactive, true).await
}

/// Follows a run to its end: prints events, asks questions on a terminal, reconnects after a
/// broken stream from the last event seen. Returns the run's exit code.
async fn follow(
    ctx: &Project,
    run: &str,
    json: bool,
    interactive: bool,
    ctrl_c_cancels: bool,
) -> Result<i32, Error> {
    let cancel = CancellationToken::new();
    let (dtx, drx) = mpsc::channel(16);
    tokio::spawn(send_decisions(ctx.clone(), run.to_string(), drx));
    let mut prompter = interactive.then(|| Prompter::new(dtx.clone(), cancel.clone()));
    let detached = CancellationToken::new();
    watch_signals(ctx.clone(), run.to_string(), cancel.clone(), detached.clone(), ctrl_c_cancels);
    let mut printer = Printer::new(json);
    let mut cursor: Option<Cursor> = None;
    let mut fill = crate::runner::replay::LogFill::new();
    let mut full_id = run.to_string();
    let mut failures = 0;
    loop {
        let mut client = connect(ctx, "attach").await?;
        client.send(&Request::Attach { run: run.to_string(), from: cursor }).await.map_err(client_error)?;
        loop {
            let msg = tokio::select! {
                m = client.next() => m,
                () = detached.cancelled() => return Ok(exit::OK),
            };
            match msg {
                Ok(Some(Response::Event { event })) => {
                    if cursor.is_some_and(|c| Cursor::of(&event) <= c) {
                        continue;
                    }
                    cursor = Some(Cursor::of(&event));
                    full_id.clone_from(&event.run);
                    if let Some(want) = fill.before(&event) {
                        replay_log(ctx, &mut printer, &event, &want).await;
                    }
                    printer.event(&event);
                    if let Some(p) = prompter.as_mut() {
                        p.event(&event);
                    }
                }
                Ok(Some(Response::Ended { summary, status, exit_code })) => {
                    printer.summary(&ended(summary, &full_id, status, exit_code));
                    return Ok(exit_code);
                }
                Ok(Some(Response::Error { code, message })) => {
                    crate::errln!("flightdeck: {message}");
                    return Ok(code);
                }
                Ok(Some(_) | None) | Err(_) => break,
            }
        }
        failures += 1;
        if failures > RECONNECTS {
            return Err(Error::Invalid(format!(
                "lost the runner while following run {run}; `flightdeck attach {run}` follows it again"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The run's summary, or for a run the runner no longer holds (it ends with its stored state
/// only) one made of that state.
fn ended(
    summary: Option<crate::engine::Summary>,
    run: &str,
    status: crate::engine::RunStatus,
    exit_code: i32,
) -> crate::engine::Summary {
    summary.unwrap_or_else(|| crate::engine::Summary {
        run: run.to_string(),
        status,
        exit_code,
        message: None,
        steps: Vec::new(),
    })
}

/// Prints the log of `step` read from its file through the runner, before `at` (its end) in a
/// stream replayed from the journal, which holds no output lines.
async fn replay_log(
    ctx: &Project,
    printer: &mut Printer,
    at: &crate::engine::Event,
    want: &crate::runner::replay::Want,
) {
    let read = match connect(ctx, "attach").await {
        Ok(mut client) => crate::runner::replay::read_log(&mut client, &at.run, &want.step).await,
        Err(e) => Err(e.to_string()),
    };
    match read {
        Ok(bytes) => {
            for line in crate::runner::replay::lines(at, want, &bytes) {
                printer.event(&line);
            }
        }
        Err(e) => tracing::warn!(error = %e, run = %at.run, step = %want.step, "cannot read a step log"),
    }
}

/// Sends each answer typed at a prompt to the runner and reports a refused one.
async fn send_decisions(ctx: Project, run: String, mut rx: mpsc::Receiver<Decision>) {
    while let Some(decision) = rx.recv().await {
        match decide(&ctx, &run, decision).await {
            Ok(reply) if !reply.counted => crate::errln!("flightdeck: {}", reply.message),
            Ok(_) => {}
            Err(e) => crate::errln!("flightdeck: {e}"),
        }
    }
}

/// Sends one decision over a new connection; the runner's verdict.
pub async fn decide(ctx: &Project, run: &str, decision: Decision) -> Result<crate::engine::Reply, Error> {
    let mut client = connect(ctx, "decide").await?;
    match client.call(&Request::Decide { run: run.to_string(), decision }).await.map_err(client_error)? {
        Response::Decided { reply } => Ok(reply),
        Response::Error { message, .. } => Ok(crate::engine::Reply::refused(message)),
        other => Err(Error::Invalid(format!("unexpected answer from the runner: {other:?}"))),
    }
}

/// Ctrl-C and SIGTERM cancel the run (foreground `run`/`resume`) or detach (`attach`); SIGHUP (a
/// closed terminal, a dropped SSH link) detaches. A cancel typed at a prompt cancels too.
fn watch_signals(
    ctx: Project,
    run: String,
    typed: CancellationToken,
    detached: CancellationToken,
    ctrl_c_cancels: bool,
) {
    use crate::shutdown::Reason;
    ctx.shutdown.handle();
    let stop = ctx.shutdown.clone();
    tokio::spawn(async move {
        let cancel = tokio::select! {
            reason = stop.wait() => matches!(reason, Reason::Interrupt | Reason::Terminate) && ctrl_c_cancels,
            () = typed.cancelled() => true,
        };
        if !cancel {
            crate::errln!("flightdeck: detached; run {run} goes on (`flightdeck attach {run}`)");
            detached.cancel();
            return;
        }
        crate::errln!(
            "flightdeck: cancelling the run (the current step gets SIGTERM, then SIGKILL after 5s)"
        );
        if let Err(e) = cancel_run(&ctx, &run).await {
            crate::errln!("flightdeck: {e}");
            detached.cancel();
        }
    });
}

/// Asks the runner to cancel a run.
pub async fn cancel_run(ctx: &Project, run: &str) -> Result<(), Error> {
    let mut client = connect(ctx, "cancel").await?;
    match client.call(&Request::Cancel { run: run.to_string() }).await.map_err(client_error)? {
        Response::Done { .. } => Ok(()),
        Response::Error { message, .. } => Err(Error::Precondition(message)),
        other => Err(Error::Invalid(format!("unexpected answer from the runner: {other:?}"))),
    }
}

/// Connects to the data directory's runner, starting it when none answers.
pub async fn connect(ctx: &Project, what: &str) -> Result<Client, Error> {
    Client::connect(&ctx.connect(what)).await.map_err(client_error)
}

/// A client error as a command error.
#[allow(clippy::needless_pass_by_value)] // used as map_err(client_error)
pub fn client_error(e: ClientError) -> Error {
    if let ClientError::Untrusted(why) = e {
        return Error::Precondition(why);
    }
    if matches!(e, ClientError::NotAllowed { .. }) {
        return Error::Precondition(e.to_string());
    }
    Error::Io { context: "runner".into(), source: std::io::Error::other(e.to_string()) }
}

/// `-p name=value` pairs.
pub fn parse_params(raw: &[String]) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for p in raw {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Error::Invalid(format!("-p {p:?}: write parameters as NAME=VALUE")))?;
        if out.insert(k.trim().to_string(), v.to_string()).is_some() {
            return Err(Error::Invalid(format!("parameter {:?} given twice", k.trim())));
        }
    }
    Ok(out)
}
