//! `flightdeck monitoring generate|check`: an environment's monitors as Prometheus, blackbox
//! exporter and Alertmanager files, checked with the real promtool and amtool before they replace
//! anything (a rejected file leaves the previous files in place).

use std::path::Path;

use crate::cli::{AlertsCommand, AlertsListenArgs, MonitoringCommand, MonitoringGenerateArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::monitoring::{self, MonitoringError, Targets};
use crate::store::AlertRecord;

/// Dispatches `monitoring`.
pub async fn monitoring(ctx: &Project, c: &MonitoringCommand) -> Result<i32, Error> {
    match c {
        MonitoringCommand::Apply(a) => {
            monitoring::live::reload(&a.urls).await.map_err(err)?;
            crate::outln!("reloaded: {}", a.urls.join(", "));
            Ok(exit::OK)
        }
        MonitoringCommand::Verify(a) => {
            let limit = crate::time::parse_duration(&a.timeout)
                .ok_or_else(|| Error::Invalid(format!("--timeout {:?} is not a duration", a.timeout)))?;
            match monitoring::live::verify(&a.prometheus, std::time::Duration::from_millis(limit)).await {
                Ok(s) => {
                    crate::outln!("{s}");
                    Ok(exit::OK)
                }
                Err(e) => {
                    crate::errln!("flightdeck: {e}");
                    Ok(exit::MONITOR_DOWN)
                }
            }
        }
        MonitoringCommand::Generate(a) => generate(ctx, a),
        MonitoringCommand::Check(a) => {
            monitoring::check(&a.dir).map_err(err)?;
            crate::outln!("{}: promtool and amtool accept the files", a.dir.display());
            Ok(exit::OK)
        }
    }
}

fn err(e: MonitoringError) -> Error {
    match e {
        MonitoringError::Tool { .. } => Error::Precondition(e.to_string()),
        other => Error::Invalid(other.to_string()),
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Io { context: format!("{what} {}", path.display()), source: e }
}

fn generate(ctx: &Project, a: &MonitoringGenerateArgs) -> Result<i32, Error> {
    let env = a.env.clone().unwrap_or_else(|| crate::assess::default_environment(&ctx.config));
    let targets = Targets {
        blackbox: a.blackbox.clone(),
        alertmanager: a.alertmanager.clone(),
        receiver: a.receiver.clone(),
        interval_s: a.interval,
    };
    let g = monitoring::generate(&ctx.config, &env, &targets).map_err(err)?;
    let staging = a.out.join(".flightdeck-new");
    std::fs::create_dir_all(&staging).map_err(|e| io("creating", &staging, e))?;
    for (name, text) in &g.files {
        let path = staging.join(name);
        std::fs::write(&path, text).map_err(|e| io("writing", &path, e))?;
    }
    if let Err(e) = monitoring::check(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(err(e));
    }
    for name in g.files.keys() {
        let (from, to) = (staging.join(name), a.out.join(name));
        std::fs::rename(&from, &to).map_err(|e| io("replacing", &to, e))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    for u in &g.untranslated {
        crate::errln!("untranslated: {u}");
    }
    crate::outln!(
        "{}: {} written for {env}, accepted by promtool and amtool; {} untranslated conditions",
        a.out.display(),
        g.files.keys().cloned().collect::<Vec<_>>().join(", "),
        g.untranslated.len()
    );
    Ok(exit::OK)
}

/// Dispatches `alerts`.
pub async fn alerts(ctx: &Project, c: &AlertsCommand) -> Result<i32, Error> {
    match c {
        AlertsCommand::Listen(a) => listen(ctx, a).await,
        AlertsCommand::List(a) => {
            let rows =
                crate::headless::history::History::open(ctx, "alerts list").await?.alerts(a.limit).await?;
            if a.json {
                crate::outln!("{}", serde_json::json!(rows));
            }
            for r in rows.iter().filter(|_| !a.json) {
                print_alert(r);
            }
            Ok(exit::OK)
        }
    }
}

fn print_alert(r: &AlertRecord) {
    crate::outln!(
        "{} {} {} monitor={} {}",
        r.received_at.to_rfc3339(),
        r.status,
        r.alertname,
        r.monitor.as_deref().unwrap_or("-"),
        r.summary.as_deref().unwrap_or("")
    );
}

async fn listen(ctx: &Project, a: &AlertsListenArgs) -> Result<i32, Error> {
    let limit = match &a.duration {
        Some(d) => Some(crate::time::parse_duration(d).ok_or_else(|| {
            Error::Invalid(format!("--for {d:?} is not a duration; write e.g. \"30s\" or \"5m\""))
        })?),
        None => None,
    };
    let store = ctx.store()?;
    let (listener, local) = monitoring::receiver::bind(&a.addr)
        .await
        .map_err(|e| Error::Precondition(format!("cannot listen on {}: {e}", a.addr)))?;
    crate::outln!("listening on http://{local}/alerts");
    ctx.shutdown.handle();
    let stop = ctx.shutdown.token();
    if let Some(ms) = limit {
        let s = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            s.cancel();
        });
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let server = tokio::spawn(monitoring::receiver::serve(listener, store, tx, stop.clone()));
    while let Some(r) = rx.recv().await {
        print_alert(&r);
    }
    let _ = server.await;
    Ok(exit::OK)
}
