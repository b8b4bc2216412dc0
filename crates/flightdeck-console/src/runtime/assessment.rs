//! The Assessment screen's effects: compute the assessment of the default assessed environment
//! (evidence rules over the store, git and Prometheus; nothing stored), and record an operator's
//! state and note (audited), then compute again.

use crate::msg::{Effect, Msg};
use crate::runtime::Console;
use flightdeck_core::assess::{self, evidence::Inputs};

impl Console {
    pub(super) async fn assessment_effect(&mut self, effect: Effect) -> Msg {
        let store = match self.local_store() {
            Ok(s) => s,
            Err(text) => return Msg::Notice { text },
        };
        let config = &self.ctx.config;
        let env = assess::default_environment(config);
        let list = match assess::checklist::for_config(config) {
            Ok(l) => l,
            Err(e) => return Msg::AssessmentLoaded { report: Err(e.to_string()) },
        };
        let now = flightdeck_core::time::now();
        if let Effect::SetAssessmentItem { item, state, note } = effect
            && let Err(e) = assess::set_item(&store, &list, &env, &item, &state, note, now).await
        {
            return Msg::Notice { text: format!("cannot set {item}: {e}") };
        }
        let inputs = Inputs {
            config,
            store: &store,
            project_dir: &self.ctx.paths.project_dir,
            environment: &env,
            now,
        };
        let report = assess::assess(&list, &inputs).await.map(Box::new).map_err(|e| e.to_string());
        Msg::AssessmentLoaded { report }
    }
}
