//! Parameter values from text (`-p key=value`, the launch form) to typed JSON, checked against the
//! declared type, choices, pattern and `required`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{PlanError, type_hint, unknown_param};
use crate::workflow::model::{Param, ParamType};

/// Checks every given value and fills defaults; errors name the parameter and what it takes.
pub(super) fn resolve(
    declared: &[Param],
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, PlanError> {
    if let Some(unknown) = given.keys().find(|k| !declared.iter().any(|p| &p.name == *k)) {
        return Err(unknown_param(unknown, declared));
    }
    let mut out = BTreeMap::new();
    for p in declared {
        let value = match given.get(&p.name) {
            Some(text) => coerce_param(p, text)?,
            None => match &p.default {
                Some(d) => d.clone(),
                None if p.required => {
                    return Err(PlanError::Param {
                        name: p.name.clone(),
                        message: format!("is required ({}): give it with -p {}=VALUE", type_hint(p), p.name),
                    });
                }
                None => continue,
            },
        };
        out.insert(p.name.clone(), value);
    }
    Ok(out)
}

/// A default with `{{ environment.KEY }}` placeholders (`save_as = "{{ environment.name }}-latest"`)
/// rendered for the run's environment; any other default, or one naming other variables (which
/// a default cannot know yet), is returned as written.
pub fn render_default(default: &Value, environment: &BTreeMap<String, Value>) -> Value {
    resolve_default(default, environment).unwrap_or_else(|_| default.clone())
}

/// Like [`render_default`], but a templated default that cannot be resolved before the run is an
/// error saying why: it names a variable other than `environment.*` (a step's outputs, a
/// parameter, a secret), a key the environment lacks, or it does not parse.
pub fn resolve_default(default: &Value, environment: &BTreeMap<String, Value>) -> Result<Value, String> {
    let Some(text) = default.as_str().filter(|t| t.contains("{{")) else { return Ok(default.clone()) };
    let template = crate::workflow::template::Template::new(text);
    let vars = template.vars().map_err(|e| format!("it does not parse: {e}"))?;
    if let Some(v) = vars.iter().find(|v| v.segments.first().is_none_or(|s| s != "environment")) {
        return Err(format!("{v} is not known before the run (a default may name environment.* only)"));
    }
    if let Some(v) = vars.iter().find(|v| v.segments.get(1).is_some_and(|k| !environment.contains_key(k))) {
        let name = environment.get("name").and_then(Value::as_str).unwrap_or("the environment");
        return Err(format!("{v} is not set for environment {name:?}"));
    }
    let (params, outputs, secrets, run) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let scope = crate::workflow::template::Scope {
        params: &params,
        environment,
        outputs: &outputs,
        step_prefix: None,
        secrets: &secrets,
        run: &run,
    };
    template.render(&scope, false).map(Value::String).map_err(|e| e.to_string())
}

/// Converts one text value to the parameter's type, or says what it takes.
pub fn coerce_param(p: &Param, text: &str) -> Result<Value, PlanError> {
    let bad = |why: String| PlanError::Param { name: p.name.clone(), message: why };
    match &p.ty {
        ParamType::Bool => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "on" => Ok(Value::Bool(true)),
            "false" | "no" | "n" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err(bad(format!("{text:?} is not true or false"))),
        },
        ParamType::Number => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.trim().parse::<f64>().map(Value::from))
            .map_err(|_| bad(format!("{text:?} is not a number"))),
        ParamType::Choice { choices } => {
            if choices.iter().any(|c| c == text) {
                Ok(Value::String(text.to_string()))
            } else {
                Err(bad(format!("{text:?} is not one of {}", choices.join(", "))))
            }
        }
        ParamType::String => {
            if p.required && text.trim().is_empty() {
                return Err(bad("must not be empty".into()));
            }
            if let Some(pat) = &p.pattern {
                let re = regex::Regex::new(&format!("^(?:{pat})$"))
                    .map_err(|e| bad(format!("its pattern does not compile: {e}")))?;
                if !re.is_match(text) {
                    return Err(bad(format!("{text:?} does not match {pat}")));
                }
            }
            Ok(Value::String(text.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(
        name: &str,
        ty: ParamType,
        default: Option<Value>,
        required: bool,
        pattern: Option<&str>,
    ) -> Param {
        Param {
            name: name.into(),
            prompt: name.into(),
            ty,
            default,
            required,
            pattern: pattern.map(str::to_string),
            help: None,
        }
    }

    #[test]
    fn types_values_and_fills_defaults() {
        let declared = vec![
            param("version", ParamType::String, None, true, Some(r"v?[0-9]+\.[0-9]+\.[0-9]+")),
            param("migrate", ParamType::Bool, Some(Value::Bool(true)), false, None),
            param("count", ParamType::Number, None, false, None),
        ];
        let mut given = BTreeMap::new();
        given.insert("version".to_string(), "1.2.3".to_string());
        given.insert("count".to_string(), "3".to_string());
        let out = resolve(&declared, &given).unwrap();
        assert_eq!(out["version"], Value::String("1.2.3".into()));
        assert_eq!(out["migrate"], Value::Bool(true));
        assert_eq!(out["count"], Value::from(3));
    }

    #[test]
    fn a_default_naming_the_environment_is_rendered_for_it() {
        let mut env = BTreeMap::new();
        env.insert("name".to_string(), Value::String("staging".into()));
        let d = Value::String("{{ environment.name }}-latest".into());
        assert_eq!(render_default(&d, &env), Value::String("staging-latest".into()));
        // Other variables are unknown before the run: kept as written, as are plain values.
        let other = Value::String("{{ params.x }}-y".into());
        assert_eq!(render_default(&other, &env), other);
        assert_eq!(render_default(&Value::Bool(true), &env), Value::Bool(true));
        // A key the environment lacks keeps the default too (the run reports it where it is used).
        let missing = Value::String("{{ environment.url }}".into());
        assert_eq!(render_default(&missing, &env), missing);
    }

    #[test]
    fn a_default_that_cannot_be_resolved_says_why() {
        let mut env = BTreeMap::new();
        env.insert("name".to_string(), Value::String("staging".into()));
        let step = Value::String("{{ steps.build.outputs.tag }}".into());
        let why = resolve_default(&step, &env).unwrap_err();
        assert!(why.contains("steps.build.outputs.tag") && why.contains("before the run"), "{why}");
        let missing = Value::String("{{ environment.url }}/".into());
        let why = resolve_default(&missing, &env).unwrap_err();
        assert!(why.contains("environment.url") && why.contains("\"staging\""), "{why}");
        let ok = Value::String("{{ environment.name }}-latest".into());
        assert_eq!(resolve_default(&ok, &env), Ok(Value::String("staging-latest".into())));
    }

    #[test]
    fn errors_name_the_parameter() {
        let declared = vec![
            param("version", ParamType::String, None, true, Some(r"[0-9]+\.[0-9]+\.[0-9]+")),
            param("tier", ParamType::Choice { choices: vec!["a".into(), "b".into()] }, None, false, None),
        ];
        let err = resolve(&declared, &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("\"version\"") && err.contains("-p version="), "{err}");
        let mut given = BTreeMap::new();
        given.insert("version".to_string(), "1.2".to_string());
        assert!(resolve(&declared, &given).unwrap_err().to_string().contains("does not match"));
        given.insert("version".to_string(), "1.2.0".to_string());
        given.insert("tier".to_string(), "c".to_string());
        assert!(resolve(&declared, &given).unwrap_err().to_string().contains("not one of a, b"));
        given.remove("tier");
        given.insert("verison".to_string(), "x".to_string());
        assert!(resolve(&declared, &given).unwrap_err().to_string().contains("did you mean \"version\""));
    }
}
