//! `[cost]` of `flightdeck.toml`: which billing tags or labels name a line's service and
//! environment, and the smallest daily amount that can be flagged as an anomaly.

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// `[cost]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostConfig {
    /// Tag or label keys naming the service, first present wins (default `service`, `app`).
    #[serde(default = "default_service_tags")]
    pub service_tags: Vec<String>,
    /// Tag or label keys naming the environment, first present wins (default `environment`, `env`).
    #[serde(default = "default_environment_tags")]
    pub environment_tags: Vec<String>,
    /// A day's cost is flagged only above this amount, in the line's currency (default `"10"`).
    #[serde(default = "default_min_amount")]
    pub min_amount: String,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig {
            service_tags: default_service_tags(),
            environment_tags: default_environment_tags(),
            min_amount: default_min_amount(),
        }
    }
}

fn default_service_tags() -> Vec<String> {
    vec!["service".into(), "app".into()]
}

fn default_environment_tags() -> Vec<String> {
    vec!["environment".into(), "env".into()]
}

fn default_min_amount() -> String {
    "10".into()
}

impl CostConfig {
    /// `min_amount` as an exact decimal.
    pub fn min_amount(&self) -> Result<rust_decimal::Decimal, String> {
        self.min_amount.trim().parse().map_err(|_| {
            format!(
                "[cost] min_amount {:?} is not a decimal amount; write it like \"10\" or \"25.50\"",
                self.min_amount
            )
        })
    }

    /// Checks the values serde cannot: `min_amount` is a decimal, the tag lists are not empty.
    pub(super) fn check(&self, text: &str, path: &std::path::Path) -> Result<(), Diagnostic> {
        if let Err(message) = self.min_amount() {
            let line = super::find_line_in_table(text, "cost", "min_amount");
            return Err(
                Diagnostic::new(path, line, 1, message).with_help("quote the amount: min_amount = \"10\"")
            );
        }
        for (key, list) in
            [("service_tags", &self.service_tags), ("environment_tags", &self.environment_tags)]
        {
            if list.is_empty() || list.iter().any(|k| k.trim().is_empty()) {
                let line = super::find_line_in_table(text, "cost", key);
                return Err(Diagnostic::new(path, line, 1, format!("[cost] {key} must list tag keys"))
                    .with_help(format!("for example {key} = [\"service\"]")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    #[test]
    fn cost_section_defaults_and_bad_values_name_the_line() {
        let c = Config::parse("", Path::new("flightdeck.toml")).unwrap();
        assert_eq!(c.cost.service_tags, ["service", "app"]);
        assert_eq!(c.cost.min_amount().unwrap(), rust_decimal::Decimal::TEN);
        let text = "[cost]\nservice_tags = [\"svc\"]\nmin_amount = \"ten\"\n";
        let e = Config::parse(text, Path::new("flightdeck.toml")).unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.contains("\"ten\""), "{e:?}");
        let e = Config::parse("[cost]\nservice_tag = []\n", Path::new("flightdeck.toml")).unwrap_err();
        assert!(e.message.contains("service_tag"), "{e:?}");
    }
}
