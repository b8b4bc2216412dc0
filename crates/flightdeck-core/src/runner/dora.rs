//! DORA through the runner (`Query::Dora`): the dashboard computed from the runner's store and
//! project, with a `--service` checked against `[services]` and the ledger ([`check_service`]).

use crate::dora::Dashboard;
use crate::error::exit;
use crate::runner::protocol::Response;
use crate::runner::query::{Failed, internal};
use crate::runner::server::Server;
use crate::store::records::DeploymentRecord;
use crate::time::Micros;

impl Server {
    pub(super) fn dora(
        &self,
        service: Option<String>,
        environment: Option<String>,
        (since, until): (Micros, Micros),
        tz: Option<&str>,
        now: Micros,
    ) -> Result<Dashboard, Failed> {
        let invalid = |e: crate::dora::DoraError| Box::new(Response::error(exit::USAGE, e.to_string()));
        let config = crate::config::Config::load(&self.project_dir)
            .map_err(|d| Box::new(Response::error(exit::USAGE, d.to_string())))?;
        let tz = crate::dora::window::time_zone(tz).map_err(invalid)?;
        let window = crate::dora::window::Window::new(since, until, tz).map_err(invalid)?;
        if let Some(name) = &service {
            let deps = self.store.deployments().map_err(internal)?;
            check_service(&config, &deps, name).map_err(|m| Box::new(Response::error(exit::USAGE, m)))?;
        }
        let query = crate::dora::DashboardQuery { service, environment, window };
        crate::dora::compute_dashboard(&self.store, &config, &self.project_dir, &query, now).map_err(|e| {
            match e {
                crate::dora::DoraError::Store(s) => internal(s),
                other => invalid(other),
            }
        })
    }
}

/// Refuses a `--service` that neither `[services]` nor the ledger knows, listing those that are.
pub fn check_service(
    config: &crate::config::Config,
    deployments: &[DeploymentRecord],
    name: &str,
) -> Result<(), String> {
    let mut known: Vec<String> = config.services.keys().cloned().collect();
    known.extend(deployments.iter().map(|d| d.service.clone()));
    known.sort();
    known.dedup();
    if known.iter().any(|k| k == name) {
        return Ok(());
    }
    let list = if known.is_empty() { "none yet".to_string() } else { known.join(", ") };
    Err(format!("no service {name:?} in [services] or the ledger; the services are: {list}"))
}
